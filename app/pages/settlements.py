"""Settlements: what each location is owed through a date, payout batches, bank files."""

from __future__ import annotations

import reflex as rx

from app.components.dialogs import confirm_dialog
from app.components.forms import inline_field
from app.components.i18n import t
from app.components.layout import dashboard_shell, error_callout, owners_only, page_title, success_callout
from app.components.payout_readiness import readiness_checklist
from app.components.payout_returns import returns_card
from app.components.tables import data_table
from app.pages.settlements_delivery import delivery_line
from app.state.language import N_
from app.state.settlements import SettlementsState


def _header(*names: str) -> rx.Component:
    return rx.table.header(rx.table.row(*[rx.table.column_header_cell(name) for name in names]))


def _preview() -> rx.Component:
    line = lambda row: rx.table.row(  # noqa: E731
        rx.table.cell(row["name"]), rx.table.cell(row["count"]), rx.table.cell(row["gross"]),
        rx.table.cell(row["commission"]), rx.table.cell(row["net"]), rx.table.cell(row["bank"]),
        id="payables-line-" + row["location_id"], class_name="payables-line",
    )
    skipped = lambda row: rx.table.row(  # noqa: E731
        rx.table.cell(row["name"]), rx.table.cell(row["count"]), rx.table.cell(row["gross"]),
        rx.table.cell(row["reason"]),
        id="payables-skipped-" + row["location_id"], class_name="payables-skipped",
    )
    return rx.card(
        rx.vstack(
            rx.heading(t("Owed to the locations"), size="4"),
            rx.hstack(
                inline_field(t("Everything unpaid through"), "settlements-through", SettlementsState.through,
                             SettlementsState.set_through, type="date"),
                inline_field(t("from (optional)"), "settlements-from", SettlementsState.from_date,
                             SettlementsState.set_from_date, type="date"),
                inline_field(t("money on (optional)"), "settlements-effective", SettlementsState.effective,
                             SettlementsState.set_effective, type="date"),
                rx.button(t("Show"), id="settlements-preview-apply", size="3", variant="soft",
                          on_click=SettlementsState.show_preview),
                rx.button(rx.icon("plus"), t("Create batch"), id="payout-create", size="3",
                          on_click=SettlementsState.create_batch,
                          disabled=((SettlementsState.preview_lines.length() == 0)
                                    & (SettlementsState.prenotes_due == ""))
                          | (SettlementsState.create_blocked != "")),
                align="center", spacing="3", wrap="wrap",
            ),
            rx.cond(SettlementsState.create_blocked != "",
                    rx.text(SettlementsState.create_blocked, id="payout-create-blocked", size="2", role="status",
                            color=rx.color("amber", 11))),
            rx.box(
                rx.table.root(
                    _header(t("Location"), t("Redemptions"), t("Gross"), t("Commission"), t("Net"), t("Paid to")),
                    rx.table.body(
                        rx.foreach(SettlementsState.preview_lines, line),
                        rx.table.row(
                            rx.table.cell(rx.text(t("Total"), weight="bold")),
                            rx.table.cell(SettlementsState.preview_totals["count"]),
                            rx.table.cell(SettlementsState.preview_totals["gross"]),
                            rx.table.cell(SettlementsState.preview_totals["commission"]),
                            rx.table.cell(rx.text(SettlementsState.preview_totals["net"], weight="bold")),
                            rx.table.cell(""),
                            id="payables-total",
                        ),
                    ),
                    width="100%", size="2",
                ),
                rx.cond(SettlementsState.prenotes_due != "",
                         rx.text(t("The next batch's NACHA file carries a prenote for: "), SettlementsState.prenotes_due,
                                 id="payables-prenotes-due", size="2", margin_top="8px")),
                rx.cond(
                    SettlementsState.preview_skipped.length() > 0,
                    rx.vstack(
                        rx.heading(t("Left out (their redemptions stay payable)"), size="3"),
                        rx.table.root(
                            _header(t("Location"), t("Redemptions"), t("Gross"), t("Why")),
                            rx.table.body(rx.foreach(SettlementsState.preview_skipped, skipped)),
                            width="100%", size="2",
                        ),
                        width="100%", margin_top="12px",
                    ),
                ),
                id="payables-preview", width="100%",
            ),
            spacing="3", width="100%",
        ),
        width="100%",
    )


def _batches() -> rx.Component:
    row = lambda batch: rx.table.row(  # noqa: E731
        rx.table.cell("#" + batch["id"]),
        rx.table.cell(rx.badge(batch["status_label"], id="payout-status-" + batch["id"],
                               color_scheme=rx.match(batch["status"], ("paid", "green"), ("cancelled", "gray"),
                                                     ("exported", "blue"), "amber"))),
        rx.table.cell(batch["created"]), rx.table.cell(batch["through"]), rx.table.cell(batch["count"]),
        rx.table.cell(batch["net"]),
        rx.table.cell(rx.button(t("Open"), id="payout-open-" + batch["id"], size="2", variant="soft",
                                on_click=SettlementsState.open_batch(batch["id"]))),
        id="payout-row-" + batch["id"], class_name="payout-row",
    )
    return rx.card(
        rx.vstack(
            rx.heading(t("Payout batches"), size="4"),
            data_table(
                [t("Batch"), t("Status"), t("Created"), t("Through"), t("Redemptions"), t("Net"), ""], SettlementsState.batches, row,
                table_id="payouts-table",
                empty=rx.text(t("No batches yet."), id="payouts-empty", color=rx.color("gray", 11)),
            ),
            spacing="3", width="100%",
        ),
        width="100%",
    )


def _detail() -> rx.Component:
    line = lambda row: rx.table.row(  # noqa: E731
        rx.table.cell(row["name"]), rx.table.cell(row["count"]), rx.table.cell(row["gross"]),
        rx.table.cell(row["commission"]), rx.table.cell(row["net"]), rx.table.cell(row["bank"]),
        rx.table.cell(rx.badge(row["status"], id="payout-line-status-" + row["location_id"],
                               color_scheme=rx.cond(row["status"] == "Returned", "red", "green")),
                      rx.text(row["return_reason"], size="1", id="payout-line-reason-" + row["location_id"])),
        id="payout-line-" + row["location_id"], class_name="payout-line",
    )
    live = (SettlementsState.detail["status"] == "draft") | (SettlementsState.detail["status"] == "exported")
    return rx.cond(
        SettlementsState.selected_id > 0,
        rx.card(
            rx.vstack(
                rx.hstack(
                    rx.heading(t("Batch #"), SettlementsState.detail["id"], size="4"),
                    rx.badge(SettlementsState.detail["status_label"], id="payout-detail-status"),
                    align="center",
                ),
                rx.text(t("Through "), SettlementsState.detail["through"], t(" · money on "),
                        SettlementsState.detail["effective"], t(" · net "), SettlementsState.detail["net"],
                        t(" (gross "), SettlementsState.detail["gross"], t(", commission "),
                        SettlementsState.detail["commission"], ")", size="2"),
                data_table([t("Location"), t("Redemptions"), t("Gross"), t("Commission"), t("Net"), t("Paid to"), t("Payment")],
                           SettlementsState.detail_lines, line, table_id="payout-lines"),
                _held_and_prenotes(),
                rx.cond(SettlementsState.detail["files"] != "",
                        rx.text(t("Bank files: "), SettlementsState.detail["files"], id="payout-files", size="2")),
                delivery_line(),
                rx.hstack(
                    rx.button(rx.icon("download"), t("Download NACHA"), id="payout-download-nacha", size="3",
                              variant="soft", on_click=SettlementsState.download("nacha"),
                              disabled=SettlementsState.detail["status"] == "cancelled"),
                    rx.button(rx.icon("download"), t("Download CPA-005"), id="payout-download-cpa005", size="3",
                              variant="soft", on_click=SettlementsState.download("cpa005"),
                              disabled=SettlementsState.detail["status"] == "cancelled"),
                    rx.checkbox(t("Email statements"), id="payout-email-statements",
                                checked=SettlementsState.email_statements,
                                on_change=SettlementsState.set_email_statements, disabled=~live),
                    _mark_paid(live),
                    rx.button(t("Cancel batch"), id="payout-cancel", size="3", color_scheme="red", variant="soft",
                              on_click=SettlementsState.cancel, disabled=~live),
                    wrap="wrap", spacing="3", align="center",
                ),
                spacing="3", width="100%",
            ),
            id="payout-detail", width="100%",
        ),
    )


def _mark_paid(live: rx.Var) -> rx.Component:
    """Marking a batch paid cannot be undone (and may email every location): asked first."""
    return confirm_dialog(
        title=t("Mark batch #{batch} paid?", batch=SettlementsState.detail["id"]),
        description=(t("Net {net} to {count} location(s). Do this once the bank has moved the money; a paid batch cannot be cancelled.",
                       net=SettlementsState.detail["net"], count=SettlementsState.detail_lines.length()),
                     rx.cond(SettlementsState.email_statements, t(" Each location is emailed its statement."), "")),
        confirm_label=t("Mark paid"), confirm_id="payout-mark-paid-confirm", on_confirm=SettlementsState.mark_paid,
        cancel_id="payout-mark-paid-cancel", confirm_color=None, dialog_id="payout-mark-paid-dialog",
        trigger=rx.button(rx.icon("check"), t("Mark paid"), id="payout-mark-paid", size="3", disabled=~live),
    )


def _held_and_prenotes() -> rx.Component:
    """The locations the batch left out (with why and, waiting for a prenote, from when they
    are payable), and the prenotes its NACHA file carries."""
    skipped = lambda row: rx.table.row(  # noqa: E731
        rx.table.cell(row["name"]), rx.table.cell(row["gross"]), rx.table.cell(row["reason"]),
        rx.table.cell(row["payable_from"]),
        id="payout-skipped-" + row["location_id"], class_name="payout-skipped",
    )
    prenote = lambda row: rx.table.row(  # noqa: E731
        rx.table.cell(row["name"]), rx.table.cell(row["bank"]), rx.table.cell(row["settles"]),
        rx.table.cell(row["payable_from"]),
        id="payout-prenote-" + row["location_id"], class_name="payout-prenote",
    )
    return rx.fragment(
        rx.cond(SettlementsState.detail_skipped.length() > 0, rx.vstack(
            rx.heading(t("Left out of this batch (still payable)"), size="3"),
            rx.table.root(_header(t("Location"), t("Gross"), t("Why"), t("Payable from")),
                          rx.table.body(rx.foreach(SettlementsState.detail_skipped, skipped)),
                          width="100%", size="2", id="payout-skipped"),
            width="100%",
        )),
        rx.cond(SettlementsState.detail_prenotes.length() > 0, rx.vstack(
            rx.heading(t("Prenotes in the NACHA file (zero-dollar checks of new bank details)"), size="3"),
            rx.table.root(_header(t("Location"), t("Account"), t("Settles"), t("Payments from")),
                          rx.table.body(rx.foreach(SettlementsState.detail_prenotes, prenote)),
                          width="100%", size="2", id="payout-prenotes"),
            width="100%",
        )),
    )


def settlements_page() -> rx.Component:
    return dashboard_shell(
        owners_only(rx.vstack(
            page_title(t("Settlements"), t("What each business is owed, payout batches and their bank files.")),
            error_callout(SettlementsState.settlements_error, "settlements-error"),
            success_callout(SettlementsState.settlements_notice, "settlements-notice", icon="check"),
            readiness_checklist(),
            _preview(),
            _detail(),
            returns_card(),
            _batches(),
            spacing="4", width="100%",
        ), N_("The Settlements screen")),
        active="settlements",
    )

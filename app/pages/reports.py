"""Reports: sales by channel, redemptions by location and device, liability aging,
dormant cards and a card's history, each with a CSV export."""

from __future__ import annotations

import reflex as rx

from app.components.forms import inline_field
from app.components.i18n import t
from app.components.layout import dashboard_shell, error_callout, page_title
from app.state.reports import ReportsState


def _table(element_id: str, headers: list[str], rows: rx.Var, total: rx.Var | None = None) -> rx.Component:
    body = [rx.foreach(rows, lambda row: rx.table.row(rx.foreach(row, lambda cell: rx.table.cell(cell)), class_name="report-row"))]
    if total is not None:
        body.append(rx.table.row(rx.foreach(total, lambda cell: rx.table.cell(rx.text(cell, weight="bold"))),
                                 id=f"{element_id}-total"))
    return rx.table.root(
        rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in headers])),
        rx.table.body(*body),
        id=element_id,
        width="100%",
        size="2",
    )


def _section(title: str, report: str, *content: rx.Component) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading(title, size="4"),
                rx.spacer(),
                rx.button(rx.icon("download"), t("CSV"), id=f"export-{report}", size="3", variant="soft",
                          on_click=ReportsState.export(report)),
                width="100%",
                align="center",
            ),
            *content,
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


def _pager(prefix: str, page: rx.Var, pages: rx.Var, move) -> rx.Component:  # noqa: ANN001
    return rx.hstack(
        rx.button(t("Previous"), id=f"{prefix}-prev", size="3", variant="soft", on_click=move(-1), disabled=page <= 1),
        rx.text(t("Page {page} of {pages}", page=page.to_string(), pages=pages.to_string()), id=f"{prefix}-page"),
        rx.button(t("Next"), id=f"{prefix}-next", size="3", variant="soft", on_click=move(1), disabled=page >= pages),
        align="center",
    )


def _history_match(match: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(match["card"]), rx.table.cell(match["recipient"]), rx.table.cell(match["balance"]),
        rx.table.cell(match["issued"]),
        rx.table.cell(rx.button(t("Show history"), size="2", variant="soft", id="history-pick-" + match["card_id"],
                                on_click=ReportsState.pick_history_card(match["card_id"]))),
        class_name="history-match",
    )


def _history_matches() -> rx.Component:
    """Several cards matched the search: each with what a person recognises it by, to pick one."""
    return rx.cond(
        ReportsState.history_matches.length() > 0,
        rx.vstack(
            rx.text(t("{count} cards match: pick one.", count=ReportsState.history_matches.length()), id="history-matches-note"),
            rx.table.root(
                rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in
                                               (t("Card"), t("Recipient"), t("Balance"), t("Issued"), "")])),
                rx.table.body(rx.foreach(ReportsState.history_matches, _history_match)),
                id="history-matches", width="100%", size="2",
            ),
            width="100%",
        ),
    )


def reports_page() -> rx.Component:
    return dashboard_shell(
        rx.vstack(
            page_title(t("Reports"), t("Every money question for a period, with the CSV to match.")),
            rx.hstack(
                inline_field(t("From"), "reports-from", ReportsState.report_from, ReportsState.set_report_from,
                             type="date"),
                inline_field(t("To"), "reports-to", ReportsState.report_to, ReportsState.set_report_to, type="date"),
                inline_field(t("Dormant after (months)"), "dormant-months", ReportsState.dormant_months,
                             ReportsState.set_dormant_months, width="80px", input_mode="numeric"),
                rx.button(t("Show"), id="reports-apply", size="3", on_click=ReportsState.apply),
                wrap="wrap",
                align="center",
                spacing="3",
            ),
            error_callout(ReportsState.report_error, "reports-error"),
            _section(t("Sales by channel"), "sales",
                     _table("report-sales", [t("Channel"), t("New cards"), t("Value"), t("Top-ups"), t("Top-up value")],
                            ReportsState.sales, ReportsState.sales_total)),
            _section(t("Redemptions by location"), "by-location",
                     _table("report-by-location", [t("Location"), t("Redemptions (voided ones excluded)"),
                                                   t("Redeemed (net of voids)")],
                            ReportsState.by_location, ReportsState.by_location_total)),
            _section(t("Redemptions by device"), "by-device",
                     _table("report-by-device", [t("Device"), t("Location"), t("Redemptions (voided ones excluded)"),
                                                 t("Redeemed (net of voids)")],
                            ReportsState.by_device, ReportsState.by_device_total)),
            _section(t("Liability aging (today, by card age)"), "aging",
                     _table("report-aging", [t("Card age"), t("Cards"), t("Unredeemed value")],
                            ReportsState.aging, ReportsState.aging_total)),
            _section(t("Dormant cards"), "dormant",
                     rx.text(t("{count} cards with value and no activity for {months} months hold {total}",
                               count=ReportsState.dormant_count, months=ReportsState.dormant_months,
                               total=ReportsState.dormant_total),
                             id="dormant-summary"),
                     _table("report-dormant", [t("Card"), t("Last 4"), t("Balance"), t("Issued"), t("Last activity")], ReportsState.dormant),
                     _pager("dormant", ReportsState.dormant_page, ReportsState.dormant_pages, ReportsState.dormant_move)),
            _section(t("Card history"), "card-history",
                     rx.hstack(
                         inline_field(t("Card code, last 4 or recipient email"), "history-search",
                                      ReportsState.history_search, ReportsState.set_history_search,
                                      width="280px", placeholder=t("ABCD-EFGH-JKMN-PQRS, 7KQ2 or name@example.com")),
                         rx.button(t("Find"), id="history-open", size="3", on_click=ReportsState.open_history),
                         align="center", wrap="wrap",
                     ),
                     error_callout(ReportsState.history_error, "history-error"),
                     _history_matches(),
                     rx.cond(ReportsState.history_card != "",
                             rx.text(t("Card "), rx.text.strong(ReportsState.history_card), id="history-card")),
                     _table("report-card-history", [t("When"), t("What"), t("Amount"), t("Balance after")], ReportsState.history),
                     _pager("history", ReportsState.history_page, ReportsState.history_pages, ReportsState.history_move)),
            spacing="4",
            width="100%",
        ),
        active="reports",
    )

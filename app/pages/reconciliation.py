"""Reconciliation: shop orders vs value issued, redemptions vs paid out, liability vs ledger, the ledger check."""

from __future__ import annotations

import reflex as rx

from app.components.i18n import t
from app.components.layout import dashboard_shell, error_callout, page_title
from app.components.tables import data_table
from app.state.reconciliation import ReconciliationState


def _check(check) -> rx.Component:  # noqa: ANN001
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.text(check.title, weight="bold", size="4"),
                rx.badge(
                    rx.match(check.status, ("ok", t("Adds up")), ("mismatch", t("Mismatch")), t("No data")),
                    color_scheme=rx.match(check.status, ("ok", "green"), ("mismatch", "red"), "gray"),
                    size="2", id="reconciliation-status-" + check.key,
                ),
                align="center", wrap="wrap",
            ),
            rx.text(check.summary, size="3", color=rx.color("gray", 11)),
            spacing="2",
        ),
        id="reconciliation-check-" + check.key, width="100%",
    )


def _mismatch(row) -> rx.Component:  # noqa: ANN001
    return rx.table.row(
        rx.table.cell(row.check),
        rx.table.cell(row.subject),
        rx.table.cell(row.expected),
        rx.table.cell(row.actual),
        rx.table.cell(row.cause),
        id="reconciliation-mismatch-" + row.index.to_string(), class_name="reconciliation-mismatch",
    )


def reconciliation_page() -> rx.Component:
    state = ReconciliationState
    return dashboard_shell(
        rx.vstack(
            page_title(t("Reconciliation"), t("Does every cent add up? Leave the dates empty for this month.")),
            rx.form(
                rx.flex(
                    rx.input(name="from", type="date", id="reconciliation-from", size="3", aria_label=t("From")),
                    rx.input(name="to", type="date", id="reconciliation-to", size="3", aria_label=t("To")),
                    rx.button(t("Check"), type="submit", size="3", id="reconciliation-apply"),
                    gap="12px", wrap="wrap",
                ),
                on_submit=ReconciliationState.apply, reset_on_submit=False,
            ),
            error_callout(state.error, "reconciliation-error"),
            rx.text(state.period_label, size="2", color=rx.color("gray", 11), id="reconciliation-period"),
            rx.grid(rx.foreach(state.checks, _check), columns=rx.breakpoints(initial="1", md="2"), spacing="3",
                    width="100%"),
            rx.heading(t("Mismatches"), size="5", margin_top="8px"),
            data_table(
                [t("Check"), t("What"), t("Expected"), t("Found"), t("Cause")], state.mismatches, _mismatch,
                table_id="reconciliation-mismatches",
                empty=rx.callout(t("Nothing is off: every check adds up."), icon="circle-check", color_scheme="green",
                           id="reconciliation-clean"),
            ),
            spacing="4", width="100%",
        ),
        active="reconciliation",
    )

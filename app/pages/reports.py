"""Reports: sales by channel, redemptions by location and device, liability aging,
dormant cards and a card's history, each with a CSV export."""

from __future__ import annotations

import reflex as rx

from app.components.forms import inline_field
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
                rx.button(rx.icon("download"), "CSV", id=f"export-{report}", size="3", variant="soft",
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
        rx.button("Previous", id=f"{prefix}-prev", size="3", variant="soft", on_click=move(-1), disabled=page <= 1),
        rx.text("Page ", page.to_string(), " of ", pages.to_string(), id=f"{prefix}-page"),
        rx.button("Next", id=f"{prefix}-next", size="3", variant="soft", on_click=move(1), disabled=page >= pages),
        align="center",
    )


def _history_match(match: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(match["card"]), rx.table.cell(match["recipient"]), rx.table.cell(match["balance"]),
        rx.table.cell(match["issued"]),
        rx.table.cell(rx.button("Show history", size="2", variant="soft", id="history-pick-" + match["card_id"],
                                on_click=ReportsState.pick_history_card(match["card_id"]))),
        class_name="history-match",
    )


def _history_matches() -> rx.Component:
    """Several cards matched the search: each with what a person recognises it by, to pick one."""
    return rx.cond(
        ReportsState.history_matches.length() > 0,
        rx.vstack(
            rx.text(ReportsState.history_matches.length(), " cards match: pick one.", id="history-matches-note"),
            rx.table.root(
                rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in
                                               ("Card", "Recipient", "Balance", "Issued", "")])),
                rx.table.body(rx.foreach(ReportsState.history_matches, _history_match)),
                id="history-matches", width="100%", size="2",
            ),
            width="100%",
        ),
    )


def reports_page() -> rx.Component:
    return dashboard_shell(
        rx.vstack(
            page_title("Reports", "Every money question for a period, with the CSV to match."),
            rx.hstack(
                inline_field("From", "reports-from", ReportsState.report_from, ReportsState.set_report_from,
                             type="date"),
                inline_field("To", "reports-to", ReportsState.report_to, ReportsState.set_report_to, type="date"),
                inline_field("Dormant after (months)", "dormant-months", ReportsState.dormant_months,
                             ReportsState.set_dormant_months, width="80px", input_mode="numeric"),
                rx.button("Show", id="reports-apply", size="3", on_click=ReportsState.apply),
                wrap="wrap",
                align="center",
                spacing="3",
            ),
            error_callout(ReportsState.report_error, "reports-error"),
            _section("Sales by channel", "sales",
                     _table("report-sales", ["Channel", "New cards", "Value", "Top-ups", "Top-up value"],
                            ReportsState.sales, ReportsState.sales_total)),
            _section("Redemptions by location", "by-location",
                     _table("report-by-location", ["Location", "Redemptions (voided ones excluded)",
                                                   "Redeemed (net of voids)"],
                            ReportsState.by_location, ReportsState.by_location_total)),
            _section("Redemptions by device", "by-device",
                     _table("report-by-device", ["Device", "Location", "Redemptions (voided ones excluded)",
                                                 "Redeemed (net of voids)"],
                            ReportsState.by_device, ReportsState.by_device_total)),
            _section("Liability aging (today, by card age)", "aging",
                     _table("report-aging", ["Card age", "Cards", "Unredeemed value"],
                            ReportsState.aging, ReportsState.aging_total)),
            _section("Dormant cards", "dormant",
                     rx.text(ReportsState.dormant_count, " cards with value and no activity for ",
                             ReportsState.dormant_months, " months hold ", ReportsState.dormant_total,
                             id="dormant-summary"),
                     _table("report-dormant", ["Card", "Last 4", "Balance", "Issued", "Last activity"], ReportsState.dormant),
                     _pager("dormant", ReportsState.dormant_page, ReportsState.dormant_pages, ReportsState.dormant_move)),
            _section("Card history", "card-history",
                     rx.hstack(
                         inline_field("Card code, last 4 or recipient email", "history-search",
                                      ReportsState.history_search, ReportsState.set_history_search,
                                      width="280px", placeholder="ABCD-EFGH-JKMN-PQRS, 7KQ2 or name@example.com"),
                         rx.button("Find", id="history-open", size="3", on_click=ReportsState.open_history),
                         align="center", wrap="wrap",
                     ),
                     error_callout(ReportsState.history_error, "history-error"),
                     _history_matches(),
                     rx.cond(ReportsState.history_card != "",
                             rx.text("Card ", rx.text.strong(ReportsState.history_card), id="history-card")),
                     _table("report-card-history", ["When", "What", "Amount", "Balance after"], ReportsState.history),
                     _pager("history", ReportsState.history_page, ReportsState.history_pages, ReportsState.history_move)),
            spacing="4",
            width="100%",
        ),
        active="reports",
    )

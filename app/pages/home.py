"""Activity: the operator's first screen."""

from __future__ import annotations

import reflex as rx

from app.components.layout import dashboard_shell, page_title
from app.state.home import HomeState


def _figure(label: str, value: rx.Var, element_id: str) -> rx.Component:
    return rx.card(
        rx.vstack(rx.text(label, size="2", color=rx.color("gray", 11)), rx.text(value, size="7", weight="bold", id=element_id), spacing="1"),
        min_width="150px",
        flex="1",
    )


def _entry(entry: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(entry.time),
        rx.table.cell(rx.link(entry.card, href="/cards/" + entry.card_id.to_string(), class_name="activity-card-link", display="inline-block", padding_y="10px", min_width="96px")),
        rx.table.cell(rx.badge(entry.label, color_scheme=rx.cond(entry.credit, "green", "orange"), size="2")),
        rx.table.cell(entry.amount),
        class_name="activity-row",
        align="center",
    )


def home_page() -> rx.Component:
    return dashboard_shell(
        rx.vstack(
            page_title("Activity", "Your network at a glance."),
            rx.flex(
                _figure("Cards with value", HomeState.active_cards, "figure-active-cards"),
                _figure("Outstanding liability", HomeState.outstanding, "figure-outstanding"),
                _figure("Sold and topped up this month", HomeState.issued_this_month, "figure-issued-month"),
                _figure("Redeemed this month", HomeState.redeemed_this_month, "figure-redeemed-month"),
                gap="12px",
                wrap="wrap",
                width="100%",
            ),
            rx.heading("Latest movements", size="5", margin_top="12px"),
            rx.cond(
                HomeState.entries.length() > 0,
                rx.table.root(
                    rx.table.header(
                        rx.table.row(
                            rx.table.column_header_cell("When"),
                            rx.table.column_header_cell("Card"),
                            rx.table.column_header_cell("What"),
                            rx.table.column_header_cell("Amount"),
                        )
                    ),
                    rx.table.body(rx.foreach(HomeState.entries, _entry)),
                    id="activity-table",
                    width="100%",
                    size="3",
                ),
                rx.callout("Nothing has happened yet. Issue a card from the Cards screen.", icon="info", id="activity-empty"),
            ),
            spacing="4",
            width="100%",
        ),
        active="activity",
    )

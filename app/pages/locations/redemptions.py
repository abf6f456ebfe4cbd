"""The Redemptions card of a location's screen: paged, newest first, Void of today's."""

from __future__ import annotations

import reflex as rx

from app.components.tables import data_table, empty_note, pager
from app.pages.locations.layout import confirm_on_row, section
from app.state.locations.redemptions import LocationRedemptionsState

state = LocationRedemptionsState


def _redemption_row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(row.time),
        rx.table.cell(row.card),
        rx.table.cell(row.kind),
        rx.table.cell(row.amount),
        rx.table.cell(row.device),
        rx.table.cell(rx.badge(row.status, color_scheme=rx.cond(row.status == "voided", "gray", "green"), size="2",
                               id="redemption-status-" + row.id.to_string())),
        rx.table.cell(
            rx.cond(
                row.voidable,
                rx.button(rx.icon("undo-2", size=16), "Void", size="2", color_scheme="red", variant="soft",
                          id="redemption-void-" + row.id.to_string(), on_click=state.ask_void_redemption(row.id)),
            )
        ),
        id="redemption-row-" + row.id.to_string(),
        class_name="redemption-row",
        align="center",
    )


def redemptions_card() -> rx.Component:
    return section(
        "Redemptions",
        data_table(
            ["When", "Card", "By", "Amount", "Device", "Status", ""], state.redemption_rows, _redemption_row,
            table_id="redemptions-table",
            empty=empty_note("Redemptions appear here once this location redeems cards.", "redemptions-empty"),
        ),
        pager(state, "redemptions", only_when_paged=True),
        confirm_on_row(
            open_=state.confirm_void_id != 0,
            title="Void this redemption?",
            label=state.confirm_void_label,
            consequence="goes back on the card as a new ledger row, and the location is no longer paid for it.",
            confirm_label="Void redemption",
            on_confirm=state.void_redemption,
            on_cancel=state.cancel_void_redemption,
            confirm_id="redemption-void-confirm",
            cancel_id="redemption-void-cancel",
        ),
        description="Today's redemptions can be voided here or on the device (the money goes back on the card).",
    )

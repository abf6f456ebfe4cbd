"""The Redemptions card of a location's screen: paged, newest first, Void of today's."""

from __future__ import annotations

import reflex as rx

from app.components.badges import status_word
from app.components.i18n import t
from app.components.tables import data_table, empty_note, pager, table_row
from app.pages.locations.layout import ask_button, confirm_on_row, section
from app.state.locations.redemptions import LocationRedemptionsState

state = LocationRedemptionsState


def _redemption_row(row: rx.Var) -> rx.Component:
    return table_row(
        "redemption-row", row.id,
        rx.table.cell(row.time),
        rx.table.cell(row.card),
        rx.table.cell(row.kind),
        rx.table.cell(row.amount),
        rx.table.cell(row.device),
        rx.table.cell(rx.badge(status_word(row.status), color_scheme=rx.cond(row.status == "voided", "gray", "green"), size="2",
                               id="redemption-status-" + row.id.to_string())),
        rx.table.cell(rx.cond(row.voidable,
                              ask_button(state, row, t("Void"), "redemption-void-" + row.id.to_string(), icon="undo-2"))),
    )


def redemptions_card() -> rx.Component:
    return section(
        t("Redemptions"),
        data_table(
            [t("When"), t("Card"), t("By"), t("Amount"), t("Device"), t("Status"), ""], state.rows, _redemption_row,
            table_id="redemptions-table",
            empty=empty_note(t("Redemptions appear here once this location redeems cards."), "redemptions-empty"),
        ),
        pager(state, "redemptions", only_when_paged=True),
        confirm_on_row(
            state, title=t("Void this redemption?"),
            consequence=t("goes back on the card as a new ledger row, and the location is no longer paid for it."),
            confirm_label=t("Void redemption"), on_confirm=state.void_redemption,
            confirm_id="redemption-void-confirm", cancel_id="redemption-void-cancel",
        ),
        description=t("Today's redemptions can be voided here or on the device (the money goes back on the card)."),
    )

"""The Payables and payouts card of a location's screen: what it is owed now, the batch
lines that paid it (paged). Batches themselves are made on the Settlements screen."""

from __future__ import annotations

import reflex as rx

from app.components.badges import status_word
from app.components.i18n import t
from app.components.tables import data_table, empty_note, pager, table_row
from app.pages.locations.layout import section
from app.state.locations.money import LocationMoneyState

state = LocationMoneyState
PAYOUT_STATUS_COLORS = {"draft": "gray", "exported": "blue", "paid": "green", "cancelled": "red"}


def _money_figure(label: str | rx.Component, value: rx.Var, element_id: str) -> rx.Component:
    return rx.vstack(
        rx.text(label, size="2", color=rx.color("gray", 11)),
        rx.text(value, size="5", weight="bold", id=element_id),
        spacing="0",
        min_width="120px",
        flex="1",
    )


def _payout_row(row: rx.Var) -> rx.Component:
    return table_row(
        "location-payout-row", row.id,
        rx.table.cell(rx.text("#", row.batch_id.to_string(), weight="medium")),
        rx.table.cell(rx.badge(status_word(row.status), color_scheme=rx.match(row.status, *PAYOUT_STATUS_COLORS.items(), "gray"),
                               size="2", id="location-payout-status-" + row.id.to_string())),
        rx.table.cell(row.redemptions),
        rx.table.cell(row.gross),
        rx.table.cell(row.net, id="location-payout-net-" + row.id.to_string()),
        rx.table.cell(row.created),
        rx.table.cell(row.paid),
    )


def money_card() -> rx.Component:
    owed = state.payable
    return section(
        t("Payables and payouts"),
        rx.heading(t("Owed now"), size="3"),
        rx.flex(
            _money_figure(t("Redemptions"), owed.count, "location-payable-count"),
            _money_figure(t("Gross"), owed.gross, "location-payable-gross"),
            rx.cond(owed.refunded != "", _money_figure(t("Refunds given back"), "-" + owed.refunded,
                                                       "location-payable-refunded")),
            _money_figure(rx.text(t("Commission ("), owed.commission_rate, ")"), owed.commission,
                          "location-payable-commission"),
            _money_figure(t("Net to pay"), owed.net, "location-payable-net"),
            gap="16px",
            wrap="wrap",
            width="100%",
            id="location-payables",
        ),
        rx.cond(state.refunds_to_give_back.length() > 0, rx.callout(
            rx.vstack(rx.text(t("Refunds to give back at the counter (the POS refunded these payments after they were "
                              "taken off the card):"), weight="medium"),
                      rx.foreach(state.refunds_to_give_back,
                                 lambda refund: rx.text(refund, class_name="location-refund-owed")),
                      spacing="1"),
            icon="undo-2", color_scheme="amber", width="100%", id="location-refunds-owed")),
        rx.heading(t("Payouts"), size="3", margin_top="8px"),
        data_table(
            [t("Batch"), t("Status"), t("Redemptions"), t("Gross"), t("Net"), t("Created"), t("Paid")], state.rows, _payout_row,
            table_id="location-payouts-table", scroll=True,
            empty=empty_note(t("No payout batch has paid this location yet."), "location-payouts-empty"),
        ),
        pager(state, "location-payouts", only_when_paged=True),
        description=t("Completed redemptions not yet in a payout batch, with the commission the network keeps; "
        "then every batch line that paid (or will pay) this location. Batches are made on the Settlements screen."),
    )

"""A payout batch's delivery to the bank, in the Settlements screen's batch detail: its state
and "Retry delivery" (state: SettlementsState, wording: app/state/payout_delivery.py)."""

from __future__ import annotations

import reflex as rx

from app.components.i18n import t
from app.state.settlements import SettlementsState


def delivery_line() -> rx.Component:
    detail = SettlementsState.detail
    return rx.hstack(
        rx.text(t("Delivery to the bank:"), size="2", weight="medium"),
        rx.badge(detail["delivery_label"], id="payout-delivery-status",
                 color_scheme=rx.match(detail["delivery_status"], ("delivered", "green"), ("failed", "red"),
                                       ("pending", "amber"), "gray")),
        rx.text(detail["delivery_text"], id="payout-delivery-detail", size="2", style={"word_break": "break-word"}),
        rx.cond(
            detail["delivery_retry"] == "yes",
            rx.button(rx.icon("send"), t("Retry delivery"), id="payout-delivery-retry", size="2", variant="soft",
                      on_click=SettlementsState.retry_delivery,
                      disabled=(detail["status"] != "draft") & (detail["status"] != "exported")),
        ),
        align="center", spacing="2", wrap="wrap", width="100%", id="payout-delivery",
    )

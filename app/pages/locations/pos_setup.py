"""The location's POS setup guide: whether it accepts POS payments (and a tap to turn them
on), each partner's steps with this location's addresses, and "Send a test payment"."""

from __future__ import annotations

import reflex as rx

from app.components.i18n import t
from app.components.layout import error_callout, success_callout
from app.components.pos_guides import guide_tabs
from app.pages.locations.layout import section
from app.state.locations.pos_setup import LocationPosSetupState

state = LocationPosSetupState


def _pos_payments_status() -> rx.Component:
    loc = state.location
    return rx.cond(
        loc.accepts_pos_payments,
        rx.callout(rx.text(loc.mode_hint, id="pos-setup-accepts"), icon="circle-check", color_scheme="green",
                   size="2", width="100%", id="pos-setup-on"),
        rx.callout(
            rx.flex(
                rx.text(t("This location does not accept POS payments yet: its counter would refuse every push. "
                        "Creating a POS key or connecting a partner turns them on, or turn them on now."), size="3"),
                rx.button(rx.icon("power"), t("Turn on POS payments"), size="3", id="pos-setup-turn-on",
                          on_click=state.turn_on_pos_payments),
                gap="12px", align="center", wrap="wrap", width="100%",
            ),
            icon="circle-alert", color_scheme="amber", size="2", width="100%", id="pos-setup-off",
        ),
    )


def _test_payment() -> rx.Component:
    return rx.flex(
        rx.vstack(
            rx.text(t("Send a test payment"), size="3", weight="bold"),
            rx.text(t("A TEST payment appears on this location's open counter screens for a minute, the way a real "
                    "one would. It can never be applied to a card."), size="2", color=rx.color("gray", 11)),
            spacing="1",
            flex="1",
            min_width="240px",
        ),
        rx.button(rx.icon("send"), t("Send a test payment"), size="3", id="pos-test-send",
                  on_click=state.send_test_payment),
        gap="12px", align="center", wrap="wrap", width="100%",
        padding="12px", border_radius="8px", border=f"1px dashed {rx.color('amber', 8)}",
        background=rx.color("amber", 2),
    )


def pos_setup_card() -> rx.Component:
    return section(
        t("POS setup guide"),
        _pos_payments_status(),
        guide_tabs(state.guides),
        _test_payment(),
        success_callout(state.pos_setup_message, "pos-setup-message"),
        error_callout(state.pos_setup_error, "pos-setup-error"),
        rx.link(t("Which POS systems work with the network, and what each needs"), href="/pos-partners",
                id="pos-setup-partners-link", size="2"),
        description=t("Connect the location's POS so that each gift card payment it takes appears on the counter "
                    "screens by itself. Choose the POS, follow the steps, then send a test payment."),
    )

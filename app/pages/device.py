"""/activate/<token>: a counter device's activation through the link emailed to its
location. Built for a tablet on a counter: big type, big targets, one thing per screen.
The counter screen itself (/redeem) is app/pages/redeem.py; both stand in the device
frame of app/components/device_frame.py."""

from __future__ import annotations

import reflex as rx

from app.components.device_frame import brand, device_frame, device_notice, loading
from app.components.i18n import language_picker, t
from app.state.device import ActivateState


def _refused() -> rx.Component:
    state = ActivateState
    return device_notice(
        "link-2-off", "red", state.refusal_title,
        rx.cond(
            state.location_name != "",
            rx.text(state.location_name, " · ", state.operator_name, size="4", color=rx.color("gray", 11),
                    text_align="center"),
        ),
        rx.callout(state.refusal_message, icon="info", color_scheme="red", size="3", role="alert",
                   id="activation-refused", width="100%"),
        rx.text(t("Nothing was changed on this device."), size="3", color=rx.color("gray", 11)),
        title_id="activation-refused-title",
    )


def _ask_name() -> rx.Component:
    state = ActivateState
    return rx.vstack(
        language_picker(ActivateState, id="activate-language"),
        rx.text(t("Activate this device for"), size="4", color=rx.color("gray", 11)),
        rx.heading(state.location_name, size="8", text_align="center", id="activate-location-name"),
        rx.text(t("in the "), rx.text.strong(state.operator_name, id="activate-operator-name"),
                t(" gift card network"),
                size="4", text_align="center"),
        rx.cond(
            state.current_device_code != "",
            rx.callout(
                rx.text(t("This browser is already device "), rx.text.strong(state.current_device_code),
                        t(" of {location}. Activating it again replaces that.",
                          location=state.current_location_name)),
                icon="info", size="2", id="activate-already-device", width="100%",
            ),
        ),
        rx.form(
            rx.vstack(
                rx.text(t("Name this device"), as_="label", custom_attrs={"htmlFor": "activate-device-name"}, size="5", weight="bold"),
                rx.input(
                    name="device_name",
                    id="activate-device-name",
                    placeholder=t("e.g. Front counter"),
                    required=True,
                    max_length=80,
                    auto_complete="off",
                    size="3",
                    width="100%",
                    style={"fontSize": "24px", "height": "64px"},
                ),
                rx.text(t("So your team and your network can tell your devices apart."), size="3",
                        color=rx.color("gray", 11)),
                rx.cond(
                    state.error != "",
                    rx.callout(state.error, icon="triangle-alert", color_scheme="red", role="alert",
                               id="activate-error", width="100%"),
                ),
                rx.button(t("Activate this device"), type="submit", id="activate-submit", size="4", width="100%",
                          style={"height": "72px", "fontSize": "24px"}),
                rx.text(state.validity, size="2", color=rx.color("gray", 11), id="activate-validity"),
                spacing="3",
                width="100%",
            ),
            on_submit=state.activate,
            reset_on_submit=False,
            width="100%",
        ),
        align="center",
        spacing="4",
        width="100%",
    )


def _activated() -> rx.Component:
    state = ActivateState
    return device_notice(
        "circle-check", "green", t("This device is activated"),
        rx.text(t("{device} at {location}", device=state.device_name, location=state.location_name), size="4", text_align="center",
                color=rx.color("gray", 11)),
        rx.text(t("Device code"), size="4", color=rx.color("gray", 11), margin_top="8px"),
        rx.text(
            state.device_code,
            id="device-code",
            size="9",
            weight="bold",
            style={"fontFamily": "ui-monospace, 'Courier New', monospace", "letterSpacing": "0.06em",
                   "fontSize": "clamp(44px, 9vw, 80px)", "lineHeight": "1.1"},
        ),
        rx.text(
            t("Tell this code to your network if this device is ever lost or replaced. The device stays activated "
              "in this browser; do not clear its site data."),
            size="3", text_align="center",
        ),
        rx.link(rx.button(t("Open the redemption screen"), size="4", id="activated-open-redeem", width="100%",
                          style={"height": "64px", "fontSize": "20px"}),
                href="/redeem", width="100%"),
        title_id="activate-done",
        spacing="3",
    )


def activate_page() -> rx.Component:
    state = ActivateState
    return device_frame(
        brand(),
        rx.cond(
            state.checked,
            rx.cond(state.activated, _activated(), rx.cond(state.link_ok, _ask_name(), _refused())),
            loading("activate-loading"),
        ),
    )

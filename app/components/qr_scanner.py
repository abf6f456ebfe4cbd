"""The counter's Scan button and its in-page camera view (state: app/state/counter_scan.py,
the camera and decoding: assets/qr_scanner.js).

`scan_button()` sits beside "Open card"; `qr_scanner_panel()` under the code field shows
the camera and one clear state at a time: starting the camera, scanning, not a Giftnet
card (still scanning), or why the camera cannot be used and what to do instead.
"""

from __future__ import annotations

import reflex as rx

from app.components.i18n import t
from app.state.counter_scan import VIDEO_ID, CounterScanState


def scan_button() -> rx.Component:
    return rx.button(
        rx.icon("scan-line", aria_hidden="true"), t("Scan"),
        id="redeem-scan-open",
        type="button",
        size="4",
        variant="soft",
        aria_label=t("Scan the card's QR code with this device's camera"),
        on_click=CounterScanState.open_scanner,
        disabled=CounterScanState.scan_open,
        style={"height": "56px", "minWidth": "120px"},
    )


def _status() -> rx.Component:
    state = CounterScanState
    return rx.match(
        state.scan_phase,
        ("starting", rx.callout(rx.cond(state.scan_message != "", state.scan_message,
                                        t("Starting the camera… If the browser asks, allow the camera.")),
                                icon="camera",
                                size="3", width="100%", id="qr-scanner-status", custom_attrs={"data-phase": "starting"})),
        ("scanning", rx.callout(t("Scanning: hold the QR code of the customer's email or card page in front of "
                                  "the camera."), icon="scan-line", size="3", width="100%", id="qr-scanner-status",
                                custom_attrs={"data-phase": "scanning"})),
        ("not_ours", rx.callout(state.scan_message, icon="circle-alert", color_scheme="amber", size="3", width="100%",
                                role="alert", id="qr-scanner-status", custom_attrs={"data-phase": "not_ours"})),
        rx.callout(state.scan_message, icon="camera-off", color_scheme="red", size="3", width="100%", role="alert",
                   id="qr-scanner-status", custom_attrs={"data-phase": state.scan_phase}),
    )


def _camera_works() -> rx.Var:
    return rx.Var.create(["starting", "scanning", "not_ours"]).contains(CounterScanState.scan_phase)


def qr_scanner_panel() -> rx.Component:
    """Portrait: status, camera, buttons stacked; landscape (from 62em): the camera beside them,
    so the whole scanner stays on a tablet's screen."""
    state = CounterScanState
    camera = rx.cond(
        _camera_works(),
        rx.box(
            rx.el.video(id=VIDEO_ID, auto_play=True, muted=True, plays_inline=True,
                        aria_label=t("The camera's view"),
                        style={"width": "100%", "height": "100%", "objectFit": "cover", "display": "block"}),
            # Where to hold the code.
            rx.box(position="absolute", inset="12%", border="3px solid rgba(255,255,255,0.85)",
                   border_radius="16px", box_shadow="0 0 0 9999px rgba(0,0,0,0.25)", pointer_events="none"),
            position="relative", width="100%", max_width=["440px", "440px", "440px", "360px"], aspect_ratio="4 / 3",
            overflow="hidden", border_radius="12px", background="black", flex_shrink="0", id="qr-scanner-view",
        ),
    )
    return rx.cond(
        state.scan_open,
        rx.box(
            camera,
            rx.vstack(
                _status(),
                rx.flex(
                    rx.cond(~_camera_works(),
                            rx.button(rx.icon("rotate-ccw", aria_hidden="true"), t("Try again"), size="4",
                                      id="qr-scanner-retry", on_click=CounterScanState.open_scanner,
                                      style={"minHeight": "56px"})),
                    rx.button(rx.icon("x", aria_hidden="true"), rx.cond(_camera_works(), t("Close the camera"), t("Close")),
                              size="4", variant="soft", color_scheme="gray", id="qr-scanner-close",
                              on_click=CounterScanState.close_scanner, style={"minHeight": "56px"}),
                    gap="12px", wrap="wrap",
                ),
                width="100%", spacing="3",
            ),
            # CSS breakpoints as on the amount pad: a row from 62em (a landscape tablet).
            display="flex",
            flex_direction=["column", "column", "column", "row"],
            align_items=["center", "center", "center", "flex-start"],
            gap="16px", width="100%", id="qr-scanner",
        ),
    )

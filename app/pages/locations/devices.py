"""The Devices card of a location's screen: the activation link, the devices, revoking one."""

from __future__ import annotations

import reflex as rx

from app.components.layout import success_callout
from app.components.tables import data_table
from app.pages.locations.layout import confirm_on_row, section
from app.state.locations.devices import LocationDevicesState

state = LocationDevicesState


def _device_row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.code(row.code, size="3", weight="bold", id="device-code-" + row.id.to_string()),
                      white_space="nowrap"),
        rx.table.cell(row.name),
        rx.table.cell(row.activated),
        rx.table.cell(row.last_seen),
        rx.table.cell(
            rx.cond(
                row.revoked,
                rx.badge("revoked ", row.revoked_at, color_scheme="red", size="2", id="device-status-" + row.id.to_string()),
                rx.badge("active", color_scheme="green", size="2", id="device-status-" + row.id.to_string()),
            )
        ),
        rx.table.cell(
            rx.cond(
                row.revoked,
                rx.fragment(),
                rx.button(rx.icon("ban", size=16), "Revoke", size="2", color_scheme="red", variant="soft",
                          id="device-revoke-" + row.id.to_string(), on_click=state.ask_revoke_device(row.id)),
            )
        ),
        id="device-row-" + row.id.to_string(),
        class_name="device-row",
        align="center",
    )


def devices_card() -> rx.Component:
    return section(
        "Devices",
        rx.flex(
            rx.button(rx.icon("send"), "Send new link", size="3", id="send-activation-link", on_click=state.send_link,
                      disabled=~state.location.active),
            rx.text("Emails the location a new activation link; links sent before stop working.", size="2",
                    color=rx.color("gray", 11)),
            gap="12px",
            align="center",
            wrap="wrap",
        ),
        success_callout(state.link_message, "activation-link-message", icon="mail-check"),
        data_table(
            ["Device code", "Name", "Activated", "Last seen", "Status", ""], state.device_rows, _device_row,
            table_id="devices-table",
            empty=rx.callout(
                "No devices yet. Each device at the counter opens the activation link emailed to the location.",
                icon="tablet-smartphone", id="devices-empty", width="100%",
            ),
        ),
        confirm_on_row(
            open_=state.confirm_device_id != 0,
            title="Revoke this device?",
            label=state.confirm_device_label,
            consequence="will no longer redeem cards, from its next screen on. Another device needs a new activation link.",
            confirm_label="Revoke device",
            on_confirm=state.revoke_device,
            on_cancel=state.cancel_revoke_device,
            confirm_id="device-revoke-confirm",
            cancel_id="device-revoke-cancel",
        ),
        description="Every device that redeems cards here, each with its own code.",
    )

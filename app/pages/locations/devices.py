"""The Devices card of a location's screen: the activation link, the devices, revoking one."""

from __future__ import annotations

import reflex as rx

from app.components.dialogs import confirm_dialog
from app.components.i18n import t
from app.components.layout import success_callout
from app.components.tables import data_table, table_row
from app.pages.locations.layout import ask_button, confirm_on_row, section
from app.state.locations.devices import LocationDevicesState

state = LocationDevicesState


def _device_row(row: rx.Var) -> rx.Component:
    return table_row(
        "device-row", row.id,
        rx.table.cell(rx.code(row.code, size="3", weight="bold", id="device-code-" + row.id.to_string()),
                      white_space="nowrap"),
        rx.table.cell(row.name),
        rx.table.cell(row.activated),
        rx.table.cell(row.last_seen),
        rx.table.cell(rx.cond(
            row.revoked,
            rx.badge(t("revoked "), row.revoked_at, color_scheme="red", size="2", id="device-status-" + row.id.to_string()),
            rx.badge("active", color_scheme="green", size="2", id="device-status-" + row.id.to_string()),
        )),
        rx.table.cell(rx.cond(row.revoked, rx.fragment(),
                              ask_button(state, row, t("Revoke"), "device-revoke-" + row.id.to_string(), icon="ban"))),
    )


def devices_card() -> rx.Component:
    return section(
        t("Devices"),
        rx.flex(
            rx.button(rx.icon("send"), t("Send new link"), size="3", id="send-activation-link", on_click=state.ask_new_link,
                      disabled=~state.location.active),
            rx.text(t("Creating the location already emailed it an activation link. Send new link emails another "
                    "and retires the earlier one (devices already activated keep working)."), size="2",
                    color=rx.color("gray", 11), id="send-activation-link-help"),
            gap="12px",
            align="center",
            wrap="wrap",
        ),
        success_callout(state.link_message, "activation-link-message", icon="mail-check"),
        confirm_dialog(
            open_=state.asking_new_link, title=t("Retire the activation link?"),
            description=rx.text(state.live_link_text, t(" A new link replaces it: devices not yet activated must use "
                                "the new email. Devices already activated keep working."), id="new-link-consequence"),
            description_size="3", confirm_label=t("Send new link, retire the old one"), confirm_id="new-link-confirm",
            on_confirm=state.send_link, cancel_label=t("Keep the current link"), cancel_id="new-link-cancel",
            cancel_color="gray", on_cancel=state.keep_link, confirm_color=None, max_width="480px", escape_cancels=True,
        ),
        data_table(
            [t("Device code"), t("Name"), t("Activated"), t("Last seen"), t("Status"), ""], state.device_rows, _device_row,
            table_id="devices-table",
            empty=rx.callout(
                t("No devices yet. Each device at the counter opens the activation link emailed to the location."),
                icon="tablet-smartphone", id="devices-empty", width="100%",
            ),
        ),
        confirm_on_row(
            state, title=t("Revoke this device?"),
            consequence=t("will no longer redeem cards, from its next screen on. Another device needs a new activation link."),
            confirm_label=t("Revoke device"), on_confirm=state.revoke_device,
            confirm_id="device-revoke-confirm", cancel_id="device-revoke-cancel",
        ),
        description=t("Every device that redeems cards here, each with its own code."),
    )

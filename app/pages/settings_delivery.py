"""The Settings screen's "Delivery to the bank" card: download by hand or send by SFTP, the
server's settings and "Test connection" (state: app/state/delivery_settings.py)."""

from __future__ import annotations

import reflex as rx

from app.components.forms import field_error, form_field
from app.components.i18n import t
from app.components.layout import error_callout, success_callout
from app.state.delivery_settings import SFTP_FORM, DeliverySettingsState, delivery_dom_id

WIDE_FIELDS = ("private_key", "remote_dir", "host_key_sha256")


def _control(key: str, element_id: str) -> rx.Component:
    value = DeliverySettingsState.sftp_values[key]
    change = lambda text: DeliverySettingsState.set_sftp_value(key, text)  # noqa: E731
    if key == "private_key":
        return rx.text_area(id=element_id, value=value, on_change=change, rows="4", width="100%",
                            placeholder=DeliverySettingsState.sftp_placeholders[key], font_family="monospace")
    if key == "password":
        return rx.input(id=element_id, type="password", value=value, on_change=change, size="3", width="100%",
                        placeholder=DeliverySettingsState.sftp_placeholders[key], auto_complete="new-password")
    return rx.input(id=element_id, value=value, on_change=change, size="3", width="100%")


def _sftp_field(key: str, label: str, hint: str) -> rx.Component:
    element_id = delivery_dom_id(key)
    errors = DeliverySettingsState.delivery_field_errors
    field = form_field(t(label), element_id, _control(key, element_id), hint=t(hint) if hint else "",
                       error=field_error(errors[key], errors.contains(key), f"{element_id}-error"))
    if key in WIDE_FIELDS:  # long values (a key, a path, a fingerprint) get the card's whole width
        return rx.box(field, grid_column="1 / -1", width="100%")
    return field


def delivery_section() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading(t("Delivery to the bank"), size="4"),
            rx.text(t("Download each batch's bank file and send it yourself, or let Giftnet upload it to your bank's "
                    "SFTP server as soon as it is written (retried for about an hour if the server is down; the "
                    "owners are emailed if it still fails). The file can always be downloaded too."),
                    size="2", color=rx.color("gray", 11)),
            rx.radio_group.root(
                rx.hstack(
                    rx.text(rx.hstack(rx.radio_group.item(value="download", id="settings-delivery-method-download"),
                                      t("Download by hand"), spacing="2", align="center"), as_="label", size="3"),
                    rx.text(rx.hstack(rx.radio_group.item(value="sftp", id="settings-delivery-method-sftp"),
                                      t("Send by SFTP"), spacing="2", align="center"), as_="label", size="3"),
                    spacing="5",
                ),
                id="settings-delivery-method", value=DeliverySettingsState.delivery_method,
                on_change=DeliverySettingsState.set_method,
            ),
            rx.grid(*[_sftp_field(*field) for field in SFTP_FORM], columns=rx.breakpoints(initial="1", sm="2"),
                    spacing="3", width="100%"),
            rx.cond(
                DeliverySettingsState.public_key != "",
                rx.vstack(
                    rx.text(t("Give your bank this public key for the login:"), size="2", weight="medium"),
                    rx.code(DeliverySettingsState.public_key, id="settings-delivery-public-key",
                            width="100%", style={"word_break": "break-all", "white_space": "normal"}),
                    spacing="1", width="100%",
                ),
            ),
            error_callout(DeliverySettingsState.delivery_error, "settings-delivery-error"),
            success_callout(DeliverySettingsState.delivery_saved, "settings-delivery-saved", icon="check"),
            rx.cond(
                DeliverySettingsState.connection_result != "",
                rx.cond(
                    DeliverySettingsState.connection_ok,
                    rx.callout(DeliverySettingsState.connection_result, id="settings-delivery-test-result",
                               role="status", icon="plug-zap", color_scheme="green", width="100%"),
                    rx.callout(DeliverySettingsState.connection_result, id="settings-delivery-test-result",
                               role="alert", icon="triangle-alert", color_scheme="red", width="100%"),
                ),
            ),
            rx.hstack(
                rx.button(t("Save delivery"), id="settings-delivery-save", size="3", on_click=DeliverySettingsState.save),
                rx.button(rx.icon("plug"), t("Test connection"), id="settings-delivery-test", size="3", variant="soft",
                          on_click=DeliverySettingsState.test_connection),
                spacing="3",
            ),
            spacing="3", width="100%",
        ),
        id="settings-delivery", width="100%",
    )

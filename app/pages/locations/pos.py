"""The POS keys card (owners only) and the Square card (locations that redeem POS payments)."""

from __future__ import annotations

import reflex as rx

from app.components.copy import copy_button
from app.components.forms import form_field
from app.components.i18n import t
from app.components.layout import error_callout, success_callout
from app.components.tables import data_table, empty_note, table_row
from app.pages.locations.layout import ask_button, confirm_on_row, section
from app.state.language import N_
from app.state.locations.pos import LocationPosState

state = LocationPosState
TENDER_LABELS = {
    "OTHER_GIFT_CARD": N_("Other gift card (OTHER_GIFT_CARD)"),
    "OTHER": N_("Other (OTHER)"),
    "EXTERNAL": N_("External (EXTERNAL)"),
}


def _pos_key_row(row: rx.Var) -> rx.Component:
    return table_row(
        "pos-key-row", row.id,
        rx.table.cell(row.name, weight="medium"),
        rx.table.cell(rx.code(row.prefix)),
        rx.table.cell(row.created),
        rx.table.cell(row.last_used),
        rx.table.cell(rx.cond(row.revoked, rx.badge("revoked", color_scheme="red", size="2"),
                              ask_button(state, row, t("Revoke"), "pos-key-revoke-" + row.id.to_string()))),
    )


def pos_keys_card() -> rx.Component:
    return section(
        t("POS keys"),
        rx.form(
            rx.hstack(
                rx.input(name="name", id="pos-key-name", placeholder=t("Key name, e.g. Main till"), size="3", width="280px",
                         required=True),
                rx.button(rx.icon("key-round"), t("Create POS key"), id="pos-key-create", type="submit", size="3"),
                wrap="wrap",
            ),
            on_submit=state.create_pos_key,
            reset_on_submit=False,
        ),
        error_callout(state.pos_key_error, "pos-key-error"),
        rx.cond(
            state.pos_key_plaintext != "",
            rx.callout(
                rx.vstack(
                    rx.text(t("Copy this key into the POS now: it is shown only once."), weight="bold"),
                    rx.cond(state.pos_key_notice != "", rx.text(state.pos_key_notice, id="pos-key-notice")),
                    rx.code(state.pos_key_plaintext, id="pos-key-plaintext", size="4", style={"wordBreak": "break-all"}),
                    rx.hstack(
                        copy_button(state.pos_key_plaintext, "pos-key-copy", what=N_("POS key")),
                        rx.button(t("Done"), size="2", variant="soft", id="pos-key-done", on_click=state.dismiss_pos_key),
                        spacing="3", align="center",
                    ),
                    spacing="2",
                ),
                icon="key-round", color_scheme="green", width="100%",
            ),
        ),
        data_table([t("Name"), t("Key"), t("Created"), t("Last used"), ""], state.pos_key_rows, _pos_key_row,
                   table_id="pos-keys-table", empty=empty_note(t("No POS keys yet."), "pos-keys-empty")),
        confirm_on_row(
            state, title=t("Revoke this POS key?"),
            consequence=t("stops working at once: the POS can no longer push payments with it."),
            confirm_label=t("Revoke key"), on_confirm=state.revoke_pos_key,
            confirm_id="pos-key-revoke-confirm", cancel_id="pos-key-revoke-cancel",
        ),
        description=t("The location's POS sends its gift-card payments with one of these keys (gkpos_…)."),
    )


def _square_form() -> rx.Component:
    square = state.square
    return rx.form(
        rx.vstack(
            rx.grid(
                form_field(t("Signature key"), "square-signature-key", rx.input(
                    name="signature_key", id="square-signature-key", type="password", size="3", width="100%",
                    auto_complete="off", required=True,
                    placeholder=rx.cond(square.configured, t("•••• (on file; type it again to change)"), ""))),
                form_field(t("Tender type"), "square-tender-type", rx.select.root(
                    rx.select.trigger(id="square-tender-type", width="100%", aria_label=t("Tender type")),
                    rx.select.content(*[rx.select.item(t(label), value=value) for value, label in TENDER_LABELS.items()]),
                    name="tender_type",
                    default_value=square.tender_type,
                    size="3",
                )),
                columns=rx.breakpoints(initial="1", sm="2"),
                spacing="4",
                width="100%",
            ),
            form_field(t("Notification URL"), "square-notification-url", rx.input(
                name="notification_url", id="square-notification-url", default_value=square.notification_url,
                size="3", width="100%", required=True, type="url"),
                hint=t("Square signs this URL with the body: it must match the subscription's URL exactly.")),
            rx.hstack(
                rx.button(rx.icon("save", size=16), t("Save Square settings"), type="submit", size="3", id="square-save"),
                rx.cond(square.configured,
                        rx.badge("connected", color_scheme="green", size="2", id="square-status"),
                        rx.badge(t("not set up"), color_scheme="gray", size="2", id="square-status")),
                align="center",
            ),
            spacing="3",
            width="100%",
        ),
        on_submit=state.save_square,
        reset_on_submit=False,
        key=state.square_form_key,
        width="100%",
    )


def square_card() -> rx.Component:
    square = state.square
    return section(
        t("Square"),
        rx.vstack(
            rx.text(t("1. In Square's Developer Dashboard, add a webhook subscription for payment.created with this URL:"),
                    size="3"),
            rx.hstack(
                rx.code(square.receiver_url, id="square-receiver-url", size="3", style={"wordBreak": "break-all"}),
                rx.button(rx.icon("copy", size=16), t("Copy"), size="2", variant="soft", color_scheme="gray",
                          id="square-receiver-copy", on_click=rx.set_clipboard(square.receiver_url)),
                align="center",
                wrap="wrap",
            ),
            rx.text(t("2. Paste the subscription's signature key and its notification URL (exactly as Square shows it) "
                    "below; take gift cards on Square with the tender chosen here."), size="3"),
            spacing="2",
            width="100%",
        ),
        _square_form(),
        success_callout(state.square_message, "square-message"),
        error_callout(state.square_error, "square-error"),
        description=t("Payments taken on Square with the gift-card tender appear on this location's counter screens."),
    )

"""The webhook endpoints section of the Developers screen (state: app/state/webhook_endpoints.py)."""

from __future__ import annotations

import reflex as rx

from app.components.dialogs import confirm_dialog
from app.components.i18n import t
from app.components.layout import error_callout, screen_section, shown_once_callout, success_callout
from app.components.tables import data_table, table_row
from app.state.webhook_endpoints import EVENT_TYPES
from app.state.webhook_endpoints import WebhookEndpointsState as State


def _secret_callout() -> rx.Component:
    return shown_once_callout(
        State.new_secret,
        rx.text(t("Events now go to"), " ", rx.code(State.new_url), ". ",
                t("Copy its signing secret now: it is shown only once. Check the webhook-signature header of every "
                  "call with it (Standard Webhooks)."),
                weight="medium"),
        secret_id="endpoint-secret",
        copy_label=t("Copy secret"),
        copy_id="endpoint-secret-copy",
        on_copy=State.copy_secret,
        dismiss_id="endpoint-secret-dismiss",
        on_dismiss=State.dismiss_secret,
        callout_id="endpoint-created",
    )


def _row(row: rx.Var) -> rx.Component:
    return table_row(
        "endpoint-row", row.id,
        rx.table.cell(rx.code(row.url), id="endpoint-url-" + row.id.to_string(), word_break="break-all"),
        rx.table.cell(row.events, id="endpoint-events-" + row.id.to_string()),
        rx.table.cell(row.created, white_space="nowrap"),
        rx.table.cell(rx.button(rx.icon("trash-2"), t("Remove"), id="endpoint-remove-" + row.id.to_string(), size="3",
                                color_scheme="red", variant="soft", on_click=State.ask_remove(row.id))),
        align=None,
    )


def _remove_dialog() -> rx.Component:
    return confirm_dialog(
        title=t("Remove this webhook endpoint?"),
        description=(t("Nothing more is sent to "), rx.code(State.remove_url), t(", and the deliveries still waiting for "
                     "it are given up. Add it again to get a new signing secret.")),
        confirm_label=t("Remove endpoint"),
        confirm_id="endpoint-remove-confirm",
        on_confirm=State.confirm_remove,
        cancel_label=t("Keep it"),
        cancel_id="endpoint-remove-cancel",
        on_cancel=State.keep,
        dialog_id="endpoint-remove-dialog",
        open_=State.remove_id != 0,
    )


def webhook_endpoints_section() -> rx.Component:
    form = rx.form(
        rx.vstack(
            rx.input(name="url", id="endpoint-url", type="url", placeholder="https://your-system.example.com/webhooks",
                     size="3", width="100%", max_width="560px", required=True),
            rx.text(t("Events (none ticked: every event, also those added later)"), size="2", color=rx.color("gray", 11)),
            rx.grid(
                *[rx.el.label(rx.checkbox(name=f"event-{name}", id=f"endpoint-event-{name}", size="3", aria_label=name), rx.code(name),
                              style={"display": "flex", "gap": "8px", "alignItems": "center", "minHeight": "40px"})
                  for name in EVENT_TYPES],
                columns=rx.breakpoints(initial="1", sm="2", lg="3"), spacing="1", width="100%",
            ),
            rx.button(rx.icon("plus"), t("Add endpoint"), id="endpoint-add", type="submit", size="3"),
            spacing="3", width="100%",
        ),
        on_submit=State.add,
        reset_on_submit=True,
    )
    table = data_table(
        [t("URL"), t("Events"), t("Added"), ""], State.endpoints, _row,
        table_id="endpoint-table",
        size="3",
        empty=rx.callout(t("No webhook endpoints yet. Add one to have your systems told of each event as it happens."),
                   icon="info", id="endpoint-empty"),
    )
    return screen_section(
        t("Webhook endpoints"),
        form,
        error_callout(State.hook_error, "endpoint-error"),
        success_callout(State.hook_message, "endpoint-message"),
        _secret_callout(),
        table,
        _remove_dialog(),
        description=t("Each event is POSTed to your URL, signed, and retried for about three days until it is "
                    "accepted. At most 20 endpoints."),
    )

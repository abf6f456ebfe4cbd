"""The Notifications card of a location's screen: its webhook URL and signing secret, the
delivery log with each delivery's attempts, Retry now."""

from __future__ import annotations

import reflex as rx

from app.components.badges import status_word
from app.components.i18n import t
from app.components.layout import error_callout, success_callout
from app.components.tables import data_table, empty_note, table_row
from app.pages.locations.layout import section
from app.state.locations.webhooks import LocationWebhooksState

state = LocationWebhooksState
DELIVERY_STATUS_COLORS = {"delivered": "green", "pending": "amber", "sending": "blue", "failed": "red"}


def _delivery_status(row: rx.Var) -> rx.Component:
    return rx.badge(
        status_word(row.status),
        color_scheme=rx.match(row.status, *DELIVERY_STATUS_COLORS.items(), "gray"),
        size="2",
        id="webhook-delivery-status-" + row.id.to_string(),
    )


def _attempt_row(attempt: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(attempt.time),
        rx.table.cell(rx.text(attempt.result, color=rx.cond(attempt.ok, rx.color("green", 11), rx.color("red", 11)),
                              style={"overflowWrap": "anywhere"})),
        rx.table.cell(attempt.duration),
        class_name="webhook-attempt",
    )


def _delivery_rows(row: rx.Var) -> rx.Component:
    is_open = state.open_delivery_id == row.id
    muted = rx.color("gray", 11)
    return rx.fragment(
        table_row(
            "webhook-delivery-row", row.id,
            rx.table.cell(rx.vstack(rx.code(row.event, size="2"), rx.text(row.created, size="1", color=muted),
                                    spacing="1")),
            rx.table.cell(_delivery_status(row)),
            rx.table.cell(row.attempts, text_align="center", class_name="webhook-delivery-attempts"),
            rx.table.cell(rx.text(row.last_result, size="2", style={"overflowWrap": "anywhere"}), max_width="180px"),
            rx.table.cell(rx.text(row.delivered, size="2")),
            rx.table.cell(
                rx.flex(
                    rx.button(rx.icon(rx.cond(is_open, "chevron-up", "chevron-down"), size=16), t("Attempts"), size="2",
                              variant="soft", color_scheme="gray", id="webhook-attempts-" + row.id.to_string(),
                              on_click=state.toggle_attempts(row.id)),
                    rx.cond(
                        row.retryable,
                        rx.button(rx.icon("refresh-cw", size=16), t("Retry now"), size="2", variant="soft",
                                  id="webhook-retry-" + row.id.to_string(), on_click=state.retry_delivery(row.id)),
                    ),
                    direction="column",
                    gap="6px",
                    align="stretch",
                ),
            ),
        ),
        rx.cond(
            is_open,
            rx.table.row(
                rx.table.cell(
                    data_table(
                        [t("Attempted"), t("Result"), t("Took")], state.attempt_rows, _attempt_row, size="1", variant="surface",
                        empty=empty_note(t("Not attempted yet: the first attempt goes out within seconds.")),
                    ),
                    col_span=6,
                    background=rx.color("gray", 2),
                ),
                id="webhook-attempt-list-" + row.id.to_string(),
            ),
        ),
    )


def _secret() -> rx.Component:
    return rx.flex(
        rx.text(t("Signing secret"), weight="medium", size="3"),
        rx.cond(
            state.webhook_secret != "",
            rx.hstack(
                rx.code(state.webhook_secret, id="webhook-secret", size="3", style={"wordBreak": "break-all"}),
                rx.button(t("Hide"), size="2", variant="soft", color_scheme="gray", id="webhook-secret-hide",
                          on_click=state.hide_webhook_secret),
                align="center",
                wrap="wrap",
            ),
            rx.cond(
                state.is_owner,
                rx.button(rx.icon("eye", size=16), t("Reveal secret"), size="2", variant="soft", id="webhook-secret-reveal",
                          on_click=state.reveal_webhook_secret),
                rx.text(t("Only an owner can reveal it."), size="2", color=rx.color("gray", 11), id="webhook-secret-owners-only"),
            ),
        ),
        rx.text(t("The location's receiver checks each webhook's signature (Standard Webhooks) with this secret."),
                size="2", color=rx.color("gray", 11), width="100%"),
        gap="8px 12px",
        align="center",
        wrap="wrap",
        width="100%",
    )


def notifications_card() -> rx.Component:
    loc = state.location
    return section(
        t("Notifications"),
        rx.text(
            t("Webhook URL: "),
            rx.cond(loc.notify_webhook_url != "—", rx.code(loc.notify_webhook_url, id="webhook-url"),
                    rx.text.em(t("none (edit the location to add one)"))),
            t(" · Email of redeemed items: "), loc.notify_items_email,
            size="3",
            style={"overflowWrap": "anywhere"},
        ),
        _secret(),
        success_callout(state.webhook_message, "webhook-message"),
        error_callout(state.webhook_error, "webhook-error"),
        rx.hstack(
            rx.heading(t("Delivery log"), size="3"),
            rx.spacer(),
            rx.button(rx.icon("rotate-cw", size=16), t("Refresh"), size="2", variant="soft", color_scheme="gray",
                      id="webhook-deliveries-refresh", on_click=state.refresh_deliveries),
            width="100%",
            align="center",
        ),
        data_table(
            [t("Event, created"), t("Status"), t("Attempts"), t("Last result"), t("Delivered"), ""], state.delivery_rows,
            _delivery_rows, table_id="webhook-deliveries-table", scroll=True,
            empty=empty_note(t("No webhook deliveries yet: each redemption here sends one to the notification webhook."),
                             "webhook-deliveries-empty"),
        ),
        description=t("What this location is told after each redemption, and whether its webhook receiver got it."),
    )

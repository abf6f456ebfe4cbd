"""Developers: API keys (create, shown once; list; revoke with confirmation) and the live API access log."""

from __future__ import annotations

import reflex as rx

from app.components.dialogs import confirm_dialog
from app.components.i18n import t
from app.components.layout import (
    dashboard_shell,
    error_callout,
    owners_only,
    page_title,
    screen_section,
    shown_once_callout,
    success_callout,
)
from app.components.tables import data_table, pager, table_row
from app.components.webhook_endpoints import webhook_endpoints_section
from app.state.developers import ALL, DevelopersState
from app.state.language import N_

STATUS_COLORS = (("2xx", "green"), ("3xx", "blue"), ("4xx", "orange"), ("5xx", "red"))


def _new_key_callout() -> rx.Component:
    return shown_once_callout(
        DevelopersState.new_key_plaintext,
        rx.text(
            t("Key “"), DevelopersState.new_key_name, t("” created. Copy it now: it is shown only once, "
            "and we keep only a fingerprint of it."),
            weight="medium",
        ),
        note=rx.text(t("Send it as "), rx.code("Authorization: Bearer <key>"), t(" on every API call."), size="2"),
        secret_id="api-key-plaintext",
        copy_label=t("Copy key"),
        copy_id="api-key-copy",
        on_copy=DevelopersState.copy_new_key,
        dismiss_id="api-key-dismiss",
        on_dismiss=DevelopersState.dismiss_new_key,
        callout_id="api-key-created",
    )


def _key_row(key: rx.Var) -> rx.Component:
    return table_row(
        "api-key-row", key.id,
        rx.table.cell(rx.text(key.name, weight="medium"), id="api-key-name-" + key.id.to_string()),
        rx.table.cell(rx.code(key.prefix), id="api-key-prefix-" + key.id.to_string(), white_space="nowrap"),
        rx.table.cell(key.created),
        rx.table.cell(key.last_used, id="api-key-last-used-" + key.id.to_string()),
        rx.table.cell(
            rx.cond(
                key.revoked,
                rx.badge(t("Revoked {when}", when=key.revoked_at), color_scheme="gray", size="2", id="api-key-status-" + key.id.to_string()),
                rx.badge(t("Active"), color_scheme="green", size="2", id="api-key-status-" + key.id.to_string()),
            )
        ),
        rx.table.cell(
            rx.cond(
                key.revoked,
                rx.fragment(),
                rx.button(
                    rx.icon("ban"),
                    t("Revoke"),
                    id="api-key-revoke-" + key.id.to_string(),
                    size="3",
                    color_scheme="red",
                    variant="soft",
                    on_click=DevelopersState.ask_revoke(key.id),
                ),
            )
        ),
        align=None,
    )


def _revoke_dialog() -> rx.Component:
    return confirm_dialog(
        title=t("Revoke this API key?"),
        description=t("“{name}” stops working at once: every call made with it is refused. "
                      "This cannot be undone; create a new key to replace it.", name=DevelopersState.revoke_name),
        confirm_label=t("Revoke key"),
        confirm_id="api-key-revoke-confirm",
        on_confirm=DevelopersState.confirm_revoke,
        cancel_label=t("Keep the key"),
        cancel_id="api-key-revoke-cancel",
        on_cancel=DevelopersState.cancel_revoke,
        dialog_id="api-key-revoke-dialog",
        open_=DevelopersState.revoke_id != 0,
    )


def _keys_section() -> rx.Component:
    create_form = rx.form(
        rx.hstack(
            rx.input(name="name", id="api-key-name", placeholder=t("Key name, e.g. Online shop"), size="3", width="320px", max_length=120, required=True),
            rx.button(rx.icon("plus"), t("Create API key"), id="api-key-create", type="submit", size="3"),
            spacing="3",
            wrap="wrap",
        ),
        on_submit=DevelopersState.create_key,
        reset_on_submit=False,
    )
    table = data_table(
        [t("Name"), t("Key"), t("Created"), t("Last used"), t("Status"), ""], DevelopersState.keys, _key_row,
        table_id="api-key-table",
        size="3",
        empty=rx.callout(t("No API keys yet. Create one for your shop or POS above."), icon="info", id="api-key-empty"),
    )
    return screen_section(
        t("API keys"),
        create_form,
        error_callout(DevelopersState.key_error, "api-key-error"),
        success_callout(DevelopersState.key_message, "api-key-message"),
        _new_key_callout(),
        table,
        _revoke_dialog(),
        description=t("Your systems call the API with these keys. Each is shown once when created."),
    )


def _status_badge(row: rx.Var) -> rx.Component:
    return rx.badge(
        row.status.to_string(),
        color_scheme=rx.match(row.status_class, *STATUS_COLORS, "gray"),
        size="2",
        class_name="api-log-status",
    )


def _log_row(row: rx.Var) -> rx.Component:
    return table_row(
        "api-log-row", row.id,
        rx.table.cell(row.time, white_space="nowrap"),
        rx.table.cell(rx.code(row.method), class_name="api-log-method"),
        rx.table.cell(row.path, class_name="api-log-path", word_break="break-all"),
        rx.table.cell(_status_badge(row)),
        rx.table.cell(row.duration, white_space="nowrap"),
        rx.table.cell(row.key_prefix),
        rx.table.cell(row.ip),
        align=None,
    )


def _log_filters() -> rx.Component:
    return rx.flex(
        rx.select.root(
            rx.select.trigger(id="api-log-status", placeholder=t("Status"), aria_label=t("Status")),
            rx.select.content(
                rx.select.item(t("All statuses"), value=ALL),
                rx.select.item(t("2xx success"), value="2xx"),
                rx.select.item(t("4xx refused"), value="4xx"),
                rx.select.item(t("5xx errors"), value="5xx"),
            ),
            value=DevelopersState.log_status_class,
            on_change=DevelopersState.set_log_status_class,
            size="3",
        ),
        rx.select.root(
            rx.select.trigger(id="api-log-key", placeholder=t("Key"), aria_label=t("API key")),
            rx.select.content(
                rx.foreach(DevelopersState.key_options, lambda option: rx.select.item(option.label, value=option.value)),
            ),
            value=DevelopersState.log_key,
            on_change=DevelopersState.set_log_key,
            size="3",
        ),
        rx.form(
            rx.hstack(
                rx.input(name="path", id="api-log-path", placeholder=t("Path contains, e.g. /cards"), size="3", width="260px",
                         default_value=DevelopersState.log_path),
                rx.button(rx.icon("search"), t("Filter"), id="api-log-path-submit", type="submit", size="3"),
            ),
            on_submit=DevelopersState.search_log_path,
            reset_on_submit=False,
        ),
        rx.button(t("Clear filters"), id="api-log-clear", size="3", variant="soft", on_click=DevelopersState.clear_log_filters),
        rx.spacer(),
        rx.cond(
            DevelopersState.live & (DevelopersState.cursor_stack.length() == 0),
            rx.badge(rx.icon("radio", size=14), t("Live"), color_scheme="green", size="2", id="api-log-live"),
            rx.badge(t("Paused on an older page"), color_scheme="gray", size="2", id="api-log-paused"),
        ),
        gap="12px",
        wrap="wrap",
        align="center",
        width="100%",
    )


def _log_section() -> rx.Component:
    table = data_table(
        [t("Time"), t("Method"), t("Path"), t("Status"), t("Duration"), t("Key"), t("IP")], DevelopersState.logs, _log_row,
        table_id="api-log-table",
        empty=rx.callout(
            t("No API calls match yet. Calls made with your keys show up here within seconds."),
            icon="info",
            id="api-log-empty",
        ),
    )
    return screen_section(
        t("API access log"),
        _log_filters(),
        error_callout(DevelopersState.log_error, "api-log-error"),
        table,
        pager(DevelopersState, "api-log", labels=(t("Newer"), t("Older"))),
        description=t("Every call made with your keys, newest first: method, path, status, duration, key and "
                    "address. Card codes and keys never appear here."),
    )


def developers_page() -> rx.Component:
    return dashboard_shell(
        owners_only(rx.vstack(
            page_title(t("Developers"), t("API keys for your shop or POS, webhook endpoints, and every call made with them. "
                       "The API reference is at /api/v1/docs.")),
            _keys_section(),
            rx.divider(margin_y="16px"),
            webhook_endpoints_section(),
            rx.divider(margin_y="16px"),
            _log_section(),
            spacing="4",
            width="100%",
        ), N_("The Developers screen")),
        active="developers",
    )

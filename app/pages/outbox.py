"""Outbox: every email the platform wrote for this operator, and how each one looks."""

from __future__ import annotations

import reflex as rx

from app.components.i18n import t
from app.components.layout import dashboard_shell, page_title
from app.components.tables import data_table, pager
from app.state.outbox import OutboxState

STATUS_COLORS = (("sent", "green"), ("queued", "amber"), ("sending", "blue"), ("failed", "red"))


def _status(row: rx.Var) -> rx.Component:
    """The badge in words ("waiting" while no mail server is set), and what it means for the email."""
    return rx.vstack(
        rx.badge(row.status_label, color_scheme=rx.match(row.status, *STATUS_COLORS, "gray"), size="2",
                 id="outbox-status-" + row.id.to_string()),
        rx.cond(row.status_note != "", rx.text(row.status_note, size="1", color=rx.color("gray", 11),
                                               id="outbox-status-note-" + row.id.to_string())),
        spacing="1", max_width="240px",
    )


def _row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(row.to_address),
        rx.table.cell(rx.text(row.subject, weight="medium")),
        rx.table.cell(_status(row)),
        rx.table.cell(row.attempts, class_name="outbox-attempts"),
        rx.table.cell(rx.text(row.last_error, size="2", color=rx.color("red", 11)), class_name="outbox-last-error", max_width="280px"),
        rx.table.cell(row.created),
        id="outbox-row-" + row.id.to_string(),
        class_name="outbox-row",
        on_click=OutboxState.show(row.id),
        cursor="pointer",
        background=rx.cond(OutboxState.selected.id == row.id, rx.color("accent", 3), "transparent"),
        _hover={"background": rx.color("gray", 3)},
    )


def _viewer() -> rx.Component:
    selected = OutboxState.selected
    return rx.cond(
        selected.id != 0,
        rx.card(
            rx.vstack(
                rx.heading(selected.subject, size="5", id="outbox-view-subject"),
                rx.text(t("To "), rx.text.strong(selected.to_address), size="3"),
                rx.text(t("The card code is masked here; the recipient's copy carries it in full."), size="2", color=rx.color("gray", 11)),
                rx.tabs.root(
                    rx.tabs.list(
                        rx.tabs.trigger(t("As the recipient sees it"), value="html", id="outbox-view-html-tab"),
                        rx.tabs.trigger(t("Plain text"), value="text", id="outbox-view-text-tab"),
                    ),
                    rx.tabs.content(
                        # sandbox="": no scripts, no forms, no navigation of this page.
                        rx.el.iframe(
                            src_doc=OutboxState.selected_html,
                            sandbox="",
                            title=t("Email preview"),
                            id="outbox-view-html",
                            style={"width": "100%", "height": "720px", "border": "none", "background": "white"},
                        ),
                        value="html",
                        padding_top="12px",
                    ),
                    rx.tabs.content(
                        rx.el.pre(
                            OutboxState.selected_text,
                            id="outbox-view-text",
                            style={"whiteSpace": "pre-wrap", "fontSize": "15px", "lineHeight": "1.5"},
                        ),
                        value="text",
                        padding_top="12px",
                    ),
                    default_value="html",
                    width="100%",
                ),
                spacing="3",
                width="100%",
            ),
            id="outbox-view",
            width="100%",
        ),
        rx.callout(t("Select a message to see it as the recipient does."), icon="mail", id="outbox-view-empty"),
    )


def outbox_page() -> rx.Component:
    table = data_table(
        [t("To"), t("Subject"), t("Status"), t("Attempts"), t("Last error"), t("Created")], OutboxState.rows, _row,
        table_id="outbox-table",
        empty=rx.callout(t("No emails yet. Issue a card with a recipient email and its email appears here."), icon="info", id="outbox-empty"),
    )
    refresh = rx.button(rx.icon("refresh-cw"), t("Refresh"), id="outbox-refresh", size="3", variant="soft",
                        on_click=OutboxState.refresh)
    return dashboard_shell(
        rx.vstack(
            page_title(t("Outbox"), t("Every email sent on your network's behalf, newest first. Click one to see it.")),
            rx.callout(OutboxState.delivery_mode, icon="send", id="outbox-mode", size="1"),
            table,
            pager(OutboxState, "outbox", refresh, labels=(t("Newer"), t("Older"))),
            _viewer(),
            spacing="4",
            width="100%",
        ),
        active="outbox",
    )

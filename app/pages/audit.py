"""Audit trail: who did what on the network, and when; a row opens to what changed."""

from __future__ import annotations

import reflex as rx

from app.components.i18n import t
from app.components.layout import dashboard_shell, error_callout, owners_only, page_title
from app.components.tables import data_table
from app.state.audit import AuditState
from app.state.language import N_

COLUMNS = 4


def _change(change: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.text(change.field, weight="medium"), class_name="audit-change-field"),
        rx.table.cell(rx.text(change.before, color=rx.color("gray", 11)), class_name="audit-change-before"),
        rx.table.cell(rx.icon("arrow-right", size=16)),
        rx.table.cell(rx.text(change.after, weight="medium"), class_name="audit-change-after"),
        class_name="audit-change",
    )


def _details(row: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(
            rx.vstack(
                data_table([t("Field"), t("Before"), "", t("After")], row.changes, _change, size="1", variant="surface",
                           empty=rx.text(t("Nothing recorded as changed for this action."), size="2",
                                         color=rx.color("gray", 11))),
                rx.hstack(
                    rx.text(t("Action code "), rx.code(row.action), size="2", color=rx.color("gray", 11)),
                    rx.cond(row.ip != "", rx.text(t("From "), rx.code(row.ip), size="2", color=rx.color("gray", 11))),
                    spacing="4",
                    wrap="wrap",
                ),
                spacing="2",
                width="100%",
                padding_y="4px",
            ),
            col_span=COLUMNS,
            background=rx.color("gray", 2),
        ),
        id="audit-details-" + row.id.to_string(),
        class_name="audit-details",
    )


def _row(row: rx.Var) -> rx.Component:
    expanded = AuditState.expanded_id == row.id
    return rx.fragment(
        rx.table.row(
            rx.table.cell(
                rx.hstack(rx.icon(rx.cond(expanded, "chevron-down", "chevron-right"), size=16), rx.text(row.when),
                          spacing="2", align="center", white_space="nowrap"),
                class_name="audit-when",
            ),
            rx.table.cell(row.who, class_name="audit-who", min_width="190px", max_width="260px", overflow_wrap="break-word"),
            rx.table.cell(
                # The target sits under its action: five columns do not fit a tablet.
                rx.vstack(rx.badge(row.action_label, size="2", variant="soft", class_name="audit-action"),
                          rx.text(row.target, size="1", color=rx.color("gray", 11), class_name="audit-target"),
                          spacing="1"),
            ),
            rx.table.cell(row.summary, class_name="audit-summary", min_width="140px", overflow_wrap="anywhere"),
            id="audit-row-" + row.id.to_string(),
            class_name="audit-row",
            on_click=AuditState.toggle(row.id),
            cursor="pointer",
            background=rx.cond(expanded, rx.color("accent", 3), "transparent"),
            _hover={"background": rx.color("gray", 3)},
        ),
        rx.cond(expanded, _details(row)),
    )


def _select(element_id: str, label: str, options: rx.Var, value: rx.Var, on_change) -> rx.Component:  # noqa: ANN001
    return rx.vstack(
        rx.text(label, size="2", weight="medium"),
        rx.select.root(
            rx.select.trigger(id=element_id, aria_label=label, min_width="200px"),
            rx.select.content(rx.foreach(options, lambda option: rx.select.item(option.label, value=option.value))),
            value=value,
            on_change=on_change,
            size="3",
        ),
        spacing="1",
    )


def _filters() -> rx.Component:
    return rx.hstack(
        _select("audit-filter-action", t("Action"), AuditState.action_options, AuditState.filter_action,
                AuditState.set_filter_action),
        _select("audit-filter-who", t("Who"), AuditState.who_options, AuditState.filter_who, AuditState.set_filter_who),
        rx.vstack(
            rx.el.label(t("From"), html_for="audit-from", style={"fontSize": "14px", "fontWeight": 500}),
            rx.input(type="date", id="audit-from", value=AuditState.date_from, on_change=AuditState.set_date_from, size="3"),
            spacing="1",
        ),
        rx.vstack(
            rx.el.label(t("To"), html_for="audit-to", style={"fontSize": "14px", "fontWeight": 500}),
            rx.input(type="date", id="audit-to", value=AuditState.date_to, on_change=AuditState.set_date_to, size="3"),
            spacing="1",
        ),
        rx.button(t("Show"), id="audit-apply", size="3", on_click=AuditState.apply_dates),
        rx.button(t("Clear filters"), id="audit-clear", size="3", variant="soft", color_scheme="gray",
                  on_click=AuditState.clear_filters),
        wrap="wrap",
        align="end",
        spacing="3",
        width="100%",
    )


def _empty() -> rx.Component:
    return rx.callout(
        rx.cond(
            AuditState.has_events,
            t("No events match these filters. Clear them to see the whole trail."),
            t("No events yet. Sign-ins, settings changes, keys, cards frozen and payouts appear here as they happen."),
        ),
        icon="info",
        id="audit-empty",
    )


def audit_page() -> rx.Component:
    body = rx.cond(
        AuditState.loading,
        rx.center(rx.spinner(size="3"), rx.text(t("Loading the audit trail…"), margin_left="12px"), id="audit-loading",
                  padding="32px", width="100%"),
        data_table([t("When"), t("Who"), t("Action and target"), t("Summary")], AuditState.rows, _row, table_id="audit-table",
                   empty=_empty()),
    )
    pager = rx.hstack(
        rx.button(rx.icon("refresh-cw"), t("Refresh"), id="audit-refresh", size="3", variant="soft", on_click=AuditState.refresh),
        rx.button(rx.icon("download"), t("CSV"), id="audit-export", size="3", variant="soft", on_click=AuditState.export),
        rx.spacer(),
        rx.button(t("Newer"), id="audit-prev", size="3", variant="soft", disabled=AuditState.cursor_stack.length() == 0,
                  on_click=AuditState.previous_page),
        rx.button(t("Older"), id="audit-next", size="3", variant="soft", disabled=AuditState.next_cursor == "",
                  on_click=AuditState.next_page),
        width="100%",
    )
    return dashboard_shell(
        owners_only(rx.vstack(
            page_title(t("Audit trail"), t("Who did what on your network, and when (in your time zone). "
                                      "Click a row to see what changed.")),
            _filters(),
            error_callout(AuditState.error, "audit-error"),
            body,
            pager,
            spacing="4",
            width="100%",
        ), N_("The Audit trail screen")),
        active="audit",
    )

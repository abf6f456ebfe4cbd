"""/locations: the businesses of the network, searched, filtered and paged."""

from __future__ import annotations

import reflex as rx
from reflex.event import EventType

from app.components.i18n import t
from app.components.layout import dashboard_shell, error_callout, page_title
from app.components.tables import data_table, pager, table_row
from app.pages.locations.layout import active_badge
from app.state.language import N_
from app.state.locations.listing import LocationsState


def _filter(element_id: str, value: rx.Var, on_change: EventType, options: list[tuple[str, str]],
            label: str) -> rx.Component:
    return rx.select.root(
        rx.select.trigger(id=element_id, min_width="150px", aria_label=label),
        rx.select.content(*[rx.select.item(t(label), value=option) for option, label in options]),
        value=value,
        on_change=on_change,
        size="3",
    )


def _location_row(row: rx.Var) -> rx.Component:
    return table_row(
        "location-row", row.id,
        rx.table.cell(
            rx.link(row.name, href="/locations/" + row.id.to_string(), id="location-link-" + row.id.to_string(), weight="medium")
        ),
        rx.table.cell(row.email),
        rx.table.cell(row.external_id),
        rx.table.cell(row.mode_label),
        rx.table.cell(active_badge(row.active)),
        align=None,
    )


def locations_page() -> rx.Component:
    state = LocationsState
    toolbar = rx.flex(
        rx.form(
            rx.hstack(
                rx.input(
                    name="query", id="locations-search", placeholder=t("Name, email or external id"), size="3",
                    width="280px", default_value=state.query,
                ),
                rx.button(rx.icon("search"), t("Search"), id="locations-search-submit", type="submit", size="3"),
                rx.cond(
                    state.query != "",
                    rx.button(t("Clear"), id="locations-search-clear", size="3", variant="soft", type="button",
                              on_click=state.clear_search),
                ),
            ),
            on_submit=state.search,
            reset_on_submit=False,
        ),
        _filter("locations-mode-filter", state.mode_filter, state.set_mode_filter,
                [("all", N_("All counters")), ("pos", N_("Take POS payments")), ("items", N_("Items, no POS")),
                 ("amount", N_("Typed amounts only"))], t("Counter mode")),
        _filter("locations-active-filter", state.active_filter, state.set_active_filter,
                [("all", N_("Active and inactive")), ("active", N_("Active")), ("inactive", N_("Inactive"))], t("Active or inactive")),
        rx.spacer(),
        rx.link(rx.button(rx.icon("upload"), t("Import CSV"), size="3", variant="soft", id="locations-import-open"),
                href="/locations/import"),
        rx.link(rx.button(rx.icon("plus"), t("New location"), size="3", id="location-create-open"), href="/locations/new"),
        gap="12px",
        wrap="wrap",
        width="100%",
        align="center",
    )
    filtering = (state.query != "") | (state.mode_filter != "all") | (state.active_filter != "all")
    table = data_table(
        [t("Location"), t("Email"), t("External id"), t("Redeems by"), t("Status")], state.rows, _location_row,
        table_id="locations-table", size="3",
        empty=rx.callout(
            rx.cond(
                filtering,
                t("No location matches this search or filter."),
                t("No locations yet. Add the first business of your network, or import your existing file."),
            ),
            icon="info",
            id="locations-empty",
            size="3",
        ),
    )
    return dashboard_shell(
        rx.vstack(
            page_title(t("Locations"), t("The businesses of your network: where cards are redeemed, and who gets paid.")),
            toolbar,
            error_callout(state.list_error, "locations-error"),
            table,
            pager(state, "locations"),
            spacing="4",
            width="100%",
        ),
        active="locations",
    )

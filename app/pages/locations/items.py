"""The Item catalog card of a location's screen: add an item, take one out and back."""

from __future__ import annotations

import reflex as rx

from app.components.i18n import t
from app.components.layout import error_callout
from app.components.tables import data_table, empty_note, table_row
from app.pages.locations.layout import active_badge, section
from app.state.locations.items import LocationItemsState

state = LocationItemsState


def _item_row(row: rx.Var) -> rx.Component:
    deactivate = rx.button(t("Deactivate"), size="2", variant="soft", color_scheme="gray",
                           id="item-deactivate-" + row.id.to_string(), on_click=state.deactivate_item(row.id))
    reactivate = rx.button(t("Reactivate"), size="2", variant="soft", id="item-reactivate-" + row.id.to_string(),
                           on_click=state.reactivate_item(row.id))
    return table_row(
        "item-row", row.id,
        rx.table.cell(row.name, weight="medium"),
        rx.table.cell(row.sku),
        rx.table.cell(row.price),
        rx.table.cell(active_badge(row.active)),
        rx.table.cell(rx.cond(row.active, deactivate, reactivate)),
    )


def items_card() -> rx.Component:
    return section(
        t("Item catalog"),
        rx.form(
            rx.flex(
                rx.input(name="name", id="item-name", placeholder=t("Item name"), size="3", required=True, width="240px"),
                rx.input(name="price", id="item-price", placeholder=t("Price, e.g. 4.50"), size="3", required=True,
                         input_mode="decimal", width="160px"),
                rx.input(name="sku", id="item-sku", placeholder=t("SKU (optional)"), size="3", width="160px"),
                rx.button(rx.icon("plus"), t("Add item"), id="item-add", type="submit", size="3"),
                gap="8px",
                wrap="wrap",
            ),
            on_submit=state.add_item,
            reset_on_submit=False,
        ),
        error_callout(state.item_error, "item-error"),
        data_table([t("Item"), t("SKU"), t("Price"), t("Status"), ""], state.item_rows, _item_row,
                   table_id="items-table", empty=empty_note(t("No items yet."), "items-empty")),
        description=t("What a card can be redeemed against at this location, with prices (used when it redeems by items)."),
    )

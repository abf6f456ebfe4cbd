"""A location's item catalog: add an item, take one out of the catalog and back."""

from __future__ import annotations

from dataclasses import dataclass

import reflex as rx

from app.models import Location
from app.services.access.accounts import SignedIn
from app.services.core.money import parse_amount
from app.services.network import items
from app.state.locations.screen import LocationDetailState
from app.state.session import dashboard_action


@dataclass
class ItemRow:
    id: int = 0
    name: str = ""
    sku: str = ""
    price: str = ""
    active: bool = True


class LocationItemsState(LocationDetailState):
    item_rows: list[ItemRow] = []

    def _open(self, who: SignedIn, location: Location) -> None:
        self._show_items(who)

    def _show_items(self, who: SignedIn) -> None:
        self.item_rows = [
            ItemRow(id=item.id, name=item.name, sku=item.sku or "—", price=self._money(item.price_cents, who.currency),
                    active=item.active)
            for item in items.list_items(who.operator_id, self._location_id(), include_inactive=True)
        ]

    @rx.event
    @dashboard_action("item_error")
    def add_item(self, who: SignedIn, form: dict):
        price_cents = parse_amount(str(form.get("price", "")), field="price")
        item = items.create_item(self._actor(who), self._location_id(), name=str(form.get("name", "")),
                                 price_cents=price_cents, sku=str(form.get("sku", "")))
        self.action_message = self._t("{name} ({price}) was added to the catalog.", name=item.name,
                                      price=self._money(item.price_cents, who.currency))
        self._show_items(who)
        return [rx.set_value("item-name", ""), rx.set_value("item-price", ""), rx.set_value("item-sku", "")]

    def _set_item_active(self, who: SignedIn, item_id: int, active: bool) -> None:
        item = items.set_item_active(self._actor(who), int(item_id), active)
        self.action_message = (self._t("{name} is back in the catalog.", name=item.name) if active
                               else self._t("{name} is no longer in the catalog.", name=item.name))
        self._show_items(who)

    @rx.event
    @dashboard_action("item_error")
    def deactivate_item(self, who: SignedIn, item_id: int):
        self._set_item_active(who, item_id, False)

    @rx.event
    @dashboard_action("item_error")
    def reactivate_item(self, who: SignedIn, item_id: int):
        self._set_item_active(who, item_id, True)

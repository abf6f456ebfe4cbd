"""A location's stored catalog: what a card can be redeemed against, with prices."""

from __future__ import annotations

from sqlmodel import select

from app.db import read_session, write_session
from app.models import Item, Location
from app.services.actor import Actor
from app.services.errors import ErrorCode, GiftnetError
from app.services.money import require_positive_cents
from app.services.validation import optional_text, required_text


def _require_location(session, operator_id: int, location_id: int) -> None:  # noqa: ANN001
    found = session.exec(
        select(Location.id).where(Location.id == location_id, Location.operator_id == operator_id)
    ).first()
    if found is None:
        raise GiftnetError(ErrorCode.not_found, "No such location.")


def list_items(operator_id: int, location_id: int, *, include_inactive: bool = False) -> list[Item]:
    with read_session() as session:
        _require_location(session, operator_id, location_id)
        statement = select(Item).where(Item.operator_id == operator_id, Item.location_id == location_id)
        if not include_inactive:
            statement = statement.where(Item.active.is_(True))
        return list(session.exec(statement.order_by(Item.name)).all())


def create_item(actor: Actor, location_id: int, *, name: object, price_cents: object, sku: object = None) -> Item:
    clean_name = required_text(name, field="name", max_length=120, label="The item's name")
    clean_price = require_positive_cents(price_cents, field="price_cents")
    clean_sku = optional_text(sku, field="sku", max_length=64)
    with write_session() as session:
        _require_location(session, actor.operator_id, location_id)
        if clean_sku and session.exec(
            select(Item.id).where(Item.location_id == location_id, Item.sku == clean_sku, Item.active.is_(True))
        ).first():
            raise GiftnetError(ErrorCode.conflict, "This location already has an item with this SKU.", field="sku")
        item = Item(
            operator_id=actor.operator_id, location_id=location_id, name=clean_name, price_cents=clean_price,
            sku=clean_sku,
        )
        session.add(item)
        session.flush()
    return item


def set_item_active(actor: Actor, item_id: int, active: bool) -> Item:
    with write_session() as session:
        item = session.exec(select(Item).where(Item.id == item_id, Item.operator_id == actor.operator_id)).first()
        if item is None:
            raise GiftnetError(ErrorCode.not_found, "No such item.")
        item.active = active
        session.add(item)
    return item

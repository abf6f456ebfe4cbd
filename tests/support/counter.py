"""What the counter tests share: a network's location with its counter devices, cards
and their balances, and the rows a table holds."""

from __future__ import annotations

from sqlmodel import select

from app.db import read_session
from app.models import Card, Device, Location
from app.services.core.actor import Actor
from app.services.money import ledger
from app.services.network import devices, locations


def open_location(owner, name: str = "Main Street Books", **fields) -> Location:
    """A location of `owner`'s network (mode `amount` unless told otherwise)."""
    slug = name.lower().replace(" ", "-")
    return locations.create_location(owner.actor, {"name": name, "email": f"{slug}@example.com", **fields})


def activate_counter(owner, location: Location, name: str = "Front counter") -> Actor:
    """A device activated through the location's link, acting as the redemption screen does."""
    secret = devices.activate_device(devices.create_activation_link(owner.actor, location.id).token, name).secret
    device = devices.resolve_device(secret)
    return Actor(device.operator_id, location_id=device.location_id, device_id=device.device_id, channel="device")


def device_code(actor: Actor) -> str:
    with read_session() as session:
        return session.get(Device, actor.device_id).code


def issue(owner, amount_cents: int) -> ledger.IssuedCard:
    return ledger.issue_card(owner.actor, amount_cents)


def balance(card_id: int) -> int:
    with read_session() as session:
        return session.get(Card, card_id).balance_cents


def rows_of(model) -> list:
    with read_session() as session:
        return list(session.exec(select(model).order_by(model.id)).all())

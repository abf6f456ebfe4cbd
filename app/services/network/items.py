"""A location's stored catalog: what a card can be redeemed against, with prices."""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass

import httpx
from sqlalchemy import and_, or_
from sqlmodel import select

from app.db import read_session, write_session
from app.integrations import outbound
from app.models import Item, Location
from app.models.base import utcnow
from app.services.core import audit
from app.services.core.actor import Actor
from app.services.core.errors import ErrorCode, GiftnetError
from app.services.core.i18n import N_
from app.services.core.money import format_cents, require_positive_cents
from app.services.core.rows import owned_row
from app.services.core.validation import optional_text, required_text


def _require_location(session, operator_id: int, location_id: int) -> None:  # noqa: ANN001
    found = session.exec(
        select(Location.id).where(Location.id == location_id, Location.operator_id == operator_id)
    ).first()
    if found is None:
        raise GiftnetError(ErrorCode.not_found, N_("No such location."))


def list_items(operator_id: int, location_id: int, *, include_inactive: bool = False, limit: int | None = None,
               after_id: int | None = None) -> list[Item]:
    """The location's catalog by name (then id); `limit` and `after_id` page through it."""
    with read_session() as session:
        _require_location(session, operator_id, location_id)
        statement = select(Item).where(Item.operator_id == operator_id, Item.location_id == location_id)
        if not include_inactive:
            statement = statement.where(Item.active.is_(True))
        if after_id is not None:
            last = session.exec(select(Item.name).where(Item.id == after_id, Item.operator_id == operator_id,
                                                        Item.location_id == location_id)).first()
            if last is None:
                raise GiftnetError(ErrorCode.invalid_input, N_("This cursor was not given by this API."), field="cursor")
            statement = statement.where(or_(Item.name > last, and_(Item.name == last, Item.id > after_id)))
        statement = statement.order_by(Item.name, Item.id)
        if limit is not None:
            statement = statement.limit(limit)
        return list(session.exec(statement).all())


def create_item(actor: Actor, location_id: int, *, name: object, price_cents: object, sku: object = None) -> Item:
    clean_name = required_text(name, field="name", max_length=120, label="The item's name")
    clean_price = require_positive_cents(price_cents, field="price_cents")
    clean_sku = optional_text(sku, field="sku", max_length=64)
    with write_session() as session:
        _require_location(session, actor.operator_id, location_id)
        if clean_sku and session.exec(
            select(Item.id).where(Item.location_id == location_id, Item.sku == clean_sku, Item.active.is_(True))
        ).first():
            raise GiftnetError(ErrorCode.conflict, N_("This location already has an item with this SKU."), field="sku")
        item = Item(
            operator_id=actor.operator_id, location_id=location_id, name=clean_name, price_cents=clean_price,
            sku=clean_sku,
        )
        session.add(item)
        session.flush()
        audit.record(session, actor, "item.created", target_type="item", target_id=item.id,
                     summary=f"Item “{clean_name}” ({format_cents(clean_price)}) added to location #{location_id}",
                     changes={"name": [None, clean_name], "price_cents": [None, clean_price], "sku": [None, clean_sku]})
    return item


def set_item_active(actor: Actor, item_id: int, active: bool) -> Item:
    with write_session() as session:
        item = owned_row(session, Item, item_id, actor.operator_id, missing=N_("No such item."))
        if item.active != active:
            audit.record(session, actor, "item.activated" if active else "item.deactivated", target_type="item",
                         target_id=item.id, summary=f"Item “{item.name}” {'back on sale' if active else 'withdrawn'}",
                         changes={"active": [item.active, active]})
        item.active = active
        session.add(item)
    return item


# --- items from the location's own system ---------------------------------------

ITEM_WEBHOOK_TIMEOUT_SECONDS = 3.0
MAX_WEBHOOK_ITEMS = 200


@dataclass(frozen=True)
class WebhookItem:
    name: str
    price_cents: int
    sku: str | None


def fetch_webhook_items(operator_id: int, location_id: int, *, client: httpx.Client | None = None) -> list[WebhookItem]:
    """Ask the location's item webhook for its current list (a signed POST with a short timeout).

    The receiver answers `{"items": [{"name", "price_cents", "sku"}]}`. Any failure
    (timeout, error status, unreadable answer) is `item_webhook_failed`, so the
    screen can say so and offer the amount mode instead.
    """
    from app.services.messaging import webhooks  # local: webhooks imports this module's neighbours

    with write_session() as session:
        location = owned_row(session, Location, location_id, operator_id, missing=N_("No such location."))
        if not location.item_webhook_url:
            raise GiftnetError(ErrorCode.invalid_input, N_("This location has no item webhook."))
        secret = webhooks.location_secret(session, location)
        url = location.item_webhook_url
        body = json.dumps({"type": "items.requested", "timestamp": utcnow().isoformat(),
                           "data": {"location_id": location.id, "location_external_id": location.external_id}},
                          separators=(",", ":"))
    message_id = "msg_" + secrets.token_urlsafe(12)
    timestamp = int(time.time())
    headers = {"content-type": "application/json", "webhook-id": message_id, "webhook-timestamp": str(timestamp),
               "webhook-signature": webhooks.sign(secret, message_id, timestamp, body)}
    failure = "The location's item list could not be loaded"
    own_client = client is None
    client = client or outbound.http_client(timeout=ITEM_WEBHOOK_TIMEOUT_SECONDS)
    try:
        response = client.post(url, content=body.encode(), headers=headers)
    except httpx.HTTPError as error:
        # One sentence whatever went wrong: the screen must not tell a closed port from a silent one.
        raise GiftnetError(ErrorCode.item_webhook_failed, N_("{failure}: no answer from its address, or it is not a "
                                                             "public internet address. Enter an amount instead."),
                           params={"failure": failure}) from error
    finally:
        if own_client:
            client.close()
    if response.status_code != 200:
        raise GiftnetError(ErrorCode.item_webhook_failed,
                           N_("{failure} (HTTP {status_code}). Enter an amount instead."), params={"failure": failure, "status_code": response.status_code})
    try:
        raw_items = response.json()["items"]
        parsed = []
        for raw in raw_items[:MAX_WEBHOOK_ITEMS]:
            price = raw["price_cents"]
            if isinstance(price, bool) or not isinstance(price, int) or price <= 0 or not str(raw["name"]).strip():
                raise ValueError("bad item")
            parsed.append(WebhookItem(name=str(raw["name"]).strip()[:120], price_cents=price,
                                      sku=(str(raw["sku"])[:64] if raw.get("sku") else None)))
    except (ValueError, KeyError, TypeError) as error:
        raise GiftnetError(ErrorCode.item_webhook_failed,
                           N_("{failure}: its answer is not a list of items. Enter an amount instead."), params={"failure": failure}) from error
    return parsed

"""What a location's counter accepts: payments its POS pushes, an amount typed at the
counter, items from its catalog. Three switches, not one exclusive mode, so that no
setting leaves a merchant with nothing to do at the counter.

The rules kept here:
- a counter accepts at least one of the three (all off is refused, naming the switches);
- the older one-word `mode` still works: written, it sets the switches (`pos` turns on POS
  payments with the typed-amount fallback, `items` items and typed amounts, `amount` typed
  amounts only), and switches given beside it win; read, it is derived (`Location.mode`);
- making a POS key or connecting a POS partner turns POS payments on
  (`enable_pos_payments`), says so, and leaves the typed-amount fallback as it was;
- a push to a location that refuses POS payments is answered with a sentence saying how
  to turn them on (`pos_payments_refused_message`).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, not_
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session

from app.db import read_session
from app.models import Location
from app.models.base import utcnow
from app.models.location import REDEMPTION_MODES, RedemptionMode
from app.services.core import audit, events
from app.services.core.actor import Actor
from app.services.core.errors import ErrorCode, GiftnetError
from app.services.core.i18n import N_
from app.services.core.validation import optional_text

COUNTER_FLAGS = ("accepts_pos_payments", "accepts_typed_amounts", "accepts_items")
# What each old one-word mode turns on (POS payments, typed amounts, items).
FLAGS_OF_MODE = {
    RedemptionMode.pos: (True, True, False),
    RedemptionMode.items: (False, True, True),
    RedemptionMode.amount: (False, True, False),
}
# The switches in plain words, as the dashboard shows them.
FLAG_LABELS = {
    "accepts_pos_payments": "Payments from the location's POS",
    "accepts_typed_amounts": "An amount typed at the counter",
    "accepts_items": "Items from the catalog",
}
# What an open counter shows of its location: a change of one of these is sent to its screens.
SHOWN_ON_COUNTER = ("name", "active", "item_webhook_url", "mode", *COUNTER_FLAGS)
NOTHING_ACCEPTED = ("A counter must accept at least one way to redeem: payments from its POS, an amount typed at the "
                    "counter, or items.")


def _flag(raw: object, *, field: str) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.strip().lower() in ("true", "yes", "1", "y", "on"):
        return True
    if isinstance(raw, str) and raw.strip().lower() in ("false", "no", "0", "n", "off"):
        return False
    raise GiftnetError(ErrorCode.invalid_input, N_("{field} must be true or false."), field=field, params={"field": field})


def clean_counter_fields(raw: dict, *, partial: bool = False) -> dict:
    """The switches `raw` sets, from its `mode` and/or its `accepts_*` fields (those win).

    Without `partial` (a new location) all three come back, `amount`'s by default. With
    `partial` only what `raw` names; `update_location` checks the result as a whole
    (`require_a_way_to_redeem`). An empty switch (a blank CSV cell, null) changes nothing.
    """
    flags: dict[str, bool] = {}
    if not partial or "mode" in raw:
        mode = (optional_text(raw.get("mode"), field="mode", max_length=10) or RedemptionMode.amount).lower()
        if mode not in REDEMPTION_MODES:
            raise GiftnetError(ErrorCode.invalid_input, N_("Redemption mode must be pos, items or amount."), field="mode")
        flags = dict(zip(COUNTER_FLAGS, FLAGS_OF_MODE[RedemptionMode(mode)], strict=True))
    for field in COUNTER_FLAGS:
        value = raw.get(field)
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        flags[field] = _flag(value, field=field)
    if len(flags) == len(COUNTER_FLAGS) and not any(flags.values()):
        raise GiftnetError(ErrorCode.invalid_input, NOTHING_ACCEPTED, field="accepts_typed_amounts")
    return flags


def require_a_way_to_redeem(location: Location) -> None:
    """Refuse a change that would leave the counter accepting nothing."""
    if not any(getattr(location, field) for field in COUNTER_FLAGS):
        raise GiftnetError(ErrorCode.invalid_input, NOTHING_ACCEPTED, field="accepts_typed_amounts")


def mode_condition(mode: str) -> ColumnElement[bool]:
    """The locations whose derived `mode` is `mode` (the list's filter)."""
    if mode == RedemptionMode.pos:
        return Location.accepts_pos_payments.is_(True)
    if mode == RedemptionMode.items:
        return and_(not_(Location.accepts_pos_payments), Location.accepts_items.is_(True))
    if mode == RedemptionMode.amount:
        return and_(not_(Location.accepts_pos_payments), not_(Location.accepts_items))
    raise GiftnetError(ErrorCode.invalid_input, N_("Redemption mode must be pos, items or amount."), field="mode")


def accepted_ways(location: Location) -> list[str]:
    """What the counter accepts, in plain words, in screen order."""
    return [FLAG_LABELS[field] for field in COUNTER_FLAGS if getattr(location, field)]


def describe_counter(location: Location) -> str:
    """One sentence for the dashboard: what the counter accepts, and the fallback when it matters."""
    ways = [label[0].lower() + label[1:] for label in accepted_ways(location)]
    sentence = "The counter accepts " + (", ".join(ways[:-1]) + " and " + ways[-1] if len(ways) > 1 else ways[0]) + "."
    if location.accepts_pos_payments and location.accepts_typed_amounts:
        sentence += " While no POS payment is waiting, the merchant can type an amount (if the POS is down)."
    elif location.accepts_pos_payments:
        sentence += " No typed-amount fallback: when the POS is down, the counter cannot redeem."
    return sentence


def pos_payments_refused_message(location: Location) -> str:
    """Why a push (or a partner's payment) is refused, and how to turn POS payments on."""
    return (f"This location (“{location.name}”) does not accept POS payments. To turn them on, an owner opens "
            f"Locations → {location.name} → Edit in the dashboard and switches on “{FLAG_LABELS['accepts_pos_payments']}”, "
            f"or sends PATCH /api/v1/locations/{location.id} with {{\"accepts_pos_payments\": true}}. Creating a POS "
            "key or connecting a POS partner turns them on too.")


def pos_payments_turned_on_message(location: Location) -> str:
    """What the screen and the API say when a key or a partner just turned POS payments on."""
    fallback = ("Typed amounts stay on as a fallback while the POS is down." if location.accepts_typed_amounts
                else "Typed amounts stay off.")
    return f"POS payments are now on at {location.name}: its counter screens show what the POS pushes. {fallback}"


def enable_pos_payments(session: Session, location: Location, reason: str, *, actor: Actor | None = None) -> bool:
    """Turn POS payments on at `location` (in the caller's session and transaction), because of
    `reason` (e.g. "POS key “Till 1” created", "Clover connected"), and record it in the audit
    trail. The typed-amount fallback and items stay as they are. Returns whether it was off
    (so the caller says "POS payments are now on"); already on changes and records nothing.
    `actor` is who did the act (the system when not given)."""
    if location.accepts_pos_payments:
        return False
    location.accepts_pos_payments = True
    location.updated_at = utcnow()
    session.add(location)
    audit.record(session, actor or Actor(location.operator_id, channel="system"), "location.pos_payments_enabled",
                 target_type="location", target_id=location.id,
                 summary=f"POS payments turned on at “{location.name}”: {reason}",
                 changes={"accepts_pos_payments": [False, True]})
    return True


@dataclass(frozen=True)
class CounterSettings:
    """What an open counter shows of its location, read once for all its screens."""

    operator_id: int
    location_id: int
    name: str
    mode: str
    active: bool
    accepts_pos_payments: bool
    accepts_typed_amounts: bool
    accepts_items: bool


def counter_settings(location_id: int) -> CounterSettings | None:
    """The location's name and switches as they stand now (None: no such location)."""
    with read_session() as session:
        location = session.get(Location, location_id)
        if location is None:
            return None
        return CounterSettings(operator_id=location.operator_id, location_id=location.id, name=location.name,
                               mode=location.mode, active=location.active,
                               accepts_pos_payments=location.accepts_pos_payments,
                               accepts_typed_amounts=location.accepts_typed_amounts,
                               accepts_items=location.accepts_items)


def publish_location_updated(operator_id: int, location_id: int, changed: list[str] | tuple[str, ...]) -> None:
    """After the change is committed: tell the open counters of the location (app/state/live.py
    refreshes them without a reload) that what they show of it changed. `changed` names the
    columns; a change of none of `SHOWN_ON_COUNTER` is not announced."""
    shown = [column for column in changed if column in SHOWN_ON_COUNTER]
    if shown:
        events.publish(events.Event(operator_id, "location.updated", {"location_id": location_id, "changed": shown}))

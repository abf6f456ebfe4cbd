"""A location's POS log: what its POS partners (Square, Clover, Shopify POS) told us about
gift-card payments and what we made of it, each with a sentence for the operator.

Payments with other tenders are not written here (every card or cash sale of the
location would be); they go to the application log only.
"""

from __future__ import annotations

import logging

from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from app.db import read_session, write_session
from app.models import Location, PosLogEntry

log = logging.getLogger(__name__)


def record(location: Location, source: str, *, event_type: str, outcome: str, message: str,
           delivery_id: str | None = None, pos_payment_id: int | None = None) -> None:
    """Write one line of the location's POS log (a delivery id seen before writes nothing)."""
    log.info("POS %s at location %s: %s (%s) %s", source, location.id, event_type, outcome, message)
    try:
        with write_session() as session:
            session.add(PosLogEntry(
                operator_id=location.operator_id, location_id=location.id, source=source,
                delivery_id=delivery_id[:128] if delivery_id else None, event_type=event_type[:60],
                outcome=outcome[:30], message=message[:300], pos_payment_id=pos_payment_id,
            ))
    except IntegrityError:
        pass  # the same delivery twice at once: the first one's line says it


def delivery_seen(location_id: int, source: str, delivery_id: str | None) -> bool:
    """Whether this delivery of the partner was worked before (its line is in the log)."""
    if not delivery_id:
        return False
    with read_session() as session:
        return session.exec(select(PosLogEntry.id).where(
            PosLogEntry.location_id == location_id, PosLogEntry.source == source,
            PosLogEntry.delivery_id == delivery_id[:128])).first() is not None


def entries_for_location(operator_id: int, location_id: int, *, limit: int = 50) -> list[PosLogEntry]:
    """The location's POS log, newest first (another operator's location: nothing)."""
    with read_session() as session:
        return list(session.exec(
            select(PosLogEntry).where(PosLogEntry.operator_id == operator_id, PosLogEntry.location_id == location_id)
            .order_by(PosLogEntry.id.desc()).limit(limit)).all())

"""Payments a location's POS pushes with the gift-card tender, waiting on the redemption
screens for a merchant to SELECT them (the applying itself is `redemptions.redeem`).

Sources: our own `POST /pos/payments` (with the location's POS key) and the POS
partners' webhooks (square_pos.py, clover_pos.py, shopify_pos.py). A payment nobody claims expires after
the settings' `pos_payment_ttl_minutes` (POS_PAYMENT_TTL_MINUTES).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from app.db import read_session, write_session
from app.models import Location, PosKey, PosPayment
from app.models.base import utcnow
from app.models.redemption import PosPaymentSource, PosPaymentStatus
from app.services.core import events
from app.services.core.errors import ErrorCode, GiftnetError
from app.services.core.i18n import N_
from app.services.core.money import require_positive_cents
from app.services.core.operators import operator_or_404
from app.services.core.validation import optional_text, required_text
from app.services.messaging import webhooks
from app.services.network import counter_modes
from app.settings import get_settings


def payment_ttl() -> timedelta:
    return timedelta(minutes=get_settings().pos_payment_ttl_minutes)


def _event_data(payment: PosPayment) -> dict:
    return {
        "pos_payment_id": payment.id,
        "location_id": payment.location_id,
        "amount_cents": payment.amount_cents,
        "tip_cents": payment.tip_cents,
        "currency": payment.currency,
        "reference": payment.reference,
        "terminal_id": payment.terminal_id,
        "source": payment.source,
        "status": payment.status,
        "created_at": payment.created_at.isoformat(),
    }


event_data = _event_data  # what every `pos_payment.*` event carries, for the setup guide's test payment too


@dataclass(frozen=True)
class PushedPayment:
    payment: PosPayment
    created: bool  # False when a retry (same external id) found the first push


def _insert(location: Location, *, amount_cents: int, reference: str, terminal_id: str | None, source: str,
            external_id: str | None, pos_key_id: int | None) -> PushedPayment:
    now = utcnow()
    payment = PosPayment(
        operator_id=location.operator_id, location_id=location.id, pos_key_id=pos_key_id, source=source,
        external_id=external_id, amount_cents=amount_cents, reference=reference, terminal_id=terminal_id,
        created_at=now, expires_at=now + payment_ttl(),
    )
    try:
        with write_session() as session:
            payment.currency = operator_or_404(session, location.operator_id).currency
            session.add(payment)
            session.flush()
            webhooks.queue_event_for_endpoints(session, location.operator_id, "pos_payment.received",
                                               _event_data(payment))
    except IntegrityError:
        # The same push again (a POS retry, a Square redelivery): answer with the first one.
        with read_session() as session:
            first = session.exec(select(PosPayment).where(
                PosPayment.location_id == location.id, PosPayment.source == source,
                PosPayment.external_id == external_id)).first()
        if first is None:
            raise
        return PushedPayment(payment=first, created=False)
    events.publish(events.Event(location.operator_id, "pos_payment.received", _event_data(payment)))
    return PushedPayment(payment=payment, created=True)


def _refuse_unless_taking_pos_payments(location: Location | None) -> None:
    """Only an active location that accepts POS payments takes them, from its POS key or a
    partner; the refusal says how to turn them on."""
    if location is None or not location.active:
        raise GiftnetError(ErrorCode.forbidden, N_("This location is not active."), field="location_id")
    if not location.accepts_pos_payments:
        raise GiftnetError(ErrorCode.forbidden, counter_modes.pos_payments_refused_message(location))


def push_payment(pos_key: PosKey, *, amount_cents: object, reference: object, terminal_id: object = None,
                 idempotency_key: str | None = None) -> PushedPayment:
    """A payment from the location's POS, shown at once on that location's redemption screens.

    A retry with the same `idempotency_key` answers the first payment (`created` False);
    the same key with another amount, reference or terminal is `idempotency_key_reused`.
    """
    amount = require_positive_cents(amount_cents)
    clean_reference = required_text(reference, field="reference", max_length=120, label="The reference")
    clean_terminal = optional_text(terminal_id, field="terminal_id", max_length=64)
    with read_session() as session:
        location = session.get(Location, pos_key.location_id)
    _refuse_unless_taking_pos_payments(location)
    pushed = _insert(location, amount_cents=amount, reference=clean_reference, terminal_id=clean_terminal,
                     source=PosPaymentSource.api, external_id=idempotency_key, pos_key_id=pos_key.id)
    first = pushed.payment
    if not pushed.created and (first.amount_cents, first.reference, first.terminal_id) != (
            amount, clean_reference, clean_terminal):
        raise GiftnetError(ErrorCode.idempotency_key_reused,
                           N_("This Idempotency-Key was already used for a different payment. Use a new key for a new payment."),
                           field="Idempotency-Key")
    return pushed


def get_payment(operator_id: int, payment_id: int, *, location_id: int | None = None) -> PosPayment:
    """A payment of the operator (of one location, for a POS key); 404 for anyone else's."""
    statement = select(PosPayment).where(PosPayment.id == payment_id, PosPayment.operator_id == operator_id)
    if location_id is not None:
        statement = statement.where(PosPayment.location_id == location_id)
    with read_session() as session:
        payment = session.exec(statement).first()
    if payment is None:
        raise GiftnetError(ErrorCode.not_found, N_("No such POS payment."))
    if payment.status == PosPaymentStatus.pending and payment.expires_at <= utcnow():
        payment.status = PosPaymentStatus.expired  # as the POS should see it, even before the sweeper runs
    return payment


def pending_payments(location_id: int, *, limit: int = 20) -> list[PosPayment]:
    """What a redemption screen shows: unclaimed, unexpired payments, newest first."""
    with read_session() as session:
        return list(session.exec(
            select(PosPayment).where(PosPayment.location_id == location_id,
                                     PosPayment.status == PosPaymentStatus.pending, PosPayment.expires_at > utcnow())
            .order_by(PosPayment.id.desc()).limit(limit)
        ).all())


def cancel_payment(operator_id: int, location_id: int, payment_id: int) -> PosPayment:
    """The merchant dismisses a payment pushed by mistake."""
    with write_session() as session:
        cancelled = session.execute(
            update(PosPayment)
            .where(PosPayment.id == payment_id, PosPayment.operator_id == operator_id,
                   PosPayment.location_id == location_id, PosPayment.status == PosPaymentStatus.pending)
            .values(status=PosPaymentStatus.cancelled)
        ).rowcount
        payment = session.exec(select(PosPayment).where(PosPayment.id == payment_id,
                                                        PosPayment.operator_id == operator_id,
                                                        PosPayment.location_id == location_id)).first()
    if payment is None:
        raise GiftnetError(ErrorCode.not_found, N_("No such POS payment."))
    if not cancelled:
        raise GiftnetError(ErrorCode.conflict, N_("This payment is already {status}."), params={"status": payment.status})
    events.publish(events.Event(operator_id, "pos_payment.cancelled", _event_data(payment)))
    return payment


def expire_due(now=None, *, batch_size: int = 100) -> list[PosPayment]:  # noqa: ANN001
    """Mark unclaimed payments past their time as expired; returns them (screens drop them).

    Any number of workers may run this at once: each claims its rows (`FOR UPDATE SKIP
    LOCKED` on PostgreSQL, SQLite's write lock) and changes them with a conditional
    UPDATE, so each payment expires once and its event is published once.
    """
    now = now or utcnow()
    due = (PosPayment.status == PosPaymentStatus.pending) & (PosPayment.expires_at <= now)
    with read_session() as session:  # a read first: an idle worker never takes SQLite's write lock
        if session.exec(select(PosPayment.id).where(due).limit(1)).first() is None:
            return []
    expired: list[PosPayment] = []
    while True:
        with write_session() as session:
            candidates = select(PosPayment).where(due).order_by(PosPayment.id).limit(batch_size)
            if session.get_bind().dialect.name == "postgresql":
                candidates = candidates.with_for_update(skip_locked=True)
            rows = list(session.exec(candidates).all())
            claimed = [
                payment for payment in rows
                if session.execute(update(PosPayment)
                                   .where(PosPayment.id == payment.id, PosPayment.status == PosPaymentStatus.pending)
                                   .values(status=PosPaymentStatus.expired)).rowcount == 1
            ]
        for payment in claimed:
            payment.status = PosPaymentStatus.expired
            expired.append(payment)
            events.publish(events.Event(payment.operator_id, "pos_payment.expired", _event_data(payment)))
        if len(rows) < batch_size:
            return expired


# Square, Clover and Shopify POS: square_pos.py, clover_pos.py, shopify_pos.py (their payments' life:
# partner_payments.py).

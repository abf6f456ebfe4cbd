"""Payments a location's POS pushes with the gift-card tender, waiting on the redemption
screens for a merchant to SELECT them (the applying itself is `redemptions.redeem`).

Sources: our own `POST /pos/payments` (with the location's POS key) and Square's
`payment.created` / `payment.updated` webhooks. A payment nobody claims expires after
the settings' `pos_payment_ttl_minutes` (POS_PAYMENT_TTL_MINUTES).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from app.db import read_session, write_session
from app.models import Location, PosKey, PosPayment
from app.models.base import utcnow
from app.models.redemption import PosPaymentSource, PosPaymentStatus
from app.services.core import crypto, events
from app.services.core.errors import ErrorCode, GiftnetError
from app.services.core.money import require_positive_cents
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
        raise GiftnetError(ErrorCode.forbidden, "This location is not active.", field="location_id")
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
                           "This Idempotency-Key was already used for a different payment. Use a new key for a new payment.",
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
        raise GiftnetError(ErrorCode.not_found, "No such POS payment.")
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
        raise GiftnetError(ErrorCode.not_found, "No such POS payment.")
    if not cancelled:
        raise GiftnetError(ErrorCode.conflict, f"This payment is already {payment.status}.")
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


# --- Square ---------------------------------------------------------------------


def square_signature(signature_key: str, notification_url: str, raw_body: bytes) -> str:
    """Square's `x-square-hmacsha256-signature`: base64 HMAC-SHA256(key, notification_url + body)."""
    digest = hmac.new(signature_key.encode(), notification_url.encode() + raw_body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def configure_square(operator_id: int, location_id: int, *, signature_key: str, notification_url: str,
                     tender_type: str = "OTHER_GIFT_CARD") -> Location:
    with write_session() as session:
        location = session.exec(select(Location).where(Location.id == location_id,
                                                       Location.operator_id == operator_id)).first()
        if location is None:
            raise GiftnetError(ErrorCode.not_found, "No such location.")
        location.square_signature_key_encrypted = crypto.encrypt(
            required_text(signature_key, field="signature_key", max_length=200))
        location.square_notification_url = required_text(notification_url, field="notification_url", max_length=500)
        location.square_tender_type = required_text(tender_type, field="tender_type", max_length=40)
        session.add(location)
    return location


@dataclass(frozen=True)
class SquareOutcome:
    accepted: bool
    # created | duplicate | cancelled | already_applied | not_completed | ignored_event | ignored_tender
    reason: str
    payment: PosPayment | None = None


SQUARE_EVENTS = ("payment.created", "payment.updated")
SQUARE_PAID = "COMPLETED"
SQUARE_VOIDED = ("CANCELED", "FAILED")


def receive_square_webhook(location_id: int, raw_body: bytes, signature: str | None) -> SquareOutcome:
    """Check the signature, then follow a gift-card payment's life from Square's events.

    Square may deliver an event twice and in any order (`payment.updated` before the
    `payment.created` it follows). One POS payment per Square payment id, and its status
    only moves forward, so every order of arrival ends the same:
    - `COMPLETED` (created or updated): a pending POS payment, once (`created`; again:
      `duplicate`, nothing changes);
    - `CANCELED` / `FAILED`: a pending payment is cancelled; one not seen yet is recorded
      as cancelled, so that its late `payment.created` never shows it on the screens
      (`cancelled`); one already applied to a card stays applied (`already_applied`:
      the merchant voids the redemption if the sale was really undone);
    - `APPROVED` / `PENDING` (not captured yet): nothing yet (`not_completed`).
    Refuses (401) a missing or wrong signature; a gift-card payment for a location that
    does not take POS payments (inactive, or POS payments off) is refused (403), as a
    push would be. Other events and tenders are acknowledged and ignored.
    """
    with read_session() as session:
        location = session.get(Location, location_id)
    key = crypto.decrypt(location.square_signature_key_encrypted) if location and \
        location.square_signature_key_encrypted else None
    if location is None or not key or not location.square_notification_url:
        raise GiftnetError(ErrorCode.not_found, "No Square integration for this location.")
    expected = square_signature(key, location.square_notification_url, raw_body)
    if not signature or not hmac.compare_digest(expected, signature.strip()):
        raise GiftnetError(ErrorCode.unauthenticated, "The Square signature does not match.",
                           field="x-square-hmacsha256-signature")
    try:
        body = json.loads(raw_body)
        event_id = str(body["event_id"])
        event_type = body.get("type")
        payment = body.get("data", {}).get("object", {}).get("payment", {})
        payment_id = str(payment.get("id") or body["data"].get("id") or event_id)
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise GiftnetError(ErrorCode.invalid_input, "This is not a Square webhook event.") from error
    if event_type not in SQUARE_EVENTS:
        return SquareOutcome(accepted=False, reason="ignored_event")
    tender = (payment.get("external_details") or {}).get("type") or payment.get("source_type")
    if tender != location.square_tender_type:
        return SquareOutcome(accepted=False, reason="ignored_tender")
    _refuse_unless_taking_pos_payments(location)
    amount = (payment.get("amount_money") or {}).get("amount")
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise GiftnetError(ErrorCode.invalid_input, "The Square payment has no positive amount_money.amount.")
    reference = str(payment.get("reference_id") or payment.get("receipt_number") or payment_id)[:120]
    terminal = str((payment.get("device_details") or {}).get("device_id") or "")[:64] or None
    status = str(payment.get("status") or SQUARE_PAID).upper()
    # Rows stored before payments were keyed by their Square id carry the event id.
    known_as = (payment_id[:128], event_id[:128])
    if status in SQUARE_VOIDED:
        return _square_voided(location, known_as, amount_cents=amount, reference=reference, terminal_id=terminal)
    if status != SQUARE_PAID:
        return SquareOutcome(accepted=False, reason="not_completed")
    first = _square_payment(location.id, known_as)
    if first is not None:
        return SquareOutcome(accepted=True, reason="duplicate", payment=first)
    pushed = _insert(location, amount_cents=amount, reference=reference, terminal_id=terminal,
                     source=PosPaymentSource.square, external_id=known_as[0], pos_key_id=None)
    return SquareOutcome(accepted=True, reason="created" if pushed.created else "duplicate", payment=pushed.payment)


def _square_payment(location_id: int, known_as: tuple[str, ...]) -> PosPayment | None:
    with read_session() as session:
        return session.exec(select(PosPayment).where(
            PosPayment.location_id == location_id, PosPayment.source == PosPaymentSource.square,
            PosPayment.external_id.in_(known_as)).order_by(PosPayment.id)).first()


def _square_voided(location: Location, known_as: tuple[str, ...], *, amount_cents: int, reference: str,
                   terminal_id: str | None) -> SquareOutcome:
    """Square says the payment did not happen: cancel it, or record it cancelled before it arrives."""
    for _ in range(3):
        with write_session() as session:
            cancelled = session.execute(
                update(PosPayment)
                .where(PosPayment.location_id == location.id, PosPayment.source == PosPaymentSource.square,
                       PosPayment.external_id.in_(known_as), PosPayment.status == PosPaymentStatus.pending)
                .values(status=PosPaymentStatus.cancelled)
            ).rowcount
        first = _square_payment(location.id, known_as)
        if first is not None:
            if cancelled:
                events.publish(events.Event(location.operator_id, "pos_payment.cancelled", _event_data(first)))
            if first.status == PosPaymentStatus.applied:
                return SquareOutcome(accepted=True, reason="already_applied", payment=first)
            return SquareOutcome(accepted=True, reason="cancelled", payment=first)
        now = utcnow()
        try:
            with write_session() as session:
                session.add(PosPayment(
                    operator_id=location.operator_id, location_id=location.id, source=PosPaymentSource.square,
                    external_id=known_as[0], amount_cents=amount_cents, reference=reference,
                    terminal_id=terminal_id, status=PosPaymentStatus.cancelled, created_at=now, expires_at=now,
                ))
        except IntegrityError:
            continue  # its payment.created arrived meanwhile: cancel that one
    raise GiftnetError(ErrorCode.conflict, "This Square payment changed while it was being cancelled; "
                                           "Square will deliver the event again.")

"""The life of a POS partner's gift-card payment, whichever partner reports it (Square,
Clover, Shopify POS): each partner's module reads its own webhook and calls these.

One POS payment per partner payment id (`known_as[0]`), and its status only moves
forward, so every order of arrival of the partner's events ends the same:
- paid (`take_paid`): a pending POS payment, once (`created`; again: `duplicate`).
  The amount is the partner's total, tip included. A payment in a currency other than
  the operator's is refused (`other_currency`): logged in the location's POS log, never
  shown on the screens;
- voided or cancelled (`take_voided`): a pending payment is taken off the screens; one
  not seen yet is recorded as cancelled so that its late "paid" never shows it
  (`cancelled`); one already applied to a card becomes a refund owed to that card
  (`refund_owed`);
- refunded (`take_refund`, once per partner refund id): a pending payment is lowered by
  the refund, or taken off the screens when nothing is left (`withdrawn`); an applied one
  owes the card what it paid, at most (`refund_owed`, given back by
  `pos_refunds.apply_refund`); a refund that arrives before its payment waits for it
  (`refund_waiting`) and is deducted when the payment arrives.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from app.db import read_session, write_session
from app.models import Location, PosPayment, PosRefund
from app.models.base import utcnow
from app.models.pos_partner import PosRefundStatus
from app.models.redemption import PosPaymentStatus
from app.services.core import events
from app.services.core.errors import ErrorCode, GiftnetError
from app.services.core.i18n import N_
from app.services.core.money import format_cents
from app.services.core.operators import operator_or_404
from app.services.counter import pos_log
from app.services.counter.pos_payments import _event_data, _refuse_unless_taking_pos_payments, payment_ttl
from app.services.messaging import webhooks


@dataclass(frozen=True)
class PartnerPayment:
    """A gift-card payment as a partner reports it."""

    source: str  # PosPaymentSource
    known_as: tuple[str, ...]  # the partner's payment id first; then older keys rows may carry
    amount_cents: int  # the total the card is asked for, tip included
    tip_cents: int
    currency: str
    reference: str
    terminal_id: str | None = None


@dataclass(frozen=True)
class PartnerOutcome:
    accepted: bool
    # created | duplicate | cancelled | refund_owed | withdrawn | refund_waiting | refund_not_owed | other_currency
    # | not_completed | ignored_event | ignored_tender | ...
    reason: str
    payment: PosPayment | None = None
    refund: PosRefund | None = None


def operator_currency(location: Location) -> str:
    with read_session() as session:
        return operator_or_404(session, location.operator_id).currency


def _find(session: Session, location_id: int, source: str, known_as: tuple[str, ...], *,
          lock: bool = False) -> PosPayment | None:
    statement = select(PosPayment).where(
        PosPayment.location_id == location_id, PosPayment.source == source,
        PosPayment.external_id.in_([key[:128] for key in known_as])).order_by(PosPayment.id)
    if lock and session.get_bind().dialect.name == "postgresql":
        statement = statement.with_for_update()  # a refund and a SELECT on the same payment wait for each other
    return session.exec(statement).first()


def find_payment(location_id: int, source: str, known_as: tuple[str, ...]) -> PosPayment | None:
    with read_session() as session:
        return _find(session, location_id, source, known_as)


def take_paid(location: Location, paid: PartnerPayment, *, event_type: str,
              delivery_id: str | None = None) -> PartnerOutcome:
    """The partner took a gift-card payment: show it on the location's screens, once."""
    currency = operator_currency(location)
    if paid.currency.upper() != currency:
        pos_log.record(location, paid.source, event_type=event_type, outcome="other_currency", delivery_id=delivery_id,
                       message=f"Payment {paid.reference} of {paid.amount_cents} {paid.currency} was refused: "
                               f"this network's cards are in {currency}.")
        return PartnerOutcome(accepted=False, reason="other_currency")
    _refuse_unless_taking_pos_payments(location)
    first = find_payment(location.id, paid.source, paid.known_as)
    if first is not None:
        return PartnerOutcome(accepted=True, reason="duplicate", payment=first)
    now = utcnow()
    try:
        with write_session() as session:
            waiting = list(session.exec(select(PosRefund).where(
                PosRefund.location_id == location.id, PosRefund.source == paid.source,
                PosRefund.payment_external_id == paid.known_as[0][:128],
                PosRefund.status == PosRefundStatus.waiting)).all())
            left = paid.amount_cents - sum(refund.refunded_cents for refund in waiting)
            payment = PosPayment(
                operator_id=location.operator_id, location_id=location.id, source=paid.source,
                external_id=paid.known_as[0][:128], amount_cents=max(left, 0) or paid.amount_cents,
                tip_cents=paid.tip_cents, currency=currency, reference=paid.reference[:120],
                terminal_id=paid.terminal_id[:64] if paid.terminal_id else None,
                status=PosPaymentStatus.pending if left > 0 else PosPaymentStatus.cancelled,
                created_at=now, expires_at=now + payment_ttl() if left > 0 else now,
            )
            session.add(payment)
            session.flush()
            for refund in waiting:  # refunded before it arrived: it arrives lowered, or not at all
                refund.status, refund.pos_payment_id = PosRefundStatus.withdrawn, payment.id
                session.add(refund)
            if payment.status == PosPaymentStatus.pending:
                webhooks.queue_event_for_endpoints(session, location.operator_id, "pos_payment.received",
                                                   _event_data(payment))
    except IntegrityError:
        # The same payment from two deliveries at once: the first one stands.
        first = find_payment(location.id, paid.source, paid.known_as)
        if first is None:
            raise
        return PartnerOutcome(accepted=True, reason="duplicate", payment=first)
    if payment.status != PosPaymentStatus.pending:
        pos_log.record(location, paid.source, event_type=event_type, outcome="cancelled", delivery_id=delivery_id,
                       pos_payment_id=payment.id,
                       message=f"Payment {paid.reference} arrived after it was refunded in full: not shown.")
        return PartnerOutcome(accepted=True, reason="cancelled", payment=payment)
    events.publish(events.Event(location.operator_id, "pos_payment.received", _event_data(payment)))
    pos_log.record(location, paid.source, event_type=event_type, outcome="created", delivery_id=delivery_id,
                   pos_payment_id=payment.id,
                   message=f"Payment {paid.reference} of {format_cents(payment.amount_cents)}"
                           f"{f' (tip {format_cents(paid.tip_cents)})' if paid.tip_cents else ''} waits on the counter.")
    return PartnerOutcome(accepted=True, reason="created", payment=payment)


def take_voided(location: Location, paid: PartnerPayment, *, event_type: str,
                delivery_id: str | None = None) -> PartnerOutcome:
    """The partner says the payment did not happen (cancelled, voided, failed, deleted)."""
    for _ in range(3):
        with write_session() as session:
            cancelled = session.execute(
                update(PosPayment)
                .where(PosPayment.location_id == location.id, PosPayment.source == paid.source,
                       PosPayment.external_id.in_([key[:128] for key in paid.known_as]),
                       PosPayment.status == PosPaymentStatus.pending)
                .values(status=PosPaymentStatus.cancelled)
            ).rowcount
        first = find_payment(location.id, paid.source, paid.known_as)
        if first is not None:
            if cancelled:
                events.publish(events.Event(location.operator_id, "pos_payment.cancelled", _event_data(first)))
                pos_log.record(location, paid.source, event_type=event_type, outcome="cancelled",
                               delivery_id=delivery_id, pos_payment_id=first.id,
                               message=f"Payment {first.reference} was cancelled in the POS: taken off the counter.")
            if first.status == PosPaymentStatus.applied:
                return take_refund(location, paid.source, refund_id=f"void:{paid.known_as[0]}",
                                   payment_known_as=paid.known_as, refunded_cents=first.amount_cents,
                                   event_type=event_type, delivery_id=delivery_id)
            return PartnerOutcome(accepted=True, reason="cancelled", payment=first)
        now = utcnow()
        try:
            with write_session() as session:
                session.add(PosPayment(
                    operator_id=location.operator_id, location_id=location.id, source=paid.source,
                    external_id=paid.known_as[0][:128], amount_cents=paid.amount_cents, tip_cents=paid.tip_cents,
                    currency=paid.currency.upper()[:3], reference=paid.reference[:120],
                    terminal_id=paid.terminal_id[:64] if paid.terminal_id else None,
                    status=PosPaymentStatus.cancelled, created_at=now, expires_at=now,
                ))
        except IntegrityError:
            continue  # its "paid" arrived meanwhile: cancel that one
        return PartnerOutcome(accepted=True, reason="cancelled", payment=find_payment(location.id, paid.source,
                                                                                      paid.known_as))
    raise GiftnetError(ErrorCode.conflict, N_("This payment changed while it was being cancelled; the POS will "
                                           "deliver the event again."))


def _refunded_before(session: Session, payment: PosPayment) -> int:
    """What the card was already owed or given back for this payment."""
    return session.exec(select(func.coalesce(func.sum(PosRefund.amount_cents), 0)).where(
        PosRefund.pos_payment_id == payment.id,
        PosRefund.status.in_([PosRefundStatus.owed, PosRefundStatus.applied]))).one()


def take_refund(location: Location, source: str, *, refund_id: str, payment_known_as: tuple[str, ...],
                refunded_cents: int, event_type: str, delivery_id: str | None = None) -> PartnerOutcome:
    """The partner refunded (part of) a gift-card payment: once per `refund_id` (see the module's rules)."""
    refund_key = refund_id[:140]
    try:
        with write_session() as session:
            if session.exec(select(PosRefund.id).where(
                    PosRefund.location_id == location.id, PosRefund.source == source,
                    PosRefund.external_id == refund_key)).first() is not None:
                raise _AlreadyTaken
            payment = _find(session, location.id, source, payment_known_as, lock=True)
            refund = PosRefund(
                operator_id=location.operator_id, location_id=location.id, source=source, external_id=refund_key,
                payment_external_id=payment_known_as[0][:128], refunded_cents=refunded_cents, amount_cents=0,
                status=PosRefundStatus.waiting, pos_payment_id=payment.id if payment else None,
                redemption_id=payment.redemption_id if payment else None,
            )
            reason, screen_event = _refund_effect(session, payment, refund)
            session.add(refund)
            session.flush()
    except _AlreadyTaken:
        with read_session() as session:
            refund = session.exec(select(PosRefund).where(
                PosRefund.location_id == location.id, PosRefund.source == source,
                PosRefund.external_id == refund_key)).first()
        return PartnerOutcome(accepted=True, reason="duplicate", refund=refund)
    except IntegrityError:  # the same refund from two deliveries at once
        return PartnerOutcome(accepted=True, reason="duplicate")
    if screen_event and payment is not None:
        events.publish(events.Event(location.operator_id, screen_event,
                                    refund_event_data(refund, payment) if screen_event == "pos_payment.refund_owed"
                                    else _event_data(payment)))
    pos_log.record(location, source, event_type=event_type, outcome=reason, delivery_id=delivery_id,
                   pos_payment_id=payment.id if payment else None, message=_refund_sentence(reason, refund, payment))
    return PartnerOutcome(accepted=True, reason=reason, payment=payment, refund=refund)


class _AlreadyTaken(Exception):
    """This refund id was recorded before: nothing changes."""


def _refund_effect(session: Session, payment: PosPayment | None, refund: PosRefund) -> tuple[str, str | None]:
    """Decide what the refund does to its payment, inside the refund's transaction: the outcome's
    reason and the event the screens get (None: nothing on the screens changes)."""
    if payment is None:
        return "refund_waiting", None
    if payment.status == PosPaymentStatus.pending:
        left = payment.amount_cents - refund.refunded_cents
        values = {"status": PosPaymentStatus.cancelled} if left <= 0 else {"amount_cents": left}
        changed = session.execute(update(PosPayment).where(
            PosPayment.id == payment.id, PosPayment.status == PosPaymentStatus.pending).values(**values)).rowcount
        if changed:
            session.refresh(payment)
            refund.status = PosRefundStatus.withdrawn
            return "withdrawn", "pos_payment.cancelled" if left <= 0 else "pos_payment.amended"
        session.refresh(payment)  # applied on another screen meanwhile (SQLite serializes; PostgreSQL locked it)
    if payment.status == PosPaymentStatus.applied and payment.redemption_id is not None:
        owed = min(refund.refunded_cents, (payment.applied_amount_cents or 0) - _refunded_before(session, payment))
        refund.redemption_id = payment.redemption_id
        if owed > 0:
            refund.status, refund.amount_cents = PosRefundStatus.owed, owed
            return "refund_owed", "pos_payment.refund_owed"
    refund.status = PosRefundStatus.not_owed
    return "refund_not_owed", None


def _refund_sentence(reason: str, refund: PosRefund, payment: PosPayment | None) -> str:
    what = f"A refund of {format_cents(refund.refunded_cents)}"
    if reason == "refund_waiting":
        return f"{what} arrived before its payment: it is deducted when the payment arrives."
    if reason == "withdrawn":
        if payment.status == PosPaymentStatus.cancelled:
            return f"{what} cancelled payment {payment.reference} before it was applied: taken off the counter."
        return f"{what} lowered payment {payment.reference} to {format_cents(payment.amount_cents)} before it was applied."
    if reason == "refund_owed":
        return (f"{what} of payment {payment.reference}, already applied to a card: the counter gives "
                f"{format_cents(refund.amount_cents)} back to the card.")
    return f"{what} of payment {payment.reference if payment else ''}: no card money to give back."


def refund_event_data(refund: PosRefund, payment: PosPayment | None = None) -> dict:
    return {
        "pos_refund_id": refund.id,
        "pos_payment_id": refund.pos_payment_id,
        "location_id": refund.location_id,
        "redemption_id": refund.redemption_id,
        "source": refund.source,
        "reference": payment.reference if payment else None,
        "refunded_cents": refund.refunded_cents,
        "amount_cents": refund.amount_cents,
        "status": refund.status,
    }

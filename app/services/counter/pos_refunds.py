"""Refunds a POS made of gift-card payments already applied to a card: the counter screen
lists them (`pending_for_location`) and gives the money back with one tap (`apply_refund`).

Rules this module keeps:
- a refund is given back once: one conditional UPDATE (`status = 'owed'`) claims it, so of
  two screens tapping at once exactly one credits the card, and the other is answered
  with the same refund, nothing moved (`created` False);
- the money goes back as a ledger credit (`refund`) tied to the redemption the payment
  made, in the same transaction as the claim and the `pos_payment.refunded` webhook
  owed to the operator's endpoints;
- a device gives back only its own location's refunds; another operator's are not found;
- a sale is given back once, by a refund or by a void, never both: giving a refund back
  and voiding its redemption both hold the redemption's row first, a voided sale's refund
  is refused (and not listed), and a void after a refund was given back is refused
  (`settle_before_void`, called by `redemptions.void_redemption`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, update
from sqlmodel import select

from app.db import read_session, write_session
from app.models import Card, LedgerEntry, Location, PosPayment, PosRefund, Redemption
from app.models.base import utcnow
from app.models.card import LedgerKind
from app.models.pos_partner import PosRefundStatus
from app.models.redemption import RedemptionStatus
from app.services.core import audit, events
from app.services.core.actor import Actor
from app.services.core.errors import ErrorCode, GiftnetError
from app.services.core.i18n import N_
from app.services.core.money import format_cents
from app.services.counter.partner_payments import refund_event_data
from app.services.messaging import webhooks
from app.services.money.ledger import credit_within


@dataclass(frozen=True)
class OwedRefund:
    """A refund waiting on the counter: what to give back, to which card, for which sale."""

    refund_id: int
    location_id: int
    source: str
    reference: str
    card_id: int
    last4: str
    amount_cents: int
    redemption_id: int
    created_at: datetime


@dataclass(frozen=True)
class AppliedRefund:
    refund: PosRefund
    entry: LedgerEntry | None
    balance_after_cents: int
    created: bool  # False: it had been given back already (another tap, another screen)


def pending_for_location(operator_id: int, location_id: int, *, limit: int = 20) -> list[OwedRefund]:
    """The refunds the location's counter still has to give back, oldest first."""
    with read_session() as session:
        rows = session.exec(
            select(PosRefund, PosPayment.reference, Card.id, Card.last4)
            .join(PosPayment, PosPayment.id == PosRefund.pos_payment_id)
            .join(Redemption, Redemption.id == PosRefund.redemption_id)
            .join(Card, Card.id == Redemption.card_id)
            .where(PosRefund.operator_id == operator_id, PosRefund.location_id == location_id,
                   PosRefund.status == PosRefundStatus.owed, Redemption.status == RedemptionStatus.completed)
            .order_by(PosRefund.id).limit(limit)
        ).all()
    return [OwedRefund(refund_id=refund.id, location_id=refund.location_id, source=refund.source, reference=reference,
                       card_id=card_id, last4=last4, amount_cents=refund.amount_cents,
                       redemption_id=refund.redemption_id, created_at=refund.created_at)
            for refund, reference, card_id, last4 in rows]


def _refund_of(session, actor: Actor, refund_id: int) -> PosRefund:  # noqa: ANN001
    statement = select(PosRefund).where(PosRefund.id == refund_id, PosRefund.operator_id == actor.operator_id)
    if actor.location_id is not None:
        statement = statement.where(PosRefund.location_id == actor.location_id)
    refund = session.exec(statement).first()
    if refund is None:
        raise GiftnetError(ErrorCode.not_found, N_("No such refund at this location."), field="refund_id")
    return refund


def apply_refund(actor: Actor, refund_id: int) -> AppliedRefund:
    """Give a refund owed back to the card its payment was taken from (a ledger credit tied to the
    redemption). A refund given back already answers as it stands (`created` False), moving nothing;
    one that is not owed (the payment was withdrawn before it was applied) is `conflict`."""
    now = utcnow()
    with write_session() as session:
        # The redemption's row first (a void holds it too): a refund and a void never both credit the card.
        sale = session.exec(
            select(Redemption.status).join(PosRefund, PosRefund.redemption_id == Redemption.id)
            .where(PosRefund.id == refund_id, PosRefund.operator_id == actor.operator_id)
            .with_for_update(of=Redemption)
        ).first()
        if sale == RedemptionStatus.voided:
            raise GiftnetError(ErrorCode.conflict, N_("This sale was voided on the counter, so the card already got "
                                                   "the whole amount back: there is nothing more to give."),
                               field="refund_id")
        claim = update(PosRefund).where(PosRefund.id == refund_id, PosRefund.operator_id == actor.operator_id,
                                        PosRefund.status == PosRefundStatus.owed)
        if actor.location_id is not None:
            claim = claim.where(PosRefund.location_id == actor.location_id)
        claimed = session.execute(
            claim.values(status=PosRefundStatus.applied, applied_at=now, applied_by_device_id=actor.device_id,
                         applied_by_user_id=actor.user_id).returning(PosRefund.id)
        ).scalar_one_or_none()
        refund = _refund_of(session, actor, refund_id)
        if claimed is None:
            if refund.status != PosRefundStatus.applied:
                raise GiftnetError(ErrorCode.conflict, N_("This refund has nothing to give back to a card: the payment "
                                                       "was withdrawn before it was applied."), field="refund_id")
            entry = session.get(LedgerEntry, refund.ledger_entry_id) if refund.ledger_entry_id else None
            return AppliedRefund(refund=refund, entry=entry, created=False,
                                 balance_after_cents=entry.balance_after_cents if entry else 0)
        redemption = session.get(Redemption, refund.redemption_id)
        payment = session.get(PosPayment, refund.pos_payment_id)
        entry = credit_within(
            session, actor.at_location(refund.location_id), redemption.card_id, refund.amount_cents,
            kind=LedgerKind.refund, redemption_id=redemption.id,
            memo=f"Refund in the POS of payment {payment.reference} (redemption #{redemption.id})"[:255],
        )
        refund.ledger_entry_id = entry.id
        session.add(refund)
        session.flush()
        data = {**refund_event_data(refund, payment), "card_id": redemption.card_id,
                "balance_after_cents": entry.balance_after_cents}
        webhooks.queue_event_for_endpoints(session, actor.operator_id, "pos_payment.refunded", data)
        last4 = session.get(Card, redemption.card_id).last4
        audit.record(session, actor, "pos_payment.refunded", target_type="redemption", target_id=redemption.id,
                     summary=f"{format_cents(refund.amount_cents)} given back to card …{last4}: refund in the POS of "
                             f"payment {payment.reference}",
                     changes={"balance_cents": [entry.balance_after_cents - refund.amount_cents,
                                                entry.balance_after_cents]})
    events.publish(events.Event(actor.operator_id, "pos_payment.refunded", data))
    return AppliedRefund(refund=refund, entry=entry, created=True, balance_after_cents=entry.balance_after_cents)


def settle_before_void(session, redemption_id: int) -> None:  # noqa: ANN001
    """Inside a void's transaction, once it holds the redemption's row: refuse (`conflict`) when
    a refund of this sale was given back to the card already (the card would be credited
    twice); otherwise the refunds still owed for it are owed no more (the void gives the card
    the whole amount)."""
    given = session.exec(select(func.coalesce(func.sum(PosRefund.amount_cents), 0)).where(
        PosRefund.redemption_id == redemption_id, PosRefund.status == PosRefundStatus.applied)).one()
    if given:
        raise GiftnetError(ErrorCode.conflict, N_("The POS refunded this sale and {format_cents} was given back to the card already: it cannot be voided too."), params={"format_cents": format_cents(int(given))})
    session.execute(update(PosRefund).where(PosRefund.redemption_id == redemption_id,
                                            PosRefund.status == PosRefundStatus.owed)
                    .values(status=PosRefundStatus.not_owed).execution_options(synchronize_session=False))


def owed_on_counter(location_id: int, *, limit: int = 20) -> list[OwedRefund]:
    """`pending_for_location` for the location's counter screens, which know only the location
    (the live refresh, `app/state/live.py`): its own operator's refunds, nothing else."""
    with read_session() as session:
        operator_id = session.exec(select(Location.operator_id).where(Location.id == location_id)).first()
    return [] if operator_id is None else pending_for_location(operator_id, location_id, limit=limit)

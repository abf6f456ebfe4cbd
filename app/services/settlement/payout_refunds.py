"""Refunds a POS made of gift-card payments after the counter gave the money back to the
card (`counter/pos_refunds.apply_refund`): the location was paid, or is owed, for a
redemption whose money went back to the card, so what it is owed shrinks by the refund,
exactly once.

Rules this module keeps:
- a refund given back (`PosRefund.status = 'applied'`) is owed back by its location once
  its redemption is in a batch: the batch that claims the redemption deducts it in the
  same line (the location is paid net of it), and a refund given back after its
  redemption's batch was written (draft, exported or paid) is deducted by the location's
  next batch. A refund of a redemption not yet in a batch waits with its redemption;
- what a location owes back is a running balance, never a claimed row: the refunds given
  back of its batched redemptions, less what its lines in batches not cancelled deducted
  (`PayoutLine.refunded_cents`). Cancelling a batch undoes both its redemptions and its
  deductions at once, so a refund is never deducted twice nor forgotten; batches are
  written one at a time per operator (`batches.create_payout` locks the operator row);
- commission is on the net redeemed: a line's commission is worked out on its gross less
  the refunds it deducts (`payables.payable_line`), so a refund also gives back the
  commission taken on it;
- a line never pays less than nothing: it deducts as much as leaves its net at zero, and
  the rest stays owed back to the location's next line (bank files leave out lines of
  zero). A location owing refunds but owed nothing gets no line.

(The bank-returns mechanism of `payout_returns.py` claims whole rows; a refund larger than
the next line would need splitting there, which the running balance does not.)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, or_
from sqlmodel import Session, select

from app.models import Card, PayoutBatch, PayoutLine, PosPayment, PosRefund, Redemption
from app.models.payout import PayoutStatus
from app.models.pos_partner import PosRefundStatus
from app.services.core import i18n


def _given_back(session: Session, operator_id: int, redemption_condition, location_ids: list[int] | None  # noqa: ANN001
                ) -> dict[int, int]:
    statement = (
        select(PosRefund.location_id, func.sum(PosRefund.amount_cents))
        .join(Redemption, Redemption.id == PosRefund.redemption_id)
        .where(PosRefund.operator_id == operator_id, PosRefund.status == PosRefundStatus.applied,
               Redemption.operator_id == operator_id, redemption_condition)
        .group_by(PosRefund.location_id)
    )
    if location_ids is not None:
        statement = statement.where(PosRefund.location_id.in_(location_ids))
    return {location_id: int(cents) for location_id, cents in session.exec(statement).all()}


def deducted(session: Session, operator_id: int, location_ids: list[int] | None = None) -> dict[int, int]:
    """Cents per location its lines in batches not cancelled deducted for refunds."""
    statement = (
        select(PayoutLine.location_id, func.sum(PayoutLine.refunded_cents))
        .join(PayoutBatch, PayoutBatch.id == PayoutLine.batch_id)
        .where(PayoutLine.operator_id == operator_id, PayoutBatch.operator_id == operator_id,
               PayoutBatch.status != PayoutStatus.cancelled, PayoutLine.refunded_cents != 0)
        .group_by(PayoutLine.location_id)
    )
    if location_ids is not None:
        statement = statement.where(PayoutLine.location_id.in_(location_ids))
    return {location_id: int(cents) for location_id, cents in session.exec(statement).all()}


def owed_back(session: Session, operator_id: int, location_ids: list[int] | None = None, *,
              payable: Iterable | None = None) -> dict[int, int]:
    """Cents per location of refunds given back to cards that its next line must deduct: those
    of its redemptions in a batch (and, with `payable`, the WHERE of the redemptions a batch
    would claim now: a preview), less what its lines already deducted. Only locations owing
    something are listed."""
    if location_ids is not None and not location_ids:
        return {}
    batched = Redemption.payout_batch_id.is_not(None)
    condition = or_(batched, and_(*payable)) if payable is not None else batched
    given = _given_back(session, operator_id, condition, location_ids)
    if not given:
        return {}
    already = deducted(session, operator_id, list(given))
    return {location_id: cents - already.get(location_id, 0) for location_id, cents in given.items()
            if cents > already.get(location_id, 0)}


def given_back_cents(session: Session, operator_id: int, start: datetime, end: datetime) -> tuple[int, int]:
    """(count, cents) of refunds the counters gave back to cards in [start, end)."""
    count, cents = session.exec(
        select(func.count(PosRefund.id), func.coalesce(func.sum(PosRefund.amount_cents), 0))
        .where(PosRefund.operator_id == operator_id, PosRefund.status == PosRefundStatus.applied,
               PosRefund.applied_at >= start, PosRefund.applied_at < end)
    ).one()
    return int(count), int(cents)


def waiting_cents(session: Session, operator_id: int) -> int:
    """Refunds given back whose redemption is in no batch yet: its batch will pay it net of them."""
    return sum(_given_back(session, operator_id, Redemption.payout_batch_id.is_(None), None).values())


def over_deducted(session: Session, operator_id: int) -> dict[int, tuple[int, int]]:
    """Locations whose lines deducted more than every refund ever given back at them:
    (given back, deducted). Empty when every deduction is covered by a refund."""
    already = deducted(session, operator_id)
    if not already:
        return {}
    given = _given_back(session, operator_id, Redemption.id.is_not(None), list(already))
    return {location_id: (given.get(location_id, 0), cents) for location_id, cents in already.items()
            if cents > given.get(location_id, 0)}


@dataclass(frozen=True)
class DeductedRefund:
    """A refund given back to a card, and how much of it a statement's line deducts."""

    refund_id: int
    source: str
    reference: str
    card_last4: str
    redemption_id: int
    applied_at: datetime | None
    deducted_cents: int

    @property
    def label(self) -> str:
        return self.label_in("en")

    def label_in(self, lang: str | None) -> str:
        return i18n.translate("Refund given back to card •••• {last4}: {source} {reference} (redemption #{redemption})",
                              lang, last4=self.card_last4, source=self.source.capitalize(), reference=self.reference,
                              redemption=self.redemption_id)


def deducted_in_line(session: Session, line: PayoutLine) -> list[DeductedRefund]:
    """The refunds a line deducted, oldest first. Deductions are one running balance per
    location, so the refunds are matched to the location's lines in order: the oldest refund
    to the first line that deducted anything (a refund may be split across two lines)."""
    if not line.refunded_cents:
        return []
    earlier = int(session.exec(
        select(func.coalesce(func.sum(PayoutLine.refunded_cents), 0))
        .join(PayoutBatch, PayoutBatch.id == PayoutLine.batch_id)
        .where(PayoutLine.operator_id == line.operator_id, PayoutLine.location_id == line.location_id,
               PayoutBatch.status != PayoutStatus.cancelled, PayoutLine.id < line.id)
    ).one())
    start, end = earlier, earlier + line.refunded_cents
    found, running = [], 0
    for refund, reference, last4 in session.exec(
        select(PosRefund, PosPayment.reference, Card.last4)
        .join(Redemption, Redemption.id == PosRefund.redemption_id)
        .join(PosPayment, PosPayment.id == PosRefund.pos_payment_id)
        .join(Card, Card.id == Redemption.card_id)
        .where(PosRefund.operator_id == line.operator_id, PosRefund.location_id == line.location_id,
               PosRefund.status == PosRefundStatus.applied, Redemption.payout_batch_id.is_not(None))
        .order_by(PosRefund.applied_at, PosRefund.id)
    ).all():
        overlap = min(running + refund.amount_cents, end) - max(running, start)
        running += refund.amount_cents
        if overlap > 0:
            found.append(DeductedRefund(refund_id=refund.id, source=refund.source, reference=reference,
                                        card_last4=last4, redemption_id=refund.redemption_id,
                                        applied_at=refund.applied_at, deducted_cents=overlap))
        if running >= end:
            break
    return found


__all__ = [
    "DeductedRefund",
    "deducted",
    "deducted_in_line",
    "given_back_cents",
    "over_deducted",
    "owed_back",
    "waiting_cents",
]

"""Reconciliation for a period: does every cent add up? Four checks, each with its
figures and every mismatch listed with its cause.

1. Shop orders vs value issued: paid shop orders against the card value the ledger
   issued for them. Until the shop exists there are no orders: the check says so
   ("No shop orders yet") instead of failing.
2. Redemptions vs payouts: the period's redemptions split into paid, in a batch
   awaiting payment, and not yet in a batch; each redemption against its ledger rows
   (debited once; a voided one credited back once); each batch's lines against the
   redemptions it claimed; no voided redemption in a batch; no redemption held by a
   cancelled batch. Payments the bank returned: how much came back in the period, how
   much is still owed again, and each line's carried amount against the returns it pays
   again (a line's net is its gross less commission plus what it carries). Refunds a
   POS made after the counter gave the money back to the card: how much was given back
   in the period, how much still waits for a line to deduct it, each refund against its
   ledger credit, and no location deducted more than was given back at it (a line's net
   is its gross less refunds less commission plus what it carries).
3. Outstanding liability vs ledger: the sum of card balances against the sum of
   every ledger row (both as of now).
4. The ledger integrity check (`ledger.check_ledger`): each card whose cached balance
   differs from the sum of its rows.

The period is [from, to), as in the reports: a date alone is midnight in the
operator's zone and a `to` date includes that whole day; the default is this month.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, or_
from sqlmodel import Session, select

from app import models
from app.db import read_session
from app.models import Card, LedgerEntry, Order, PayoutBatch, PayoutLine, PayoutReturn, Redemption
from app.models.payout import PayoutStatus
from app.models.redemption import RedemptionStatus
from app.services.core.codes import mask
from app.services.core.i18n import N_
from app.services.core.money import format_cents
from app.services.core.operators import operator_or_404
from app.services.money import ledger
from app.services.reporting.reports import resolve_period
from app.services.settlement import payout_refunds

MAX_LISTED = 200  # per check: enough to act on, small enough for a screen


@dataclass(frozen=True)
class Mismatch:
    check: str  # the key of the check that found it
    subject: str  # what is off: "Card •••• 7KQ2 (#12)", "Payout #3, Main Street Books"
    expected_cents: int | None
    actual_cents: int | None
    cause: str  # a sentence: what differs and why it matters

    def as_dict(self) -> dict:
        return {"check": self.check, "subject": self.subject, "expected_cents": self.expected_cents,
                "actual_cents": self.actual_cents, "cause": self.cause}


@dataclass(frozen=True)
class Check:
    key: str  # shop_orders | payouts | liability | ledger
    title: str
    status: str  # ok | mismatch | no_data
    summary: str
    figures: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"key": self.key, "title": self.title, "status": self.status, "summary": self.summary,
                "figures": dict(self.figures)}


@dataclass(frozen=True)
class Reconciliation:
    period_from: datetime
    period_to: datetime
    currency: str
    checks: list[Check]
    mismatches: list[Mismatch]

    @property
    def ok(self) -> bool:
        return not self.mismatches

    def as_dict(self) -> dict:
        return {"from": self.period_from.isoformat(), "to": self.period_to.isoformat(), "currency": self.currency,
                "ok": self.ok, "checks": [check.as_dict() for check in self.checks],
                "mismatches": [mismatch.as_dict() for mismatch in self.mismatches]}


def _sum(session: Session, column: Any, *conditions: Any) -> int:
    return int(session.exec(select(func.coalesce(func.sum(column), 0)).where(*conditions)).one())


# --- 1. shop orders -------------------------------------------------------------


def _shop_orders(session: Session, operator_id: int, start: datetime, end: datetime) -> tuple[Check, list[Mismatch]]:
    issued_for_orders = (LedgerEntry.operator_id == operator_id, LedgerEntry.order_id.is_not(None),
                         LedgerEntry.kind.in_(("issue", "topup")), LedgerEntry.created_at >= start,
                         LedgerEntry.created_at < end)
    issued_cents = _sum(session, LedgerEntry.amount_cents, *issued_for_orders)
    title = N_("Shop orders vs value issued")
    # Orders that were charged: paid ones, and refunded ones (their refunds are separate ledger rows).
    paid_orders = dict(session.exec(
        select(Order.id, Order.total_cents)
        .where(Order.operator_id == operator_id, Order.status.in_(("paid", "refunded")),
               Order.paid_at >= start, Order.paid_at < end)
    ).all())
    issued = dict(session.exec(
        select(LedgerEntry.order_id, func.sum(LedgerEntry.amount_cents))
        .where(*issued_for_orders).group_by(LedgerEntry.order_id)
    ).all())
    mismatches = []
    for order_id in sorted(set(paid_orders) | set(issued)):
        paid, value = int(paid_orders.get(order_id, 0)), int(issued.get(order_id, 0))
        if paid == value:
            continue
        if order_id not in paid_orders:
            cause = N_("Card value was issued for an order that is not paid (or was paid outside this period).")
        elif order_id not in issued:
            cause = N_("The order is paid but no card value was issued for it.")
        else:
            cause = N_("The card value issued differs from the amount paid.")
        mismatches.append(Mismatch("shop_orders", f"Order #{order_id}", paid, value, cause))
    figures = {"paid_orders": len(paid_orders), "paid_orders_cents": sum(map(int, paid_orders.values())),
               "issued_for_orders_cents": issued_cents}
    if not paid_orders and not issued:
        return Check("shop_orders", title, "no_data", N_("No paid shop orders in this period."), figures), []
    status = "mismatch" if mismatches else "ok"
    summary = (f"{len(mismatches)} order(s) do not match." if mismatches
               else f"{len(paid_orders)} paid order(s) match the value issued.")
    return Check("shop_orders", title, status, summary, figures), mismatches


# --- 2. redemptions and payouts ------------------------------------------------------


def _payouts(session: Session, operator_id: int, start: datetime, end: datetime) -> tuple[Check, list[Mismatch]]:
    in_period = (Redemption.operator_id == operator_id, Redemption.created_at >= start, Redemption.created_at < end)
    completed = (*in_period, Redemption.status == RedemptionStatus.completed)
    statuses = dict(session.exec(select(PayoutBatch.id, PayoutBatch.status)
                                 .where(PayoutBatch.operator_id == operator_id)).all())
    by_batch = session.exec(
        select(Redemption.payout_batch_id, func.count(Redemption.id), func.coalesce(func.sum(Redemption.amount_cents), 0))
        .where(*completed).group_by(Redemption.payout_batch_id)
    ).all()
    figures = {"redeemed_cents": 0, "redemption_count": 0, "paid_out_cents": 0, "awaiting_payment_cents": 0,
               "not_in_batch_cents": 0,
               "voided_cents": _sum(session, Redemption.amount_cents, *in_period, Redemption.status == RedemptionStatus.voided)}
    for batch_id, count, amount in by_batch:
        figures["redeemed_cents"] += int(amount)
        figures["redemption_count"] += int(count)
        state = statuses.get(batch_id) if batch_id is not None else None
        key = {PayoutStatus.paid: "paid_out_cents", PayoutStatus.draft: "awaiting_payment_cents",
               PayoutStatus.exported: "awaiting_payment_cents"}.get(state, "not_in_batch_cents")
        figures[key] += int(amount)
    paid_in_period = (PayoutBatch.operator_id == operator_id, PayoutBatch.status == PayoutStatus.paid,
                      PayoutBatch.paid_at >= start, PayoutBatch.paid_at < end)
    figures["batches_paid"] = int(session.exec(select(func.count(PayoutBatch.id)).where(*paid_in_period)).one())
    figures["batches_paid_net_cents"] = _sum(session, PayoutBatch.total_net_cents, *paid_in_period)
    figures["batches_paid_commission_cents"] = _sum(session, PayoutBatch.total_commission_cents, *paid_in_period)
    returned_in_period = (PayoutReturn.operator_id == operator_id, PayoutReturn.created_at >= start,
                          PayoutReturn.created_at < end)
    figures["returned_cents"] = _sum(session, PayoutReturn.net_cents, *returned_in_period)
    figures["returned_count"] = int(session.exec(select(func.count(PayoutReturn.id)).where(*returned_in_period)).one())
    figures["owed_again_cents"] = _sum(session, PayoutReturn.net_cents, PayoutReturn.operator_id == operator_id,
                                       PayoutReturn.repaid_batch_id.is_(None))
    figures["refunds_given_back_count"], figures["refunds_given_back_cents"] = payout_refunds.given_back_cents(
        session, operator_id, start, end)
    figures["batches_paid_refunded_cents"] = _sum(
        session, PayoutLine.refunded_cents, PayoutLine.operator_id == operator_id,
        PayoutLine.batch_id.in_(select(PayoutBatch.id).where(*paid_in_period)))
    # Still to deduct: from batched redemptions (the next line), and with their redemptions (their batch).
    figures["refunds_owed_back_cents"] = sum(payout_refunds.owed_back(session, operator_id).values())
    figures["refunds_waiting_cents"] = payout_refunds.waiting_cents(session, operator_id)

    mismatches: list[Mismatch] = []
    # Each redemption against its ledger rows: debited its amount once; credited back once if voided.
    rows_by_redemption = (
        select(
            LedgerEntry.redemption_id.label("redemption_id"),
            func.sum(case((LedgerEntry.kind == "redeem", -LedgerEntry.amount_cents), else_=0)).label("debited"),
            func.sum(case((LedgerEntry.kind == "void", LedgerEntry.amount_cents), else_=0)).label("credited"),
        )
        .where(LedgerEntry.operator_id == operator_id, LedgerEntry.redemption_id.is_not(None),
               LedgerEntry.created_at >= start, LedgerEntry.kind.in_(("redeem", "void")))
        .group_by(LedgerEntry.redemption_id)
        .subquery()
    )
    debited = func.coalesce(rows_by_redemption.c.debited, 0)
    credited = func.coalesce(rows_by_redemption.c.credited, 0)
    expected_credit = case((Redemption.status == RedemptionStatus.voided, Redemption.amount_cents), else_=0)
    for redemption_id, amount, status, debit, credit in session.exec(
        select(Redemption.id, Redemption.amount_cents, Redemption.status, debited, credited)
        .outerjoin(rows_by_redemption, rows_by_redemption.c.redemption_id == Redemption.id)
        .where(*in_period, or_(debited != Redemption.amount_cents, credited != expected_credit))
        .order_by(Redemption.id).limit(MAX_LISTED)
    ).all():
        if int(debit) != amount:
            mismatches.append(Mismatch("payouts", f"Redemption #{redemption_id}", amount, int(debit),
                                       N_("The ledger debited the card a different amount than the redemption records.")))
        else:
            mismatches.append(Mismatch("payouts", f"Redemption #{redemption_id}",
                                       amount if status == RedemptionStatus.voided else 0, int(credit),
                                       f"The redemption is {status} but the ledger credited the card "
                                       f"{format_cents(int(credit))} back."))
    # A voided redemption in a batch would pay the location for money given back.
    for redemption_id, batch_id, amount in session.exec(
        select(Redemption.id, Redemption.payout_batch_id, Redemption.amount_cents)
        .where(*in_period, Redemption.status == RedemptionStatus.voided, Redemption.payout_batch_id.is_not(None))
        .order_by(Redemption.id).limit(MAX_LISTED)
    ).all():
        mismatches.append(Mismatch("payouts", f"Redemption #{redemption_id}", 0, amount,
                                   f"Voided, yet in payout #{batch_id}: the location is paid for money the card got back."))
    # Lines of the batches touched in the period against the redemptions each claimed.
    touched = list(session.exec(
        select(PayoutBatch.id).where(
            PayoutBatch.operator_id == operator_id,
            or_(and_(PayoutBatch.created_at >= start, PayoutBatch.created_at < end),
                and_(PayoutBatch.paid_at >= start, PayoutBatch.paid_at < end)))
    ).all())
    mismatches += _batch_mismatches(session, operator_id, touched, statuses)
    mismatches += _refund_mismatches(session, operator_id, start, end)
    status = "mismatch" if mismatches else "ok"
    summary = (f"{len(mismatches)} mismatch(es) between redemptions, the ledger and payouts." if mismatches else
               f"{format_cents(figures['redeemed_cents'])} redeemed: {format_cents(figures['paid_out_cents'])} paid "
               f"out, {format_cents(figures['awaiting_payment_cents'])} in batches awaiting payment, "
               f"{format_cents(figures['not_in_batch_cents'])} not yet in a batch."
               + (f" {figures['returned_count']} payment(s) for {format_cents(figures['returned_cents'])} came back "
                  f"from the bank; {format_cents(figures['owed_again_cents'])} is owed again."
                  if figures["returned_count"] or figures["owed_again_cents"] else "")
               + (f" {figures['refunds_given_back_count']} POS refund(s) for "
                  f"{format_cents(figures['refunds_given_back_cents'])} given back to cards; "
                  f"{format_cents(figures['refunds_owed_back_cents'] + figures['refunds_waiting_cents'])} of refunds "
                  "still to deduct from payouts."
                  if figures["refunds_given_back_count"] or figures["refunds_owed_back_cents"]
                  or figures["refunds_waiting_cents"] else ""))
    return Check("payouts", N_("Redemptions vs payouts"), status, summary, figures), mismatches


def _batch_mismatches(session: Session, operator_id: int, batch_ids: list[int],
                      statuses: dict[int, str]) -> list[Mismatch]:
    if not batch_ids:
        return []
    mismatches = []
    lines = {(batch_id, location_id): (count, gross, commission, net, carried, refunded)
             for batch_id, location_id, count, gross, commission, net, carried, refunded in session.exec(
                 select(PayoutLine.batch_id, PayoutLine.location_id, PayoutLine.redemption_count,
                        PayoutLine.gross_cents, PayoutLine.commission_cents, PayoutLine.net_cents,
                        PayoutLine.carried_cents, PayoutLine.refunded_cents)
                 .where(PayoutLine.operator_id == operator_id, PayoutLine.batch_id.in_(batch_ids))).all()}
    repaid = {(batch_id, location_id): int(cents) for batch_id, location_id, cents in session.exec(
        select(PayoutReturn.repaid_batch_id, PayoutReturn.location_id, func.sum(PayoutReturn.net_cents))
        .where(PayoutReturn.operator_id == operator_id, PayoutReturn.repaid_batch_id.in_(batch_ids))
        .group_by(PayoutReturn.repaid_batch_id, PayoutReturn.location_id)).all()}
    claimed = {(batch_id, location_id): (int(count), int(amount))
               for batch_id, location_id, count, amount in session.exec(
                   select(Redemption.payout_batch_id, Redemption.location_id, func.count(Redemption.id),
                          func.sum(Redemption.amount_cents))
                   .where(Redemption.operator_id == operator_id, Redemption.payout_batch_id.in_(batch_ids))
                   .group_by(Redemption.payout_batch_id, Redemption.location_id)).all()}
    names = dict(session.exec(select(models.Location.id, models.Location.name)
                              .where(models.Location.operator_id == operator_id)).all())
    for key in sorted(set(lines) | set(claimed) | set(repaid)):
        batch_id, location_id = key
        subject = f"Payout #{batch_id}, {names.get(location_id, f'location #{location_id}')}"
        if statuses.get(batch_id) == PayoutStatus.cancelled:
            if key in claimed:
                mismatches.append(Mismatch("payouts", subject, 0, claimed[key][1],
                                           N_("The batch is cancelled but still holds these redemptions; they are "
                                           "not payable again until it lets them go.")))
            if key in repaid:
                mismatches.append(Mismatch("payouts", subject, 0, repaid[key],
                                           N_("The batch is cancelled but still holds returned payments; they are "
                                           "not owed again until it lets them go.")))
            continue
        line_count, line_gross, commission, net, carried, refunded = lines.get(key, (0, 0, 0, 0, 0, 0))
        count, amount = claimed.get(key, (0, 0))
        if key not in lines:
            mismatches.append(Mismatch("payouts", subject, amount + repaid.get(key, 0), 0,
                                       N_("Redemptions or returned payments are in the batch but it has no line "
                                       "paying this location.")))
        elif line_gross != amount or line_count != count:
            mismatches.append(Mismatch(
                "payouts", subject, amount, line_gross,
                f"The line pays {line_count} redemption(s) for {format_cents(line_gross)} but the batch holds "
                f"{count} for {format_cents(amount)}.",
            ))
        elif line_gross - refunded - commission + carried != net:
            mismatches.append(Mismatch("payouts", subject, line_gross - refunded - commission + carried, net,
                                       N_("The line's net is not its gross less refunds and commission plus what it "
                                       "carries.")))
        elif net < 0:
            mismatches.append(Mismatch("payouts", subject, 0, net,
                                       N_("The line pays less than nothing: refunds beyond its net must wait for the "
                                       "next line.")))
        elif carried != repaid.get(key, 0):
            mismatches.append(Mismatch("payouts", subject, repaid.get(key, 0), carried,
                                       N_("The line carries a different amount than the returned payments it pays "
                                       "again.")))
    for batch_id, total_gross, total_net, count in session.exec(
        select(PayoutBatch.id, PayoutBatch.total_gross_cents, PayoutBatch.total_net_cents, PayoutBatch.redemption_count)
        .where(PayoutBatch.id.in_(batch_ids), PayoutBatch.status != PayoutStatus.cancelled)
    ).all():
        batch_lines = [value for (line_batch, _location), value in lines.items() if line_batch == batch_id]
        if total_gross != sum(value[1] for value in batch_lines) or total_net != sum(value[3] for value in batch_lines) \
                or count != sum(value[0] for value in batch_lines):
            mismatches.append(Mismatch("payouts", f"Payout #{batch_id}", sum(value[3] for value in batch_lines),
                                       total_net, N_("The batch's totals differ from the sum of its lines.")))
    return mismatches[:MAX_LISTED]


def _refund_mismatches(session: Session, operator_id: int, start: datetime, end: datetime) -> list[Mismatch]:
    """Each refund given back in the period against its ledger credit; no location deducted
    more than was ever given back at it."""
    mismatches = []
    credited = (select(LedgerEntry.amount_cents).where(LedgerEntry.id == models.PosRefund.ledger_entry_id,
                                                      LedgerEntry.kind == "refund")
                .correlate(models.PosRefund).scalar_subquery())
    for refund_id, amount, credit in session.exec(
        select(models.PosRefund.id, models.PosRefund.amount_cents, credited)
        .where(models.PosRefund.operator_id == operator_id, models.PosRefund.status == "applied",
               models.PosRefund.applied_at >= start, models.PosRefund.applied_at < end,
               or_(credited.is_(None), credited != models.PosRefund.amount_cents))
        .order_by(models.PosRefund.id).limit(MAX_LISTED)
    ).all():
        mismatches.append(Mismatch("payouts", f"POS refund #{refund_id}", amount, int(credit or 0),
                                   N_("The refund is marked given back but the ledger credited the card a different "
                                   "amount.")))
    names = dict(session.exec(select(models.Location.id, models.Location.name)
                              .where(models.Location.operator_id == operator_id)).all())
    for location_id, (given, taken) in sorted(payout_refunds.over_deducted(session, operator_id).items()):
        mismatches.append(Mismatch("payouts", names.get(location_id, f"Location #{location_id}"), given, taken,
                                   N_("Payout lines deducted more for POS refunds than was given back to cards at "
                                   "this location.")))
    return mismatches


# --- 3 and 4. liability and the ledger -------------------------------------------------


def _liability(session: Session, operator_id: int) -> tuple[Check, list[Mismatch]]:
    balances = _sum(session, Card.balance_cents, Card.operator_id == operator_id)
    ledger_total = _sum(session, LedgerEntry.amount_cents, LedgerEntry.operator_id == operator_id)
    figures = {"card_balances_cents": balances, "ledger_cents": ledger_total}
    title = N_("Outstanding liability vs ledger")
    if balances == ledger_total:
        return Check("liability", title, "ok", f"Cards hold {format_cents(balances)}, as the ledger says.", figures), []
    cause = (f"Card balances add up to {format_cents(balances)} but the ledger to {format_cents(ledger_total)}; "
             "the ledger check lists the cards that differ.")
    return (Check("liability", title, "mismatch", cause, figures),
            [Mismatch("liability", N_("All cards"), ledger_total, balances, cause)])


def _ledger_integrity(session: Session, operator_id: int) -> tuple[Check, list[Mismatch]]:
    found = ledger.check_ledger(operator_id)
    last4 = dict(session.exec(select(Card.id, Card.last4).where(
        Card.id.in_([item.card_id for item in found[:MAX_LISTED]]))).all()) if found else {}
    mismatches = [
        Mismatch("ledger", f"Card {mask(last4.get(item.card_id, '????'))} (#{item.card_id})", item.ledger_sum_cents,
                 item.balance_cents,
                 N_("The card's balance differs from the sum of its ledger rows: it was changed outside the ledger."))
        for item in found[:MAX_LISTED]
    ]
    card_count = int(session.exec(select(func.count(Card.id)).where(Card.operator_id == operator_id)).one())
    figures = {"cards_checked": card_count, "cards_differing": len(found)}
    if found:
        return Check("ledger", N_("Ledger integrity"), "mismatch",
                     f"{len(found)} card(s) differ from their ledger.", figures), mismatches
    return Check("ledger", N_("Ledger integrity"), "ok",
                 f"All {card_count} card balances equal the sum of their ledger rows.", figures), []


def reconcile(operator_id: int, raw_from: str | None = None, raw_to: str | None = None) -> Reconciliation:
    """The four checks for the operator's period, with every mismatch and its cause."""
    with read_session() as session:
        operator = operator_or_404(session, operator_id)
        start, end = resolve_period(operator.timezone, raw_from, raw_to)
        results = [
            _shop_orders(session, operator_id, start, end),
            _payouts(session, operator_id, start, end),
            _liability(session, operator_id),
            _ledger_integrity(session, operator_id),
        ]
    return Reconciliation(
        period_from=start, period_to=end, currency=operator.currency,
        checks=[check for check, _found in results],
        mismatches=[mismatch for _check, found in results for mismatch in found],
    )


__all__ = ["Check", "Mismatch", "Reconciliation", "reconcile"]

"""Reconciliation for a period: shop orders vs value issued, redemptions vs payouts,
liability vs ledger and the ledger check, each mismatch listed with its cause."""

from __future__ import annotations

import pytest
from sqlalchemy import text, update

from app.db import write_session
from app.models import Card, PayoutLine, Redemption
from app.models.base import utcnow
from app.services.counter import redemptions
from app.services.money import ledger
from app.services.settlement import batches, reconciliation
from tests.support.settlement import redeem_at, us_network


@pytest.fixture
def us(make_operator):
    return us_network(make_operator)


def check(result: reconciliation.Reconciliation, key: str) -> reconciliation.Check:
    return next(item for item in result.checks if item.key == key)


def test_a_healthy_month_reconciles_and_says_there_are_no_paid_shop_orders(us):
    redeem_at(us.owner, us.checking, 1_000, 2_000)
    redeem_at(us.owner, us.savings, 4_000)
    [voided] = redeem_at(us.owner, us.savings, 500)
    redemptions.void_redemption(us.owner.actor, voided.id)
    paid = batches.create_payout(us.owner.actor, through=utcnow())
    batches.mark_paid(us.owner.actor, paid.batch.id)
    redeem_at(us.owner, us.checking, 300)  # after the batch: not yet in one
    [waiting] = redeem_at(us.owner, us.unbanked, 700)

    result = reconciliation.reconcile(us.owner.operator.id)

    assert result.ok, result.mismatches
    assert [(item.key, item.status) for item in result.checks] == [
        ("shop_orders", "no_data"), ("payouts", "ok"), ("liability", "ok"), ("ledger", "ok")]
    assert check(result, "shop_orders").summary == "No paid shop orders in this period."
    figures = check(result, "payouts").figures
    assert (figures["redeemed_cents"], figures["paid_out_cents"], figures["awaiting_payment_cents"],
            figures["not_in_batch_cents"], figures["voided_cents"]) == (8_000, 7_000, 0, 1_000, 500)
    assert (figures["batches_paid"], figures["batches_paid_net_cents"]) == (1, 7_000)
    liability = check(result, "liability").figures
    assert liability["card_balances_cents"] == liability["ledger_cents"]
    assert result.as_dict()["ok"] is True
    assert waiting.amount_cents == 700


def test_a_card_changed_outside_the_ledger_is_listed_in_both_liability_and_ledger_checks(us):
    [made] = redeem_at(us.owner, us.checking, 1_000)
    with write_session() as session:  # what a bad manual fix in the database would do
        session.execute(update(Card).where(Card.id == made.card_id).values(balance_cents=Card.balance_cents + 250))

    result = reconciliation.reconcile(us.owner.operator.id)

    assert [(item.check, item.expected_cents, item.actual_cents) for item in result.mismatches] == [
        ("liability", 0, 250), ("ledger", 0, 250)]
    assert "differs from the sum of its ledger rows" in result.mismatches[1].cause
    assert result.mismatches[1].subject.endswith(f"(#{made.card_id})")
    assert check(result, "ledger").figures["cards_differing"] == 1
    assert ledger.check_ledger(us.owner.operator.id)[0].card_id == made.card_id


def test_a_batch_line_that_differs_from_its_redemptions_is_listed_with_the_location(us):
    redeem_at(us.owner, us.checking, 1_000, 2_000)
    payout = batches.create_payout(us.owner.actor, through=utcnow())
    with write_session() as session:
        session.execute(update(PayoutLine).where(PayoutLine.batch_id == payout.batch.id)
                        .values(gross_cents=3_100, net_cents=3_100))

    result = reconciliation.reconcile(us.owner.operator.id)

    assert [(item.subject, item.expected_cents, item.actual_cents) for item in result.mismatches] == [
        (f"Payout #{payout.batch.id}, Books on Main", 3_000, 3_100),
        (f"Payout #{payout.batch.id}", 3_100, 3_000),
    ]
    assert "holds 2 for $30.00" in result.mismatches[0].cause
    assert result.mismatches[1].cause == "The batch's totals differ from the sum of its lines."


def test_a_voided_redemption_inside_a_batch_and_a_redemption_without_its_ledger_debit_are_listed(us):
    kept, voided = redeem_at(us.owner, us.checking, 1_000, 2_000)
    payout = batches.create_payout(us.owner.actor, through=utcnow())
    with write_session() as session:  # bypassing the void rules, as a bad import would
        session.execute(update(Redemption).where(Redemption.id == voided.id).values(status="voided"))
        session.execute(update(Redemption).where(Redemption.id == kept.id).values(amount_cents=1_200))

    result = reconciliation.reconcile(us.owner.operator.id)

    causes = {(item.subject, item.cause) for item in result.mismatches}
    assert (f"Redemption #{kept.id}",
            "The ledger debited the card a different amount than the redemption records.") in causes
    assert (f"Redemption #{voided.id}", "The redemption is voided but the ledger credited the card $0.00 back.") \
        in causes
    assert (f"Redemption #{voided.id}", f"Voided, yet in payout #{payout.batch.id}: the location is paid for money "
                                        "the card got back.") in causes
    assert check(result, "payouts").status == "mismatch"


def test_a_period_before_anything_happened_is_empty_and_fine(us):
    redeem_at(us.owner, us.checking, 1_000)

    result = reconciliation.reconcile(us.owner.operator.id, "2020-01-01", "2020-01-31")

    assert result.ok
    assert check(result, "payouts").figures["redeemed_cents"] == 0


def test_reconciliation_counts_only_the_operators_own_figures(us, make_operator):
    other = us_network(make_operator, "Other Town")
    redeem_at(other.owner, other.checking, 5_000)
    with write_session() as session:
        session.execute(text("UPDATE card SET balance_cents = balance_cents + 1 WHERE operator_id = :operator"),
                        {"operator": other.owner.operator.id})

    result = reconciliation.reconcile(us.owner.operator.id)

    assert result.ok
    assert check(result, "liability").figures == {"card_balances_cents": 0, "ledger_cents": 0}


def test_a_paid_shop_order_matches_the_card_value_it_issued(make_operator):
    from app.services.shop import orders
    from app.services.shop.orders import CartLine

    owner = make_operator()
    order = orders.create_order(owner.operator.id, buyer_name="Ada Buyer", buyer_email="ada@example.com", lines=[
        CartLine(kind="card", amount_cents=5_000, for_self=True),
        CartLine(kind="card", amount_cents=2_500, for_self=False, recipient_name="Bo Friend",
                 recipient_email="bo@example.com"),
    ])
    paid = orders.pay_order(owner.operator.id, order.id, "sbx_1234_approve", "click-1")
    assert paid.status == "paid"

    result = reconciliation.reconcile(owner.operator.id)

    shop = check(result, "shop_orders")
    assert (shop.status, shop.figures["paid_orders"], shop.figures["paid_orders_cents"],
            shop.figures["issued_for_orders_cents"]) == ("ok", 1, 7_500, 7_500)
    assert result.ok, result.mismatches

"""A refund the POS makes after the counter gave the money back to the card leaves the location
owed that much less, exactly once: a redemption not yet in a batch is paid net of it, one in
a batch already exported has it deducted from the location's next batch, and a refund larger
than that batch's net leaves the line at zero (out of the bank file) and waits for the next.
Commission is on the net redeemed. Square's events are signed as tests/support/square.py does.
Every test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlmodel import select

from app.db import read_session, write_session
from app.models import PayoutLine
from app.models.base import utcnow
from app.services.core.operators import operator_or_404
from app.services.counter import pos_refunds, redemptions, square_pos
from app.services.money import ledger
from app.services.settlement import (
    bank_files,
    batches,
    payables,
    payout_refunds,
    payout_settings,
    reconciliation,
    statements,
)
from tests.support.bankfiles import parse_cpa005
from tests.support.counter import activate_counter, balance
from tests.support.settlement import ca_network, redeem_at
from tests.support.square import NOTIFICATION_URL, SIGNATURE_KEY, deliver, square_payment_created, square_refund

COMMISSION_BPS = 250


@pytest.fixture
def till(make_operator):
    """A Canadian network at 2.5 % whose chequing location takes Square payments at its counter."""
    network = ca_network(make_operator)
    payout_settings.update_settings(network.owner.actor, {"commission_bps": COMMISSION_BPS})
    square_pos.configure_square(network.owner.operator.id, network.checking.id, signature_key=SIGNATURE_KEY,
                                notification_url=NOTIFICATION_URL)
    return SimpleNamespace(network=network, owner=network.owner, location=network.checking,
                           counter=activate_counter(network.owner, network.checking))


def sold_with_the_card(till, number: int, amount_cents: int, *, tip_cents: int = 0) -> SimpleNamespace:
    """Square takes a payment with the gift card tender; the counter SELECTs it with a new card."""
    card = ledger.issue_card(till.owner.actor, 10_000).card
    payment = deliver(till, square_payment_created(amount=amount_cents, tip=tip_cents, payment_id=f"P-{number}",
                                                   event_id=f"pay-{number}", reference_id=f"Order {number}")).payment
    redemption = redemptions.redeem(till.counter, location_id=till.location.id, card_id=card.id,
                                    pos_payment_id=payment.id).redemption
    return SimpleNamespace(card=card, payment=payment, redemption=redemption)


def refunded_and_given_back(till, number: int, amount_cents: int):
    """Square refunds the payment; the counter gives the money back to the card with one tap."""
    refund = deliver(till, square_refund(refund_id=f"R-{number}", payment_id=f"P-{number}", amount=amount_cents,
                                         event_id=f"refund-{number}")).refund
    return pos_refunds.apply_refund(till.counter, refund.id)


def line_of(batch_id: int, location_id: int) -> PayoutLine | None:
    with read_session() as session:
        return session.exec(select(PayoutLine).where(PayoutLine.batch_id == batch_id,
                                                     PayoutLine.location_id == location_id)).first()


def figures(line) -> tuple[int, int, int, int]:
    return line.gross_cents, line.refunded_cents, line.commission_cents, line.net_cents


def owed_back(till) -> dict[int, int]:
    """What each location still owes back for refunds given back to cards (its next line deducts it)."""
    with read_session() as session:
        return payout_refunds.owed_back(session, till.owner.operator.id)


def commission(cents: int) -> int:
    return payables.commission_cents(cents, COMMISSION_BPS)


def exported(till, batch_id: int):
    return parse_cpa005(bank_files.export_bank_file(till.owner.actor, batch_id, "cpa005").content)


def books_balance(till) -> None:
    """The ledger is clean and reconciliation finds nothing off."""
    assert ledger.check_ledger() == []
    report = reconciliation.reconcile(till.owner.operator.id)
    assert report.mismatches == [], [mismatch.as_dict() for mismatch in report.mismatches]


def payouts_check(till) -> dict:
    [check] = [check for check in reconciliation.reconcile(till.owner.operator.id).checks if check.key == "payouts"]
    return check.figures


def test_a_refund_given_back_before_any_batch_leaves_the_location_owed_net_of_it(till):
    sale = sold_with_the_card(till, 1, 4_000, tip_cents=500)  # the card pays Square's total, $45.00
    redeem_at(till.owner, till.location, 2_000)
    given = refunded_and_given_back(till, 1, 1_500)
    assert (given.created, given.balance_after_cents, balance(sale.card.id)) == (True, 7_000, 7_000)

    owed = payables.location_payable(till.owner.operator.id, till.location.id)
    [preview] = [line for line in payables.payables(till.owner.operator.id, through=utcnow()).lines
                 if line.location_id == till.location.id]
    payout = batches.create_payout(till.owner.actor, through=utcnow())

    redeemed_net = 6_500 - 1_500  # commission is on what stays redeemed
    expected = (6_500, 1_500, commission(redeemed_net), redeemed_net - commission(redeemed_net))
    assert figures(owed) == figures(preview) == figures(line_of(payout.batch.id, till.location.id)) == expected
    [paid] = [payment for payment in exported(till, payout.batch.id).payments
              if payment.account_number == "1234567"]
    assert paid.amount_cents == expected[3]
    assert owed_back(till) == {}
    assert figures(payables.location_payable(till.owner.operator.id, till.location.id)) == (0, 0, 0, 0)
    statement = statements.location_statement(till.owner.operator.id, payout.batch.id, till.location.id)
    assert [(refund.deducted_cents, refund.card_last4, refund.reference) for refund in statement.refunds] == [
        (1_500, sale.card.last4, "Order 1")]
    assert f"{sale.card.last4},-15.00" in statement.csv()
    assert payouts_check(till)["refunds_given_back_cents"] == 1_500
    books_balance(till)


def test_a_refund_given_back_after_the_batch_was_exported_comes_off_the_next_batch_once(till):
    sale = sold_with_the_card(till, 1, 4_000)
    first = batches.create_payout(till.owner.actor, through=utcnow())
    exported(till, first.batch.id)
    assert figures(line_of(first.batch.id, till.location.id)) == (4_000, 0, 100, 3_900)

    refunded_and_given_back(till, 1, 1_500)
    assert balance(sale.card.id) == 7_500
    # Owed back from the next line; a refund alone makes no line to pay.
    assert owed_back(till) == {till.location.id: 1_500}
    assert figures(payables.location_payable(till.owner.operator.id, till.location.id)) == (0, 0, 0, 0)
    assert payouts_check(till)["refunds_owed_back_cents"] == 1_500
    books_balance(till)

    redeem_at(till.owner, till.location, 3_000)
    second = batches.create_payout(till.owner.actor, through=utcnow())
    assert figures(line_of(second.batch.id, till.location.id)) == (3_000, 1_500, commission(1_500),
                                                                   1_500 - commission(1_500))
    # Cancelled, the batch gives its deduction back with its redemptions: the next one deducts it, once.
    batches.cancel_payout(till.owner.actor, second.batch.id)
    assert owed_back(till) == {till.location.id: 1_500}
    third = batches.create_payout(till.owner.actor, through=utcnow())
    assert figures(line_of(third.batch.id, till.location.id)) == (3_000, 1_500, 38, 1_462)
    batches.mark_paid(till.owner.actor, third.batch.id)

    redeem_at(till.owner, till.location, 1_000)
    fourth = batches.create_payout(till.owner.actor, through=utcnow())
    assert figures(line_of(fourth.batch.id, till.location.id)) == (1_000, 0, 25, 975)
    statement = statements.location_statement(till.owner.operator.id, third.batch.id, till.location.id)
    assert [(refund.deducted_cents, refund.redemption_id) for refund in statement.refunds] == [
        (1_500, sale.redemption.id)]
    assert statements.location_statement(till.owner.operator.id, fourth.batch.id, till.location.id).refunds == []
    books_balance(till)


def test_a_refund_larger_than_the_next_batch_pays_nothing_there_and_carries_the_rest(till):
    sold_with_the_card(till, 1, 8_000)
    first = batches.create_payout(till.owner.actor, through=utcnow())
    exported(till, first.batch.id)
    refunded_and_given_back(till, 1, 8_000)

    redeem_at(till.owner, till.location, 3_000)
    redeem_at(till.owner, till.network.savings, 2_000)
    second = batches.create_payout(till.owner.actor, through=utcnow())

    # The line deducts what leaves it at zero, no less: no negative payment, no line in the bank file.
    assert figures(line_of(second.batch.id, till.location.id)) == (3_000, 3_000, 0, 0)
    assert [payment.amount_cents for payment in exported(till, second.batch.id).payments] == [1_950]
    assert owed_back(till) == {till.location.id: 5_000}
    books_balance(till)

    redeem_at(till.owner, till.location, 6_000)
    third = batches.create_payout(till.owner.actor, through=utcnow())
    assert figures(line_of(third.batch.id, till.location.id)) == (6_000, 5_000, 25, 975)
    assert owed_back(till) == {}
    # The refund split across two lines: each statement names it with its part.
    parts = [statements.location_statement(till.owner.operator.id, batch_id, till.location.id).refunds
             for batch_id in (second.batch.id, third.batch.id)]
    assert [[refund.deducted_cents for refund in part] for part in parts] == [[3_000], [5_000]]
    books_balance(till)


def test_a_refund_of_a_redemption_in_a_draft_waits_for_the_next_batch_not_the_draft(till):
    sold_with_the_card(till, 1, 2_000)
    draft = batches.create_payout(till.owner.actor, through=utcnow())
    refunded_and_given_back(till, 1, 2_000)

    # The draft's line is as written; its redemption is paid, so the refund is owed from the next line.
    assert figures(line_of(draft.batch.id, till.location.id)) == (2_000, 0, 50, 1_950)
    assert owed_back(till) == {till.location.id: 2_000}
    # Cancelled, the draft frees the redemption: the batch paying it again pays it net of the refund.
    batches.cancel_payout(till.owner.actor, draft.batch.id)
    redeem_at(till.owner, till.location, 1_000)
    again = batches.create_payout(till.owner.actor, through=utcnow())
    assert figures(line_of(again.batch.id, till.location.id)) == (3_000, 2_000, 25, 975)
    books_balance(till)


def test_a_refund_that_would_bring_a_scheduled_line_under_the_minimum_keeps_it_waiting(till):
    sold_with_the_card(till, 1, 5_000)
    batches.create_payout(till.owner.actor, through=utcnow())
    refunded_and_given_back(till, 1, 4_000)
    redeem_at(till.owner, till.location, 5_000)

    with write_session() as session:
        operator = operator_or_404(session, till.owner.operator.id, lock=True)
        with pytest.raises(batches.NothingToPay) as nothing:
            batches.create_payout_within(session, till.owner.actor, operator, utcnow(), now=utcnow(),
                                         minimum_net_cents=2_000)
    skipped = nothing.value.skipped
    [waiting] = [item for item in skipped if item.location_id == till.location.id]
    assert "below the minimum" in waiting.reason and "9.75" in waiting.reason
    assert owed_back(till) == {till.location.id: 4_000}
    books_balance(till)


def test_commission_stays_on_the_net_redeemed_whatever_the_rate():
    for bps in (0, 1, 250, 999, 10_000):
        for gross, carried, owed in ((3_000, 0, 8_000), (1_001, 17, 5_000), (0, 2_000, 9_999), (12_345, 0, 333)):
            refunded = payables.refund_deduction(gross, carried, owed, bps)
            net = gross - refunded - payables.commission_cents(gross - refunded, bps) + carried
            assert 0 <= refunded <= owed and net >= 0
            if refunded < owed:  # one cent more would have gone below zero
                more = refunded + 1
                assert gross - more - payables.commission_cents(gross - more, bps) + carried < 0

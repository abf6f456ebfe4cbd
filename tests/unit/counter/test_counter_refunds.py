"""The counter's refunds to give back: a refund Square made of a payment already applied shows on
the location's counters (and only there), one tap gives it back to the card once even when two
devices tap at the same moment, and the payout that follows deducts it once. Square's events are
signed as tests/support/square.py does. Every test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlmodel import select

from app.db import read_session
from app.models import LedgerEntry, PayoutLine
from app.models.base import utcnow
from app.services.core.errors import ErrorCode, GiftnetError
from app.services.counter import pos_refunds, redemptions, square_pos
from app.services.money import ledger
from app.services.settlement import batches, reconciliation
from app.state import live
from tests.support.counter import activate_counter, balance, rows_of
from tests.support.services import at_once
from tests.support.settlement import ca_network
from tests.support.square import NOTIFICATION_URL, SIGNATURE_KEY, deliver, square_payment_created, square_refund


@pytest.fixture
def till(make_operator):
    """A chequing location of a Canadian network whose Square account sends us its payments, with two counters."""
    network = ca_network(make_operator)
    square_pos.configure_square(network.owner.operator.id, network.checking.id, signature_key=SIGNATURE_KEY,
                                notification_url=NOTIFICATION_URL)
    return SimpleNamespace(network=network, owner=network.owner, location=network.checking,
                           front=activate_counter(network.owner, network.checking, "Front counter"),
                           back=activate_counter(network.owner, network.checking, "Back counter"))


def refund_owed(till, amount_cents: int = 2_000, refunded_cents: int = 500) -> SimpleNamespace:
    """A $amount sale with the gift card tender, SELECTed at the front counter, then refunded in Square."""
    card = ledger.issue_card(till.owner.actor, 5_000).card
    payment = deliver(till, square_payment_created(amount=amount_cents, reference_id="Order 77")).payment
    redemptions.redeem(till.front, location_id=till.location.id, card_id=card.id, pos_payment_id=payment.id)
    refund = deliver(till, square_refund(amount=refunded_cents)).refund
    return SimpleNamespace(card=card, refund=refund)


def test_a_refund_owed_shows_on_the_location_counters_as_the_card_and_the_amount(till):
    owed = refund_owed(till)

    [row] = live.owed_refund_rows(till.location.id)
    assert (row.id, row.amount, row.card, row.source, row.reference) == (
        owed.refund.id, "$5.00", f"•••• {owed.card.last4}", "Square", "Order 77")
    assert live.owed_refund_rows(till.network.savings.id) == []  # another location's counters: nothing


def test_two_devices_tapping_give_back_at_once_credit_the_card_once(till):
    owed = refund_owed(till)

    answers = at_once(2, lambda index: pos_refunds.apply_refund((till.front, till.back)[index], owed.refund.id))

    assert not [answer for answer in answers if isinstance(answer, GiftnetError)]
    assert sorted(answer.created for answer in answers) == [False, True]
    assert {answer.entry.id for answer in answers} == {answers[0].entry.id}
    assert {answer.balance_after_cents for answer in answers} == {3_500}  # 5000 - 2000 + 500
    assert balance(owed.card.id) == 3_500
    assert [entry.amount_cents for entry in rows_of(LedgerEntry) if entry.kind == "refund"] == [500]
    assert live.owed_refund_rows(till.location.id) == []
    # A third tap, later, from either screen: the same answer, nothing moved.
    later = pos_refunds.apply_refund(till.back, owed.refund.id)
    assert (later.created, later.balance_after_cents, balance(owed.card.id)) == (False, 3_500, 3_500)

    payout = batches.create_payout(till.owner.actor, through=utcnow())
    with read_session() as session:
        line = session.exec(select(PayoutLine).where(PayoutLine.batch_id == payout.batch.id,
                                                     PayoutLine.location_id == till.location.id)).one()
    assert (line.gross_cents, line.refunded_cents, line.net_cents) == (2_000, 500, 1_500)
    assert ledger.check_ledger() == []
    assert reconciliation.reconcile(till.owner.operator.id).mismatches == []


def test_a_device_of_another_location_cannot_give_a_refund_back(till):
    owed = refund_owed(till)
    elsewhere = activate_counter(till.owner, till.network.savings, "Cafe counter")

    with pytest.raises(GiftnetError) as refused:
        pos_refunds.apply_refund(elsewhere, owed.refund.id)

    assert refused.value.code == ErrorCode.not_found
    assert balance(owed.card.id) == 3_000
    assert [row.id for row in live.owed_refund_rows(till.location.id)] == [owed.refund.id]


def test_a_sale_given_back_by_a_refund_cannot_be_voided_too(till):
    owed = refund_owed(till, refunded_cents=2_000)
    pos_refunds.apply_refund(till.front, owed.refund.id)

    with pytest.raises(GiftnetError) as refused:
        redemptions.void_redemption(till.front, owed.refund.redemption_id)

    assert refused.value.code == ErrorCode.conflict and "given back to the card already" in refused.value.message
    assert balance(owed.card.id) == 5_000  # credited once, by the refund
    assert ledger.check_ledger() == []


def test_a_voided_sale_has_no_refund_left_to_give_back(till):
    owed = refund_owed(till)  # $5.00 of the $20.00 sale refunded in Square, not given back yet
    redemptions.void_redemption(till.front, owed.refund.redemption_id)  # the whole $20.00 back on the card

    assert live.owed_refund_rows(till.location.id) == []
    with pytest.raises(GiftnetError) as refused:
        pos_refunds.apply_refund(till.back, owed.refund.id)
    assert refused.value.code == ErrorCode.conflict
    assert balance(owed.card.id) == 5_000
    assert [entry.kind for entry in rows_of(LedgerEntry) if entry.kind in ("void", "refund")] == ["void"]
    assert reconciliation.reconcile(till.owner.operator.id).mismatches == []

"""What a receipt at the counter says the card holds: the balance the ledger row of the act
left, for every act (a typed amount, a POS payment whole or in part, a void, a retry of
either), never one read before the act. SQLite and PostgreSQL."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from app.services.counter import pos_payments, redemptions
from app.services.network import pos_keys
from tests.support.counter import activate_counter, balance, issue, open_location
from tests.support.services import ledger_rows


@pytest.fixture
def till(make_operator):
    owner = make_operator("Harbour Association")
    location = open_location(owner, "Harbour Cafe", mode="pos")
    return SimpleNamespace(owner=owner, location=location,
                           pos_key=pos_keys.create_pos_key(owner.actor, location.id, "Till 1").pos_key,
                           counter=activate_counter(owner, location))


def redeem(till, card, **request) -> redemptions.RedemptionResult:
    return redemptions.redeem(till.counter, location_id=till.location.id, card_id=card.card.id, **request)


def test_a_void_answers_the_balance_after_its_credit_not_the_one_before(till):
    card = issue(till.owner, 5000)
    first = redeem(till, card, amount_cents=1250)
    redeem(till, card, amount_cents=500)  # the card moved on since the first sale

    voided = redemptions.void_redemption(till.counter, first.redemption.id, idempotency_key="device-void-1")

    assert voided.balance_after_cents == 4500 == balance(card.card.id) == ledger_rows(card.card.id)[-1].balance_after_cents
    assert voided.redemption.balance_after_cents == 3750  # the sale's own row is unchanged
    again = redemptions.void_redemption(till.counter, first.redemption.id, idempotency_key="device-void-1")
    assert (again.replayed, again.balance_after_cents) == (True, 4500)


def test_a_pos_payment_applied_whole_or_in_part_answers_the_balance_its_debit_left(till):
    card = issue(till.owner, 5000)
    whole = pos_payments.push_payment(till.pos_key, amount_cents=1234, reference="Order 1").payment
    larger = pos_payments.push_payment(till.pos_key, amount_cents=9000, reference="Order 2").payment

    applied = redeem(till, card, pos_payment_id=whole.id)
    assert applied.balance_after_cents == 3766 == balance(card.card.id)
    partial = redeem(till, card, pos_payment_id=larger.id, allow_partial=True)
    assert (partial.redemption.amount_cents, partial.remaining_due_cents) == (3766, 5234)
    assert partial.balance_after_cents == 0 == balance(card.card.id)


def test_a_retried_redemption_answers_the_balance_its_own_debit_left(till):
    card = issue(till.owner, 5000)
    first = redeem(till, card, amount_cents=1000, idempotency_key="sale-1")
    redeem(till, card, amount_cents=700)

    again = redeem(till, card, amount_cents=1000, idempotency_key="sale-1")

    assert (first.balance_after_cents, again.replayed, again.balance_after_cents) == (4000, True, 4000)
    assert balance(card.card.id) == 3300

"""Payments a location's POS pushes, waiting on the redemption screens until a merchant
clicks SELECT: applying, partial payments, two screens racing, expiry and cancelling.
Every test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest

from app.models import PosPayment, Redemption
from app.models.base import utcnow
from app.services.core.errors import ErrorCode
from app.services.counter import pos_payments, redemptions
from app.services.money import ledger
from app.services.network import locations, pos_keys
from tests.support.counter import activate_counter, balance, issue, open_location, rows_of
from tests.support.services import at_once, refused


@pytest.fixture
def till(make_operator):
    """A location in POS mode with its POS key and two counter devices."""
    owner = make_operator("Downtown Association")
    location = open_location(owner, "Bean There", mode="pos")
    return SimpleNamespace(
        owner=owner, location=location,
        pos_key=pos_keys.create_pos_key(owner.actor, location.id, "Till 1").pos_key,
        front=activate_counter(owner, location, "Front counter"),
        back=activate_counter(owner, location, "Back counter"),
    )


def push(till, amount_cents: int, reference: str = "Order 1001", **options) -> PosPayment:
    return pos_payments.push_payment(till.pos_key, amount_cents=amount_cents, reference=reference, **options).payment


def payment_of(till, payment_id: int) -> PosPayment:
    return pos_payments.get_payment(till.owner.operator.id, payment_id, location_id=till.location.id)


def select_payment(till, counter, card, payment: PosPayment, **options) -> redemptions.RedemptionResult:
    """What SELECT on a redemption screen does: apply the payment to the open card."""
    return redemptions.redeem(counter, location_id=till.location.id, card_code=card.code, pos_payment_id=payment.id,
                              **options)


# --- pushing -------------------------------------------------------------------------


def test_a_pushed_payment_waits_on_the_screens_of_its_location_newest_first(till, published):
    first = push(till, 2500, "Order 1001", terminal_id="T1")
    second = push(till, 1200, "Order 1002")
    elsewhere = open_location(till.owner, "Corner Bakery", mode="pos")

    waiting = pos_payments.pending_payments(till.location.id)

    assert [(payment.id, payment.amount_cents, payment.reference) for payment in waiting] == [
        (second.id, 1200, "Order 1002"), (first.id, 2500, "Order 1001")]
    assert (waiting[1].terminal_id, waiting[1].status, waiting[1].source) == ("T1", "pending", "api")
    assert pos_payments.pending_payments(elsewhere.id) == []
    received = [event for event in published if event.type == "pos_payment.received"]
    assert [event.data["pos_payment_id"] for event in received] == [first.id, second.id]
    assert received[0].data["location_id"] == till.location.id


def test_a_retried_push_with_the_same_key_creates_one_payment(till):
    first = pos_payments.push_payment(till.pos_key, amount_cents=2500, reference="Order 1001", idempotency_key="t1-1001")
    again = pos_payments.push_payment(till.pos_key, amount_cents=2500, reference="Order 1001", idempotency_key="t1-1001")

    assert (first.created, again.created) == (True, False)
    assert again.payment.id == first.payment.id
    assert [payment.id for payment in pos_payments.pending_payments(till.location.id)] == [first.payment.id]
    # Without a key, two pushes are two payments (two customers may pay the same amount).
    push(till, 2500, "Order 1001")
    assert len(pos_payments.pending_payments(till.location.id)) == 2


def test_a_location_that_refuses_pos_payments_or_is_not_active_refuses_pushes(till):
    counter_shop = open_location(till.owner, "Corner Bakery", mode="amount")
    closed = open_location(till.owner, "Closed Cafe", mode="pos", active=False)
    amount_key = pos_keys.create_pos_key(till.owner.actor, counter_shop.id, "Till").pos_key
    closed_key = pos_keys.create_pos_key(till.owner.actor, closed.id, "Till").pos_key
    # The key turned POS payments on; the owner turns them off again.
    locations.update_location(till.owner.actor, counter_shop.id, {"accepts_pos_payments": False})

    not_pos = refused(pos_payments.push_payment, amount_key, amount_cents=2500, reference="Order 1")
    inactive = refused(pos_payments.push_payment, closed_key, amount_cents=2500, reference="Order 1")

    assert not_pos.code == ErrorCode.forbidden
    assert not_pos.message.startswith("This location (“Corner Bakery”) does not accept POS payments. To turn them on")
    assert f"PATCH /api/v1/locations/{counter_shop.id}" in not_pos.message
    assert (inactive.code, inactive.message) == (ErrorCode.forbidden, "This location is not active.")
    assert rows_of(PosPayment) == []


def test_a_push_needs_a_positive_amount_and_a_reference(till):
    assert refused(pos_payments.push_payment, till.pos_key, amount_cents=0, reference="x").code == ErrorCode.invalid_amount
    assert refused(pos_payments.push_payment, till.pos_key, amount_cents="25.00",
                   reference="x").code == ErrorCode.invalid_amount
    assert refused(pos_payments.push_payment, till.pos_key, amount_cents=2500, reference="  ").field == "reference"
    assert rows_of(PosPayment) == []


# --- SELECT ----------------------------------------------------------------------------


def test_select_applies_the_payment_to_the_open_card_and_the_pos_reads_the_outcome(till, published):
    card = issue(till.owner, 5000)
    payment = push(till, 2500)

    receipt = select_payment(till, till.front, card, payment)

    assert (receipt.redemption.kind, receipt.redemption.amount_cents) == ("pos", 2500)
    assert (receipt.redemption.pos_payment_id, receipt.remaining_due_cents) == (payment.id, 0)
    assert balance(card.card.id) == 2500
    seen_by_pos = payment_of(till, payment.id)
    assert (seen_by_pos.status, seen_by_pos.applied_amount_cents) == ("applied", 2500)
    assert (seen_by_pos.redemption_id, seen_by_pos.applied_by_device_id) == (receipt.redemption.id, till.front.device_id)
    assert pos_payments.pending_payments(till.location.id) == []  # gone from every screen
    [applied] = [event for event in published if event.type == "pos_payment.applied"]
    assert applied.data == {"pos_payment_id": payment.id, "location_id": till.location.id,
                            "redemption_id": receipt.redemption.id, "applied_amount_cents": 2500}


def test_a_payment_larger_than_the_balance_takes_the_whole_balance_and_shows_what_is_still_owed(till):
    card = issue(till.owner, 1800)
    payment = push(till, 2500)

    receipt = select_payment(till, till.front, card, payment, allow_partial=True)

    assert (receipt.redemption.amount_cents, receipt.redemption.balance_after_cents) == (1800, 0)
    assert receipt.remaining_due_cents == 700
    assert balance(card.card.id) == 0
    seen_by_pos = payment_of(till, payment.id)
    assert (seen_by_pos.status, seen_by_pos.amount_cents, seen_by_pos.applied_amount_cents) == ("applied", 2500, 1800)
    assert redemptions.get_redemption(till.owner.operator.id, receipt.redemption.id).remaining_due_cents == 700
    assert ledger.check_ledger() == []


def test_without_allow_partial_a_larger_payment_is_insufficient_funds_and_stays_pending(till):
    card = issue(till.owner, 1800)
    payment = push(till, 2500)

    error = refused(select_payment, till, till.front, card, payment)

    assert error.code == ErrorCode.insufficient_funds
    assert error.message == ("The card holds $18.00, less than this payment of $25.00. "
                             "Apply the whole balance and collect the rest another way.")
    assert balance(card.card.id) == 1800
    assert payment_of(till, payment.id).status == "pending"
    assert [waiting.id for waiting in pos_payments.pending_payments(till.location.id)] == [payment.id]
    assert rows_of(Redemption) == []
    # The merchant then accepts the partial payment.
    assert select_payment(till, till.front, card, payment, allow_partial=True).remaining_due_cents == 700


def test_an_empty_card_cannot_take_even_a_partial_payment(till):
    card = issue(till.owner, 500)
    redemptions.redeem(till.front, location_id=till.location.id, card_id=card.card.id, amount_cents=500)
    payment = push(till, 2500)

    assert refused(select_payment, till, till.front, card, payment,
                   allow_partial=True).code == ErrorCode.insufficient_funds
    assert payment_of(till, payment.id).status == "pending"


def test_a_frozen_card_cannot_take_a_payment_and_the_payment_stays_pending(till):
    card = issue(till.owner, 5000)
    ledger.set_card_frozen(till.owner.actor, card.card.id, True)
    payment = push(till, 2500)

    assert refused(select_payment, till, till.front, card, payment).code == ErrorCode.card_not_active
    assert payment_of(till, payment.id).status == "pending"
    assert balance(card.card.id) == 5000


def test_a_payment_applied_once_cannot_be_applied_again(till):
    card = issue(till.owner, 5000)
    payment = push(till, 1000)
    select_payment(till, till.front, card, payment)

    error = refused(select_payment, till, till.back, card, payment)

    assert (error.code, error.message) == (ErrorCode.conflict, "This payment was already applied (on another screen).")
    assert balance(card.card.id) == 4000


def test_a_retried_select_with_its_key_answers_the_same_redemption(till):
    card = issue(till.owner, 5000)
    payment = push(till, 1000)

    first = select_payment(till, till.front, card, payment, idempotency_key="select-1")
    again = select_payment(till, till.front, card, payment, idempotency_key="select-1")

    assert (again.redemption.id, again.replayed) == (first.redemption.id, True)
    assert balance(card.card.id) == 4000


def test_the_same_key_for_another_payment_is_refused(till):
    card = issue(till.owner, 5000)
    first_payment, second_payment = push(till, 1000, "Order 1"), push(till, 1000, "Order 2")
    select_payment(till, till.front, card, first_payment, idempotency_key="select-1")

    error = refused(select_payment, till, till.front, card, second_payment, idempotency_key="select-1")

    assert error.code == ErrorCode.idempotency_key_reused
    assert payment_of(till, second_payment.id).status == "pending"
    assert balance(card.card.id) == 4000


def test_two_screens_selecting_the_same_payment_at_once_exactly_one_wins(till):
    cards = [issue(till.owner, 5000), issue(till.owner, 5000)]
    counters = [till.front, till.back]
    for round_number in range(5):  # several rounds: each one a fresh race
        payment = push(till, 1000, f"Order {round_number}")

        outcomes = at_once(2, lambda index, payment=payment: select_payment(till, counters[index], cards[index], payment))

        wins = [outcome for outcome in outcomes if isinstance(outcome, redemptions.RedemptionResult)]
        losses = [outcome for outcome in outcomes if not isinstance(outcome, redemptions.RedemptionResult)]
        assert len(wins) == 1 and len(losses) == 1
        assert losses[0].code == ErrorCode.conflict
        assert "already applied" in losses[0].message
        assert payment_of(till, payment.id).redemption_id == wins[0].redemption.id

    assert balance(cards[0].card.id) + balance(cards[1].card.id) == 10000 - 5 * 1000
    assert len(rows_of(Redemption)) == 5
    assert ledger.check_ledger() == []


# --- expiry and cancelling ----------------------------------------------------------


def test_unclaimed_payments_expire_and_an_expired_payment_cannot_be_applied(till, published):
    card = issue(till.owner, 5000)
    payment = push(till, 2500)
    assert pos_payments.expire_due(now=utcnow()) == []

    expired = pos_payments.expire_due(now=utcnow() + pos_payments.payment_ttl() + timedelta(seconds=1))

    assert [(gone.id, gone.status) for gone in expired] == [(payment.id, "expired")]
    assert payment_of(till, payment.id).status == "expired"
    assert pos_payments.expire_due(now=utcnow() + timedelta(days=1)) == []  # once
    error = refused(select_payment, till, till.front, card, payment)
    assert (error.code, error.message) == (ErrorCode.conflict, "This payment is expired.")
    assert balance(card.card.id) == 5000
    assert [event.type for event in published][-1] == "pos_payment.expired"


def test_a_payment_past_its_time_is_expired_to_the_pos_and_the_screens_before_the_sweeper_runs(till, settings_env):
    settings_env(POS_PAYMENT_TTL_MINUTES="0")
    card = issue(till.owner, 5000)
    payment = push(till, 2500)

    assert payment_of(till, payment.id).status == "expired"
    assert pos_payments.pending_payments(till.location.id) == []
    error = refused(select_payment, till, till.front, card, payment)
    assert (error.code, error.message) == (ErrorCode.conflict, "This payment has expired. Push it again from the POS.")
    assert balance(card.card.id) == 5000


def test_a_cancelled_payment_leaves_the_screens_and_cannot_be_applied(till, published):
    card = issue(till.owner, 5000)
    payment = push(till, 2500)

    cancelled = pos_payments.cancel_payment(till.owner.operator.id, till.location.id, payment.id)

    assert cancelled.status == "cancelled"
    assert pos_payments.pending_payments(till.location.id) == []
    assert [event.type for event in published][-1] == "pos_payment.cancelled"
    assert refused(select_payment, till, till.front, card, payment).message == "This payment is cancelled."
    again = refused(pos_payments.cancel_payment, till.owner.operator.id, till.location.id, payment.id)
    assert (again.code, again.message) == (ErrorCode.conflict, "This payment is already cancelled.")
    assert balance(card.card.id) == 5000


# --- whose payment ------------------------------------------------------------------


def test_another_network_cannot_see_apply_or_cancel_my_payment(till, make_operator):
    payment = push(till, 2500)
    stranger = make_operator("Uptown Network")
    their_till = open_location(stranger, "Uptown Deli", mode="pos")
    their_counter = activate_counter(stranger, their_till)
    their_card = issue(stranger, 5000)

    assert refused(pos_payments.get_payment, stranger.operator.id, payment.id).code == ErrorCode.not_found
    assert refused(pos_payments.cancel_payment, stranger.operator.id, their_till.id,
                   payment.id).code == ErrorCode.not_found
    assert refused(redemptions.redeem, their_counter, location_id=their_till.id, card_id=their_card.card.id,
                   pos_payment_id=payment.id).code == ErrorCode.not_found

    assert payment_of(till, payment.id).status == "pending"
    assert balance(their_card.card.id) == 5000
    assert rows_of(Redemption) == []


def test_a_payment_belongs_to_its_location_only(till):
    payment = push(till, 2500)
    bakery = open_location(till.owner, "Corner Bakery", mode="pos")
    bakery_counter = activate_counter(till.owner, bakery)
    card = issue(till.owner, 5000)

    # Another location's screen, and another location's POS key, do not find it.
    assert refused(redemptions.redeem, bakery_counter, location_id=bakery.id, card_id=card.card.id,
                   pos_payment_id=payment.id).code == ErrorCode.not_found
    assert refused(pos_payments.get_payment, till.owner.operator.id, payment.id,
                   location_id=bakery.id).code == ErrorCode.not_found
    assert refused(pos_payments.cancel_payment, till.owner.operator.id, bakery.id,
                   payment.id).code == ErrorCode.not_found
    assert payment_of(till, payment.id).status == "pending"
    assert balance(card.card.id) == 5000

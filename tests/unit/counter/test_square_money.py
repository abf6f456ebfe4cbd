"""Square's money, right to the cent: the card pays Square's total (tip included), another
currency is refused, and a refund or cancellation at Square ends in the right cents on the
card and in the ledger whether it comes before or after the merchant's SELECT. Events are
shaped and signed as Square's own SDK reads and checks them (tests/support/square.py).
Each test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import json

from app.models import LedgerEntry, PosLogEntry, PosPayment
from app.services.core.errors import ErrorCode
from app.services.counter import pos_log, pos_payments, pos_refunds, redemptions
from app.services.messaging import webhooks
from app.services.money import ledger
from tests.support.counter import activate_counter, balance, issue, rows_of
from tests.support.services import refused
from tests.support.square import deliver, square_payment_created, square_refund


def _select(till, payment_id: int, card_id: int, counter=None):
    counter = counter or activate_counter(till.owner, till.location)
    return redemptions.redeem(counter, location_id=till.location.id, card_id=card_id, pos_payment_id=payment_id)


def test_a_payment_with_a_tip_asks_the_card_for_the_total_square_took(square_till):
    outcome = deliver(square_till, square_payment_created(amount=2000, tip=300))

    [waiting] = pos_payments.pending_payments(square_till.location.id)
    assert (outcome.reason, waiting.amount_cents, waiting.tip_cents, waiting.currency) == ("created", 2300, 300, "CAD")
    card = issue(square_till.owner, 5000)
    receipt = _select(square_till, waiting.id, card.card.id)
    assert receipt.redemption.amount_cents == 2300
    assert balance(card.card.id) == 2700
    assert ledger.check_ledger() == []


def test_a_payment_in_another_currency_is_refused_logged_and_never_shown(square_till):
    outcome = deliver(square_till, square_payment_created(amount=2350, currency="JPY"))

    assert (outcome.accepted, outcome.reason, outcome.payment) == (False, "other_currency", None)
    assert rows_of(PosPayment) == [] and pos_payments.pending_payments(square_till.location.id) == []
    [line] = pos_log.entries_for_location(square_till.owner.operator.id, square_till.location.id)
    assert (line.outcome, line.source) == ("other_currency", "square")
    assert "2350 JPY" in line.message and "CAD" in line.message
    # Delivered again, it is refused again: nothing is ever applied.
    assert deliver(square_till, square_payment_created(amount=2350, currency="JPY")).reason == "other_currency"
    assert rows_of(PosPayment) == []


def test_a_refund_after_select_is_given_back_to_the_card_once(square_till, published):
    card = issue(square_till.owner, 5000)
    payment = deliver(square_till, square_payment_created(amount=2000, tip=500)).payment
    counter = activate_counter(square_till.owner, square_till.location)
    redemption = _select(square_till, payment.id, card.card.id, counter).redemption
    assert balance(card.card.id) == 2500

    refunded = deliver(square_till, square_refund(amount=2500))

    assert (refunded.reason, refunded.refund.status, refunded.refund.amount_cents) == ("refund_owed", "owed", 2500)
    [owed] = pos_refunds.pending_for_location(square_till.owner.operator.id, square_till.location.id)
    assert (owed.amount_cents, owed.card_id, owed.redemption_id, owed.last4) == (
        2500, card.card.id, redemption.id, card.card.last4)
    assert "pos_payment.refund_owed" in [event.type for event in published]
    assert balance(card.card.id) == 2500  # nothing moves before the counter gives it back

    given = pos_refunds.apply_refund(counter, owed.refund_id)
    again = pos_refunds.apply_refund(counter, owed.refund_id)  # a second tap, or another screen

    assert (given.created, given.balance_after_cents) == (True, 5000)
    assert (again.created, again.entry.id) == (False, given.entry.id)
    assert balance(card.card.id) == 5000
    [credit] = [entry for entry in rows_of(LedgerEntry) if entry.kind == "refund"]
    assert (credit.amount_cents, credit.redemption_id, credit.card_id) == (2500, redemption.id, card.card.id)
    assert pos_refunds.pending_for_location(square_till.owner.operator.id, square_till.location.id) == []
    assert [event.type for event in published].count("pos_payment.refunded") == 1
    # Square delivering the refund again changes nothing.
    assert deliver(square_till, square_refund(amount=2500, event_type="refund.created")).reason == "duplicate"
    assert balance(card.card.id) == 5000
    assert ledger.check_ledger() == []


def test_the_refunded_webhook_is_owed_in_the_same_transaction_as_the_credit(square_till):
    webhooks.create_endpoint(square_till.owner.actor, "https://shop.example.com/hooks", ["pos_payment.refunded"])
    card = issue(square_till.owner, 3000)
    payment = deliver(square_till, square_payment_created(amount=1000)).payment
    counter = activate_counter(square_till.owner, square_till.location)
    _select(square_till, payment.id, card.card.id, counter)
    refund = deliver(square_till, square_refund(amount=1000)).refund

    pos_refunds.apply_refund(counter, refund.id)

    [delivery] = webhooks.list_deliveries(square_till.owner.operator.id)
    assert delivery.event_type == "pos_payment.refunded"
    data = json.loads(delivery.payload)["data"]
    assert (data["amount_cents"], data["card_id"], data["balance_after_cents"]) == (1000, card.card.id, 3000)


def test_a_part_refund_after_select_gives_back_only_that_part(square_till):
    card = issue(square_till.owner, 5000)
    payment = deliver(square_till, square_payment_created(amount=3000)).payment
    counter = activate_counter(square_till.owner, square_till.location)
    _select(square_till, payment.id, card.card.id, counter)

    first = deliver(square_till, square_refund(refund_id="R-1", amount=1000, event_id="e-1")).refund
    second = deliver(square_till, square_refund(refund_id="R-2", amount=5000, event_id="e-2")).refund
    pos_refunds.apply_refund(counter, first.id)
    pos_refunds.apply_refund(counter, second.id)

    assert (first.amount_cents, second.amount_cents) == (1000, 2000)  # never more than the card paid
    assert balance(card.card.id) == 5000
    assert ledger.check_ledger() == []


def test_a_cancellation_before_select_takes_the_payment_off_the_counter(square_till, published):
    card = issue(square_till.owner, 5000)
    payment = deliver(square_till, square_payment_created(amount=2500)).payment

    cancelled = deliver(square_till, square_payment_created(amount=2500, event_type="payment.updated",
                                                            status="CANCELED", event_id="evt-cancel", version=2))

    assert cancelled.reason == "cancelled"
    assert pos_payments.pending_payments(square_till.location.id) == []
    assert "pos_payment.cancelled" in [event.type for event in published]
    error = refused(_select, square_till, payment.id, card.card.id)
    assert error.code == ErrorCode.conflict
    assert balance(card.card.id) == 5000
    assert [entry.kind for entry in rows_of(LedgerEntry)] == ["issue"]
    assert ledger.check_ledger() == []


def test_a_cancellation_after_select_is_owed_back_to_the_card(square_till):
    card = issue(square_till.owner, 5000)
    payment = deliver(square_till, square_payment_created(amount=1200, tip=300)).payment
    counter = activate_counter(square_till.owner, square_till.location)
    _select(square_till, payment.id, card.card.id, counter)

    cancelled = deliver(square_till, square_payment_created(amount=1200, tip=300, event_type="payment.updated",
                                                            status="CANCELED", event_id="evt-c", version=3))
    replayed = deliver(square_till, square_payment_created(amount=1200, tip=300, event_type="payment.updated",
                                                           status="CANCELED", event_id="evt-c", version=3))

    assert (cancelled.reason, cancelled.refund.amount_cents) == ("refund_owed", 1500)
    assert replayed.reason == "duplicate"
    pos_refunds.apply_refund(counter, cancelled.refund.id)
    assert balance(card.card.id) == 5000
    assert ledger.check_ledger() == []


def test_a_refund_before_select_withdraws_or_lowers_the_waiting_payment(square_till):
    whole = deliver(square_till, square_payment_created(amount=2000, payment_id="P-whole", event_id="e1")).payment
    part = deliver(square_till, square_payment_created(amount=2000, payment_id="P-part", event_id="e2")).payment

    assert deliver(square_till, square_refund(refund_id="R-w", payment_id="P-whole", amount=2000,
                                              event_id="e3")).reason == "withdrawn"
    assert deliver(square_till, square_refund(refund_id="R-p", payment_id="P-part", amount=500,
                                              event_id="e4")).reason == "withdrawn"

    [left] = pos_payments.pending_payments(square_till.location.id)
    assert (left.id, left.amount_cents) == (part.id, 1500)
    assert whole.id not in [payment.id for payment in pos_payments.pending_payments(square_till.location.id)]
    card = issue(square_till.owner, 5000)
    _select(square_till, part.id, card.card.id)
    assert balance(card.card.id) == 3500
    assert ledger.check_ledger() == []


def test_a_refund_that_arrives_before_its_payment_keeps_it_off_the_counter(square_till):
    early = deliver(square_till, square_refund(amount=2500))
    late = deliver(square_till, square_payment_created(amount=2500))

    assert (early.reason, late.reason) == ("refund_waiting", "cancelled")
    assert pos_payments.pending_payments(square_till.location.id) == []


def test_a_refund_not_completed_or_of_another_tender_changes_nothing(square_till):
    deliver(square_till, square_payment_created(amount=2500))

    pending = deliver(square_till, square_refund(amount=2500, status="PENDING", event_type="refund.created"))
    card_refund = deliver(square_till, square_refund(amount=900, payment_id="card-payment", tender=None))

    assert (pending.reason, card_refund.reason) == ("not_completed", "ignored_tender")
    assert [payment.amount_cents for payment in pos_payments.pending_payments(square_till.location.id)] == [2500]


def test_a_device_of_another_location_cannot_give_a_refund_back(square_till):
    from tests.support.counter import open_location

    card = issue(square_till.owner, 5000)
    payment = deliver(square_till, square_payment_created(amount=1000)).payment
    _select(square_till, payment.id, card.card.id)
    refund = deliver(square_till, square_refund(amount=1000)).refund
    elsewhere = activate_counter(square_till.owner, open_location(square_till.owner, "Other Shop"))

    assert refused(pos_refunds.apply_refund, elsewhere, refund.id).code == ErrorCode.not_found
    assert balance(card.card.id) == 4000
    assert len(rows_of(PosLogEntry)) == 2  # the payment and the refund owed

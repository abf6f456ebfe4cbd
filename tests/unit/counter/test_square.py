"""Square POS: its `payment.created` webhook, paid with the tender the location set for
gift cards, becomes a payment waiting on the redemption screens. The signature and the
event id are checked the way Square documents them. Payloads follow Square's shape.
Each test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import json

from app.models import PosPayment
from app.services.core.errors import ErrorCode
from app.services.counter import pos_payments, redemptions, square_pos
from app.services.network import locations
from tests.support.counter import activate_counter, balance, issue, open_location, rows_of
from tests.support.services import refused
from tests.support.square import NOTIFICATION_URL, SIGNATURE_KEY, deliver, signed_by_square, square_payment_created


def test_a_signed_gift_card_payment_from_square_waits_on_the_screens_and_can_be_selected(square_till):
    outcome = deliver(square_till, square_payment_created(amount=2500))

    assert (outcome.accepted, outcome.reason) == (True, "created")
    [waiting] = pos_payments.pending_payments(square_till.location.id)
    assert waiting.id == outcome.payment.id
    assert (waiting.source, waiting.amount_cents, waiting.reference, waiting.terminal_id) == (
        "square", 2500, "Order 1001", "DEVICE_9fa747a2")
    counter = activate_counter(square_till.owner, square_till.location)
    card = issue(square_till.owner, 5000)
    receipt = redemptions.redeem(counter, location_id=square_till.location.id, card_id=card.card.id,
                                 pos_payment_id=waiting.id)
    assert receipt.redemption.amount_cents == 2500
    assert balance(card.card.id) == 2500


def test_the_square_signature_key_is_kept_encrypted(square_till):
    stored = locations.get_location(square_till.owner.operator.id, square_till.location.id)
    assert SIGNATURE_KEY not in stored.square_signature_key_encrypted
    assert stored.square_notification_url == NOTIFICATION_URL


def test_a_wrong_or_missing_signature_is_refused_and_creates_nothing(square_till):
    body = square_payment_created()
    tampered = body.replace(b'"amount": 2500', b'"amount": 250000')
    attempts = {
        "another key": signed_by_square(body, key="not-the-key"),
        "another url": signed_by_square(body, url="https://attacker.example.com/hook"),
        "body changed after signing": signed_by_square(body),
        "no signature": "",
    }

    for case, signature in attempts.items():
        sent = tampered if case == "body changed after signing" else body
        error = refused(square_pos.receive_square_webhook, square_till.location.id, sent, signature or None)
        assert (error.code, error.field) == (ErrorCode.unauthenticated, "x-square-hmacsha256-signature"), case
    assert rows_of(PosPayment) == []


def test_a_replayed_event_answers_duplicate_and_creates_nothing(square_till):
    body = square_payment_created(event_id="evt-42")
    first = deliver(square_till, body)

    replayed = deliver(square_till, body)

    assert (replayed.accepted, replayed.reason) == (True, "duplicate")
    assert replayed.payment.id == first.payment.id
    assert [payment.id for payment in rows_of(PosPayment)] == [first.payment.id]
    # Another payment is a new payment, even for the same amount.
    assert deliver(square_till, square_payment_created(event_id="evt-43", payment_id="Zq2WpS7")).reason == "created"
    assert len(pos_payments.pending_payments(square_till.location.id)) == 2


def test_a_replay_of_an_applied_payment_does_not_bring_it_back(square_till):
    body = square_payment_created(event_id="evt-7", amount=1000)
    payment = deliver(square_till, body).payment
    card = issue(square_till.owner, 5000)
    redemptions.redeem(square_till.owner.actor, location_id=square_till.location.id, card_id=card.card.id,
                       pos_payment_id=payment.id)

    assert deliver(square_till, body).reason == "duplicate"

    assert pos_payments.pending_payments(square_till.location.id) == []
    assert balance(card.card.id) == 4000


def test_payments_with_another_tender_are_ignored(square_till):
    card_payment = deliver(square_till, square_payment_created(event_id="evt-card", tender=None))
    cheque = deliver(square_till, square_payment_created(event_id="evt-cheque", tender="CHECK"))

    assert (card_payment.accepted, card_payment.reason) == (False, "ignored_tender")
    assert (cheque.accepted, cheque.reason, cheque.payment) == (False, "ignored_tender", None)
    assert rows_of(PosPayment) == []


def test_the_gift_card_tender_is_the_one_the_location_configured(square_till):
    square_pos.configure_square(square_till.owner.operator.id, square_till.location.id,
                                  signature_key=SIGNATURE_KEY, notification_url=NOTIFICATION_URL, tender_type="OTHER")

    assert deliver(square_till, square_payment_created(event_id="evt-1", tender="OTHER_GIFT_CARD")).reason == (
        "ignored_tender")
    assert deliver(square_till, square_payment_created(event_id="evt-2", tender="OTHER", payment_id="pay-2")).reason == (
        "created")


def test_other_square_events_are_ignored(square_till):
    outcome = deliver(square_till, square_payment_created(event_type="order.updated"))
    assert (outcome.accepted, outcome.reason) == (False, "ignored_event")
    assert rows_of(PosPayment) == []


def test_a_correctly_signed_but_malformed_body_is_refused(square_till):
    malformed = [
        b"not json at all",
        b"[]",
        json.dumps({"type": "payment.created", "data": {}}).encode(),  # no event_id
        json.dumps({"type": "payment.created", "event_id": "e1", "data": None}).encode(),
        square_payment_created(event_id="e2", amount=0),
        square_payment_created(event_id="e3").replace(b'"amount": 2500', b'"amount": "25.00"'),
    ]

    for body in malformed:
        error = refused(deliver, square_till, body)
        assert error.code == ErrorCode.invalid_input, body
    assert rows_of(PosPayment) == []


def test_a_location_without_square_answers_not_found(square_till):
    plain = open_location(square_till.owner, "Corner Bakery", mode="pos")
    body = square_payment_created()

    error = refused(square_pos.receive_square_webhook, plain.id, body, signed_by_square(body))

    assert error.code == ErrorCode.not_found
    assert refused(square_pos.receive_square_webhook, 999_999, body,
                   signed_by_square(body)).code == ErrorCode.not_found
    assert rows_of(PosPayment) == []


def test_a_location_that_does_not_take_pos_payments_refuses_square_payments(square_till):
    body = square_payment_created()

    locations.update_location(square_till.owner.actor, square_till.location.id, {"mode": "items"})
    not_pos = refused(deliver, square_till, body)
    locations.update_location(square_till.owner.actor, square_till.location.id, {"mode": "pos", "active": False})
    inactive = refused(deliver, square_till, body)

    assert (not_pos.code, inactive.code) == (ErrorCode.forbidden, ErrorCode.forbidden)
    assert "does not accept POS payments. To turn them on" in not_pos.message
    assert "not active" in inactive.message
    assert rows_of(PosPayment) == []

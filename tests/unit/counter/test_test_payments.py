"""The setup guide's "Send a test payment": it appears on the location's counter screens as
a real push does, marked TEST, never comes off a card, goes away by itself or when
dismissed, stays within its operator, and is recorded. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from app.db import read_session
from app.models import AuditEvent, LedgerEntry, PosPayment, Redemption, WebhookDelivery
from app.models.base import utcnow
from app.services.core.errors import ErrorCode
from app.services.counter import pos_payments, redemptions, test_payments
from app.services.messaging import webhooks
from app.services.network import locations, pos_keys
from app.state.live import pending_rows
from tests.support.counter import activate_counter, balance, issue, open_location, rows_of
from tests.support.services import refused


def test_a_test_payment_shows_on_the_counter_as_a_push_would(make_operator, published):
    owner = make_operator()
    location = open_location(owner, "Bean There", mode="pos")

    payment = test_payments.send_test_payment(owner.actor, location.id)

    assert (payment.source, payment.status, payment.amount_cents) == ("test", "pending", 100)
    assert payment.expires_at - payment.created_at == timedelta(seconds=test_payments.TEST_PAYMENT_SECONDS)
    assert [shown.id for shown in pos_payments.pending_payments(location.id)] == [payment.id]
    row = pending_rows(location.id)[0]  # what every open counter screen of the location shows
    assert (row.id, row.is_test, row.amount, row.reference) == (payment.id, True, "$1.00", test_payments.TEST_REFERENCE)
    event = [event for event in published if event.type == "pos_payment.received"]
    assert len(event) == 1 and event[0].data["location_id"] == location.id and event[0].data["source"] == "test"


def test_a_test_payment_is_never_taken_off_a_card(make_operator):
    owner = make_operator()
    location = open_location(owner, "Bean There", mode="pos")
    counter = activate_counter(owner, location)
    card = issue(owner, 5_000)
    payment = test_payments.send_test_payment(owner.actor, location.id)

    from_counter = refused(redemptions.redeem, counter, location_id=location.id, card_id=card.card.id,
                           pos_payment_id=payment.id, idempotency_key="device-pos-test")
    from_api = refused(redemptions.redeem, owner.actor, location_id=location.id, card_id=card.card.id,
                       pos_payment_id=payment.id, allow_partial=True)

    for error in (from_counter, from_api):
        assert (error.code, error.field) == (ErrorCode.conflict, "pos_payment_id")
        assert error.message == test_payments.NEVER_APPLIED
    assert balance(card.card.id) == 5_000
    assert rows_of(Redemption) == []
    assert [entry.kind for entry in rows_of(LedgerEntry)] == ["issue"]
    assert pos_payments.get_payment(owner.operator.id, payment.id).status == "pending"  # still shown, still TEST


def test_a_test_payment_goes_away_after_a_minute(make_operator, published):
    owner = make_operator()
    location = open_location(owner, "Bean There", mode="pos")
    payment = test_payments.send_test_payment(owner.actor, location.id)

    assert pos_payments.expire_due(utcnow() + timedelta(seconds=30)) == []
    expired = pos_payments.expire_due(utcnow() + timedelta(seconds=test_payments.TEST_PAYMENT_SECONDS + 1))

    assert [gone.id for gone in expired] == [payment.id]
    assert pos_payments.pending_payments(location.id) == []
    assert "pos_payment.expired" in [event.type for event in published]


def test_a_test_payment_goes_away_when_dismissed_on_the_counter(make_operator):
    owner = make_operator()
    location = open_location(owner, "Bean There", mode="pos")
    payment = test_payments.send_test_payment(owner.actor, location.id)

    pos_payments.cancel_payment(owner.operator.id, location.id, payment.id)

    assert pending_rows(location.id) == []


def test_no_webhook_announces_a_test_payment(make_operator):
    owner = make_operator()
    webhooks.create_endpoint(owner.actor, url="https://hooks.example.com/giftnet", event_types=["pos_payment.received"])
    location = open_location(owner, "Bean There", mode="pos")

    test_payments.send_test_payment(owner.actor, location.id)
    assert rows_of(WebhookDelivery) == []

    real = pos_payments.push_payment(pos_keys.create_pos_key(owner.actor, location.id, "Till").pos_key,
                                     amount_cents=2_500, reference="Order 1").payment
    assert [delivery.event_type for delivery in rows_of(WebhookDelivery)] == ["pos_payment.received"]
    assert real.source == "api"


def test_sending_a_test_payment_is_recorded(make_operator):
    owner = make_operator()
    location = open_location(owner, "Bean There", mode="pos")

    payment = test_payments.send_test_payment(owner.actor, location.id)

    with read_session() as session:
        recorded = session.exec(select(AuditEvent).where(AuditEvent.action == "pos_payment.test_sent")).all()
    assert [(event.operator_id, event.target_id, event.summary) for event in recorded] == [
        (owner.operator.id, str(location.id),
         f"Test POS payment #{payment.id} sent to the counter screens of “Bean There”")]


def test_a_location_that_refuses_pos_payments_gets_no_test_payment_but_the_way_to_turn_them_on(make_operator):
    owner = make_operator()
    books = open_location(owner, "Main Street Books", mode="amount")
    closed = open_location(owner, "Closed Cafe", mode="pos", active=False)

    off = refused(test_payments.send_test_payment, owner.actor, books.id)
    inactive = refused(test_payments.send_test_payment, owner.actor, closed.id)

    assert off.code == ErrorCode.forbidden and "does not accept POS payments. To turn them on" in off.message
    assert inactive.code == ErrorCode.forbidden and "not active" in inactive.message
    assert rows_of(PosPayment) == []
    locations.update_location(owner.actor, books.id, {"accepts_pos_payments": True})
    assert test_payments.send_test_payment(owner.actor, books.id).location_id == books.id


def test_another_operators_location_gets_no_test_payment(make_operator):
    owner, stranger = make_operator("Downtown Association"), make_operator("Uptown Guild")
    theirs = open_location(stranger, "Uptown Deli", mode="pos")
    ours = open_location(owner, "Bean There", mode="pos")
    payment = test_payments.send_test_payment(owner.actor, ours.id)

    error = refused(test_payments.send_test_payment, owner.actor, theirs.id)
    dismissed_elsewhere = refused(pos_payments.cancel_payment, stranger.operator.id, theirs.id, payment.id)

    assert (error.code, error.message) == (ErrorCode.not_found, "No such location.")
    assert dismissed_elsewhere.code == ErrorCode.not_found
    assert pos_payments.pending_payments(theirs.id) == []
    assert [shown.id for shown in pos_payments.pending_payments(ours.id)] == [payment.id]

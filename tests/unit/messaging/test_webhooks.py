"""Signed webhooks after a redemption: what the location's receiver gets, how a failure is
retried (same webhook-id, backoff for about three days, a manual retry), and that
concurrent senders never deliver one event twice. A real receiver on a loopback port
verifies every signature with the `standardwebhooks` package. Each test runs on SQLite
and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import standardwebhooks
from sqlalchemy import update

from app.db import write_session
from app.models import WebhookDelivery
from app.models.base import utcnow
from app.services.core.errors import ErrorCode
from app.services.counter import redemptions
from app.services.messaging import webhooks
from tests.support.counter import activate_counter, device_code, issue, open_location
from tests.support.receiver import Answer, Receiver, unused_loopback_url
from tests.support.services import at_once, refused
from tests.support.webhooks import attempt_codes, only_delivery, redeem


def test_signatures_are_the_ones_standard_webhooks_receivers_expect():
    secret = webhooks.new_secret()
    body = '{"type":"redemption.completed","data":{"amount_cents":1250}}'

    signature = webhooks.sign(secret, "msg_abc", 1_700_000_000, body)

    assert secret.startswith("whsec_")
    expected = standardwebhooks.Webhook(secret).sign("msg_abc", datetime.fromtimestamp(1_700_000_000, UTC), body)
    assert signature == expected


def test_a_redemption_sends_a_signed_redemption_completed_to_the_location(shop, receiver):
    receipt = redeem(shop)
    queued = only_delivery(shop)
    assert (queued.event_type, queued.status, queued.url) == ("redemption.completed", "pending", receiver.url)

    counts = webhooks.deliver_due()

    assert (counts.delivered, counts.retrying, counts.failed) == (1, 0, 0)
    [request] = receiver.received
    assert request.verified is True
    assert request.headers["webhook-id"] == queued.message_id
    event = standardwebhooks.Webhook(receiver.secret).verify(request.body, request.headers)
    assert event["type"] == "redemption.completed"
    assert {key: event["data"][key] for key in ("redemption_id", "location_id", "location_name", "location_external_id",
                                                 "device_code", "card_last4", "kind", "amount_cents",
                                                 "balance_after_cents", "status", "line_items")} == {
        "redemption_id": receipt.redemption.id, "location_id": shop.location.id, "location_name": "Bean There",
        "location_external_id": "BT-1", "device_code": device_code(shop.counter), "card_last4": shop.card.code[-4:],
        "kind": "amount", "amount_cents": 1250, "balance_after_cents": 8750, "status": "completed", "line_items": []}
    assert shop.card.code.encode() not in request.body
    delivered = only_delivery(shop)
    assert (delivered.status, delivered.attempts, delivered.last_status_code) == ("delivered", 1, 200)
    assert attempt_codes(shop, delivered) == [200]


def test_a_failed_delivery_is_retried_after_its_delay_with_the_same_webhook_id(shop, receiver):
    receiver.answers = [Answer(500), Answer(200)]
    redeem(shop)
    started = utcnow()

    first = webhooks.deliver_due(now=started)

    assert (first.delivered, first.retrying) == (0, 1)
    waiting = only_delivery(shop)
    assert (waiting.status, waiting.last_status_code, waiting.last_error) == ("pending", 500, "HTTP 500")
    assert waiting.next_attempt_at == started + webhooks.RETRY_SCHEDULE[0]
    assert webhooks.deliver_due(now=started + webhooks.RETRY_SCHEDULE[0] - timedelta(seconds=1)).retrying == 0
    assert len(receiver.received) == 1  # nothing is sent before the delay

    second = webhooks.deliver_due(now=started + webhooks.RETRY_SCHEDULE[0] + timedelta(seconds=1))

    assert second.delivered == 1
    delivered = only_delivery(shop)
    assert (delivered.status, delivered.attempts) == ("delivered", 2)
    assert attempt_codes(shop, delivered) == [500, 200]
    assert [request.verified for request in receiver.received] == [True, True]
    assert {request.headers["webhook-id"] for request in receiver.received} == {delivered.message_id}
    timestamps = [int(request.headers["webhook-timestamp"]) for request in receiver.received]
    assert timestamps[1] > timestamps[0]  # each attempt is signed afresh
    assert webhooks.deliver_due(now=started + timedelta(days=5)).delivered == 0


def test_an_unreachable_receiver_is_retried_like_an_error_status(shop):
    bakery = open_location(shop.owner, "Corner Bakery", notify_webhook_url=unused_loopback_url())
    bakery_counter = activate_counter(shop.owner, bakery)
    redemptions.redeem(bakery_counter, location_id=bakery.id, card_id=shop.card.card.id, amount_cents=100)

    assert webhooks.deliver_due().retrying == 1

    [delivery] = webhooks.list_deliveries(shop.owner.operator.id, location_id=bakery.id)
    [attempt] = webhooks.list_attempts(shop.owner.operator.id, delivery.id)
    assert attempt.status_code is None and attempt.error == webhooks.UNREACHABLE
    assert delivery.status == "pending"


def test_after_about_three_days_of_failures_a_delivery_fails_and_a_manual_retry_tries_once_more(shop, receiver):
    receiver.answers = [Answer(500)] * webhooks.MAX_ATTEMPTS + [Answer(200)]
    receiver.secret = None  # attempts signed days ahead would fail a timestamp check; the signature is not the point
    redeem(shop)
    started = moment = utcnow()

    for attempt_number in range(1, webhooks.MAX_ATTEMPTS + 1):
        assert webhooks.deliver_due(now=moment).delivered == 0
        delivery = only_delivery(shop)
        assert delivery.attempts == attempt_number
        if attempt_number < webhooks.MAX_ATTEMPTS:
            assert delivery.status == "pending"
            assert delivery.next_attempt_at == moment + webhooks.RETRY_SCHEDULE[attempt_number - 1]
            moment = delivery.next_attempt_at

    failed = only_delivery(shop)
    assert (failed.status, failed.last_error) == ("failed", "HTTP 500")
    assert timedelta(days=3) <= moment - started <= timedelta(days=3, hours=12)
    assert webhooks.deliver_due(now=moment + timedelta(days=30)).retrying == 0  # failed stays failed

    assert webhooks.retry_now(shop.owner.actor, failed.id).status == "pending"
    assert webhooks.deliver_due().delivered == 1

    assert attempt_codes(shop, failed) == [500] * webhooks.MAX_ATTEMPTS + [200]
    assert only_delivery(shop).status == "delivered"
    again = refused(webhooks.retry_now, shop.owner.actor, failed.id)
    assert (again.code, again.message) == (ErrorCode.conflict, "This delivery already succeeded.")


def test_a_manual_retry_sends_a_waiting_delivery_at_the_next_pass(shop, receiver):
    receiver.answers = [Answer(503), Answer(200)]
    redeem(shop)
    webhooks.deliver_due()
    assert only_delivery(shop).next_attempt_at > utcnow()

    webhooks.retry_now(shop.owner.actor, only_delivery(shop).id)

    assert webhooks.deliver_due().delivered == 1
    assert attempt_codes(shop, only_delivery(shop)) == [503, 200]
    assert [request.verified for request in receiver.received] == [True, True]


def test_a_claim_left_by_a_stopped_sender_is_sent_again_with_the_same_webhook_id(shop, receiver):
    redeem(shop)
    now = utcnow()
    with write_session() as session:
        session.execute(update(WebhookDelivery).values(
            status="sending", attempts=1, claimed_at=now - webhooks.CLAIM_TIMEOUT - timedelta(seconds=1)))
    assert webhooks.deliver_due(now=now - timedelta(minutes=1)).delivered == 0  # a fresh claim is left alone

    assert webhooks.deliver_due(now=now).delivered == 1

    [request] = receiver.received
    assert request.headers["webhook-id"] == only_delivery(shop).message_id
    assert (only_delivery(shop).status, only_delivery(shop).attempts) == ("delivered", 2)


def test_two_concurrent_delivery_passes_never_deliver_one_event_twice(shop, receiver):
    receiver.answers = [Answer(200, delay_seconds=0.01)]
    for _ in range(12):
        redeem(shop, 100)
    queued = webhooks.list_deliveries(shop.owner.operator.id)

    passes = at_once(4, lambda _: webhooks.deliver_due(batch_size=100))

    assert sum(counts.delivered for counts in passes) == 12
    assert sum(counts.retrying + counts.failed for counts in passes) == 0
    received_ids = [request.headers["webhook-id"] for request in receiver.received]
    assert sorted(received_ids) == sorted(delivery.message_id for delivery in queued)  # each once
    assert all(request.verified for request in receiver.received)
    for delivery in webhooks.list_deliveries(shop.owner.operator.id):
        assert (delivery.status, delivery.attempts) == ("delivered", 1)
        assert attempt_codes(shop, delivery) == [200]


def test_a_void_sends_redemption_voided(shop, receiver):
    receipt = redeem(shop)
    redemptions.void_redemption(shop.counter, receipt.redemption.id)

    assert [delivery.event_type for delivery in webhooks.list_deliveries(shop.owner.operator.id)] == [
        "redemption.voided", "redemption.completed"]
    assert webhooks.deliver_due().delivered == 2
    voided = next(request.json() for request in receiver.received if request.json()["type"] == "redemption.voided")
    assert (voided["data"]["redemption_id"], voided["data"]["status"]) == (receipt.redemption.id, "voided")
    assert all(request.verified for request in receiver.received)


def test_an_operator_endpoint_gets_the_events_it_subscribed_to_signed_with_its_own_secret(make_operator):
    owner = make_operator()
    location = open_location(owner, "Bean There")  # no webhook of its own
    counter = activate_counter(owner, location)
    card = issue(owner, 5000)
    with Receiver() as books_system, Receiver() as cards_only:
        redemptions_endpoint = webhooks.create_endpoint(owner.actor, books_system.url, ["redemption.completed"])
        books_system.secret = redemptions_endpoint.secret
        webhooks.create_endpoint(owner.actor, cards_only.url, ["card.issued"])

        receipt = redemptions.redeem(counter, location_id=location.id, card_id=card.card.id, amount_cents=700)
        assert webhooks.deliver_due().delivered == 1

    [request] = books_system.received
    assert request.verified is True
    assert request.json()["data"]["redemption_id"] == receipt.redemption.id
    assert cards_only.received == []
    assert redemptions_endpoint.secret != webhooks.reveal_location_secret(owner.actor, location.id)


def test_a_locations_signing_secret_is_created_once_even_when_first_asked_for_at_once(make_operator):
    owner = make_operator()
    location = open_location(owner, "Bean There")

    secrets_seen = at_once(8, lambda _: webhooks.reveal_location_secret(owner.actor, location.id))

    assert len(set(secrets_seen)) == 1
    assert webhooks.reveal_location_secret(owner.actor, location.id) == secrets_seen[0]


def test_another_network_cannot_see_or_retry_my_deliveries(shop, make_operator):
    redeem(shop)
    delivery = only_delivery(shop)
    stranger = make_operator("Uptown Network")

    assert webhooks.list_deliveries(stranger.operator.id) == []
    assert refused(webhooks.list_attempts, stranger.operator.id, delivery.id).code == ErrorCode.not_found
    assert refused(webhooks.retry_now, stranger.actor, delivery.id).code == ErrorCode.not_found
    assert refused(webhooks.reveal_location_secret, stranger.actor, shop.location.id).code == ErrorCode.not_found
    assert only_delivery(shop).status == "pending"

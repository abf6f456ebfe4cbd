"""Webhook endpoints through the API: a shop subscribes a URL to events and gets the
signing secret once."""

from __future__ import annotations

import uuid

import pytest
from sqlmodel import select

from tests.support.backend import Backend, Operator


def test_an_endpoint_is_created_with_its_secret_shown_once(backend: Backend):
    network = backend.new_operator("Hooked Network")
    created = network.http.post("/webhook-endpoints", json={
        "url": "https://shop.example.com/giftnet/webhooks", "event_types": ["redemption.completed", "redemption.voided"]})
    assert created.status_code == 201, created.text
    endpoint = created.json()
    assert endpoint["secret"].startswith("whsec_") and len(endpoint["secret"]) > 20
    assert endpoint["url"] == "https://shop.example.com/giftnet/webhooks"
    assert endpoint["event_types"] == ["redemption.completed", "redemption.voided"] and endpoint["active"] is True

    everything = network.http.post("/webhook-endpoints", json={"url": "https://erp.example.com/hooks"}).json()
    assert everything["event_types"] == ["*"]

    listed = network.http.get("/webhook-endpoints")
    assert listed.status_code == 200
    assert [row["id"] for row in listed.json()["data"]] == [everything["id"], endpoint["id"]]
    assert listed.json()["next_cursor"] is None
    assert "whsec_" not in listed.text and "secret" not in listed.json()["data"][0]


def test_the_secret_shown_is_the_one_deliveries_are_signed_with(backend: Backend, on_backend_db: Backend):
    from app.db import read_session, write_session
    from app.models import WebhookDelivery
    from app.services.messaging import webhooks

    network = backend.new_operator("Signed Network")
    endpoint = network.http.post("/webhook-endpoints", json={"url": "https://shop.example.com/hooks",
                                                             "event_types": ["card.issued"]}).json()
    with write_session() as session:
        assert webhooks.queue_event_for_endpoints(session, network.id, "card.issued", {"card_id": 1}) == 1
        assert webhooks.queue_event_for_endpoints(session, network.id, "card.frozen", {"card_id": 1}) == 0
    with read_session() as session:
        delivery = session.exec(select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint["id"])).one()
        assert webhooks._secret_for(session, delivery) == endpoint["secret"]


def test_a_retried_create_answers_the_same_endpoint(backend: Backend):
    network = backend.new_operator("Retried Hooks")
    key = str(uuid.uuid4())
    body = {"url": "https://shop.example.com/hooks", "event_types": ["card.issued"]}
    first = network.http.post("/webhook-endpoints", json=body, headers={"Idempotency-Key": key})
    again = network.http.post("/webhook-endpoints", json=body, headers={"Idempotency-Key": key})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    assert len(network.http.get("/webhook-endpoints").json()["data"]) == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "ftp://shop.example.com/hooks"}, "url"),
        ({"url": "not a url"}, "url"),
        ({"url": ""}, "url"),
        ({}, "url"),
        ({"url": "https://shop.example.com/hooks", "event_types": ["card.exploded"]}, "event_types.0"),
        ({"url": "https://shop.example.com/hooks", "event_types": []}, "event_types"),
        ({"url": "https://shop.example.com/hooks", "event_types": "card.issued"}, "event_types"),
        ({"url": "https://shop.example.com/hooks", "secret": "whsec_mine"}, "secret"),
    ],
)
def test_a_wrong_endpoint_is_refused_with_the_field_at_fault(shop: Operator, body, field):
    answer = shop.http.post("/webhook-endpoints", json=body)
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["code"] == "invalid_input" and answer.json()["error"]["field"] == field


def test_operators_never_see_each_others_endpoints(shop: Operator, rival: Operator):
    theirs = rival.http.post("/webhook-endpoints", json={"url": "https://rival.example.com/hooks"}).json()
    assert theirs["id"] not in [row["id"] for row in shop.http.get("/webhook-endpoints").json()["data"]]
    assert theirs["id"] in [row["id"] for row in rival.http.get("/webhook-endpoints").json()["data"]]


def test_a_revoked_key_cannot_subscribe(backend: Backend, on_backend_db: Backend):
    from app.services.access import api_keys

    network = backend.new_operator("Revoked Hooks")
    created = api_keys.create_api_key(network.id, "Old shop")
    api_keys.revoke_api_key(network.id, created.api_key.id)
    with backend.client(created.plaintext) as old_shop:
        for answer in (old_shop.get("/webhook-endpoints"),
                       old_shop.post("/webhook-endpoints", json={"url": "https://shop.example.com/hooks"})):
            assert answer.status_code == 401


def test_a_removed_endpoint_is_no_longer_listed_nor_sent_to_and_its_pending_deliveries_are_given_up(
        backend: Backend, on_backend_db: Backend):
    from app.db import read_session
    from app.models import WebhookDelivery

    network = backend.new_operator("Removing Endpoints")
    kept = network.http.post("/webhook-endpoints", json={"url": "https://hooks.example.com/kept"}).json()
    gone = network.http.post("/webhook-endpoints", json={"url": "https://hooks.example.com/gone"}).json()
    network.issue(1000)  # card.issued is now owed to both

    removed = network.http.delete(f"/webhook-endpoints/{gone['id']}")
    again = network.http.delete(f"/webhook-endpoints/{gone['id']}")

    assert removed.status_code == 200 and removed.json()["active"] is False
    assert again.status_code == 200 and again.json() == removed.json()
    assert [endpoint["id"] for endpoint in network.http.get("/webhook-endpoints").json()["data"]] == [kept["id"]]
    network.issue(2000)
    with read_session() as session:
        owed = session.exec(select(WebhookDelivery).where(WebhookDelivery.operator_id == network.id)).all()
    to_gone = [delivery for delivery in owed if delivery.endpoint_id == gone["id"]]
    assert len(to_gone) == 1 and to_gone[0].status in ("failed", "delivered")  # given up unless already sent
    assert len([delivery for delivery in owed if delivery.endpoint_id == kept["id"]]) == 2


def test_another_operators_endpoint_cannot_be_removed(shop: Operator, rival: Operator):
    theirs = rival.http.post("/webhook-endpoints", json={"url": "https://hooks.example.com/rival"}).json()
    assert shop.http.delete(f"/webhook-endpoints/{theirs['id']}").status_code == 404
    assert theirs["id"] in [endpoint["id"] for endpoint in rival.http.get("/webhook-endpoints").json()["data"]]


def test_an_operator_has_at_most_twenty_endpoints(backend: Backend):
    network = backend.new_operator("Many Endpoints")
    made = [network.http.post("/webhook-endpoints", json={"url": f"https://hooks.example.com/{n}"}).json()
            for n in range(20)]
    refused = network.http.post("/webhook-endpoints", json={"url": "https://hooks.example.com/21"})
    assert refused.status_code == 409 and "at most 20 webhook endpoints" in refused.json()["error"]["message"]
    network.http.delete(f"/webhook-endpoints/{made[0]['id']}")
    assert network.http.post("/webhook-endpoints", json={"url": "https://hooks.example.com/21"}).status_code == 201
    assert len(network.http.get("/webhook-endpoints").json()["data"]) == 20


def test_every_event_of_the_contract_is_owed_to_a_subscribed_endpoint_in_the_same_transaction(
        backend: Backend, on_backend_db: Backend):
    from app.db import read_session
    from app.models import WebhookDelivery
    from app.services.shop import orders
    from app.services.shop.orders import CartLine

    network = backend.new_operator("Every Event")
    everything = network.http.post("/webhook-endpoints", json={"url": "https://hooks.example.com/all"}).json()
    frozen_only = network.http.post("/webhook-endpoints", json={"url": "https://hooks.example.com/frozen",
                                                                "event_types": ["card.frozen"]}).json()
    location = network.add_location("Event Counter", mode="pos")
    pos_key = network.http.post(f"/locations/{location['id']}/pos-keys", json={"name": "Till"}).json()["key"]
    card = network.issue(5000)
    network.http.post(f"/cards/{card['id']}/topups", json={"amount_cents": 1000})
    network.http.post(f"/cards/{card['id']}/freeze")
    network.http.post(f"/cards/{card['id']}/unfreeze")
    with backend.client(pos_key) as till:
        payment = till.post("/pos/payments", json={"amount_cents": 700, "reference": "T-1"}).json()
    applied = network.http.post("/redemptions", json={"card_id": card["id"], "location_id": location["id"],
                                                      "pos_payment_id": payment["id"]})
    assert applied.status_code == 201, applied.text
    network.http.post(f"/redemptions/{applied.json()['id']}/void")
    paid = orders.create_order(network.id, buyer_name="Ada", buyer_email="ada@example.com",
                               lines=[CartLine(kind="card", amount_cents=2500)])
    orders.pay_order(network.id, paid.id, "sbx_1234_approve", "click-1")
    failed = orders.create_order(network.id, buyer_name="Bo", buyer_email="bo@example.com",
                                 lines=[CartLine(kind="card", amount_cents=2500)])
    orders.pay_order(network.id, failed.id, "sbx_0005_decline", "click-1")

    with read_session() as session:
        owed = session.exec(select(WebhookDelivery).where(WebhookDelivery.operator_id == network.id)).all()
    to_all = sorted(delivery.event_type for delivery in owed if delivery.endpoint_id == everything["id"])
    assert to_all == sorted([
        "card.issued", "card.topped_up", "card.frozen", "card.unfrozen", "pos_payment.received",
        "pos_payment.applied", "redemption.completed", "redemption.voided",
        "card.issued", "order.paid", "order.failed",  # the paid order's card, then the orders
    ])
    assert [delivery.event_type for delivery in owed if delivery.endpoint_id == frozen_only["id"]] == ["card.frozen"]

"""Webhook endpoints through the API: a shop subscribes a URL to events and gets the
signing secret once."""

from __future__ import annotations

import uuid

import pytest
from api_helpers import Backend, Operator
from sqlmodel import select


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
    from app.services import webhooks

    network = backend.new_operator("Signed Network")
    endpoint = network.http.post("/webhook-endpoints", json={"url": "https://shop.example.com/hooks",
                                                             "event_types": ["card.issued"]}).json()
    with write_session() as session:
        assert webhooks.queue_event_for_endpoints(session, network.id, "card.issued", {"card_id": 1}) == 1
        assert webhooks.queue_event_for_endpoints(session, network.id, "card.frozen", {"card_id": 1}) == 0
    with read_session() as session:
        delivery = session.exec(select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint["id"])).one()
        assert webhooks._secret_for(session, delivery) == endpoint["secret"]  # noqa: SLF001


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
    from app.services import api_keys

    network = backend.new_operator("Revoked Hooks")
    created = api_keys.create_api_key(network.id, "Old shop")
    api_keys.revoke_api_key(network.id, created.api_key.id)
    with backend.client(created.plaintext) as old_shop:
        for answer in (old_shop.get("/webhook-endpoints"),
                       old_shop.post("/webhook-endpoints", json={"url": "https://shop.example.com/hooks"})):
            assert answer.status_code == 401

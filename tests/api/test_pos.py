"""A location's POS through the API: it pushes payments with its own key (and only its
location's), reads whether a screen applied them; Square's webhook is checked by its signature."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid

import httpx
import pytest

from tests.support.backend import Backend, Operator


class Pos:
    """A POS location of an operator with its POS key and a client using that key."""

    def __init__(self, operator: Operator, name: str) -> None:
        self.operator = operator
        self.location = operator.add_location(name, mode="pos")
        created = operator.http.post(f"/locations/{self.location['id']}/pos-keys", json={"name": f"{name} till"})
        assert created.status_code == 201, created.text
        self.key = created.json()
        self.http = operator.backend.client(self.key["key"])

    def push(self, amount_cents: int = 2350, reference: str | None = None, **headers: str) -> httpx.Response:
        body = {"amount_cents": amount_cents, "reference": reference or f"ORDER-{uuid.uuid4().hex[:6]}"}
        return self.http.post("/pos/payments", json=body, headers=headers)


@pytest.fixture(scope="module")
def till(shop: Operator) -> Pos:
    return Pos(shop, "Hardware Hank")


@pytest.fixture(scope="module")
def other_till(shop: Operator) -> Pos:
    return Pos(shop, "Bike Shop")


def test_a_pushed_payment_is_pending_until_a_card_pays_it(shop: Operator, till: Pos):
    pushed = till.http.post("/pos/payments", json={"amount_cents": 2350, "reference": "ORDER-1042", "terminal_id": "T2"})
    assert pushed.status_code == 201, pushed.text
    payment = pushed.json()
    assert payment["status"] == "pending" and payment["amount_cents"] == 2350 and payment["reference"] == "ORDER-1042"
    assert payment["terminal_id"] == "T2" and payment["location_id"] == till.location["id"]
    assert payment["source"] == "api" and payment["applied_amount_cents"] is None and payment["redemption_id"] is None
    assert payment["created_at"].endswith("Z") and payment["expires_at"] > payment["created_at"]

    card = shop.issue(5000)
    redeemed = shop.http.post("/redemptions", json={"card_id": card["id"], "location_id": till.location["id"],
                                                    "pos_payment_id": payment["id"]})
    assert redeemed.status_code == 201, redeemed.text
    assert redeemed.json()["kind"] == "pos" and redeemed.json()["amount_cents"] == 2350
    assert redeemed.json()["pos_payment_id"] == payment["id"]

    seen_by_pos = till.http.get(f"/pos/payments/{payment['id']}")
    assert seen_by_pos.status_code == 200
    assert seen_by_pos.json()["status"] == "applied"
    assert seen_by_pos.json()["applied_amount_cents"] == 2350 and seen_by_pos.json()["redemption_id"] == redeemed.json()["id"]
    assert shop.http.get(f"/pos/payments/{payment['id']}").json() == seen_by_pos.json()  # the operator reads it too

    again = shop.http.post("/redemptions", json={"card_id": card["id"], "location_id": till.location["id"],
                                                 "pos_payment_id": payment["id"]})
    assert again.status_code == 409 and again.json()["error"]["code"] == "conflict"
    assert shop.http.get(f"/cards/{card['id']}").json()["balance_cents"] == 2650


def test_a_payment_larger_than_the_balance_is_applied_partly_only_when_asked(shop: Operator, till: Pos):
    card = shop.issue(1000)
    payment = till.push(2350).json()
    body = {"card_id": card["id"], "location_id": till.location["id"], "pos_payment_id": payment["id"]}
    refused = shop.http.post("/redemptions", json=body)
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "insufficient_funds"
    assert till.http.get(f"/pos/payments/{payment['id']}").json()["status"] == "pending"

    partial = shop.http.post("/redemptions", json={**body, "allow_partial": True})
    assert partial.status_code == 201, partial.text
    assert partial.json()["amount_cents"] == 1000 and partial.json()["remaining_due_cents"] == 1350
    assert partial.json()["balance_after_cents"] == 0
    seen = till.http.get(f"/pos/payments/{payment['id']}").json()
    assert (seen["status"], seen["applied_amount_cents"]) == ("applied", 1000)


def test_a_retried_push_answers_the_same_payment(till: Pos):
    key = str(uuid.uuid4())
    first = till.push(1800, "ORDER-RETRY", **{"Idempotency-Key": key})
    again = till.push(1800, "ORDER-RETRY", **{"Idempotency-Key": key})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true" and "idempotent-replayed" not in first.headers
    other = till.push(1900, "ORDER-RETRY", **{"Idempotency-Key": key})
    assert other.status_code == 422 and other.json()["error"]["code"] == "idempotency_key_reused"
    fresh = till.push(1800, "ORDER-RETRY", **{"Idempotency-Key": str(uuid.uuid4())})
    assert fresh.status_code == 201 and fresh.json()["id"] != first.json()["id"]
    long_key = till.push(1800, "ORDER-LONG", **{"Idempotency-Key": "k" * 255})
    assert long_key.status_code == 201
    too_long = till.push(1800, "ORDER-LONG", **{"Idempotency-Key": "k" * 256})
    assert too_long.status_code == 400 and too_long.json()["error"]["field"] == "Idempotency-Key"


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        ({"amount_cents": 0, "reference": "R1"}, 422, "invalid_amount", "amount_cents"),
        ({"amount_cents": "10", "reference": "R1"}, 422, "invalid_amount", "amount_cents"),
        ({"amount_cents": 10**20, "reference": "R1"}, 422, "amount_out_of_range", "amount_cents"),
        ({"amount_cents": 100}, 400, "invalid_input", "reference"),
        ({"amount_cents": 100, "reference": "   "}, 400, "invalid_input", "reference"),
        ({"amount_cents": 100, "reference": "R1", "card_code": "ABCD"}, 400, "invalid_input", "card_code"),
    ],
)
def test_a_wrong_push_is_refused_with_the_field_at_fault(till: Pos, body, status, code, field):
    answer = till.http.post("/pos/payments", json=body)
    assert answer.status_code == status, answer.text
    assert answer.json()["error"]["code"] == code and answer.json()["error"].get("field") == field


def test_only_a_pos_key_pushes_payments(backend: Backend, shop: Operator, till: Pos):
    with_operator_key = shop.http.post("/pos/payments", json={"amount_cents": 100, "reference": "R1"})
    assert with_operator_key.status_code == 403 and with_operator_key.json()["error"]["code"] == "forbidden"
    with backend.client() as anonymous:
        assert anonymous.post("/pos/payments", json={"amount_cents": 100, "reference": "R1"}).status_code == 401
        assert anonymous.get("/pos/payments/1").status_code == 401
    with backend.client("gkpos_not-a-real-key") as forged:
        refused = forged.post("/pos/payments", json={"amount_cents": 100, "reference": "R1"})
        assert refused.status_code == 401 and refused.json()["error"]["code"] == "unauthenticated"


def test_a_pos_key_cannot_call_operator_routes(shop: Operator, till: Pos):
    card = shop.issue(5000)
    for answer in (
        till.http.get("/cards"),
        till.http.get(f"/cards/{card['id']}"),
        till.http.post("/cards", json={"amount_cents": 5000}),
        till.http.get("/locations"),
        till.http.get(f"/locations/{till.location['id']}"),
        till.http.post(f"/locations/{till.location['id']}/pos-keys", json={"name": "Another"}),
        till.http.post("/redemptions", json={"card_id": card["id"], "location_id": till.location["id"], "amount_cents": 100}),
        till.http.get("/webhook-endpoints"),
        till.http.get("/api-logs"),
    ):
        assert answer.status_code == 403, answer.text
        assert answer.json()["error"]["code"] == "forbidden"
    assert shop.http.get(f"/cards/{card['id']}").json()["balance_cents"] == 5000


def test_a_pos_key_reads_only_its_own_locations_payments(shop: Operator, rival: Operator, till: Pos, other_till: Pos):
    mine = till.push(1200).json()
    theirs = other_till.push(1300).json()
    assert till.http.get(f"/pos/payments/{mine['id']}").status_code == 200
    for answer in (till.http.get(f"/pos/payments/{theirs['id']}"), other_till.http.get(f"/pos/payments/{mine['id']}")):
        assert answer.status_code == 404 and answer.json()["error"] == {"code": "not_found", "message": "No such POS payment."}
    rival_till = Pos(rival, "Rival Hardware")
    rival_payment = rival_till.push(900).json()
    for answer in (till.http.get(f"/pos/payments/{rival_payment['id']}"), shop.http.get(f"/pos/payments/{rival_payment['id']}"),
                   rival_till.http.get(f"/pos/payments/{mine['id']}"), rival.http.get(f"/pos/payments/{mine['id']}")):
        assert answer.status_code == 404
    assert rival.http.get(f"/pos/payments/{rival_payment['id']}").status_code == 200
    assert till.http.get("/pos/payments/0").status_code == 404


def test_another_location_cannot_apply_this_locations_payment(shop: Operator, till: Pos, other_till: Pos):
    card = shop.issue(5000)
    payment = till.push(1500).json()
    elsewhere = shop.http.post("/redemptions", json={"card_id": card["id"], "location_id": other_till.location["id"],
                                                     "pos_payment_id": payment["id"]})
    assert elsewhere.status_code == 404 and elsewhere.json()["error"]["field"] == "pos_payment_id"
    assert till.http.get(f"/pos/payments/{payment['id']}").json()["status"] == "pending"


def test_a_pos_key_turns_pos_payments_on_and_says_so(shop: Operator, on_backend_db: Backend):
    counter = shop.add_location("Amount Counter", mode="amount")
    created = shop.http.post(f"/locations/{counter['id']}/pos-keys", json={"name": "Counter POS"})
    again = shop.http.post(f"/locations/{counter['id']}/pos-keys", json={"name": "Second till"})

    assert created.status_code == 201 and created.json()["pos_payments_turned_on"] is True
    assert created.json()["notice"].startswith("POS payments are now on at Amount Counter")
    assert "Typed amounts stay on as a fallback" in created.json()["notice"]
    assert again.json()["pos_payments_turned_on"] is False and again.json()["notice"] is None
    location = shop.http.get(f"/locations/{counter['id']}").json()
    assert (location["mode"], location["accepts_pos_payments"], location["accepts_typed_amounts"]) == (
        "pos", True, True)
    with shop.backend.client(created.json()["key"]) as till:
        assert till.post("/pos/payments", json={"amount_cents": 100, "reference": "R1"}).status_code == 201


def test_a_push_to_a_location_that_refuses_pos_payments_says_how_to_turn_them_on(
        shop: Operator, on_backend_db: Backend):
    counter = shop.add_location("Amount Counter", mode="amount")
    key = shop.http.post(f"/locations/{counter['id']}/pos-keys", json={"name": "Stray POS"}).json()["key"]
    assert shop.http.patch(f"/locations/{counter['id']}", json={"accepts_pos_payments": False}).status_code == 200
    with shop.backend.client(key) as stray:
        refused = stray.post("/pos/payments", json={"amount_cents": 100, "reference": "R1"})
    error = refused.json()["error"]
    assert refused.status_code == 403 and error["code"] == "forbidden"
    assert error["message"] == (
        "This location (“Amount Counter”) does not accept POS payments. To turn them on, an owner opens "
        "Locations → Amount Counter → Edit in the dashboard and switches on “Payments from the location's POS”, "
        f"or sends PATCH /api/v1/locations/{counter['id']} with {{\"accepts_pos_payments\": true}}. Creating a POS "
        "key or connecting a POS partner turns them on too.")


def test_a_revoked_pos_key_is_refused_at_once(shop: Operator, on_backend_db: Backend):
    from app.services.core.actor import Actor
    from app.services.network import pos_keys

    revoked = Pos(shop, "Revoked Till")
    payment = revoked.push(500).json()
    pos_keys.revoke_pos_key(Actor(shop.id), revoked.key["id"])
    for answer in (revoked.push(500), revoked.http.get(f"/pos/payments/{payment['id']}")):
        assert answer.status_code == 401 and answer.json()["error"]["code"] == "unauthenticated"
    assert shop.http.get(f"/pos/payments/{payment['id']}").status_code == 200


def test_pos_calls_are_in_the_operators_access_log(backend: Backend):
    from tests.support.backend import wait_for

    network = backend.new_operator("Logged POS Network")
    logged = Pos(network, "Logged Till")
    logged.push(700)

    def pos_rows() -> list[dict]:
        rows = network.http.get("/api-logs", params={"path_contains": "/pos/payments"}).json()["data"]
        return [row for row in rows if row["method"] == "POST"]

    rows = wait_for(pos_rows)
    assert rows and rows[0]["status"] == 201 and rows[0]["api_key_prefix"] == logged.key["prefix"]
    assert logged.key["key"] not in network.http.get("/api-logs").text


# --- Square ---------------------------------------------------------------------

SIGNATURE_KEY = "sq-signature-key-for-tests"


def square_event(event_id: str, *, amount: int = 2350, tender: str = "OTHER_GIFT_CARD",
                 event_type: str = "payment.created") -> bytes:
    return json.dumps({
        "merchant_id": "ML8M1AQ1GQG2K",
        "type": event_type,
        "event_id": event_id,
        "created_at": "2026-11-28T16:00:00Z",
        "data": {"type": "payment", "id": f"pay-{event_id}", "object": {"payment": {
            "id": f"pay-{event_id}", "amount_money": {"amount": amount, "currency": "CAD"},
            "source_type": "EXTERNAL", "external_details": {"type": tender, "source": "Giftnet"},
            "reference_id": "SQ-1042", "status": "COMPLETED"}}},
    }).encode()


def square_signature(notification_url: str, body: bytes, key: str = SIGNATURE_KEY) -> str:
    """As Square documents it: base64 HMAC-SHA256 of the notification URL followed by the raw body."""
    return base64.b64encode(hmac.new(key.encode(), notification_url.encode() + body, hashlib.sha256).digest()).decode()


@pytest.fixture
def square_location(shop: Operator, on_backend_db: Backend) -> tuple[dict, str]:
    """A POS location whose Square webhook subscription points here."""
    from app.services.counter.square_pos import configure_square

    location = shop.add_location("Square Cafe", mode="pos")
    notification_url = f"https://gifts.example.test/api/v1/pos/square/{location['id']}"
    configure_square(shop.id, location["id"], signature_key=SIGNATURE_KEY, notification_url=notification_url)
    return location, notification_url


def post_square(backend: Backend, location_id: int, body: bytes, signature: str | None) -> httpx.Response:
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers["x-square-hmacsha256-signature"] = signature
    with backend.client() as square:  # no API key: the signature is the credential
        return square.post(f"/pos/square/{location_id}", content=body, headers=headers)


def test_a_correctly_signed_square_payment_becomes_a_pending_payment_once(
    backend: Backend, shop: Operator, square_location: tuple[dict, str]
):
    location, url = square_location
    body = square_event(f"evt-{uuid.uuid4()}")
    accepted = post_square(backend, location["id"], body, square_signature(url, body))
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["accepted"] is True and accepted.json()["reason"] == "created"
    payment = shop.http.get(f"/pos/payments/{accepted.json()['pos_payment_id']}").json()
    assert (payment["source"], payment["status"], payment["amount_cents"], payment["reference"]) == (
        "square", "pending", 2350, "SQ-1042")

    replayed = post_square(backend, location["id"], body, square_signature(url, body))
    assert replayed.status_code == 200
    assert replayed.json() == {"accepted": True, "reason": "duplicate", "pos_payment_id": payment["id"]}


def test_a_wrongly_signed_square_event_is_refused(backend: Backend, square_location: tuple[dict, str]):
    location, url = square_location
    body = square_event(f"evt-{uuid.uuid4()}")
    tampered = body.replace(b"2350", b"9350")
    for sent, signature in (
        (body, None),
        (body, ""),
        (body, "bm90IGEgc2lnbmF0dXJl"),
        (body, square_signature(url, body, key="another-key")),
        (body, square_signature(url + "/", body)),
        (tampered, square_signature(url, body)),  # the amount changed on the way
    ):
        refused = post_square(backend, location["id"], sent, signature)
        assert refused.status_code == 401, (signature, refused.text)
        assert refused.json()["error"]["code"] == "unauthenticated"
    accepted = post_square(backend, location["id"], body, square_signature(url, body))
    assert accepted.status_code == 200 and accepted.json()["reason"] == "created"  # refusals stored nothing


def test_square_events_that_are_not_gift_card_payments_are_acknowledged_and_ignored(
    backend: Backend, square_location: tuple[dict, str]
):
    location, url = square_location
    for body, reason in (
        (square_event(f"evt-{uuid.uuid4()}", event_type="order.updated"), "ignored_event"),
        (square_event(f"evt-{uuid.uuid4()}", tender="CARD"), "ignored_tender"),
    ):
        answer = post_square(backend, location["id"], body, square_signature(url, body))
        assert answer.status_code == 200
        assert answer.json() == {"accepted": False, "reason": reason, "pos_payment_id": None}
    garbage = b"not json at all"
    assert post_square(backend, location["id"], garbage, square_signature(url, garbage)).status_code == 400


def test_square_events_for_a_location_without_square_answer_not_found(backend: Backend, till: Pos):
    body = square_event(f"evt-{uuid.uuid4()}")
    for location_id in (till.location["id"], 99999999, "abc"):
        answer = post_square(backend, location_id, body, "c2lnbmF0dXJl")
        assert answer.status_code == 404 and answer.json()["error"]["code"] == "not_found"

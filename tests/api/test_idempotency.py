"""A retried call with the same Idempotency-Key answers the first answer and moves nothing."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from sqlmodel import select

from tests.support.backend import Backend, Operator


def new_key() -> str:
    return str(uuid.uuid4())


def card_count(operator: Operator) -> int:
    return len(operator.http.get("/cards", params={"limit": 100}).json()["data"])


def test_a_retried_issue_answers_the_same_card_and_issues_nothing(backend: Backend):
    network = backend.new_operator("Retry Network")
    key = new_key()
    body = {"amount_cents": 5000, "recipient_name": "Sam"}
    first = network.http.post("/cards", json=body, headers={"Idempotency-Key": key})
    again = network.http.post("/cards", json={"recipient_name": "Sam", "amount_cents": 5000}, headers={"Idempotency-Key": key})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()  # the code too: it is the same answer
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert card_count(network) == 1


def test_the_same_key_with_another_body_is_refused(shop: Operator):
    key = new_key()
    assert shop.http.post("/cards", json={"amount_cents": 5000}, headers={"Idempotency-Key": key}).status_code == 201
    other = shop.http.post("/cards", json={"amount_cents": 6000}, headers={"Idempotency-Key": key})
    assert other.status_code == 422
    assert other.json()["error"]["code"] == "idempotency_key_reused"
    card = shop.issue(1000)
    elsewhere = shop.http.post(f"/cards/{card['id']}/topups", json={"amount_cents": 5000}, headers={"Idempotency-Key": key})
    assert elsewhere.status_code == 422  # another path is another request


def test_a_retried_top_up_moves_the_money_once(shop: Operator):
    card = shop.issue(1000)
    key = new_key()
    answers = [
        shop.http.post(f"/cards/{card['id']}/topups", json={"amount_cents": 700}, headers={"Idempotency-Key": key})
        for _ in range(3)
    ]
    assert {answer.status_code for answer in answers} == {201}
    assert len({answer.json()["id"] for answer in answers}) == 1
    assert shop.http.get(f"/cards/{card['id']}").json()["balance_cents"] == 1700


def test_a_call_still_running_answers_409_in_flight(shop: Operator, on_backend_db: Backend):
    from app.api.schemas import IssueCardRequest
    from app.services.access import api_keys
    from app.services.money import idempotency

    key = new_key()
    body = {"amount_cents": 5000}
    api_key_id = api_keys.resolve_api_key(shop.api_key).id
    fingerprint = idempotency.request_fingerprint(
        "POST", "/api/v1/cards", IssueCardRequest(**body).model_dump(mode="json")
    )
    # The first call has claimed the key and is still working.
    claim = idempotency.begin(api_key_id, key, method="POST", path="/api/v1/cards", fingerprint=fingerprint)
    assert isinstance(claim, idempotency.Claim)

    running = shop.http.post("/cards", json=body, headers={"Idempotency-Key": key})
    assert running.status_code == 409
    assert running.json()["error"]["code"] == "idempotency_in_flight"
    other_body = shop.http.post("/cards", json={"amount_cents": 9000}, headers={"Idempotency-Key": key})
    assert other_body.status_code == 422

    idempotency.release(claim)  # the first call failed: nothing stored, the key may run again
    assert shop.http.post("/cards", json=body, headers={"Idempotency-Key": key}).status_code == 201


def test_concurrent_calls_with_one_key_issue_one_card(backend: Backend):
    network = backend.new_operator("Double Click Network")
    key = new_key()

    def issue(_index: int):
        with backend.client(network.api_key) as client:
            return client.post("/cards", json={"amount_cents": 2500}, headers={"Idempotency-Key": key})

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(issue, range(8)))
    assert {answer.status_code for answer in answers} <= {201, 409}
    assert len({answer.json()["id"] for answer in answers if answer.status_code == 201}) == 1
    assert card_count(network) == 1


def test_keys_belong_to_one_api_key(shop: Operator, on_backend_db: Backend):
    from app.services.access import api_keys

    second = api_keys.create_api_key(shop.id, "POS integration").plaintext
    key = new_key()
    first = shop.http.post("/cards", json={"amount_cents": 5000}, headers={"Idempotency-Key": key})
    with on_backend_db.client(second) as other_client:
        other = other_client.post("/cards", json={"amount_cents": 5000}, headers={"Idempotency-Key": key})
    assert first.status_code == other.status_code == 201
    assert first.json()["id"] != other.json()["id"]


def test_a_failed_call_stores_nothing_and_may_be_retried(shop: Operator):
    card = shop.issue(1000)
    shop.http.post(f"/cards/{card['id']}/freeze")
    key = new_key()
    refused = shop.http.post(f"/cards/{card['id']}/topups", json={"amount_cents": 500}, headers={"Idempotency-Key": key})
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "card_not_active"
    shop.http.post(f"/cards/{card['id']}/unfreeze")
    retried = shop.http.post(f"/cards/{card['id']}/topups", json={"amount_cents": 500}, headers={"Idempotency-Key": key})
    assert retried.status_code == 201 and retried.json()["balance_after_cents"] == 1500


def test_stored_answers_are_kept_a_day_and_do_not_reveal_the_code(shop: Operator, on_backend_db: Backend):
    from app.db import read_session
    from app.models import IdempotencyRecord

    key = new_key()
    card = shop.http.post("/cards", json={"amount_cents": 5000}, headers={"Idempotency-Key": key}).json()
    with read_session() as session:
        record = session.exec(select(IdempotencyRecord).where(IdempotencyRecord.key == key)).one()
    assert record.state == "done" and record.response_status == 201
    assert record.expires_at - record.created_at >= timedelta(hours=24)
    assert card["code"] not in record.response_body
    assert card["code"].replace("-", "") not in record.response_body

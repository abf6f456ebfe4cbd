"""Bad input of every kind gets the one error shape and the status API.md promises, never a 500."""

from __future__ import annotations

import httpx
import pytest

from tests.support.backend import Backend, Operator


def assert_error(answer: httpx.Response, status: int, code: str, field: str | None = None) -> dict:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/json")
    error = answer.json()["error"]
    assert error["code"] == code
    assert isinstance(error["message"], str) and error["message"].endswith((".", "?"))
    if field is not None:
        assert error.get("field") == field
    return error


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        ({"amount_cents": 0}, 422, "invalid_amount", "amount_cents"),
        ({"amount_cents": -500}, 422, "invalid_amount", "amount_cents"),
        ({"amount_cents": "5000"}, 422, "invalid_amount", "amount_cents"),
        ({"amount_cents": 50.5}, 422, "invalid_amount", "amount_cents"),
        ({"amount_cents": 5000.0}, 422, "invalid_amount", "amount_cents"),
        ({"amount_cents": True}, 422, "invalid_amount", "amount_cents"),
        ({"amount_cents": None}, 422, "invalid_amount", "amount_cents"),
        ({"amount_cents": 499}, 422, "amount_out_of_range", "amount_cents"),
        ({"amount_cents": 100_001}, 422, "amount_out_of_range", "amount_cents"),
        ({"amount_cents": 10**30}, 422, "amount_out_of_range", "amount_cents"),
        ({}, 400, "invalid_input", "amount_cents"),
        ({"amount_cents": 5000, "amount": 5000}, 400, "invalid_input", "amount"),
        ({"amount_cents": 5000, "recipient_email": "not-an-email"}, 422, "invalid_email", "recipient_email"),
        ({"amount_cents": 5000, "recipient_email": 42}, 400, "invalid_input", "recipient_email"),
        ({"amount_cents": 5000, "send_email": "yes"}, 400, "invalid_input", "send_email"),
        ({"amount_cents": 5000, "recipient_name": "x" * 121}, 400, "invalid_input", "recipient_name"),
        ({"amount_cents": 5000, "message": "a\u0000b"}, 400, "invalid_input", "message"),
    ],
)
def test_issuing_refuses_bad_fields_with_the_field_at_fault(shop: Operator, body, status, code, field):
    assert_error(shop.http.post("/cards", json=body), status, code, field)


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        ({"amount_cents": 0}, 422, "invalid_amount", "amount_cents"),
        ({"amount_cents": -1}, 422, "invalid_amount", "amount_cents"),
        ({"amount_cents": "100"}, 422, "invalid_amount", "amount_cents"),
        ({"amount_cents": 100, "card_id": 1}, 400, "invalid_input", "card_id"),
        ({"amount_cents": 100_001}, 422, "amount_out_of_range", "amount_cents"),
    ],
)
def test_top_ups_refuse_bad_amounts_and_unknown_fields(shop: Operator, body, status, code, field):
    card = shop.issue(1000)
    assert_error(shop.http.post(f"/cards/{card['id']}/topups", json=body), status, code, field)
    assert shop.http.get(f"/cards/{card['id']}").json()["balance_cents"] == 1000


@pytest.mark.parametrize(
    "raw_body",
    [b"{", b'{"amount_cents": 5000', b"amount_cents=5000", b"\xff\xfe", b"null", b"[]", b'"text"', b"5000"],
)
def test_a_body_that_is_not_a_json_object_is_bad_input(shop: Operator, raw_body: bytes):
    answer = shop.http.post("/cards", content=raw_body, headers={"Content-Type": "application/json"})
    assert_error(answer, 400, "invalid_input")


def test_a_missing_body_is_bad_input(shop: Operator):
    assert_error(shop.http.post("/cards"), 400, "invalid_input")


def test_a_json_body_without_a_content_type_is_read_as_json(shop: Operator):
    answer = shop.http.post("/cards", content=b'{"amount_cents": 700}', headers={"Content-Type": ""})
    assert answer.status_code == 201, answer.text


def test_an_oversized_body_is_refused_with_413_before_it_is_read(shop: Operator):
    huge = b'{"amount_cents": 5000, "message": "' + b"x" * (70 * 1024) + b'"}'
    assert_error(shop.http.post("/cards", content=huge, headers={"Content-Type": "application/json"}), 413, "payload_too_large")

    def chunks():  # no Content-Length: the limit holds while streaming too
        for _ in range(80):
            yield b"x" * 1024

    assert_error(shop.http.post("/cards", content=chunks(), headers={"Content-Type": "application/json"}), 413, "payload_too_large")
    assert shop.http.get("/cards").status_code == 200  # the same client goes on working


def test_unknown_addresses_under_the_api_answer_404_in_the_error_shape(shop: Operator):
    for path in ("/nothing-here", "/cards/1/nothing", "/cards/", "/v2/cards"):
        assert_error(shop.http.get(path), 404, "not_found")


@pytest.mark.parametrize("card_id", ["abc", "0", "-4", "99999999999999999999999999", "1.5"])
def test_a_card_id_that_cannot_exist_answers_not_found(shop: Operator, card_id: str):
    assert_error(shop.http.get(f"/cards/{card_id}"), 404, "card_not_found")


def test_a_wrong_method_answers_405_with_the_allowed_ones(shop: Operator):
    error = shop.http.delete("/cards")
    assert_error(error, 405, "method_not_allowed")
    assert set(error.headers["allow"].split(", ")) == {"GET", "POST"}
    put = shop.http.put("/cards/1/freeze")
    assert_error(put, 405, "method_not_allowed")
    assert put.headers["allow"] == "POST"


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/cards", {"status": "lost"}, "status"),
        ("/cards", {"limit": 0}, "limit"),
        ("/cards", {"limit": 1000}, "limit"),
        ("/cards", {"limit": "ten"}, "limit"),
        ("/cards", {"cursor": "abc"}, "cursor"),
        ("/cards", {"cursor": "-5"}, "cursor"),
        ("/api-logs", {"status_class": "6xx"}, "status_class"),
        ("/reports/summary", {"from": "yesterday"}, "from"),
    ],
)
def test_bad_query_parameters_are_bad_input(shop: Operator, path: str, params: dict, field: str):
    assert_error(shop.http.get(path, params=params), 400, "invalid_input", field)


def test_calls_without_a_valid_key_are_refused_with_401(backend: Backend):
    with backend.client() as anonymous:
        answer = anonymous.get("/cards")
        assert_error(answer, 401, "unauthenticated")
        assert answer.headers["www-authenticate"] == "Bearer"
        assert_error(anonymous.post("/cards", json={"amount_cents": 5000}), 401, "unauthenticated")
    for header in ("Bearer gk_not-a-real-key", "Bearer gk_", "Basic dXNlcjpwYXNz", "gk_abc", "Bearer " + "x" * 5000):
        with httpx.Client(base_url=f"{backend.url}/api/v1", headers={"Authorization": header}) as client:
            assert_error(client.get("/cards"), 401, "unauthenticated")


def test_a_bad_idempotency_key_is_bad_input(shop: Operator):
    too_long = shop.http.post("/cards", json={"amount_cents": 5000}, headers={"Idempotency-Key": "k" * 256})
    assert_error(too_long, 400, "invalid_input", "Idempotency-Key")
    empty = shop.http.post("/cards", json={"amount_cents": 5000}, headers={"Idempotency-Key": ""})
    assert_error(empty, 400, "invalid_input", "Idempotency-Key")

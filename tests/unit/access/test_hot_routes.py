"""The hot routes' lane (app/api/hot_routes.py) answers exactly as FastAPI's routing does.

Every request below goes to two apps on the same database: one with the lane, one without
(`create_api(hot_paths=())`), each with its own card of the same balance and its own
Idempotency-Keys. Their answers must match: status, every header (but the date and length)
and the body (but the ids and times of the rows each one wrote). The common cases must take
the lane (they never enter FastAPI's routing) and every refusal before the
route must not (FastAPI writes it, for every route alike)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import exc as sa_exc
from starlette.middleware.exceptions import ExceptionMiddleware

from app.api import create_api
from app.services.access import api_keys
from app.services.counter import redemptions
from app.services.network import pos_keys
from tests.support.counter import issue, open_location

# What differs between two correct answers: the ids and times of the rows each one wrote.
IDENTITY_KEYS = {"id", "card_id", "code", "created_at", "updated_at", "last4", "card_last4", "redeem_url"}
VARYING_HEADERS = {"date", "content-length"}


@dataclass
class Network:
    key: str
    location_id: int
    rival_location_id: int
    revoked_key: str
    pos_key: str
    owner: object


@pytest.fixture
def network(make_operator) -> Network:
    owner = make_operator("Hot Routes Network")
    rival = make_operator("Rival Network")
    location = open_location(owner)
    revoked = api_keys.create_api_key(owner.operator.id, "old till")
    api_keys.revoke_api_key(owner.operator.id, revoked.api_key.id)
    return Network(key=api_keys.create_api_key(owner.operator.id, "till").plaintext, location_id=location.id,
                   rival_location_id=open_location(rival, "Rival Books").id, revoked_key=revoked.plaintext,
                   pos_key=pos_keys.create_pos_key(owner.actor, location.id, "POS").plaintext, owner=owner)


@pytest.fixture
def both():
    with TestClient(create_api(), raise_server_exceptions=False) as lane, \
            TestClient(create_api(hot_paths=()), raise_server_exceptions=False) as plain:
        yield lane, plain


@pytest.fixture
def routed_calls(monkeypatch) -> list[int]:
    """How many calls went through FastAPI's routing (its `ExceptionMiddleware` wraps the router;
    a call that takes the lane never enters it)."""
    calls = [0]
    real = ExceptionMiddleware.__call__

    async def counted(self, scope, receive, send):
        calls[0] += 1
        return await real(self, scope, receive, send)

    monkeypatch.setattr(ExceptionMiddleware, "__call__", counted)
    return calls


@dataclass
class Call:
    """One request of a case: the body is built from the side's own card (`card_id`)."""

    path: str
    body: Callable[[Network, int], object] | bytes | None
    key: str | None = "key"  # "key", "revoked", "pos" or None (no Authorization header)
    idempotency: str | None = None  # the same name twice in a case: the same key
    headers: dict[str, str] = field(default_factory=dict)


def _redeem(amount_cents: int | None = 1250, **extra) -> Callable[[Network, int], dict]:
    def body(net: Network, card_id: int) -> dict:
        base = {"location_id": net.location_id, "card_id": card_id}
        if amount_cents is not None:
            base["amount_cents"] = amount_cents
        return {**base, **extra}

    return body


def _rival_location(net: Network, card_id: int) -> dict:
    return {"location_id": net.rival_location_id, "card_id": card_id, "amount_cents": 100}


REDEEM, ISSUE = "/api/v1/redemptions", "/api/v1/cards"
# name: (calls, whether each one takes the lane)
CASES: dict[str, tuple[list[Call], list[bool]]] = {
    "a redemption": ([Call(REDEEM, _redeem(), idempotency="a")], [True]),
    "a retry answers the first answer": ([Call(REDEEM, _redeem(), idempotency="a"),
                                          Call(REDEEM, _redeem(), idempotency="a")], [True, True]),
    "the same key with another body": ([Call(REDEEM, _redeem(), idempotency="a"),
                                        Call(REDEEM, _redeem(100), idempotency="a")], [True, True]),
    "no idempotency key": ([Call(REDEEM, _redeem())], [True]),
    "an idempotency key too long": ([Call(REDEEM, _redeem(), idempotency="x" * 300)], [True]),
    "more than the balance": ([Call(REDEEM, _redeem(999_999), idempotency="a")], [True]),
    "more than the balance, in French": ([Call(REDEEM, _redeem(999_999), headers={"Accept-Language": "fr-CA"})],
                                         [True]),
    "no such card": ([Call(REDEEM, lambda net, card_id: _redeem()(net, 987_654))], [True]),
    "another network's location": ([Call(REDEEM, _rival_location)], [True]),
    "a zero amount": ([Call(REDEEM, _redeem(0))], [True]),
    "an amount and items": ([Call(REDEEM, _redeem(100, items=[{"sku": "X", "price_cents": 100}]))], [True]),
    "a body labelled text/plain": ([Call(REDEEM, _redeem(), headers={"Content-Type": "text/plain"})], [True]),
    "a revoked key": ([Call(REDEEM, _redeem(), key="revoked")], [True]),
    "malformed JSON": ([Call(REDEEM, b'{"location_id": 1,')], [False]),
    "a wrong type": ([Call(REDEEM, lambda net, card_id: {**_redeem()(net, card_id), "location_id": "abc"})], [False]),
    "an unknown field": ([Call(REDEEM, _redeem(tip_cents=5))], [False]),
    "no body": ([Call(REDEEM, None)], [False]),
    "a JSON list": ([Call(REDEEM, b"[1, 2]")], [False]),
    "a body labelled XML": ([Call(REDEEM, b"<redeem/>", headers={"Content-Type": "application/xml"})], [False]),
    "no key": ([Call(REDEEM, _redeem(), key=None)], [False]),
    "a POS key": ([Call(REDEEM, _redeem(), key="pos")], [False]),
    "a revoked key and a bad body": ([Call(REDEEM, b'{"location_id": "x"}', key="revoked")], [False]),
    "another scheme": ([Call(REDEEM, _redeem(), key="basic")], [False]),
    "a card issue": ([Call(ISSUE, lambda net, card_id: {"amount_cents": 2500, "send_email": False},
                           idempotency="a")], [True]),
    "a card issue out of range": ([Call(ISSUE, lambda net, card_id: {"amount_cents": 1})], [True]),
    "a card issue to a bad address": ([Call(ISSUE, lambda net, card_id: {"amount_cents": 2500,
                                                                         "recipient_email": "not-an-address"})], [True]),
    "a card issue in an unknown language": ([Call(ISSUE, lambda net, card_id: {"amount_cents": 2500,
                                                                               "language": "de"})], [False]),
}


def _send(client: TestClient, net: Network, call: Call, card_id: int, side: str):
    headers = dict(call.headers)
    if call.key is not None:
        plaintext = {"key": net.key, "revoked": net.revoked_key, "pos": net.pos_key, "basic": net.key}[call.key]
        headers["Authorization"] = f"{'Basic' if call.key == 'basic' else 'Bearer'} {plaintext}"
    if call.idempotency is not None:
        # Each side its own keys (they share the API key): a long key stays as it is, too long on both.
        headers["Idempotency-Key"] = call.idempotency if len(call.idempotency) > 255 else f"{side}-{call.idempotency}"
    body = call.body(net, card_id) if callable(call.body) else call.body
    if isinstance(body, bytes | None):
        headers.setdefault("Content-Type", "application/json")
        return client.post(call.path, content=body, headers=headers)
    if "Content-Type" in headers:
        return client.post(call.path, content=json.dumps(body), headers=headers)
    return client.post(call.path, json=body, headers=headers)


def _comparable(value, key: str | None = None):
    if key in IDENTITY_KEYS:
        return type(value).__name__
    if isinstance(value, dict):
        return {name: _comparable(item, name) for name, item in value.items()}
    if isinstance(value, list):
        return [_comparable(item) for item in value]
    return value


def _answer(response) -> tuple:
    headers = sorted((name, value) for name, value in response.headers.items() if name not in VARYING_HEADERS)
    try:
        body = _comparable(response.json())
    except ValueError:
        body = response.text
    return response.status_code, headers, body


@pytest.mark.parametrize("case", list(CASES))
def test_the_lane_answers_as_fastapi_does(case, network, both, routed_calls):
    calls, takes_lane = CASES[case]
    answers = {}
    for side, client in zip(("lane", "plain"), both, strict=True):
        card_id = issue(network.owner, 5000).card.id
        answers[side] = []
        for call, lane_expected in zip(calls, takes_lane, strict=True):
            before = routed_calls[0]
            answers[side].append(_answer(_send(client, network, call, card_id, side)))
            if side == "lane":
                assert (routed_calls[0] == before) == lane_expected, f"{case}: lane taken = {not lane_expected}"
    for lane_answer, plain_answer in zip(answers["lane"], answers["plain"], strict=True):
        assert lane_answer[0] == plain_answer[0], "status"
        assert lane_answer[1] == plain_answer[1], "headers"
        assert lane_answer[2] == plain_answer[2], "body"
    assert all(status < 500 for status, _headers, _body in answers["lane"])


@pytest.mark.parametrize(("failure", "status"), [(RuntimeError("a bug"), 500),
                                                 (sa_exc.OperationalError("SELECT 1", {}, Exception("down")), 503)])
def test_what_the_route_raises_is_answered_by_the_apis_handlers(failure, status, network, both, monkeypatch):
    def failing(*args, **kwargs):
        raise failure

    monkeypatch.setattr(redemptions, "redeem", failing)
    answers = []
    for side, client in zip(("lane", "plain"), both, strict=True):
        card_id = issue(network.owner, 5000).card.id
        answers.append(_answer(_send(client, network, Call(REDEEM, _redeem(), idempotency="a"), card_id, side)))
    assert answers[0] == answers[1]
    assert answers[0][0] == status

"""Guessing card codes is slowed down per key and per client address, in one process or
across workers sharing Redis."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import redis

from tests.support.backend import Backend, Operator, wait_for

PER_KEY = 3
PER_IP = 5
WINDOW_SECONDS = 120
WRONG_CODE = "ZZZZ-ZZZZ-ZZZZ-ZZZZ"


def redis_answers() -> bool:
    try:
        return bool(redis.Redis.from_url("redis://127.0.0.1:6379/0", socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.fixture(
    scope="module",
    params=["in-process", pytest.param("redis", marks=pytest.mark.skipif(not redis_answers(), reason="no Redis at 127.0.0.1:6379"))],
)
def limited_backend(request) -> Iterator[Backend]:
    """A backend of its own with low look-up limits (with Redis: several workers)."""
    env = {
        "LOOKUP_FAILURES_PER_CALLER": str(PER_KEY),
        "LOOKUP_FAILURES_PER_IP": str(PER_IP),
        "LOOKUP_WINDOW_SECONDS": str(WINDOW_SECONDS),
        "TRUSTED_PROXIES": "10.9.9.9",  # not us: our X-Forwarded-For must be ignored
    }
    if request.param == "redis":
        env["REDIS_URL"] = "redis://127.0.0.1:6379/0"
        env["REDIS_PREFIX"] = f"giftnet-test-{uuid.uuid4().hex[:8]}:"  # this run's own counters
    running = Backend(f"limits-{request.param}", env)
    running.start()
    yield running
    running.stop()


def lookup(operator: Operator, code: str):
    return operator.http.post("/cards/lookup", json={"code": code})


def test_wrong_codes_are_limited_per_key_then_per_address(limited_backend: Backend):
    network = limited_backend.new_operator("Guarded Network")
    card = network.issue(5000)
    assert lookup(network, card["code"]).status_code == 200  # successes are not counted
    for _ in range(PER_KEY):
        assert lookup(network, WRONG_CODE).status_code == 404

    limited = lookup(network, card["code"])  # even the right code waits now
    assert limited.status_code == 429
    assert limited.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(limited.headers["retry-after"]) <= WINDOW_SECONDS
    assert network.http.get(f"/cards/{card['id']}").status_code == 200  # only look-ups are limited

    # Another key from the same address has its own allowance, until the address's runs out.
    other = limited_backend.new_operator("Neighbour Network")
    own_card = other.issue(5000)
    for _ in range(PER_IP - PER_KEY):
        assert lookup(other, WRONG_CODE).status_code == 404
    refused = lookup(other, own_card["code"])
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) >= 1
    # A client that is not a trusted proxy cannot pose as another address.
    forged = other.http.post("/cards/lookup", json={"code": own_card["code"]}, headers={"X-Forwarded-For": "198.51.100.7"})
    assert forged.status_code == 429


def test_behind_a_trusted_proxy_each_client_address_has_its_own_allowance():
    proxied = Backend("limits-proxy", {
        "LOOKUP_FAILURES_PER_CALLER": "100",
        "LOOKUP_FAILURES_PER_IP": "2",
        "TRUSTED_PROXIES": "127.0.0.1",
    })
    proxied.start()
    try:
        network = proxied.new_operator("Proxied Network")
        card = network.issue(5000)
        first_shop = {"X-Forwarded-For": "198.51.100.7, 203.0.113.1"}  # spoofed left part, real hop on the right
        for _ in range(2):
            network.http.post("/cards/lookup", json={"code": WRONG_CODE}, headers=first_shop)
        assert network.http.post("/cards/lookup", json={"code": card["code"]}, headers=first_shop).status_code == 429
        second_shop = {"X-Forwarded-For": "203.0.113.2"}
        assert network.http.post("/cards/lookup", json={"code": card["code"]}, headers=second_shop).status_code == 200
        def logged_addresses() -> set[str]:
            rows = network.http.get("/api-logs", params={"path_contains": "lookup"}).json()["data"]
            return {row["ip"] for row in rows} if len(rows) >= 4 else set()

        assert wait_for(logged_addresses) == {"203.0.113.1", "203.0.113.2"}
    finally:
        proxied.stop()


def test_redeeming_by_card_code_is_the_same_guessing_limit():
    """An attacker who swaps the look-up for POST /redemptions with `card_code` meets the same count."""
    own = Backend("limits-redeem", {"LOOKUP_FAILURES_PER_CALLER": str(PER_KEY), "LOOKUP_FAILURES_PER_IP": "100",
                                    "LOOKUP_WINDOW_SECONDS": str(WINDOW_SECONDS)})
    own.start()
    try:
        network = own.new_operator("Redeem Guessers")
        card = network.issue(5000)
        counter = network.add_location("Guessed Counter")

        def redeem(code: str):
            return network.http.post("/redemptions", json={"card_code": code, "location_id": counter["id"],
                                                           "amount_cents": 100})

        assert redeem(card["code"]).status_code == 201  # a right code is not counted
        assert lookup(network, WRONG_CODE).status_code == 404  # one wrong code through the look-up ...
        for _ in range(PER_KEY - 1):  # ... and the rest through redemptions
            wrong = redeem(WRONG_CODE)
            assert wrong.status_code == 404 and wrong.json()["error"]["code"] == "card_not_found"
        refused = redeem(card["code"])
        assert refused.status_code == 429, refused.text
        assert refused.json()["error"]["code"] == "rate_limited"
        assert 1 <= int(refused.headers["retry-after"]) <= WINDOW_SECONDS
        assert lookup(network, card["code"]).status_code == 429
        # Nothing was taken off the card past the first, right redemption.
        assert network.http.get(f"/cards/{card['id']}").json()["balance_cents"] == 4900
    finally:
        own.stop()

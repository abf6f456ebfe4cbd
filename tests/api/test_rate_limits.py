"""Guessing card codes is slowed down per key and per client address, in one process or
across workers sharing Redis."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import redis
from api_helpers import Backend, Operator

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
    }
    if request.param == "redis":
        env["REDIS_URL"] = "redis://127.0.0.1:6379/0"
        env["REDIS_PREFIX"] = f"giftnet-test-{uuid.uuid4().hex[:8]}:"  # this run's own counters
    running = Backend(f"limits-{request.param}", env)
    running.start()
    yield running
    running.stop()


def lookup(operator: Operator, code: str):  # noqa: ANN201
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

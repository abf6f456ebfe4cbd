"""Links that are their own credential cannot be guessed at speed: after a few unknown tokens
from one address, that address waits (429 with Retry-After on the API, a message on the
screens: tests/e2e/test_security_pages.py). Real links do not count, and other addresses
keep their own allowance."""

from __future__ import annotations

import uuid

import httpx

from app.services.core import link_guard
from tests.support.backend import Backend


def limits(backend: Backend) -> tuple[int, int]:
    """The backend's link allowance and window (tests/security/conftest.py sets them low)."""
    return int(backend.env["LINK_FAILURES_PER_IP"]), int(backend.env["LINK_WINDOW_SECONDS"])


def address() -> str:
    """A client address of this test's own (the backend trusts 127.0.0.1 as a proxy)."""
    number = uuid.uuid4().int
    return f"203.0.{number % 250}.{(number >> 8) % 250 + 1}"


def qr(backend: Backend, token: str, ip: str) -> httpx.Response:
    return httpx.get(f"{backend.url}/c/{token}/qr.png", headers={"X-Forwarded-For": ip}, timeout=30)


def test_card_link_guessing_is_refused_with_retry_after(security_backend: Backend):
    allowance, window = limits(security_backend)
    network = security_backend.new_operator("Guessing Target")
    card = network.issue(2_000)
    token = card["redeem_url"].rsplit("/", 1)[-1]
    guesser, bystander = address(), address()
    for _ in range(allowance):
        answer = qr(security_backend, uuid.uuid4().hex, guesser)
        assert answer.status_code == 404 and answer.json()["error"]["code"] == "card_not_found"
    refused = qr(security_backend, uuid.uuid4().hex, guesser)
    assert refused.status_code == 429, refused.text
    assert refused.json()["error"]["code"] == "rate_limited"
    assert "Try again in" in refused.json()["error"]["message"]
    assert 1 <= int(refused.headers["retry-after"]) <= window
    assert refused.headers["x-content-type-options"] == "nosniff"
    # While it waits, even a real link is not looked up for that address; others are served.
    assert qr(security_backend, token, guesser).status_code == 429
    assert qr(security_backend, token, bystander).status_code == 200
    assert qr(security_backend, uuid.uuid4().hex, bystander).status_code == 404  # its own allowance


def test_real_links_do_not_count(security_backend: Backend):
    network = security_backend.new_operator("Busy Recipients")
    card = network.issue(2_000)
    token = card["redeem_url"].rsplit("/", 1)[-1]
    ip = address()
    for _ in range(limits(security_backend)[0] * 2):
        answer = qr(security_backend, token, ip)
        assert answer.status_code == 200 and answer.headers["content-type"] == "image/png"
        assert answer.headers["referrer-policy"] == "no-referrer"


def test_each_kind_of_link_has_its_own_allowance(monkeypatch):
    """In one process (the limiter in memory): activation guesses do not use up card links, and the
    message says how long to wait."""
    monkeypatch.setenv("LINK_FAILURES_PER_IP", "2")
    monkeypatch.setenv("LINK_WINDOW_SECONDS", "120")
    from app.services.core import rate_limit
    from app.settings import get_settings

    get_settings.cache_clear()
    rate_limit._limiter_for.cache_clear()
    try:
        ip = address()
        for _ in range(3):  # real links are taken back
            link_guard.begin("activation", ip).settle(unknown=False)
        for _ in range(2):
            link_guard.begin("activation", ip).settle(unknown=True)
        try:
            link_guard.begin("activation", ip)
        except link_guard.GiftnetError as error:
            assert error.code == "rate_limited" and 1 <= error.retry_after_seconds <= 120
            assert error.message.startswith("Too many activation links that do not exist") and "2 minutes" in error.message
        else:
            raise AssertionError("the third unknown activation link was not refused")
        link_guard.begin("card", ip)  # other kinds: untouched
        link_guard.begin("invitation", ip)
    finally:
        get_settings.cache_clear()
        rate_limit._limiter_for.cache_clear()

"""SecurityHeadersMiddleware on its own, through a real ASGI call (the running app is checked
over HTTP by test_security_sweep.py and tests/e2e/test_security_pages.py)."""

from __future__ import annotations

import pytest

from app.api.security_headers import SecurityHeadersMiddleware, may_be_framed
from app.settings import get_settings
from tests.support.async_runner import run_in_thread


@pytest.mark.parametrize(("path", "frameable"), [
    ("/embed/main-street", True),
    ("/embed/main-street/", True),
    ("/embed.js", True),
    ("/embed", True),
    ("/embedded-evil", False),
    ("/embed.json", False),
    ("/shop/main-street", False),
    ("/dashboard", False),
    ("/api/v1/cards", False),
    ("/x/embed/y", False),
])
def test_only_the_widget_may_be_framed(path: str, frameable: bool):
    assert may_be_framed(path) is frameable


def _answer(path: str, route_headers: list[tuple[bytes, bytes]] | None = None, scope_type: str = "http") -> dict:
    sent: list[dict] = []

    async def route(scope, receive, send):
        await send({"type": "http.response.start", "status": 200, "headers": list(route_headers or [])})
        await send({"type": "http.response.body", "body": b"ok"})

    async def send(message: dict) -> None:
        sent.append(message)

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    run_in_thread(SecurityHeadersMiddleware(route)({"type": scope_type, "path": path, "headers": []}, receive, send))
    return {name.decode(): value.decode() for name, value in sent[0]["headers"]}


def test_headers_and_hsts_only_for_https(monkeypatch):
    monkeypatch.setenv("PUBLIC_URL", "http://localhost:3000")
    get_settings.cache_clear()
    try:
        plain = _answer("/dashboard")
        assert plain["x-frame-options"] == "DENY" and plain["content-security-policy"] == "frame-ancestors 'none'"
        assert plain["x-content-type-options"] == "nosniff"
        assert plain["referrer-policy"] == "strict-origin-when-cross-origin"
        assert "strict-transport-security" not in plain
        monkeypatch.setenv("PUBLIC_URL", "https://gifts.example.com")
        get_settings.cache_clear()
        secure = _answer("/embed/main-street")
        assert secure["strict-transport-security"] == "max-age=31536000; includeSubDomains"
        assert "x-frame-options" not in secure and "content-security-policy" not in secure
        assert _answer("/c/some-token")["referrer-policy"] == "no-referrer"
        assert _answer("/join/some-token")["referrer-policy"] == "no-referrer"
    finally:
        get_settings.cache_clear()


def test_a_header_the_route_set_is_kept_not_doubled():
    answer = _answer("/c/token/qr.png", [(b"referrer-policy", b"same-origin"), (b"X-Frame-Options", b"SAMEORIGIN")])
    assert answer["referrer-policy"] == "same-origin"
    assert answer["X-Frame-Options"] == "SAMEORIGIN" and "x-frame-options" not in answer


def test_websockets_pass_untouched():
    seen = []

    async def app(scope, receive, send):
        seen.append(send)

    async def send(message: dict) -> None:
        return None

    run_in_thread(SecurityHeadersMiddleware(app)({"type": "websocket", "path": "/_event"}, None, send))
    assert seen == [send]

"""SecurityHeadersMiddleware on its own, through a real ASGI call (the running app is checked
over HTTP by test_security_sweep.py and tests/e2e/test_security_pages.py)."""

from __future__ import annotations

import json

import pytest

from app.api.security_headers import SecurityHeadersMiddleware, may_be_framed
from app.db import write_session
from app.models import Operator
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


def test_headers_and_hsts_only_for_https(monkeypatch, sqlite_database):
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
        # The widget page may be framed: no X-Frame-Options, no frame-ancestors in its policy.
        assert "x-frame-options" not in secure
        assert secure["content-security-policy"] == "script-src 'self' 'unsafe-inline' 'unsafe-eval'; frame-src 'none'"
        assert "content-security-policy" not in _answer("/embed.js")
        assert _answer("/c/some-token")["referrer-policy"] == "no-referrer"
        assert _answer("/join/some-token")["referrer-policy"] == "no-referrer"
    finally:
        get_settings.cache_clear()


def use_gateway(operator_id: int, gateway: str, **fields: str) -> None:
    with write_session() as session:
        operator = session.get(Operator, operator_id)
        operator.gateway_settings = json.dumps({"gateway": gateway, gateway: fields})
        session.add(operator)


PAGE = "'self' 'unsafe-inline' 'unsafe-eval'"  # what the compiled pages themselves run


def test_a_sandbox_shop_page_allows_no_gateway_script_and_no_frame(make_operator):
    slug = make_operator().operator.slug
    shop = _answer(f"/shop/{slug}")
    assert shop["content-security-policy"] == f"script-src {PAGE}; frame-src 'none'; frame-ancestors 'none'"
    assert shop["x-frame-options"] == "DENY"
    widget = _answer(f"/embed/{slug}")
    assert widget["content-security-policy"] == f"script-src {PAGE}; frame-src 'none'"
    assert "x-frame-options" not in widget
    assert _answer("/shop/no-such-shop")["content-security-policy"] == _answer(f"/shop/{slug}")["content-security-policy"]


def test_a_bambora_shop_page_allows_exactly_the_configured_custom_checkout_origin(make_operator, settings_env):
    settings_env(BAMBORA_CHECKOUT_JS_URL=None)
    owner = make_operator()
    use_gateway(owner.operator.id, "bambora", merchant_id="300200578")
    official = "https://libs.na.bambora.com"
    assert _answer(f"/shop/{owner.operator.slug}")["content-security-policy"] == (
        f"script-src {PAGE} {official}; frame-src {official}; frame-ancestors 'none'")
    assert _answer(f"/embed/{owner.operator.slug}/")["content-security-policy"] == (
        f"script-src {PAGE} {official}; frame-src {official}")

    settings_env(BAMBORA_CHECKOUT_JS_URL="http://127.0.0.1:8123/stand-in/customcheckout.js")
    stand_in = "http://127.0.0.1:8123"
    policy = _answer(f"/embed/{owner.operator.slug}")["content-security-policy"]
    assert policy == f"script-src {PAGE} {stand_in}; frame-src {stand_in}"
    assert official not in policy
    # Another page of the app does not get the shop's allowances.
    assert _answer("/dashboard")["content-security-policy"] == "frame-ancestors 'none'"


def test_a_forte_shop_page_allows_the_live_or_sandbox_forte_js_and_no_frame(make_operator, settings_env):
    settings_env(FORTE_JS_URL_LIVE="http://127.0.0.1:8124/forte.js", FORTE_JS_URL_SANDBOX=None)
    owner = make_operator(currency="USD")
    use_gateway(owner.operator.id, "forte", organization_id="org_1", base_url="https://api.forte.net/v3")
    assert _answer(f"/shop/{owner.operator.slug}")["content-security-policy"] == (
        f"script-src {PAGE} http://127.0.0.1:8124; frame-src 'none'; frame-ancestors 'none'")
    use_gateway(owner.operator.id, "forte", organization_id="org_1", base_url="https://sandbox.forte.net/api/v3")
    assert _answer(f"/embed/{owner.operator.slug}")["content-security-policy"] == (
        f"script-src {PAGE} https://sandbox.forte.net; frame-src 'none'")


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

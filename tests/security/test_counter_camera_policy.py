"""The camera is allowed on the counter device's pages only (the counter's in-page QR scanner);
every other page, the API and the static files keep `camera=()`. Checked per path of every
page app/app.py registers, through the middleware on a real ASGI call."""

from __future__ import annotations

import re

import pytest

from app.api.security_headers import (
    COUNTER_PERMISSIONS_POLICY,
    PERMISSIONS_POLICY,
    SecurityHeadersMiddleware,
    permissions_policy_for,
)
from tests.support.async_runner import run_in_thread


def _concrete(route: str) -> str:
    """'/activate/[activation_token]' -> '/activate/sample-value-123'."""
    return re.sub(r"\[[^\]]+\]", "sample-value-123", route)


def _pages() -> list:
    from app.app import PAGES
    from app.components.device_frame import DEVICE_PAGE_META

    return [(page.route, page.meta is DEVICE_PAGE_META) for page in PAGES]


def _policy_header(path: str) -> str:
    sent: list[dict] = []

    async def route(scope, receive, send):
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    async def send(message: dict) -> None:
        sent.append(message)

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    run_in_thread(SecurityHeadersMiddleware(route)({"type": "http", "path": path, "headers": []}, receive, send))
    headers = {name.decode(): value.decode() for name, value in sent[0]["headers"]}
    return headers["permissions-policy"]


def test_the_device_pages_are_the_counter_and_its_activation():
    device_routes = sorted(route for route, is_device in _pages() if is_device)
    assert device_routes == ["/activate/[activation_token]", "/redeem"]


def test_camera_only_on_the_counter_device_pages(sqlite_database):
    for route, is_device in _pages():
        path = _concrete(route)
        expected = COUNTER_PERMISSIONS_POLICY if is_device else PERMISSIONS_POLICY
        assert _policy_header(path) == expected, path
        if is_device:
            assert "camera=(self)" in expected and "microphone=()" in expected
        else:
            assert "camera=()" in expected


@pytest.mark.parametrize("path", [
    "/redeem-something", "/redeemer", "/api/v1/redeem", "/c/sample-value-123", "/embed/main-street", "/embed.js",
    "/qr_scanner.js", "/vendor/jsQR.js", "/api/v1/health", "/activate", "/no-such-page", "/x/redeem",
])
def test_no_camera_anywhere_else(path: str):
    assert permissions_policy_for(path) == PERMISSIONS_POLICY


@pytest.mark.parametrize("path", ["/redeem", "/redeem/", "/activate/abc", "/activate/abc/"])
def test_camera_for_the_counter_paths(path: str):
    assert permissions_policy_for(path) == "camera=(self), microphone=(), geolocation=(), payment=(), usb=()"

"""The dashboard session and a counter device's secret as HttpOnly cookies, attacked.

- POST /auth/session and /auth/device set the cookie only for a ticket our server sealed
  in the last 2 minutes, of the right kind, for a live session or device; a forged, stale,
  swapped or revoked ticket, or a request from another site, gets no cookie at all.
- The cookie is HttpOnly and SameSite=Lax, Secure under an https PUBLIC_URL.
- Reflex's websocket sees only handles (hashes): a secret is replaced by its hash, and a
  handle the browser sends itself (a stolen hash) is dropped.
"""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient

from app.api import create_api
from app.api.session_cookie import EventCookieHandles
from app.services.access import accounts
from app.services.access.browser_cookies import (
    DEVICE_HANDLE_COOKIE,
    SESSION_HANDLE_COOKIE,
    handle_in,
    handles_header,
)
from app.services.network import devices, locations

PASSWORD = "correct horse battery"


@pytest.fixture
def signed_in(make_operator, settings_env):
    settings_env(PUBLIC_URL="https://gifts.example.test")
    owner = make_operator()
    return owner, accounts.log_in(owner.email, PASSWORD)


@pytest.fixture
def client():
    with TestClient(create_api(), base_url="https://gifts.example.test") as test_client:
        yield test_client


def test_a_sealed_ticket_buys_an_httponly_lax_secure_cookie_and_holds_no_token_in_clear(signed_in, client):
    _owner, token = signed_in
    ticket = accounts.session_ticket(token)
    assert token not in ticket

    answer = client.post("/auth/session", json={"ticket": ticket})

    assert answer.status_code == 204
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith(f"giftnet_session={token};")
    for attribute in ("HttpOnly", "SameSite=lax", "Secure", "Path=/"):
        assert attribute in cookie, cookie


@pytest.mark.parametrize("attack", ["forged", "stale", "device ticket", "revoked session", "empty"])
def test_a_ticket_not_sealed_for_a_live_session_just_now_gets_no_cookie(signed_in, client, monkeypatch, attack):
    owner, token = signed_in
    ticket = {"forged": "gAAAAABforged-ticket", "device ticket": devices.device_ticket(token), "empty": ""}.get(
        attack, accounts.session_ticket(token))
    if attack == "stale":
        real_time = time.time
        monkeypatch.setattr("cryptography.fernet.time.time", lambda: real_time() + accounts.TICKET_SECONDS + 5)
    if attack == "revoked session":
        accounts.log_out(token)

    answer = client.post("/auth/session", json={"ticket": ticket})

    assert answer.status_code == 400
    assert "set-cookie" not in answer.headers
    assert "sign in again" in answer.json()["error"]["message"]


def test_another_site_cannot_plant_a_session_or_sign_the_visitor_out(signed_in, client):
    _owner, token = signed_in
    evil = {"Origin": "https://evil.example"}

    planted = client.post("/auth/session", json={"ticket": accounts.session_ticket(token)}, headers=evil)
    signed_out = client.post("/auth/sign-out", headers=evil, cookies={"giftnet_session": token})

    assert (planted.status_code, signed_out.status_code) == (403, 403)
    assert "set-cookie" not in planted.headers and "set-cookie" not in signed_out.headers
    assert accounts.resolve_session(token) is not None  # still signed in
    own = client.post("/auth/session", json={"ticket": accounts.session_ticket(token)},
                      headers={"Origin": "https://gifts.example.test"})
    assert own.status_code == 204


def test_signing_out_revokes_the_session_and_clears_the_cookie(signed_in, client):
    _owner, token = signed_in

    answer = client.post("/auth/sign-out", cookies={"giftnet_session": token})

    assert answer.status_code == 204
    assert answer.headers["set-cookie"].startswith('giftnet_session="";') and "Max-Age=0" in answer.headers["set-cookie"]
    assert accounts.resolve_session(token) is None


def test_a_device_ticket_buys_the_device_cookie_and_a_revoked_device_gets_none(signed_in, client):
    owner, _token = signed_in
    location = locations.create_location(owner.actor, {"name": "Kiosk", "email": "kiosk@example.com"})
    activated = devices.activate_device(devices.create_activation_link(owner.actor, location.id).token, "Till 1")

    answer = client.post("/auth/device", json={"ticket": devices.device_ticket(activated.secret)})
    assert answer.status_code == 204
    assert answer.headers["set-cookie"].startswith(f"giftnet_device={activated.secret};")
    assert "HttpOnly" in answer.headers["set-cookie"] and "SameSite=lax" in answer.headers["set-cookie"]

    swapped = client.post("/auth/device", json={"ticket": accounts.session_ticket(activated.secret)})
    devices.revoke_device(owner.actor, activated.device.id)
    revoked = client.post("/auth/device", json={"ticket": devices.device_ticket(activated.secret)})
    assert (swapped.status_code, revoked.status_code) == (400, 400)
    assert "set-cookie" not in swapped.headers and "set-cookie" not in revoked.headers


def websocket_cookie(cookie_header: str, path: str = "/_event/") -> str:
    """The Cookie header Reflex's websocket handler receives through the app's middleware."""
    seen = {}

    async def reflex(scope, receive, send):
        seen["cookie"] = [value.decode() for name, value in scope["headers"] if name == b"cookie"]

    scope = {"type": "websocket", "path": path, "headers": [(b"host", b"x"), (b"cookie", cookie_header.encode())]}
    # A thread of its own: an earlier test in the same process may leave this thread's event loop marked running.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, EventCookieHandles(reflex)(scope, None, None)).result()
    return "; ".join(seen["cookie"])


def test_the_websocket_sees_only_hashes_and_a_stolen_hash_sent_as_a_cookie_is_dropped(signed_in):
    _owner, token = signed_in
    victim_handle = accounts.session_handle("someone-elses-token")

    honest = websocket_cookie(f"theme=dark; giftnet_session={token}; giftnet_device=gkdev_abc")
    forged = websocket_cookie(f"{SESSION_HANDLE_COOKIE}={victim_handle}; {DEVICE_HANDLE_COOKIE}={'0' * 64}")

    assert token not in honest and "gkdev_abc" not in honest and "theme" not in honest
    assert handle_in(honest, SESSION_HANDLE_COOKIE) == accounts.session_handle(token)
    assert handle_in(honest, DEVICE_HANDLE_COOKIE) == devices.device_handle("gkdev_abc")
    assert forged == ""  # nothing for Reflex: the stolen hash signs no one in
    assert accounts.resolve_session_handle(handle_in(honest, SESSION_HANDLE_COOKIE)).email == _owner.email
    assert handles_header("") == ""
    # Other paths (the pages, the API) keep their headers untouched.
    assert websocket_cookie(f"giftnet_session={token}", path="/api/v1/cards") == f"giftnet_session={token}"


def test_a_leftover_from_localstorage_becomes_a_cookie_only_while_it_is_live_and_only_from_this_site(signed_in,
                                                                                                       client):
    owner, token = signed_in
    location = locations.create_location(owner.actor, {"name": "Kiosk", "email": "kiosk@example.com"})
    secret = devices.activate_device(devices.create_activation_link(owner.actor, location.id).token, "Till 1").secret

    adopted = client.post("/auth/adopt", json={"session": token, "device": secret})
    from_elsewhere = client.post("/auth/adopt", json={"session": token}, headers={"Origin": "https://evil.example"})
    accounts.log_out(token)
    stale = client.post("/auth/adopt", json={"session": token, "device": "gkdev_made-up"})

    assert adopted.status_code == 204
    assert sorted(value.split("=", 1)[0] for value in adopted.headers.get_list("set-cookie")) == [
        "giftnet_device", "giftnet_session"]
    assert all("HttpOnly" in value for value in adopted.headers.get_list("set-cookie"))
    assert (from_elsewhere.status_code, stale.status_code) == (403, 204)
    assert "set-cookie" not in from_elsewhere.headers and "set-cookie" not in stale.headers

"""The dashboard's session and a counter device's secret live in HttpOnly cookies, never
in storage a script can read, and never in Reflex's state.

- `POST /auth/session` takes a short-lived ticket (`accounts.session_ticket`, encrypted,
  120 s) that the login, sign-up and join screens hand to the page right after signing in,
  and answers with the `giftnet_session` cookie: HttpOnly, SameSite=Lax, Path=/, Secure
  when PUBLIC_URL is https, as long as the session lasts. `POST /auth/device` does the same
  for a device just activated (`giftnet_device`, kept for years: a device has no expiry,
  only revocation). `POST /auth/sign-out` revokes the session its cookie names and
  clears the cookie.
- `POST /auth/adopt` turns what an older release left in localStorage into these
  cookies once (app/components/legacy_secrets.py), when it still names a live session or device.
- These routes refuse (403) a request whose `Origin` is another site: no other page can
  plant its own session in a visitor's browser.
- Reflex's websocket (`/_event`) is the only place the screens see cookies, through
  `router.headers.cookie`, and Reflex keeps those headers in its state (on disk or in
  Redis). `EventCookieHandles` rewrites the websocket's Cookie header before Reflex reads
  it: each secret becomes its handle (`giftnet_session_handle`, `giftnet_device_handle`:
  the keyed hash the database already holds), a handle sent by the browser itself is
  dropped, and every other cookie is dropped too. The state therefore only ever holds hashes.
- The API (/api/v1) never accepts these cookies: it authenticates by `Authorization` only.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field
from starlette.types import ASGIApp, Receive, Scope, Send

from app.services.access import accounts
from app.services.access.browser_cookies import DEVICE_COOKIE, SESSION_COOKIE, handles_header
from app.services.network import devices
from app.settings import get_settings

DEVICE_COOKIE_SECONDS = 5 * 366 * 24 * 3600
EVENT_PATH = "/_event"

router = APIRouter(include_in_schema=False)


class Ticket(BaseModel):
    ticket: str = Field(max_length=1000)


class Leftovers(BaseModel):
    """What an older release kept in localStorage (app/components/legacy_secrets.py)."""

    session: str | None = Field(default=None, max_length=200)
    device: str | None = Field(default=None, max_length=200)


class EventCookieHandles:
    """Pure ASGI: the websocket's Cookie header, secrets replaced by their handles (see above)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket") and scope.get("path", "").startswith(EVENT_PATH):
            cookie = "; ".join(value.decode("latin-1") for name, value in scope.get("headers", [])
                               if name.lower() == b"cookie")
            headers = [(name, value) for name, value in scope.get("headers", []) if name.lower() != b"cookie"]
            if rewritten := handles_header(cookie):
                headers.append((b"cookie", rewritten.encode("latin-1")))
            scope = {**scope, "headers": headers}
        await self.app(scope, receive, send)


def _secure() -> bool:
    return get_settings().public_url.lower().startswith("https://")


def _same_site_request(request: Request) -> bool:
    """No Origin (not a browser's cross-site call), or the Origin of this very site."""
    origin = request.headers.get("origin")
    if not origin:
        return True
    own = {urlsplit(get_settings().public_url).netloc.lower(), (request.headers.get("host") or "").lower()}
    parts = urlsplit(origin)
    return parts.scheme in ("http", "https") and parts.netloc.lower() in own


def _refused(status: int, message: str) -> Response:
    """The API's error shape (`code` and `message`): `forbidden` for another site, `invalid_input` for a bad ticket."""
    code = "forbidden" if status == 403 else "invalid_input"
    return Response(json.dumps({"error": {"code": code, "message": message}}), status_code=status,
                    media_type="application/json", headers={"Cache-Control": "no-store"})


def _no_content() -> Response:
    return Response(status_code=204, headers={"Cache-Control": "no-store"})


def _set_session_cookie(answer: Response, token: str) -> None:
    """The dashboard session: HttpOnly, SameSite=Lax, Secure under https, as long as the session lives."""
    answer.set_cookie(SESSION_COOKIE, token, max_age=get_settings().session_ttl_hours * 3600, path="/",
                      httponly=True, samesite="lax", secure=_secure())


def _set_device_cookie(answer: Response, secret: str) -> None:
    """An activated counter device's secret, with the same flags."""
    answer.set_cookie(DEVICE_COOKIE, secret, max_age=DEVICE_COOKIE_SECONDS, path="/", httponly=True, samesite="lax",
                      secure=_secure())


@router.post("/auth/session")
def set_session_cookie(request: Request, body: Ticket) -> Response:
    if not _same_site_request(request):
        return _refused(403, "Sessions are opened from this site's own pages only.")
    token = accounts.token_of_ticket(body.ticket)
    if token is None or accounts.resolve_session(token) is None:
        return _refused(400, "This sign-in ticket is not valid or has expired; sign in again.")
    answer = _no_content()
    _set_session_cookie(answer, token)
    return answer


@router.post("/auth/device")
def set_device_cookie(request: Request, body: Ticket) -> Response:
    if not _same_site_request(request):
        return _refused(403, "Devices are activated from this site's own pages only.")
    secret = devices.secret_of_device_ticket(body.ticket)
    if secret is None or devices.resolve_device(secret) is None:
        return _refused(400, "This activation ticket is not valid or has expired; open the activation link again.")
    answer = _no_content()
    _set_device_cookie(answer, secret)
    return answer


@router.post("/auth/adopt")
def adopt_leftover_secrets(request: Request, body: Leftovers) -> Response:
    """A session token or device secret an older release left in localStorage: its cookie,
    when it still names a live session or device (204 either way: the page forgets it)."""
    if not _same_site_request(request):
        return _refused(403, "Only this site's own pages may do this.")
    answer = _no_content()
    if body.session and accounts.resolve_session(body.session) is not None:
        _set_session_cookie(answer, body.session)
    if body.device and devices.resolve_device(body.device) is not None:
        _set_device_cookie(answer, body.device)
    return answer


@router.post("/auth/sign-out")
def clear_session_cookie(request: Request) -> Response:
    if not _same_site_request(request):
        return _refused(403, "Sign out from this site's own pages.")
    accounts.log_out(request.cookies.get(SESSION_COOKIE))
    answer = _no_content()
    answer.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=_secure())
    return answer


__all__ = ["EventCookieHandles", "router"]

"""The browser's two secrets as cookies, and their handles for the websocket.

A dashboard session (`giftnet_session`) and a counter device's secret (`giftnet_device`)
are kept by the browser in HttpOnly cookies (app/api/session_cookie.py sets them). Reflex
keeps the websocket's headers in its state, on disk or in Redis, so the websocket's
Cookie header is rewritten before Reflex reads it (`handles_header`): each secret becomes
its handle, the keyed hash the database already holds (`accounts.session_handle`,
`devices.device_handle`); every other cookie, and any handle a browser sends itself, is
dropped. The screens read the handles with `handle_in`.
"""

from __future__ import annotations

from app.services.access import accounts
from app.services.network import devices

SESSION_COOKIE = "giftnet_session"
DEVICE_COOKIE = "giftnet_device"
SESSION_HANDLE_COOKIE = "giftnet_session_handle"
DEVICE_HANDLE_COOKIE = "giftnet_device_handle"


def parse_cookies(header: str) -> dict[str, str]:
    """name -> value of a Cookie header (the first of a repeated name wins, as browsers order them)."""
    cookies: dict[str, str] = {}
    for part in (header or "").split(";"):
        name, sep, value = part.strip().partition("=")
        if sep and name and name not in cookies:
            cookies[name] = value.strip().strip('"')
    return cookies


def handle_in(cookie_header: str, name: str) -> str:
    """The handle `name` (SESSION_HANDLE_COOKIE or DEVICE_HANDLE_COOKIE) in a rewritten Cookie header, or ""."""
    return parse_cookies(cookie_header).get(name, "")


def handles_header(cookie_header: str) -> str:
    """The Cookie header Reflex may see: only the handles of our two secrets."""
    cookies = parse_cookies(cookie_header)
    handles = []
    if cookies.get(SESSION_COOKIE):
        handles.append(f"{SESSION_HANDLE_COOKIE}={accounts.session_handle(cookies[SESSION_COOKIE])}")
    if cookies.get(DEVICE_COOKIE):
        handles.append(f"{DEVICE_HANDLE_COOKIE}={devices.device_handle(cookies[DEVICE_COOKIE])}")
    return "; ".join(handles)


__all__ = [
    "DEVICE_COOKIE",
    "DEVICE_HANDLE_COOKIE",
    "SESSION_COOKIE",
    "SESSION_HANDLE_COOKIE",
    "handle_in",
    "handles_header",
    "parse_cookies",
]

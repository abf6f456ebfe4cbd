"""Security headers on every HTTP answer: the API, the pages and the static files.

In `reflex run --env prod --single-port` Reflex appends the compiled frontend (a
static-files mount) to its own backend app, and our FastAPI app (`create_api`,
given as `api_transformer`) mounts that whole backend at its root. A middleware on
our FastAPI app therefore sees every HTTP request of the single port: /api/v1, the
pages, /embed.js, the JS bundles. Websockets (/_event) go straight through.

Every answer gets:
- `X-Content-Type-Options: nosniff`
- `Referrer-Policy: strict-origin-when-cross-origin` (`no-referrer` on the pages whose
  address carries a credential: /c/<token>, /activate/<token>, /join/<token>)
- `Permissions-Policy`: no camera, microphone, geolocation, payment or USB for anyone
- `Content-Security-Policy: frame-ancestors 'none'` and `X-Frame-Options: DENY`: no
  other site may frame the dashboard (clickjacking), except the shop widget
  (/embed/<slug> and /embed.js), which operators put in an iframe on their own sites
- `Strict-Transport-Security` when PUBLIC_URL is https

A header the route set itself (the QR image's `Referrer-Policy`) is kept.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.settings import get_settings

HSTS = "max-age=31536000; includeSubDomains"
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
NO_FRAMING = ((b"content-security-policy", b"frame-ancestors 'none'"), (b"x-frame-options", b"DENY"))
# Paths whose address is a credential: the Referer header must not carry it to another site.
TOKEN_PATH_PREFIXES = ("/c/", "/activate/", "/join/")


def may_be_framed(path: str) -> bool:
    """The shop widget: the embed page (and its assets under /embed/) and the loader script."""
    return path == "/embed.js" or path == "/embed" or path.startswith("/embed/")


def headers_for(path: str, https: bool) -> list[tuple[bytes, bytes]]:
    referrer = b"no-referrer" if path.startswith(TOKEN_PATH_PREFIXES) else b"strict-origin-when-cross-origin"
    headers = [
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", referrer),
        (b"permissions-policy", PERMISSIONS_POLICY.encode()),
    ]
    if not may_be_framed(path):
        headers.extend(NO_FRAMING)
    if https:
        headers.append((b"strict-transport-security", HSTS.encode()))
    return headers


class SecurityHeadersMiddleware:
    """Adds `headers_for(path)` to each HTTP answer's start message (a plain ASGI middleware)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = headers_for(scope.get("path", ""), get_settings().public_url.startswith("https://"))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or [])
                present = {name.lower() for name, _value in headers}
                headers.extend((name, value) for name, value in extra if name not in present)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)

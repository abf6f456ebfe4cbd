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
- `Permissions-Policy`: no camera, microphone, geolocation, payment or USB for anyone; only
  the counter device's pages may use the camera, for their own origin (`camera=(self)`):
  the counter `/redeem` with its in-page QR scanner (app/components/qr_scanner.py), and the
  device's activation page `/activate/<token>`, because its "Open the redemption screen"
  is an in-app navigation that keeps the activation page's policy
- `Content-Security-Policy: frame-ancestors 'none'` and `X-Frame-Options: DENY`: no
  other site may frame the dashboard (clickjacking), except the shop widget
  (/embed/<slug> and /embed.js), which operators put in an iframe on their own sites
- `Strict-Transport-Security` when PUBLIC_URL is https

The shop's pages, `/shop/<slug>` and `/embed/<slug>`, load the gateway's card script on
their pay step, so their Content-Security-Policy also names where scripts and frames may
come from: what the compiled Reflex page itself needs (its own bundles, the inline
bootstrap, `eval` for `rx.call_script`) plus exactly the origins of that shop's gateway
script (`checkout_script_for_shop`), and no frame origin but the script's own for Bambora
(its card inputs are iframes). `/shop/<slug>` keeps `frame-ancestors 'none'`; `/embed/<slug>`
stays frameable by any site.

A header the route set itself (the QR image's `Referrer-Policy`) is kept.
"""

from __future__ import annotations

import re

import anyio.to_thread
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.services.shop.checkout_script import CheckoutScript, checkout_script_for_shop
from app.settings import get_settings

HSTS = "max-age=31536000; includeSubDomains"
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
# The counter's screen scans the card's QR code with the device camera, from its own origin only.
COUNTER_CAMERA_PATHS = ("/redeem", "/redeem/")
COUNTER_CAMERA_PREFIXES = ("/activate/",)
COUNTER_PERMISSIONS_POLICY = "camera=(self), microphone=(), geolocation=(), payment=(), usb=()"
NO_FRAMING_POLICY = "frame-ancestors 'none'"
# The shop page and the widget page, by the shop's address.
SHOP_PAGE = re.compile(r"^/(?:shop|embed)/([^/]+)/?$")
# What the compiled Reflex pages run before any gateway script: their own bundles, the inline
# bootstrap of the prerendered HTML, and `eval` (Reflex runs `rx.call_script` through it).
PAGE_SCRIPT_SOURCES = ("'self'", "'unsafe-inline'", "'unsafe-eval'")
# Paths whose address is a credential: the Referer header must not carry it to another site.
TOKEN_PATH_PREFIXES = ("/c/", "/activate/", "/join/")


def permissions_policy_for(path: str) -> str:
    """The camera for the counter device's pages (the counter's QR scanner), nothing for any other path."""
    counter = path in COUNTER_CAMERA_PATHS or path.startswith(COUNTER_CAMERA_PREFIXES)
    return COUNTER_PERMISSIONS_POLICY if counter else PERMISSIONS_POLICY


def may_be_framed(path: str) -> bool:
    """The shop widget: the embed page (and its assets under /embed/) and the loader script."""
    return path == "/embed.js" or path == "/embed" or path.startswith("/embed/")


def shop_page_slug(path: str) -> str | None:
    """The shop's address when `path` is its shop page or widget page, else None."""
    match = SHOP_PAGE.match(path)
    return match.group(1) if match else None


def shop_content_policy(script: CheckoutScript, *, framed: bool) -> str:
    """The shop or widget page's Content-Security-Policy for the gateway script it loads."""
    script_sources = " ".join((*PAGE_SCRIPT_SOURCES, *script.script_origins))
    frame_sources = " ".join(script.frame_origins) or "'none'"
    policy = f"script-src {script_sources}; frame-src {frame_sources}"
    return policy if framed else f"{policy}; {NO_FRAMING_POLICY}"


def headers_for(path: str, https: bool, shop_policy: str | None = None) -> list[tuple[bytes, bytes]]:
    """The headers for `path`; `shop_policy` is the shop page's own Content-Security-Policy
    (`shop_content_policy`), for the shop and widget pages."""
    referrer = b"no-referrer" if path.startswith(TOKEN_PATH_PREFIXES) else b"strict-origin-when-cross-origin"
    headers = [
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", referrer),
        (b"permissions-policy", permissions_policy_for(path).encode()),
    ]
    if shop_policy is not None:
        headers.append((b"content-security-policy", shop_policy.encode()))
    elif not may_be_framed(path):
        headers.append((b"content-security-policy", NO_FRAMING_POLICY.encode()))
    if not may_be_framed(path):
        headers.append((b"x-frame-options", b"DENY"))
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
        path = scope.get("path", "")
        shop_policy = None
        slug = shop_page_slug(path)
        if slug is not None:
            # A database read: off the event loop.
            script = await anyio.to_thread.run_sync(checkout_script_for_shop, slug)
            shop_policy = shop_content_policy(script, framed=may_be_framed(path))
        extra = headers_for(path, get_settings().public_url.startswith("https://"), shop_policy)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or [])
                present = {name.lower() for name, _value in headers}
                headers.extend((name, value) for name, value in extra if name not in present)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)

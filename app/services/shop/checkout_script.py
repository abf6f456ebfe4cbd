"""Which gateway script the shop's pay step loads, and the origins the page must allow for it.

The card number never reaches our server: the shopper's browser turns it into a one-time
token with the gateway's own script. The sandbox needs none (our page tokenizes its test
cards itself); Bambora needs Custom Checkout (`customcheckout.js`), whose card inputs are
iframes served from the script's own origin; Forte needs Forte.js, live or sandbox by the
gateway's test flag (a token made by the sandbox script is good only at the sandbox API).

The URLs are settings (`BAMBORA_CHECKOUT_JS_URL`, `FORTE_JS_URL_LIVE`,
`FORTE_JS_URL_SANDBOX`), so tests point them at local stand-ins. The shop and widget pages'
Content-Security-Policy (app/api/security_headers.py) allows exactly these origins.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlmodel import select

from app.db import read_session
from app.models import Operator
from app.services.shop.shop_settings import gateway_mode, gateway_section, gateway_settings_of
from app.settings import get_settings


@dataclass(frozen=True)
class CheckoutScript:
    """The script the pay step loads (`url` None: none, the sandbox) and what it needs."""

    gateway: str
    url: str | None = None
    script_origins: tuple[str, ...] = ()  # where the page may load scripts from, for this gateway
    frame_origins: tuple[str, ...] = ()  # where the page may load iframes from, for this gateway
    api_login_id: str = ""  # Forte.js's public API Login ID, sent with the card from the browser
    test_mode: bool = True  # the gateway's test flag (gateway_mode): no real card is charged


NO_SCRIPT = CheckoutScript(gateway="sandbox")


def origin_of(url: str) -> str:
    """`scheme://host[:port]` of an address, as a Content-Security-Policy source names it."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def checkout_script_of(operator: Operator) -> CheckoutScript:
    """The operator's gateway of the moment and the script its pay step loads."""
    gateway = gateway_settings_of(operator).gateway
    settings = get_settings()
    if gateway == "bambora":
        url = settings.bambora_checkout_js_url
        in_test = gateway_mode("bambora", gateway_section(operator, "bambora")) == "test"
        # Custom Checkout mounts each card input as an iframe from the script's own origin.
        return CheckoutScript(gateway, url, (origin_of(url),), (origin_of(url),), test_mode=in_test)
    if gateway == "forte":
        # One rule for test and live (gateway_mode): a one-time token works only where it was made.
        section = gateway_section(operator, "forte")
        in_test = gateway_mode("forte", section) == "test"
        url = settings.forte_js_url_sandbox if in_test else settings.forte_js_url_live
        return CheckoutScript(gateway, url, (origin_of(url),), api_login_id=section.get("api_login_id") or "",
                              test_mode=in_test)
    return NO_SCRIPT


def checkout_script_for(operator_id: int) -> CheckoutScript:
    """`checkout_script_of` the operator by id (the sandbox's none for an unknown one)."""
    with read_session() as session:
        operator = session.get(Operator, operator_id)
        return NO_SCRIPT if operator is None else checkout_script_of(operator)


def checkout_script_for_shop(slug: str) -> CheckoutScript:
    """`checkout_script_of` the shop at `/shop/<slug>` (the sandbox's none for an unknown shop,
    which only says so)."""
    with read_session() as session:
        operator = session.exec(select(Operator).where(Operator.slug == (slug or "").strip().lower())).first()
        return NO_SCRIPT if operator is None else checkout_script_of(operator)


__all__ = ["CheckoutScript", "checkout_script_for", "checkout_script_for_shop", "checkout_script_of", "origin_of"]

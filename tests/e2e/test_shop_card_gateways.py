"""Real card payments in the shopper's browser, end to end, against stand-ins of the gateways'
own scripts served from another origin than the app (tests/e2e/conftest.py `gateway_standins`):
Bambora Custom Checkout (its card inputs are iframes of the stand-in's origin) and Forte.js
(our inputs, the token made by the script). The fake Bambora and Forte APIs charge only tokens
their stand-in script minted.

Each journey records what the page sends to the app's origin (HTTP requests and the
websocket's frames) and checks the card number is never in it; each purchase ends with the
card issued, its email in the outbox and exactly one charge of the right amount with the
minted token. Then every outcome a shopper can meet: a decline, an expired token, the gateway
timing out, the script failing to load (and the Orders screen telling the operator).
Screenshots of the pay steps (phone and widget) go to screenshots/shop/.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.support.browser import app_python, log_in, open_page

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
SHOTS = Path(__file__).resolve().parents[2] / "screenshots" / "shop"
BAMBORA_APPROVE, BAMBORA_DECLINE = "4030000010001234", "4003050500040005"
FORTE_APPROVE, FORTE_DECLINE = "4111111111111111", "4003050500040005"


@pytest.fixture(autouse=True)
def fresh_standins(gateway_standins):
    """One session-wide pair of fakes: each test starts from a clean record and no knobs."""
    gateway_standins.bambora.reset()
    gateway_standins.forte.reset()
    yield gateway_standins
    gateway_standins.bambora.reset()
    gateway_standins.forte.reset()


def _shop(app_server, make_operator, gateway: str, standins) -> tuple:
    """A new operator selling through the fake `gateway`: (operator id, shop slug, the owner)."""
    operator = make_operator(currency="USD" if gateway == "forte" else "CAD")
    if gateway == "bambora":
        fake = standins.bambora
        values = {"merchant_id": fake.merchant_id, "payments_passcode": fake.passcode,
                  "reporting_passcode": fake.reporting_passcode, "base_url": fake.base_url}
    else:
        fake = standins.forte
        values = {"organization_id": fake.organization_id, "location_id": fake.location_id,
                  "api_access_id": fake.api_access_id, "api_secure_key": fake.api_secure_key,
                  "api_login_id": fake.api_login_id, "base_url": fake.base_url}
    answer = app_python(app_server, f"""
import json
from app.db import read_session
from app.models import Operator
from app.services.core.actor import Actor
from app.services.shop import shop_settings
shop_settings.update_gateway_settings(Actor({operator.operator_id}), {gateway!r}, {values!r})
with read_session() as session:
    print(json.dumps({{"slug": session.get(Operator, {operator.operator_id}).slug}}))
""")
    return operator.operator_id, answer["slug"], operator


def _emails(app_server, operator_id: int) -> list[dict]:
    return app_python(app_server, f"""
import json
from sqlmodel import select
from app.db import read_session
from app.models import OutboxMessage
with read_session() as session:
    rows = session.exec(select(OutboxMessage).where(OutboxMessage.operator_id == {operator_id})).all()
    print(json.dumps({{"rows": [{{"to": m.to_address, "kind": m.kind}} for m in rows]}}))
""")["rows"]


class AppTraffic:
    """Everything a page sends to the app's origin: request URLs and bodies, websocket frames."""

    def __init__(self, page, app_origin: str) -> None:
        self.sent: list[str] = []
        self.app_origin = app_origin
        page.on("request", self._request)
        page.on("websocket", self._websocket)

    def _request(self, request) -> None:
        if request.url.startswith(self.app_origin):
            self.sent.append(request.url + " " + (request.post_data or ""))

    def _websocket(self, socket) -> None:
        if socket.url.replace("ws://", "http://").startswith(self.app_origin):
            socket.on("framesent", lambda payload: self.sent.append(str(payload)))

    def assert_never_saw(self, card_number: str) -> None:
        assert self.sent, "nothing was recorded: the recorder is not listening"
        spaced = " ".join(card_number[i:i + 4] for i in range(0, len(card_number), 4))
        for item in self.sent:
            assert card_number not in item and spaced not in item and card_number[:12] not in item, item[:200]


def _fill_cart(frame, email: str) -> None:
    frame.locator("#line-0-amount-5000").click()
    frame.locator("#buyer-name").fill("Ada Buyer")
    frame.locator("#buyer-email").fill(email)
    frame.locator("#checkout").click()
    expect(frame.locator("#pay-total")).to_be_visible()


def _type_card(frame, gateway: str, number: str) -> None:
    """Type the card where the gateway takes it: Custom Checkout's iframes, or our Forte.js inputs."""
    expect(frame.locator("#pay-button")).to_be_enabled()
    if gateway == "bambora":
        frame.frame_locator("#card-number iframe").locator("#cc-input").fill(number)
        frame.frame_locator("#card-expiry iframe").locator("#cc-input").fill("12/30")
        frame.frame_locator("#card-cvv iframe").locator("#cc-input").fill("123")
    else:
        frame.locator("#forte-card-number").fill(number)
        frame.locator("#forte-expiry").fill("12/30")
        frame.locator("#forte-cvv").fill("123")


def _charges(standins, gateway: str) -> list[dict]:
    """The fake gateway's charge requests: [{amount, token, approved}]."""
    if gateway == "bambora":
        return [{"amount": r.body["amount"], "token": r.body["token"]["code"]}
                for r in standins.bambora.payment_requests()]
    return [{"amount": r.body["authorization_amount"], "token": r.body["card"]["one_time_token"]}
            for r in standins.forte.sale_requests()]


def _minted(standins, gateway: str) -> set[str]:
    fake = standins.bambora if gateway == "bambora" else standins.forte
    return set(fake.minted_tokens)


def _approved(standins, gateway: str) -> int:
    if gateway == "bambora":
        return sum(1 for payment in standins.bambora.payments.values() if payment["approved"])
    return sum(1 for t in standins.forte.transactions.values()
               if t["action"] == "sale" and t["response"]["response_type"] == "A")


@pytest.mark.parametrize("gateway", ["bambora", "forte"])
def test_a_shopper_on_a_phone_buys_a_card_in_the_shop(gateway, new_context, make_operator, app_server,
                                                      fresh_standins):
    operator_id, slug, _owner = _shop(app_server, make_operator, gateway, fresh_standins)
    page = new_context(viewport=PHONE, has_touch=True).new_page()
    traffic = AppTraffic(page, app_server.base_url)
    open_page(page, f"/shop/{slug}")
    expect(page.locator("#test-mode-banner")).to_contain_text("test environment")
    _fill_cart(page, f"{gateway}-phone@example.com")
    number = BAMBORA_APPROVE if gateway == "bambora" else FORTE_APPROVE
    _type_card(page, gateway, number)
    if gateway == "bambora":
        # The stand-in's events are shown beside the field: the brand it recognised, then complete.
        expect(page.locator("#card-number-status")).to_have_text("Visa ✓")
    small = page.evaluate("""() => [...document.querySelectorAll('#shop button, #shop input')]
        .filter(el => el.getBoundingClientRect().height > 0 && el.getBoundingClientRect().height < 43.5)
        .map(el => (el.id || el.textContent.trim().slice(0, 20)) + ': ' + Math.round(el.getBoundingClientRect().height))""")
    assert small == [], small  # every target a finger uses on the phone is at least 44 px tall
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{gateway}-pay-step-phone.png"), full_page=True)
    page.locator("#pay-button").click()

    expect(page.locator("#order-paid")).to_be_visible()
    expect(page.locator(".order-result-line")).to_have_count(1)
    charges = _charges(fresh_standins, gateway)
    assert len(charges) == 1 and charges[0]["amount"] == 50.0
    assert charges[0]["token"] in _minted(fresh_standins, gateway)
    emails = _emails(app_server, operator_id)
    assert {m["kind"] for m in emails if m["to"] == f"{gateway}-phone@example.com"} == {"card_recipient",
                                                                                      "order_receipt"}
    traffic.assert_never_saw(number)


@pytest.mark.parametrize("gateway", ["bambora", "forte"])
def test_a_shopper_buys_a_card_in_the_widget_on_another_site(gateway, new_context, make_operator, app_server,
                                                             fresh_standins, other_origin):
    operator_id, slug, _owner = _shop(app_server, make_operator, gateway, fresh_standins)
    folder, host_origin = other_origin
    (folder / f"{gateway}.html").write_text(
        "<!doctype html><html><body><h1>Main Street Association</h1>"
        f"<script src='{app_server.base_url}/embed.js' data-shop='{slug}'></script></body></html>")
    page = new_context(viewport=PHONE, has_touch=True).new_page()
    traffic = AppTraffic(page, app_server.base_url)
    page.goto(f"{host_origin}/{gateway}.html")
    frame = page.frame_locator("#giftnet-shop-frame")
    frame.locator("#page-ready").wait_for(state="attached")
    _fill_cart(frame, f"{gateway}-widget@example.com")
    number = BAMBORA_APPROVE if gateway == "bambora" else FORTE_APPROVE
    _type_card(frame, gateway, number)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{gateway}-pay-step-widget.png"), full_page=True)
    frame.locator("#pay-button").click()

    expect(frame.locator("#order-paid")).to_be_visible()
    charges = _charges(fresh_standins, gateway)
    assert len(charges) == 1 and charges[0]["amount"] == 50.0
    assert charges[0]["token"] in _minted(fresh_standins, gateway)
    assert any(m["to"] == f"{gateway}-widget@example.com" and m["kind"] == "card_recipient"
               for m in _emails(app_server, operator_id))
    traffic.assert_never_saw(number)


@pytest.mark.parametrize("gateway", ["bambora", "forte"])
def test_a_decline_then_a_successful_retry(gateway, page, make_operator, app_server, fresh_standins):
    _operator_id, slug, _owner = _shop(app_server, make_operator, gateway, fresh_standins)
    open_page(page, f"/shop/{slug}")
    _fill_cart(page, "declined@example.com")
    _type_card(page, gateway, BAMBORA_DECLINE if gateway == "bambora" else FORTE_DECLINE)
    page.locator("#pay-button").click()
    expect(page.locator("#order-failed")).to_contain_text("declined")

    page.locator("#try-again").click()
    _type_card(page, gateway, BAMBORA_APPROVE if gateway == "bambora" else FORTE_APPROVE)
    page.locator("#pay-button").click()
    expect(page.locator("#order-paid")).to_be_visible()
    assert len(_charges(fresh_standins, gateway)) == 2 and _approved(fresh_standins, gateway) == 1


def test_an_expired_token_charges_nothing_and_the_card_is_asked_again(page, make_operator, app_server,
                                                                      fresh_standins):
    _operator_id, slug, _owner = _shop(app_server, make_operator, "bambora", fresh_standins)
    open_page(page, f"/shop/{slug}")
    _fill_cart(page, "expired@example.com")
    fresh_standins.bambora.token_ttl_seconds = 0  # every token is already too old when it is charged
    _type_card(page, "bambora", BAMBORA_APPROVE)
    page.locator("#pay-button").click()
    expect(page.locator("#order-failed-message")).to_contain_text("Nothing was charged")
    assert _approved(fresh_standins, "bambora") == 0

    fresh_standins.bambora.token_ttl_seconds = 900
    page.locator("#try-again").click()
    _type_card(page, "bambora", BAMBORA_APPROVE)
    page.locator("#pay-button").click()
    expect(page.locator("#order-paid")).to_be_visible()
    assert _approved(fresh_standins, "bambora") == 1


def test_a_gateway_timeout_is_looked_up_and_never_charged_twice(page, make_operator, app_server, fresh_standins):
    _operator_id, slug, _owner = _shop(app_server, make_operator, "forte", fresh_standins)
    open_page(page, f"/shop/{slug}")
    _fill_cart(page, "slow@example.com")
    fresh_standins.forte.delay_seconds = 5  # the app gives up after 3 s; the sale is made anyway
    _type_card(page, "forte", FORTE_APPROVE)
    page.locator("#pay-button").click()
    expect(page.locator("#order-failed-message")).to_contain_text("never charge twice", timeout=20_000)

    fresh_standins.forte.delay_seconds = 0
    page.locator("#try-again").click()
    _type_card(page, "forte", FORTE_APPROVE)
    page.locator("#pay-button").click()
    expect(page.locator("#order-paid")).to_be_visible()
    # The second attempt found the first sale by its order number instead of charging again.
    assert len(_charges(fresh_standins, "forte")) == 1 and _approved(fresh_standins, "forte") == 1


@pytest.mark.parametrize("gateway", ["bambora", "forte"])
def test_a_script_that_fails_to_load_says_so_and_the_operator_sees_it(gateway, new_context, make_operator,
                                                                     app_server, fresh_standins):
    _operator_id, slug, owner = _shop(app_server, make_operator, gateway, fresh_standins)
    fake = fresh_standins.bambora if gateway == "bambora" else fresh_standins.forte
    fake.script_fail_status = 503
    page = new_context(viewport=PHONE).new_page()
    open_page(page, f"/shop/{slug}")
    _fill_cart(page, "noscript@example.com")
    expect(page.locator("#card-form-unavailable")).to_contain_text("Card payment is unavailable right now")
    expect(page.locator("#pay-button")).to_be_disabled()

    dashboard = new_context().new_page()
    log_in(dashboard, owner.email, owner.password)
    dashboard.locator("#nav-orders").click()
    expect(dashboard.locator("#orders-card-form-problem")).to_contain_text("card form did not load")
    expect(dashboard.locator(".order-row").first).to_contain_text("pending")

    # The provider is back: the same order is paid.
    fake.script_fail_status = None
    page.locator("#card-form-retry").click()
    _type_card(page, gateway, BAMBORA_APPROVE if gateway == "bambora" else FORTE_APPROVE)
    page.locator("#pay-button").click()
    expect(page.locator("#order-paid")).to_be_visible()
    assert len(_charges(fresh_standins, gateway)) == 1

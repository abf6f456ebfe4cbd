"""A counter that never leaves a merchant stuck, in Chromium: the POS setup guide's "Send a
test payment" reaching the counter live (marked TEST, never applicable), a POS counter with
its typed-amount fallback redeeming while no POS payment waits, and a push to a location
that refuses POS payments answered with the sentence that says how to turn them on.

Tablet screenshots land in screenshots/counter/ (gitignored).
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from tests.support.browser import (
    TABLET_LANDSCAPE,
    TABLET_PORTRAIT,
    activate_device,
    log_in,
    make_location,
    open_card,
    open_page,
    push_payment,
)

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "screenshots" / "counter"


def shots(page, name: str, *, full_page: bool = False) -> None:
    """The screen at both tablet sizes: screenshots/counter/<name>-<w>x<h>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    original = page.viewport_size
    for size in (TABLET_PORTRAIT, TABLET_LANDSCAPE):
        page.set_viewport_size(size)
        page.wait_for_timeout(150)  # let the layout settle at the new width
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{size['width']}x{size['height']}.png"), full_page=full_page)
    page.set_viewport_size(original)


def api(base_url: str, key: str) -> httpx.Client:
    return httpx.Client(base_url=base_url + "/api/v1", headers={"Authorization": f"Bearer {key}"}, timeout=10)


def test_a_merchant_sends_a_test_payment_from_the_setup_guide_and_sees_it_on_the_counter(
        new_context, make_operator, issue_card, app_server):
    owner = make_operator()
    tag = uuid.uuid4().hex[:6]
    bakery = make_location(app_server, owner.operator_id, f"Corner Bakery {tag}", "pos")
    counter, _ = activate_device(new_context, bakery["activation_url"], "Front counter")
    expect(counter.locator("#pos-payments-empty")).to_be_visible()

    # The public partners page, linked from sign-in: every partner and what it needs, no login.
    visitor = new_context(TABLET_PORTRAIT).new_page()
    open_page(visitor, "/login")
    visitor.click("#pos-partners-link")
    expect(visitor.locator("#pos-partners-title")).to_have_text("POS partners")
    for partner in ("square", "clover", "shopify", "api"):
        expect(visitor.locator(f"#pos-partner-{partner}")).to_be_visible()
    expect(visitor.locator("#pos-guide-url-clover")).to_contain_text("/api/v1/pos/clover/<location id>")
    shots(visitor, "pos-partners-page", full_page=True)

    # The location's setup guide, with its own addresses.
    dashboard = new_context(TABLET_LANDSCAPE).new_page()
    log_in(dashboard, owner.email, owner.password)
    open_page(dashboard, f"/locations/{bakery['location_id']}")
    expect(dashboard.locator("#pos-setup-on")).to_be_visible()
    expect(dashboard.locator("#pos-guide-url-square")).to_have_text(
        re.compile(rf"/api/v1/pos/square/{bakery['location_id']}$"))
    dashboard.click("#pos-guide-tab-shopify")
    expect(dashboard.locator("#pos-guide-url-shopify")).to_have_text(
        re.compile(rf"/api/v1/pos/shopify/{bakery['location_id']}$"))
    dashboard.locator("#pos-test-send").scroll_into_view_if_needed()
    shots(dashboard, "setup-guide")

    # Send a test payment: it reaches the open counter by itself, marked TEST, with no SELECT.
    dashboard.click("#pos-test-send")
    expect(dashboard.locator("#pos-setup-message")).to_contain_text("A TEST payment of $1.00 CAD is on this location's "
                                                                   "open counter screens now")
    test_row = counter.locator(".pos-payment")
    expect(test_row).to_have_count(1)
    expect(test_row.locator(".pos-payment-test")).to_have_text("TEST")
    expect(test_row.locator(".pos-payment-amount")).to_have_text("$1.00")
    expect(test_row.locator(".pos-payment-test-note")).to_have_text("Test only: nothing to apply")
    expect(counter.locator("[id^=pos-select-]")).to_have_count(0)
    card = issue_card(owner.operator_id, 2500)
    open_card(counter, card["code"])
    expect(counter.locator("[id^=pos-select-]")).to_have_count(0)  # even with a card open: nothing to apply
    # A test payment is not a sale waiting: the typed-amount fallback stays on screen.
    expect(counter.locator("#redeem-amount-submit")).to_be_visible()
    shots(counter, "test-payment-on-counter")
    shots(dashboard, "setup-guide-test-sent")

    # Dismissed on the counter, it is gone; the card was never touched.
    test_row.locator("[id^=pos-dismiss-]").click()
    counter.click("#pos-dismiss-confirm")  # Dismiss asks first
    expect(counter.locator("#pos-payments-empty")).to_be_visible()
    expect(counter.locator("#redeem-card-balance")).to_have_text("$25.00")


def test_a_location_with_a_pos_key_and_the_fallback_redeems_a_typed_amount_while_no_pos_payment_waits(
        new_context, make_operator, issue_card, app_server, base_url):
    owner = make_operator()
    tag = uuid.uuid4().hex[:6]
    # Made as an "amount" counter; its POS key turned POS payments on and kept typed amounts.
    deli = make_location(app_server, owner.operator_id, f"Harbour Deli {tag}", "amount")
    with api(base_url, owner.api_key) as http:
        location = http.get(f"/locations/{deli['location_id']}").json()
    assert (location["accepts_pos_payments"], location["accepts_typed_amounts"]) == (True, True)

    counter, _ = activate_device(new_context, deli["activation_url"], "Till")
    expect(counter.locator("#redeem-accepts-pos")).to_be_visible()
    expect(counter.locator("#redeem-accepts-amount")).to_contain_text("A typed amount when no POS payment waits")
    card = issue_card(owner.operator_id, 5000)
    open_card(counter, card["code"])

    # No POS payment waits (the POS is down): the merchant types the amount.
    for key in ("1", "2", "5", "0"):
        counter.click(f"#pad-{key}")
    expect(counter.locator("#redeem-amount-display")).to_have_text("$12.50")
    shots(counter, "fallback-typed-amount")
    counter.click("#redeem-amount-submit")
    expect(counter.locator("#receipt-amount")).to_have_text("$12.50")
    expect(counter.locator("#receipt-balance")).to_have_text("$37.50")
    counter.click("#receipt-next")

    # A POS payment waits: the pad folds away (SELECT it), with a way past it.
    push_payment(base_url, deli["pos_key"], 800, f"Order {tag}")
    open_card(counter, card["code"])
    expect(counter.locator("#redeem-amount-waits")).to_be_visible()
    expect(counter.locator("#redeem-amount-submit")).to_have_count(0)
    shots(counter, "fallback-folded-while-pos-payment-waits")
    counter.click("#redeem-type-anyway")
    expect(counter.locator("#redeem-amount-submit")).to_be_visible()
    counter.locator("[id^=pos-select-]").first.click()
    expect(counter.locator("#receipt-amount")).to_have_text("$8.00")
    expect(counter.locator("#receipt-balance")).to_have_text("$29.50")


def test_a_push_to_a_location_that_refuses_pos_payments_gets_the_sentence(
        new_context, make_operator, app_server, base_url):
    owner = make_operator()
    tag = uuid.uuid4().hex[:6]
    books = make_location(app_server, owner.operator_id, f"Main Street Books {tag}", "amount")
    with api(base_url, owner.api_key) as http:
        assert http.patch(f"/locations/{books['location_id']}",
                          json={"accepts_pos_payments": False}).status_code == 200

    with api(base_url, books["pos_key"]) as till:
        refused = till.post("/pos/payments", json={"amount_cents": 500, "reference": "R1"})
    error = refused.json()["error"]
    assert refused.status_code == 403 and error["code"] == "forbidden"
    assert error["message"].startswith(f"This location (“Main Street Books {tag}”) does not accept POS payments. "
                                       "To turn them on, an owner opens Locations →")
    assert f"PATCH /api/v1/locations/{books['location_id']}" in error["message"]

    # The dashboard says the same, with the three switches in plain words, and turns them on in one tap.
    dashboard = new_context(TABLET_LANDSCAPE).new_page()
    log_in(dashboard, owner.email, owner.password)
    open_page(dashboard, f"/locations/{books['location_id']}/edit")
    expect(dashboard.locator("#location-form-accepts_pos_payments")).to_have_attribute("data-state", "unchecked")
    expect(dashboard.locator("#location-form-accepts_typed_amounts")).to_have_attribute("data-state", "checked")
    dashboard.locator("#location-form-accepts_pos_payments").scroll_into_view_if_needed()
    shots(dashboard, "location-form-switches")
    open_page(dashboard, f"/locations/{books['location_id']}")
    expect(dashboard.locator("#pos-setup-off")).to_be_visible()
    dashboard.click("#pos-setup-turn-on")
    expect(dashboard.locator("#pos-setup-on")).to_be_visible()
    expect(dashboard.locator("#pos-setup-message")).to_contain_text("POS payments are now on at Main Street Books")
    with api(base_url, books["pos_key"]) as till:
        assert till.post("/pos/payments", json={"amount_cents": 500, "reference": "R2"}).status_code == 201

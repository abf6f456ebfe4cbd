"""A new network's first contact and first steps, in a real browser:

- `/` says what Giftnet is beside the sign-in form, with the ways to sign up and to the POS
  partners; `/shop` without an address explains the shop (and sends an owner to /widget);
  the favicon is there;
- sign-up chooses its time zone from a select ("New York" cannot be mistyped), Settings shows
  and changes it;
- the Activity screen's checklist goes from 0 to 5 steps done as the operator does each (the
  first step through the screens, the others through the app's services: their own screens
  have tests of their own), each ticked from the network's real state, then disappears;
- the Copy buttons put the card code and the widget's code on the clipboard, and the
  widget's code wraps instead of being cut off.

Screenshots of the checklist go to screenshots/first-steps/.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import httpx
from playwright.sync_api import expect

from tests.support.browser import PASSWORD, app_python, log_in, open_page, wait_for_path, wait_ready

SHOTS = Path(__file__).resolve().parents[2] / "screenshots" / "first-steps"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _dashboard(page) -> None:
    open_page(page, "/dashboard")
    page.locator("#operator-name").wait_for()


def _progress(page, done: int) -> None:
    _dashboard(page)
    expect(page.locator("#first-steps-progress")).to_have_text(f"{done} of 5 done")


def _run(app_server, operator_id: int, body: str) -> dict:
    """Act for the operator through the app's own services (an owner's actor)."""
    return app_python(app_server, f"""
import json
from app.services.core.actor import Actor
actor = Actor({operator_id}, channel="system")
{body}
""")


def test_the_front_page_says_what_giftnet_is_and_a_shop_without_an_address_helps(new_context, make_operator,
                                                                                  base_url):
    page = new_context(DESKTOP).new_page()
    open_page(page, "/")
    pitch = page.locator("#landing-pitch")
    expect(pitch).to_contain_text("Sell gift cards that every business in your network accepts")
    expect(pitch).to_contain_text("Watch card sales and redemptions live")
    expect(pitch).to_contain_text("Pay each business")
    expect(page.locator("#landing-signup-link")).to_have_attribute("href", "/signup")
    expect(page.locator("#landing-pos-partners-link")).to_have_attribute("href", "/pos-partners")
    expect(page.locator("#login-email")).to_be_visible()  # the sign-in form beside the words
    _shot(page, "front-page-desktop")
    phone = new_context(PHONE).new_page()
    open_page(phone, "/")
    expect(phone.locator("#landing-title")).to_be_visible()
    _shot(phone, "front-page-phone")

    open_page(page, "/shop")
    expect(page.locator("#shop-index-about")).to_contain_text("Every network on Giftnet sells its gift cards")
    expect(page.locator("#shop-index-buyer")).to_be_visible()
    expect(page.locator("#shop-index-widget-link")).to_have_count(0)
    owner = make_operator()
    log_in(page, owner.email, owner.password)
    open_page(page, "/shop")
    expect(page.locator("#shop-index-widget-link")).to_have_attribute("href", "/widget")
    expect(page.locator("#shop-index-own-shop")).to_contain_text("/shop/")

    favicon = httpx.get(base_url + "/favicon.ico", timeout=10)
    assert favicon.status_code == 200 and favicon.content[:4] == b"\x00\x00\x01\x00", favicon.status_code


def test_the_time_zone_is_chosen_at_sign_up_and_changed_in_settings(new_context):
    page = new_context(DESKTOP).new_page()
    tag = uuid.uuid4().hex[:8]
    open_page(page, "/signup")
    expect(page.locator("#signup-timezone")).to_have_value("America/Toronto")
    page.fill("#signup-operator-name", f"Harbour Town {tag}")
    page.fill("#signup-email", f"zone-{tag}@example.com")
    page.fill("#signup-password", PASSWORD)
    page.select_option("#signup-timezone", "America/New_York")
    page.click("#signup-submit")
    wait_for_path(page, "/dashboard")

    open_page(page, "/settings")
    expect(page.locator("#settings-timezone")).to_have_value("America/New_York")
    page.select_option("#settings-timezone", "America/Vancouver")
    page.click("#settings-timezone-save")
    expect(page.locator("#settings-timezone-saved")).to_contain_text("America/Vancouver")
    open_page(page, "/settings")
    expect(page.locator("#settings-timezone")).to_have_value("America/Vancouver")


def test_a_new_operators_checklist_goes_from_none_to_all_done_and_disappears(new_context, make_operator,
                                                                             app_server, issue_card,
                                                                             gateway_standins):
    owner = make_operator()
    page = new_context(DESKTOP).new_page()
    log_in(page, owner.email, owner.password)

    expect(page.locator("#first-steps")).to_be_visible()
    expect(page.locator("#first-steps-progress")).to_have_text("0 of 5 done")
    for key in ("businesses", "devices", "shop", "bank", "first_card"):
        expect(page.locator(f"#first-step-{key}-status")).to_have_text("To do")
    expect(page.locator("#first-step-bank-link")).to_have_attribute("href", "/settings")
    expect(page.locator("#activity-empty")).not_to_contain_text("Issue a card")  # the old lone hint is gone
    _shot(page, "checklist-new-network")

    # 1. A business, through the screens: the step's own link opens the form.
    page.click("#first-step-businesses-link")
    wait_for_path(page, "/locations/new")
    page.locator("#location-form").wait_for()
    wait_ready(page)
    page.fill("#location-form-name", "Cafe Rouge")
    page.fill("#location-form-email", f"cafe-{uuid.uuid4().hex[:6]}@example.com")
    page.click("#location-save")
    expect(page.locator("#location-detail-name")).to_have_text("Cafe Rouge")
    location_id = int(page.url.rstrip("/").split("/")[-1])
    _progress(page, 1)
    expect(page.locator("#first-step-businesses-status")).to_have_text("Done")
    expect(page.locator("#first-step-devices-detail")).to_contain_text("No active device yet at Cafe Rouge")
    expect(page.locator("#first-step-devices-link")).to_have_attribute("href", f"/locations/{location_id}")

    # 2. A device activated at it.
    _run(app_server, owner.operator_id, f"""
from app.services.network import devices
link = devices.create_activation_link(actor, {location_id})
devices.activate_device(link.token, "Front counter")
print(json.dumps({{}}))
""")
    _progress(page, 2)
    expect(page.locator("#first-step-devices-status")).to_have_text("Done")
    _shot(page, "checklist-two-done")

    # 3. The shop's settings saved and a real gateway (the Bambora stand-in).
    bambora = gateway_standins.bambora
    _run(app_server, owner.operator_id, f"""
from app.services.shop import shop_settings
shop_settings.update_shop_settings(actor, {{"preset_amounts_cents": [2500, 5000]}})
shop_settings.update_gateway_settings(actor, "bambora", {json.dumps({
        "merchant_id": bambora.merchant_id, "payments_passcode": bambora.passcode,
        "reporting_passcode": bambora.reporting_passcode, "base_url": bambora.base_url})})
print(json.dumps({{}}))
""")
    _progress(page, 3)
    expect(page.locator("#first-step-shop-detail")).to_contain_text("through Bambora")

    # 4. Bank settings: the CPA-005 originator and the business's account.
    _run(app_server, owner.operator_id, f"""
from app.services.network import locations
from app.services.settlement import payout_settings
payout_settings.update_settings(actor, {{"payouts": {{"cpa005": {{
    "originator_id": "GIFTNET001", "data_centre": "00310", "originator_short_name": "Centre-ville",
    "originator_long_name": "Association du centre-ville", "return_institution_number": "003",
    "return_transit_number": "00012", "return_account_number": "7654321"}}}}}})
locations.update_location(actor, {location_id}, {{"bank_country": "CA", "institution_number": "001",
    "transit_number": "00011", "account_number": "1234567", "account_type": "checking"}})
print(json.dumps({{}}))
""")
    _progress(page, 4)
    expect(page.locator("#first-step-bank-status")).to_have_text("Done")
    _shot(page, "checklist-four-done")

    # 5. The first card: the checklist is done and goes away.
    issue_card(owner.operator_id, 2500)
    _dashboard(page)
    expect(page.locator("#figure-outstanding")).to_have_text("$25.00 CAD")
    expect(page.locator("#first-steps")).to_have_count(0)
    _shot(page, "checklist-gone")


def test_copy_buttons_put_the_card_code_and_the_widget_code_on_the_clipboard(new_context, make_operator):
    owner = make_operator()
    context = new_context(DESKTOP, permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    log_in(page, owner.email, owner.password)

    open_page(page, "/cards")
    page.click("#issue-card-open")
    page.fill("#issue-card-amount", "30")
    page.click("#issue-card-submit")
    code = page.locator("#issued-card-code")
    expect(code).not_to_be_empty()
    page.click("#issued-card-copy")
    page.wait_for_function("async (code) => (await navigator.clipboard.readText()) === code",
                           arg=code.inner_text().strip())

    open_page(page, "/widget")
    snippet = page.locator("#widget-snippet-iframe")
    expect(snippet).to_contain_text("embed.js")
    page.click("#widget-snippet-iframe-copy")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert "embed.js" in copied and "data-shop" in copied, copied
    # Wrapped, not cut off: nothing of the code runs past its box.
    overflow = page.evaluate("""() => [...document.querySelectorAll('#widget-snippet-iframe, #widget-snippet-iframe *')]
        .filter(el => el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX !== 'visible').length""")
    assert overflow == 0
    _shot(page, "widget-snippets")

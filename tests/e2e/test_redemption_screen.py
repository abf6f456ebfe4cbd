"""The counter screen in Chromium, as merchants and a POS use it.

Several browser contexts are several counter devices: two of one POS location and
one of another. A POS pushes payments over HTTP with its POS key; the screens of
its location show them by themselves, SELECT applies one, the others drop it, the
POS reads the outcome. Then the race (two screens, one payment), partial payment,
the number pad and void, items from the stored catalog, the card link opened on a
device, the dashboard's notifications (webhook log, retry, signing secret, Square
settings, void) and the ledger check at the end; a card bought in the sandbox shop (a test
card) refused at a real counter and redeemed at a test location.

Tablet screenshots of each counter state land in screenshots/ (gitignored).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from tests.support.browser import (
    TABLET_LANDSCAPE,
    TABLET_PORTRAIT,
    activate_device,
    app_python,
    log_in,
    make_location,
    open_card,
    open_page,
    push_payment,
)

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "screenshots"
VISIBLE_WITHIN_S = 1.0  # a POS push is on every screen of its location within a second


# --------------------------------------------------------------------------- set-up through the services


def read_payment(base_url: str, pos_key: str, payment_id: int) -> dict:
    response = httpx.get(f"{base_url}/api/v1/pos/payments/{payment_id}", headers={"Authorization": f"Bearer {pos_key}"},
                         timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def card_balance(base_url: str, api_key: str, card_id: int) -> int:
    response = httpx.get(f"{base_url}/api/v1/cards/{card_id}", headers={"Authorization": f"Bearer {api_key}"}, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()["balance_cents"]


def check_ledger(app_server) -> str:
    result = subprocess.run([sys.executable, "-m", "app.cli", "check-ledger"], cwd=ROOT, env=app_server.env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def shots(page, name: str) -> None:
    """The screen as it is, at both tablet sizes: screenshots/counter-<name>-<w>x<h>.png."""
    SCREENSHOTS.mkdir(exist_ok=True)
    original = page.viewport_size
    for size in (TABLET_PORTRAIT, TABLET_LANDSCAPE):
        page.set_viewport_size(size)
        page.wait_for_timeout(150)  # let the layout settle at the new width
        page.screenshot(path=str(SCREENSHOTS / f"counter-{name}-{size['width']}x{size['height']}.png"))
    page.set_viewport_size(original)


def click_together(pages: list, selector: str) -> None:
    """Click `selector` on every page at the same instant (the contexts share one browser clock)."""
    at = pages[0].evaluate("Date.now()") + 400
    for page in pages:
        page.evaluate(
            "([selector, at]) => setTimeout(() => document.querySelector(selector).click(), Math.max(0, at - Date.now()))",
            [selector, at],
        )


# --------------------------------------------------------------------------- POS payments, live


def test_a_pos_push_shows_on_every_screen_of_its_location_and_select_applies_it_once(
        new_context, make_operator, issue_card, app_server):
    owner = make_operator()
    tag = uuid.uuid4().hex[:6]
    bakery = make_location(app_server, owner.operator_id, f"Corner Bakery {tag}", "pos")
    florist = make_location(app_server, owner.operator_id, f"Rose Florist {tag}", "pos")
    front, front_code = activate_device(new_context, bakery["activation_url"], "Front counter")
    back, back_code = activate_device(new_context, bakery["activation_url"], "Back counter", TABLET_PORTRAIT)
    other, _ = activate_device(new_context, florist["activation_url"], "Florist till")
    assert front_code != back_code
    for screen in (front, back, other):
        expect(screen.locator("#pos-payments-empty")).to_be_visible()
    shots(front, "no-card")

    card = issue_card(owner.operator_id, 5000)
    open_card(front, card["code"])
    expect(front.locator("#redeem-card-balance")).to_have_text("$50.00")

    # The POS pushes; both screens of the bakery show it within a second, the florist's never.
    started = time.perf_counter()
    payment = push_payment(app_server.base_url, bakery["pos_key"], 1234, "Order 1001", "till-1")
    front.wait_for_selector(f"#pos-payment-{payment['id']}", timeout=5000)
    back.wait_for_selector(f"#pos-payment-{payment['id']}", timeout=5000)
    visible_after = time.perf_counter() - started
    assert visible_after < VISIBLE_WITHIN_S, f"the payment took {visible_after:.2f} s to reach both screens"
    row = back.locator(f"#pos-payment-{payment['id']}")
    expect(row.locator(".pos-payment-amount")).to_have_text("$12.34")
    expect(row.locator(".pos-payment-reference")).to_have_text("Order 1001")
    expect(row).to_contain_text("till-1")
    expect(front.locator("#pos-payment-count")).to_have_text("1")
    other.wait_for_timeout(500)
    expect(other.locator(".pos-payment")).to_have_count(0)
    expect(other.locator("#pos-payments-empty")).to_be_visible()
    # SELECT waits for a card on the screen that has none.
    expect(back.locator(f"#pos-select-{payment['id']}")).to_be_disabled()
    shots(front, "card-and-pos-list")
    assert read_payment(app_server.base_url, bakery["pos_key"], payment["id"])["status"] == "pending"

    # SELECT on the front counter: receipt there, gone from the back counter at once.
    front.click(f"#pos-select-{payment['id']}")
    expect(front.locator("#receipt-amount")).to_have_text("$12.34")
    expect(front.locator("#receipt-balance")).to_have_text("$37.66")
    expect(front.locator("#receipt-device")).to_have_text(front_code)
    expect(back.locator(f"#pos-payment-{payment['id']}")).to_have_count(0, timeout=VISIBLE_WITHIN_S * 1000)
    expect(back.locator("#pos-payments-empty")).to_be_visible()
    shots(front, "receipt")

    answer = read_payment(app_server.base_url, bakery["pos_key"], payment["id"])
    assert answer["status"] == "applied"
    assert answer["applied_amount_cents"] == 1234
    redemption_id = answer["redemption_id"]
    expect(front.locator("#receipt-redemption-id")).to_have_text(f"#{redemption_id}")
    # The florist's POS key cannot read the bakery's payment.
    assert httpx.get(f"{app_server.base_url}/api/v1/pos/payments/{payment['id']}",
                     headers={"Authorization": f"Bearer {florist['pos_key']}"}, timeout=10).status_code == 404

    # The card's ledger in the dashboard names the location and the device.
    dashboard = new_context().new_page()
    log_in(dashboard, owner.email, owner.password)
    open_page(dashboard, f"/cards/{card['card_id']}")
    redeemed = dashboard.locator(".ledger-row", has_text="Redeemed")
    expect(redeemed).to_have_count(1)
    expect(redeemed).to_contain_text("-$12.34")
    expect(redeemed).to_contain_text(f"Corner Bakery {tag} · device {front_code}")
    check_ledger(app_server)


def test_two_screens_selecting_one_payment_at_once_apply_it_exactly_once(
        new_context, make_operator, issue_card, app_server):
    owner = make_operator()
    tag = uuid.uuid4().hex[:6]
    cafe = make_location(app_server, owner.operator_id, f"Harbour Cafe {tag}", "pos")
    first, _ = activate_device(new_context, cafe["activation_url"], "Till A")
    second, _ = activate_device(new_context, cafe["activation_url"], "Till B")
    card = issue_card(owner.operator_id, 3000)

    for attempt in range(3):  # several rounds: each must have exactly one winner
        open_card(first, card["code"])
        open_card(second, card["code"])
        payment = push_payment(app_server.base_url, cafe["pos_key"], 700, f"Race {attempt}")
        for screen in (first, second):
            screen.wait_for_selector(f"#pos-payment-{payment['id']}", timeout=5000)
            expect(screen.locator(f"#pos-select-{payment['id']}")).to_be_enabled()
        click_together([first, second], f"#pos-select-{payment['id']}")

        for screen in (first, second):
            expect(screen.locator("#receipt, #redeem-error")).to_have_count(1)
        winners = [screen for screen in (first, second) if screen.locator("#receipt").count()]
        losers = [screen for screen in (first, second) if screen.locator("#redeem-error").count()]
        assert len(winners) == 1 and len(losers) == 1
        expect(losers[0].locator("#redeem-error")).to_contain_text(re.compile("already applied|no longer waiting"))
        expect(winners[0].locator("#receipt-amount")).to_have_text("$7.00")
        if attempt == 0:
            shots(losers[0], "error")
        answer = read_payment(app_server.base_url, cafe["pos_key"], payment["id"])
        assert answer["status"] == "applied" and answer["applied_amount_cents"] == 700
        assert card_balance(app_server.base_url, owner.api_key, card["card_id"]) == 3000 - 700 * (attempt + 1)
        winners[0].click("#receipt-next")
        losers[0].click("#redeem-new-card")
    check_ledger(app_server)


def test_a_payment_larger_than_the_balance_takes_the_whole_balance_and_shows_what_is_still_owed(
        new_context, make_operator, issue_card, app_server):
    owner = make_operator()
    tag = uuid.uuid4().hex[:6]
    shop = make_location(app_server, owner.operator_id, f"Book Nook {tag}", "pos")
    screen, _ = activate_device(new_context, shop["activation_url"], "Counter")
    card = issue_card(owner.operator_id, 500)
    open_card(screen, card["code"])
    payment = push_payment(app_server.base_url, shop["pos_key"], 1200, "Order 77")
    screen.wait_for_selector(f"#pos-payment-{payment['id']}", timeout=5000)

    screen.click(f"#pos-select-{payment['id']}")
    expect(screen.locator("#pos-partial-message")).to_contain_text("The customer still owes $7.00")
    expect(screen.locator("#pos-partial-confirm")).to_be_visible()
    shots(screen, "partial-confirm")
    # Cancel leaves the payment waiting; confirming takes the whole balance.
    screen.click("#pos-partial-cancel")
    expect(screen.locator("#pos-partial-confirm")).to_have_count(0)
    expect(screen.locator(f"#pos-payment-{payment['id']}")).to_be_visible()
    screen.click(f"#pos-select-{payment['id']}")
    screen.click("#pos-partial-confirm")
    expect(screen.locator("#receipt-amount")).to_have_text("$5.00")
    expect(screen.locator("#receipt-remaining-due")).to_have_text("$7.00")
    expect(screen.locator("#receipt-balance")).to_have_text("$0.00")
    shots(screen, "receipt-partial")

    answer = read_payment(app_server.base_url, shop["pos_key"], payment["id"])
    assert (answer["status"], answer["amount_cents"], answer["applied_amount_cents"]) == ("applied", 1200, 500)
    assert card_balance(app_server.base_url, owner.api_key, card["card_id"]) == 0


# --------------------------------------------------------------------------- number pad, items, void


def test_the_number_pad_redeems_an_amount_and_void_puts_it_back(new_context, make_operator, issue_card, app_server):
    owner = make_operator()
    tag = uuid.uuid4().hex[:6]
    salon = make_location(app_server, owner.operator_id, f"Hair Studio {tag}", "amount")
    screen, code = activate_device(new_context, salon["activation_url"], "Desk", TABLET_PORTRAIT)
    card = issue_card(owner.operator_id, 4000)

    # A wrong code gets one generic message.
    screen.fill("#redeem-code-input", "ABCD-EFGH-JKMN-PQRS")
    screen.click("#redeem-code-submit")
    expect(screen.locator("#redeem-card-error")).to_be_visible()
    shots(screen, "card-not-found")

    open_card(screen, card["code"])
    for key in ("1", "2", "5", "0", "9"):
        screen.click(f"#pad-{key}")
    expect(screen.locator("#redeem-amount-display")).to_have_text("$125.09")
    screen.click("#pad-back")
    screen.click("#pad-back")
    screen.click("#pad-0")
    expect(screen.locator("#redeem-amount-display")).to_have_text("$12.50")
    shots(screen, "number-pad")
    screen.click("#redeem-amount-submit")
    expect(screen.locator("#receipt-amount")).to_have_text("$12.50")
    expect(screen.locator("#receipt-balance")).to_have_text("$27.50")
    expect(screen.locator("#receipt-device")).to_have_text(code)
    redemption_id = screen.locator("#receipt-redemption-id").inner_text().strip().lstrip("#")

    screen.click("#receipt-void")
    expect(screen.locator("#void-dialog")).to_contain_text(f"Void redemption #{redemption_id}?")
    screen.click("#void-cancel")  # a slip of the finger changes nothing
    expect(screen.locator("#void-dialog")).to_have_count(0)
    expect(screen.locator("#receipt-title")).to_have_text("Redeemed")
    screen.click("#receipt-void")
    screen.click("#void-confirm")
    expect(screen.locator("#receipt-title")).to_have_text("Voided")
    expect(screen.locator("#redeem-notice")).to_contain_text(f"Redemption #{redemption_id} voided")
    expect(screen.locator(f"#recent-row-{redemption_id}")).to_contain_text("voided")
    expect(screen.locator(f"#recent-void-{redemption_id}")).to_have_count(0)
    assert card_balance(app_server.base_url, owner.api_key, card["card_id"]) == 4000

    # More than the card holds is refused with the service's words.
    screen.click("#receipt-next")
    open_card(screen, card["code"])
    for key in ("5", "0", "0", "0", "0"):
        screen.click(f"#pad-{key}")
    screen.click("#redeem-amount-submit")
    expect(screen.locator("#redeem-error")).to_be_visible()
    expect(screen.locator("#redeem-card-balance")).to_have_text("$40.00")
    shots(screen, "amount-refused")


def test_items_from_the_stored_catalog(new_context, make_operator, issue_card, app_server):
    owner = make_operator()
    tag = uuid.uuid4().hex[:6]
    deli = make_location(app_server, owner.operator_id, f"Market Deli {tag}", "items",
                         items=[("Coffee", 350, "COF"), ("Croissant", 425, "CRO"), ("Sandwich", 1150, "SAN")])
    coffee, croissant, sandwich = deli["item_ids"]
    screen, _ = activate_device(new_context, deli["activation_url"], "Deli counter")
    card = issue_card(owner.operator_id, 2000)
    open_card(screen, card["code"])
    expect(screen.locator(".redeem-item")).to_have_count(3)

    screen.click(f"#item-plus-i{coffee}")
    screen.click(f"#item-plus-i{coffee}")
    screen.click(f"#item-plus-i{croissant}")
    expect(screen.locator("#redeem-items-total")).to_have_text("$11.25")
    shots(screen, "items")
    # Over the balance: the merchant is told and cannot submit.
    screen.click(f"#item-plus-i{sandwich}")
    expect(screen.locator("#redeem-items-total")).to_have_text("$22.75")
    expect(screen.locator("#redeem-items-over")).to_be_visible()
    expect(screen.locator("#redeem-items-submit")).to_be_disabled()
    shots(screen, "items-over")
    screen.click(f"#item-minus-i{sandwich}")
    screen.click("#redeem-items-submit")
    expect(screen.locator("#receipt-amount")).to_have_text("$11.25")
    expect(screen.locator(".receipt-line")).to_have_count(2)
    expect(screen.locator(".receipt-line").first).to_contain_text("2 × Coffee")
    expect(screen.locator("#receipt-balance")).to_have_text("$8.75")


def test_a_card_link_opens_the_counter_on_a_device_of_its_network_and_stays_public_elsewhere(
        new_context, make_operator, issue_card, app_server):
    owner = make_operator()
    stranger = make_operator()
    tag = uuid.uuid4().hex[:6]
    shop = make_location(app_server, owner.operator_id, f"Toy Shop {tag}", "amount")
    foreign = make_location(app_server, stranger.operator_id, f"Other Network Shop {tag}", "amount")
    card = issue_card(owner.operator_id, 2500)
    device, _ = activate_device(new_context, shop["activation_url"], "Toy counter")

    device.goto(f"/c/{card['link_token']}")
    device.wait_for_url(re.compile(r"/redeem/?\?link="))
    expect(device.locator("#redeem-card-last4")).to_contain_text(card["code"][-4:])
    expect(device.locator("#redeem-card-balance")).to_have_text("$25.00")

    phone = new_context({"width": 390, "height": 844}).new_page()
    phone.goto(f"/c/{card['link_token']}")
    expect(phone.locator("#card-page-balance")).to_contain_text("$25.00")
    assert "/c/" in phone.url

    elsewhere, _ = activate_device(new_context, foreign["activation_url"], "Foreign counter")
    elsewhere.goto(f"/c/{card['link_token']}")
    expect(elsewhere.locator("#card-page-balance")).to_contain_text("$25.00")
    assert "/redeem" not in elsewhere.url


# --------------------------------------------------------------------------- the dashboard's side


def refresh_until(page, selector: str, text: str, timeout_s: float = 15) -> None:
    """Click the delivery log's Refresh until `selector` contains `text` (deliveries run in the background)."""
    deadline = time.monotonic() + timeout_s
    while True:
        page.click("#webhook-deliveries-refresh")
        page.wait_for_timeout(400)
        locator = page.locator(selector)
        if locator.count() and text in locator.inner_text():
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"{selector} never showed {text!r}")


def square_body(event_id: str, amount_cents: int) -> bytes:
    return json.dumps({
        "merchant_id": "ML0EXAMPLE", "type": "payment.created", "event_id": event_id,
        "created_at": "2026-11-28T12:00:00Z",
        "data": {"type": "payment", "id": "pay_1", "object": {"payment": {
            "id": f"sq-{event_id}", "amount_money": {"amount": amount_cents, "currency": "CAD"},
            "source_type": "EXTERNAL", "external_details": {"type": "OTHER_GIFT_CARD", "source": "Giftnet"},
            "reference_id": "Square order 9", "status": "COMPLETED"}}},
    }).encode()


def test_the_location_screen_shows_webhook_deliveries_retries_them_reveals_the_secret_sets_up_square_and_voids(
        new_context, make_operator, issue_card, app_server, receiver):
    from standardwebhooks.webhooks import Webhook

    owner = make_operator()
    tag = uuid.uuid4().hex[:6]
    name = f"Green Grocer {tag}"
    grocer = make_location(app_server, owner.operator_id, name, "pos", notify_webhook_url=receiver.url)
    screen, device_code = activate_device(new_context, grocer["activation_url"], "Till")
    card = issue_card(owner.operator_id, 6000)

    # Two redemptions at the counter; the receiver is down for the first webhook.
    open_card(screen, card["code"])
    first = push_payment(app_server.base_url, grocer["pos_key"], 1500, "Basket 1")
    screen.click(f"#pos-select-{first['id']}")
    expect(screen.locator("#receipt-amount")).to_have_text("$15.00")
    first_redemption = read_payment(app_server.base_url, grocer["pos_key"], first["id"])["redemption_id"]
    screen.click("#receipt-next")

    dashboard = new_context().new_page()
    log_in(dashboard, owner.email, owner.password)
    open_page(dashboard, f"/locations/{grocer['location_id']}")
    expect(dashboard.locator("#location-detail-name")).to_have_text(name)

    # The delivery log: the failed attempts, with their status code. The sender retries once
    # after 5 s, then waits 5 minutes: that is when a merchant would use Retry now.
    refresh_until(dashboard, "#webhook-deliveries-table", "HTTP 500")
    row = dashboard.locator(".webhook-delivery-row").first
    delivery_id = row.get_attribute("id").removeprefix("webhook-delivery-row-")
    refresh_until(dashboard, f"#webhook-delivery-row-{delivery_id} .webhook-delivery-attempts", "2")
    expect(row).to_contain_text("redemption.completed")
    expect(dashboard.locator(f"#webhook-delivery-status-{delivery_id}")).to_have_text("pending")
    dashboard.click(f"#webhook-attempts-{delivery_id}")
    expect(dashboard.locator(f"#webhook-attempt-list-{delivery_id} .webhook-attempt").first).to_contain_text("HTTP 500")

    # The receiver is back: Retry now delivers it, and the log says so by itself.
    receiver.status = 200
    dashboard.click(f"#webhook-retry-{delivery_id}")
    expect(dashboard.locator("#webhook-message")).to_contain_text(f"Delivery #{delivery_id}")
    expect(dashboard.locator(f"#webhook-delivery-status-{delivery_id}")).to_have_text("delivered", timeout=10_000)
    expect(dashboard.locator(f"#webhook-retry-{delivery_id}")).to_have_count(0)
    attempts = dashboard.locator(f"#webhook-attempt-list-{delivery_id} .webhook-attempt")
    expect(attempts).to_have_count(3)
    expect(attempts.last).to_contain_text("HTTP 200")

    # The revealed secret verifies what the receiver got (Standard Webhooks).
    expect(dashboard.locator("#webhook-secret")).to_have_count(0)
    dashboard.click("#webhook-secret-reveal")
    secret = dashboard.locator("#webhook-secret").inner_text().strip()
    assert secret.startswith("whsec_")
    headers, body = receiver.requests[-1]
    verified = Webhook(secret).verify(body, headers)
    assert verified["type"] == "redemption.completed"
    assert verified["data"]["redemption_id"] == first_redemption
    assert verified["data"]["device_code"] == device_code
    assert len({request_headers["webhook-id"] for request_headers, _ in receiver.requests}) == 1  # one message, retried
    SCREENSHOTS.mkdir(exist_ok=True)
    dashboard.screenshot(path=str(SCREENSHOTS / "location-notifications.png"), full_page=True)

    # Square: the receiver URL to paste, then the subscription's key and URL; a signed event is a POS payment.
    receiver_url = f"{app_server.base_url}/api/v1/pos/square/{grocer['location_id']}"
    expect(dashboard.locator("#square-receiver-url")).to_have_text(receiver_url)
    expect(dashboard.locator("#square-notification-url")).to_have_value(receiver_url)
    dashboard.fill("#square-signature-key", "square-signature-key-123")
    dashboard.click("#square-save")
    expect(dashboard.locator("#square-message")).to_contain_text("Square settings saved")
    expect(dashboard.locator("#square-status")).to_have_text("connected")
    body = square_body(f"evt-{tag}", 990)
    signature = base64.b64encode(hmac.new(b"square-signature-key-123", receiver_url.encode() + body,
                                          hashlib.sha256).digest()).decode()
    answer = httpx.post(receiver_url, content=body, headers={"content-type": "application/json",
                                                             "x-square-hmacsha256-signature": signature}, timeout=10)
    assert answer.status_code == 200, answer.text
    assert answer.json()["reason"] == "created"
    square_payment = answer.json()["pos_payment_id"]
    screen.wait_for_selector(f"#pos-payment-{square_payment}", timeout=5000)
    expect(screen.locator(f"#pos-payment-{square_payment}")).to_contain_text("$9.90")
    bad = httpx.post(receiver_url, content=body, headers={"x-square-hmacsha256-signature": "bm9wZQ=="}, timeout=10)
    assert bad.status_code == 401

    # Void from the dashboard, after confirming; a redemption the device voided first is refused with the reason.
    open_card(screen, card["code"])
    screen.click(f"#pos-select-{square_payment}")
    expect(screen.locator("#receipt-amount")).to_have_text("$9.90")
    second_redemption = read_payment(app_server.base_url, grocer["pos_key"], square_payment)["redemption_id"]
    open_page(dashboard, f"/locations/{grocer['location_id']}")
    expect(dashboard.locator(f"#redemption-status-{first_redemption}")).to_have_text("completed")
    dashboard.click(f"#redemption-void-{first_redemption}")
    expect(dashboard.locator("#redemption-void-confirm")).to_be_visible()
    dashboard.screenshot(path=str(SCREENSHOTS / "location-void-confirm.png"))
    dashboard.click("#redemption-void-confirm")
    expect(dashboard.locator(f"#redemption-status-{first_redemption}")).to_have_text("voided")
    expect(dashboard.locator("#location-action-message")).to_contain_text(f"Redemption #{first_redemption} voided")
    expect(dashboard.locator(f"#redemption-void-{first_redemption}")).to_have_count(0)

    screen.click("#receipt-void")  # the device voids the second one while the dashboard still offers it
    screen.click("#void-confirm")
    expect(screen.locator("#receipt-title")).to_have_text("Voided")
    dashboard.click(f"#redemption-void-{second_redemption}")
    dashboard.click("#redemption-void-confirm")
    expect(dashboard.locator("#location-action-error")).to_have_text("This redemption was already voided.")
    expect(dashboard.locator(f"#redemption-status-{second_redemption}")).to_have_text("voided")
    assert card_balance(app_server.base_url, owner.api_key, card["card_id"]) == 6000

    # The card's ledger: each redemption and its void, with where it happened.
    open_page(dashboard, f"/cards/{card['card_id']}")
    expect(dashboard.locator(".ledger-row", has_text="Redeemed")).to_have_count(2)
    expect(dashboard.locator(".ledger-row", has_text="Redeemed").first).to_contain_text(
        f"{name} · device {device_code}")
    expect(dashboard.locator(".ledger-row", has_text="Voided redemption")).to_have_count(2)
    expect(dashboard.locator(".ledger-row", has_text="Voided redemption").first).to_contain_text(
        f"{name} · device {device_code}")
    expect(dashboard.locator(".ledger-row", has_text="Voided redemption").last).to_contain_text(f"{name} · dashboard")
    check_ledger(app_server)


def test_the_ledger_balances_after_the_counter_tests(app_server):
    assert "ledger balanced" in check_ledger(app_server)


# --------------------------------------------------------------------------- test mode: a test card at the counter


def _bought_in_sandbox(app_server, operator_id: int, amount_cents: int) -> dict:
    """A card bought in the network's sandbox shop with the public test card: a test card."""
    return app_python(app_server, f"""
import json
from app.db import read_session
from app.models import Card
from app.services.core import crypto
from app.services.shop import orders
order = orders.create_order({operator_id}, buyer_name="Mallory", buyer_email="mallory@example.com",
                            lines=[orders.CartLine(kind="card", amount_cents={amount_cents})])
paid = orders.pay_order({operator_id}, order.id, "sbx_1234_approve", "attacker-click")
with read_session() as session:
    print(json.dumps({{"code": crypto.decrypt(session.get(Card, paid.lines[0].card_id).code_encrypted)}}))
""")


def _make_test_location(app_server, location_id: int) -> None:
    app_python(app_server, f"""
import json
from app.db import read_session
from app.models import Location
from app.services.core.actor import Actor
from app.services.network import locations
with read_session() as session:
    operator_id = session.get(Location, {location_id}).operator_id
locations.update_location(Actor(operator_id, channel="system"), {location_id}, {{"is_test": True}})
print(json.dumps({{"ok": True}}))
""")


def test_a_sandbox_card_is_refused_at_a_real_counter_and_works_at_a_test_one(new_context, make_operator, app_server):
    owner = make_operator()
    tag = uuid.uuid4().hex[:6]
    real = make_location(app_server, owner.operator_id, f"Real Counter {tag}", "amount")
    lab = make_location(app_server, owner.operator_id, f"Test Lab {tag}", "amount")
    _make_test_location(app_server, lab["location_id"])
    card = _bought_in_sandbox(app_server, owner.operator_id, 2500)

    screen, _ = activate_device(new_context, real["activation_url"], "Real counter")
    open_card(screen, card["code"])
    expect(screen.locator("#redeem-card-test")).to_have_text("TEST CARD")
    expect(screen.locator("#redeem-card-test-refusal")).to_contain_text("This is a test card")
    for key in ("5", "0", "0"):  # the merchant tries anyway: refused, nothing moves
        screen.click(f"#pad-{key}")
    screen.click("#redeem-amount-submit")
    expect(screen.locator("#redeem-error")).to_contain_text("This is a test card")
    expect(screen.locator("#redeem-card-balance")).to_have_text("$25.00")

    tester, _ = activate_device(new_context, lab["activation_url"], "Lab counter")
    open_card(tester, card["code"])
    expect(tester.locator("#redeem-card-test")).to_have_text("TEST CARD")
    expect(tester.locator("#redeem-card-test-refusal")).to_have_count(0)
    for key in ("5", "0", "0"):
        tester.click(f"#pad-{key}")
    tester.click("#redeem-amount-submit")
    expect(tester.locator("#receipt-amount")).to_have_text("$5.00")
    expect(tester.locator("#receipt-test-card")).to_contain_text("TEST CARD")

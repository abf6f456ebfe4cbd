"""Clover and Shopify POS in Chromium: the owner connects both on the location's POS screen
(Clover's API a local stand-in the app reaches on loopback, its verification code shown to
copy back), each partner's payment reaches two counter screens of the location live, SELECT
on one applies it once (the other sees it gone), the same notification twice and out of
order changes nothing, a bad signature is refused with 401, and the dashboard lists both
payments with their source and the POS log.

Screenshots of the POS screen land in screenshots/pos/ (gitignored).
"""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from tests.fakes.clover import GIFT_CARD_TENDER, FakeClover
from tests.support.browser import (
    TABLET_LANDSCAPE,
    TABLET_PORTRAIT,
    activate_device,
    log_in,
    make_location,
    open_card,
    open_page,
)
from tests.support.pos_partners import (
    CLOVER_AUTH_CODE,
    SHOPIFY_METHOD,
    SHOPIFY_SECRET,
    SHOPIFY_SHOP,
    clover_notification,
    clover_verification,
    shopify_pos_order,
    shopify_transaction,
    signed_by_shopify,
)

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "screenshots" / "pos"
LIVE_WITHIN_MS = 5000
VERIFICATION_CODE = "ce7643c1-83ea-4218-abe6-da876c9c7a0a"


@pytest.fixture(scope="module")
def clover_api():
    """Clover's REST API as the app reads it: the stand-in on a loopback port."""
    fake = FakeClover().start()
    yield fake
    fake.stop()


def shot(page, name: str, locator: str | None = None) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    target = page.locator(locator) if locator else page
    if locator:
        target.scroll_into_view_if_needed()
    target.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def post_to_clover_receiver(base_url: str, location_id: int, body: bytes, auth: str | None) -> httpx.Response:
    """As Clover posts: JSON, `X-Clover-Auth` once the app is verified (none on the verification POST)."""
    headers = {"Content-Type": "application/json", **({"X-Clover-Auth": auth} if auth else {})}
    return httpx.post(f"{base_url}/api/v1/pos/clover/{location_id}", content=body, headers=headers, timeout=20)


def post_to_shopify_receiver(base_url: str, location_id: int, body: bytes, *, topic: str, webhook_id: str,
                             secret: str = SHOPIFY_SECRET) -> httpx.Response:
    """As Shopify posts: the raw body signed with the webhook secret, its topic and delivery id."""
    return httpx.post(f"{base_url}/api/v1/pos/shopify/{location_id}", content=body, timeout=20, headers={
        "Content-Type": "application/json", "X-Shopify-Topic": topic, "X-Shopify-Shop-Domain": SHOPIFY_SHOP,
        "X-Shopify-Webhook-Id": webhook_id, "X-Shopify-Hmac-Sha256": signed_by_shopify(body, secret)})


def card_balance(base_url: str, api_key: str, card_id: int) -> int:
    answer = httpx.get(f"{base_url}/api/v1/cards/{card_id}", headers={"Authorization": f"Bearer {api_key}"},
                       timeout=10)
    return answer.json()["balance_cents"]


def test_clover_and_shopify_pos_payments_reach_two_counters_live_and_are_applied_once(
        new_context, make_operator, issue_card, app_server, base_url, clover_api):
    owner = make_operator()
    tag = uuid.uuid4().hex[:6]
    cafe = make_location(app_server, owner.operator_id, f"Bean There {tag}", "pos")
    location_id = cafe["location_id"]
    front, _ = activate_device(new_context, cafe["activation_url"], "Front counter")
    back, _ = activate_device(new_context, cafe["activation_url"], "Back counter", TABLET_PORTRAIT)
    dashboard = new_context(TABLET_LANDSCAPE).new_page()
    log_in(dashboard, owner.email, owner.password)
    open_page(dashboard, f"/locations/{location_id}")

    # Clover: the URL to give Clover, then the merchant's settings pointing at the stand-in's API.
    clover_url = f"{base_url}/api/v1/pos/clover/{location_id}"
    expect(dashboard.locator("#clover-receiver-url")).to_have_text(clover_url)
    expect(dashboard.locator("#clover-status")).to_have_text("not set up")
    expect(dashboard.locator("#location-pos-payments-empty")).to_be_visible()
    expect(dashboard.locator("#pos-log-empty")).to_be_visible()
    shot(dashboard, "clover-not-set-up", "#clover-card")
    dashboard.fill("#clover-merchant-id", clover_api.merchant_id)
    dashboard.fill("#clover-api-token", clover_api.api_token)
    dashboard.fill("#clover-tender-label", GIFT_CARD_TENDER)
    dashboard.fill("#clover-base-url", clover_api.base_url)
    dashboard.click("#clover-save")
    expect(dashboard.locator("#clover-message")).to_contain_text("Clover settings saved")
    expect(dashboard.locator("#clover-status")).to_have_text("waiting for the Clover Auth Code")
    expect(dashboard.locator("#clover-api-token-stored")).to_have_text(f"stored, ends in {clover_api.api_token[-4:]}")
    expect(dashboard.locator("#clover-api-token")).to_have_value("")  # write-only: never sent back
    expect(dashboard.locator("#clover-verification-waiting")).to_be_visible()

    # Clover's first POST carries the verification code; the screen shows it to copy back into Clover.
    handshake = post_to_clover_receiver(base_url, location_id, clover_verification(VERIFICATION_CODE), None)
    assert handshake.status_code == 200 and handshake.json()["verification_code_received"], handshake.text
    dashboard.click("#clover-verification-check")
    expect(dashboard.locator("#clover-verification-code")).to_have_text(VERIFICATION_CODE)
    expect(dashboard.locator("#clover-verification-copy")).to_be_visible()
    shot(dashboard, "clover-verification-code", "#clover-card")
    dashboard.fill("#clover-auth-code", CLOVER_AUTH_CODE)
    dashboard.click("#clover-save")
    expect(dashboard.locator("#clover-status")).to_have_text("connected")
    expect(dashboard.locator("#clover-message")).to_contain_text("Clover connected")
    expect(dashboard.locator("#clover-auth-code-stored")).to_have_text(f"stored, ends in {CLOVER_AUTH_CODE[-4:]}")
    expect(dashboard.locator("#clover-merchant-id")).to_have_value(clover_api.merchant_id)
    shot(dashboard, "clover-connected", "#clover-card")

    # Shopify POS: the URL, then the shop, the payment method and the webhook secret.
    expect(dashboard.locator("#shopify-receiver-url")).to_have_text(f"{base_url}/api/v1/pos/shopify/{location_id}")
    dashboard.fill("#shopify-shop-domain", SHOPIFY_SHOP)
    dashboard.fill("#shopify-payment-method", SHOPIFY_METHOD)
    dashboard.fill("#shopify-webhook-secret", SHOPIFY_SECRET)
    dashboard.click("#shopify-save")
    expect(dashboard.locator("#shopify-status")).to_have_text("connected")
    expect(dashboard.locator("#shopify-message")).to_contain_text("Shopify POS connected")
    expect(dashboard.locator("#shopify-webhook-secret-stored")).to_have_text(f"stored, ends in {SHOPIFY_SECRET[-4:]}")
    shot(dashboard, "shopify-connected", "#shopify-card")

    card = issue_card(owner.operator_id, 10000)
    for screen in (front, back):
        expect(screen.locator("#pos-payments-empty")).to_be_visible()

    # A Clover payment (tip included): the notification overtook by its UPDATE, then the CREATE, then
    # both again. Each read of Clover's API ends in the same one payment on both counters.
    clover_payment = clover_api.add_payment(amount=2000, tip=350)
    bad = post_to_clover_receiver(base_url, location_id,
                                  clover_notification(clover_api.merchant_id, (clover_payment, "CREATE")), "not-it")
    assert bad.status_code == 401 and bad.json()["error"]["code"] == "unauthenticated"
    answers = [post_to_clover_receiver(base_url, location_id, clover_notification(clover_api.merchant_id, *updates),
                                       CLOVER_AUTH_CODE)
               for updates in ([(clover_payment, "UPDATE")], [(clover_payment, "CREATE")],
                               [(clover_payment, "CREATE"), (clover_payment, "UPDATE")])]
    assert [answer.status_code for answer in answers] == [200, 200, 200], [answer.text for answer in answers]
    reasons = [[row["reason"] for row in answer.json()["payments"]] for answer in answers]
    assert reasons == [["created"], ["duplicate"], ["duplicate"]]
    clover_id = answers[0].json()["payments"][0]["pos_payment_id"]
    for screen in (front, back):
        screen.wait_for_selector(f"#pos-payment-{clover_id}", timeout=LIVE_WITHIN_MS)
        expect(screen.locator(".pos-payment")).to_have_count(1)
        expect(screen.locator(f"#pos-payment-{clover_id} .pos-payment-amount")).to_have_text("$23.50")

    # SELECT on the front counter applies it once; the back counter sees it gone.
    open_card(front, card["code"])
    front.click(f"#pos-select-{clover_id}")
    expect(front.locator("#receipt-amount")).to_have_text("$23.50")
    expect(front.locator("#receipt-balance")).to_have_text("$76.50")
    expect(back.locator(f"#pos-payment-{clover_id}")).to_have_count(0, timeout=LIVE_WITHIN_MS)
    expect(back.locator("#pos-payments-empty")).to_be_visible()
    late = post_to_clover_receiver(base_url, location_id,
                                   clover_notification(clover_api.merchant_id, (clover_payment, "CREATE")),
                                   CLOVER_AUTH_CODE)
    assert late.status_code == 200 and [row["reason"] for row in late.json()["payments"]] == ["duplicate"]
    front.click("#receipt-next")

    # A Shopify POS order, then its transaction, then the order redelivered: one payment on both
    # counters. A body signed with another secret is refused.
    order_id = int(uuid.uuid4().int % 10**15)
    order = shopify_pos_order(order_id=order_id, total="18.75", tip="2.75")
    transaction = shopify_transaction(transaction_id=order_id + 1, order_id=order_id, amount="18.75")
    forged = post_to_shopify_receiver(base_url, location_id, order, topic="orders/create", webhook_id=f"w-{tag}-0",
                                      secret="not-the-secret")
    assert forged.status_code == 401 and forged.json()["error"]["code"] == "unauthenticated"
    shopify_answers = [
        post_to_shopify_receiver(base_url, location_id, order, topic="orders/create", webhook_id=f"w-{tag}-1"),
        post_to_shopify_receiver(base_url, location_id, transaction, topic="order_transactions/create",
                                 webhook_id=f"w-{tag}-2"),
        post_to_shopify_receiver(base_url, location_id, order, topic="orders/create", webhook_id=f"w-{tag}-1"),
    ]
    assert [answer.status_code for answer in shopify_answers] == [200, 200, 200], \
        [answer.text for answer in shopify_answers]
    assert [answer.json()["reason"] for answer in shopify_answers] == ["created", "duplicate", "duplicate"]
    shopify_id = shopify_answers[0].json()["pos_payment_id"]
    for screen in (front, back):
        screen.wait_for_selector(f"#pos-payment-{shopify_id}", timeout=LIVE_WITHIN_MS)
        expect(screen.locator(".pos-payment")).to_have_count(1)
        expect(screen.locator(f"#pos-payment-{shopify_id} .pos-payment-amount")).to_have_text("$18.75")

    # SELECT on the back counter this time; the front counter sees it gone.
    open_card(back, card["code"])
    back.click(f"#pos-select-{shopify_id}")
    expect(back.locator("#receipt-amount")).to_have_text("$18.75")
    expect(back.locator("#receipt-balance")).to_have_text("$57.75")
    expect(front.locator(f"#pos-payment-{shopify_id}")).to_have_count(0, timeout=LIVE_WITHIN_MS)
    again = post_to_shopify_receiver(base_url, location_id, order, topic="orders/create", webhook_id=f"w-{tag}-3")
    assert again.status_code == 200 and again.json()["reason"] == "duplicate"
    front.wait_for_timeout(500)
    expect(front.locator(".pos-payment")).to_have_count(0)
    assert card_balance(base_url, owner.api_key, card["card_id"]) == 5775

    # The dashboard lists both with their source, tip and status; the POS log says what came in.
    dashboard.click("#location-pos-payments-refresh")
    for payment_id, source, amount, tip in ((clover_id, "Clover", "$23.50", "$3.50"),
                                            (shopify_id, "Shopify POS", "$18.75", "$2.75")):
        expect(dashboard.locator(f"#location-pos-payment-source-{payment_id}")).to_have_text(source)
        expect(dashboard.locator(f"#location-pos-payment-amount-{payment_id}")).to_have_text(amount)
        expect(dashboard.locator(f"#location-pos-payment-tip-{payment_id}")).to_have_text(tip)
        expect(dashboard.locator(f"#location-pos-payment-currency-{payment_id}")).to_have_text("CAD")
        expect(dashboard.locator(f"#location-pos-payment-status-{payment_id}")).to_have_text("applied")
    rows = dashboard.locator(".location-pos-payment-row")
    expect(rows).to_have_count(2)
    expect(rows.first).to_have_id(f"location-pos-payment-row-{shopify_id}")  # newest first
    shot(dashboard, "pos-payments", "#location-pos-payments-card")

    # Only pending ones: none is left.
    dashboard.click("#location-pos-payments-status")
    dashboard.get_by_role("option", name="Pending").click()
    expect(dashboard.locator("#location-pos-payments-empty")).to_have_text("No POS payments of this status.")
    dashboard.click("#location-pos-payments-status")
    dashboard.get_by_role("option", name="All statuses").click()
    expect(rows).to_have_count(2)

    # A Shopify order in another currency is refused and written to the POS log.
    yen = shopify_pos_order(order_id=order_id + 7, total="2350", tip="", currency="JPY")
    refused = post_to_shopify_receiver(base_url, location_id, yen, topic="orders/create", webhook_id=f"w-{tag}-9")
    assert refused.status_code == 200 and refused.json()["reason"] == "other_currency", refused.text
    dashboard.click("#pos-log-refresh")
    log_rows = dashboard.locator(".pos-log-row")
    expect(log_rows.first).to_contain_text("JPY")
    expect(log_rows.first).to_contain_text("other currency")
    expect(dashboard.locator(".pos-log-row", has_text="Clover")).not_to_have_count(0)
    shot(dashboard, "pos-log", "#pos-log-card")
    dashboard.screenshot(path=str(SCREENSHOTS / "location-pos-screen.png"), full_page=True)
    # The app read the payment from Clover's API with the merchant's token.
    assert any(read.path.endswith(f"/payments/{clover_payment}") and read.authorization ==
               f"Bearer {clover_api.api_token}" for read in clover_api.requests)

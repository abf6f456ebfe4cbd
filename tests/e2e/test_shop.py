"""The shop end to end with the sandbox gateway: two cards on /shop/<slug>, a purchase
inside the widget's iframe on a page of another origin, a decline then a retry, a
top-up, the recipient emails in the outbox with links that open the card, and Forte
credentials tried on the Widget screen (Test connection, refused, saved) against the fake Forte."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.support.browser import open_page

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
APPROVE, DECLINE = "4030000010001234", "4003050500040005"

_READ_OUTBOX = """
import json, sys
from sqlmodel import select
from app.db import read_session
from app.models import Operator, OutboxMessage
from app.services.messaging.outbox import read_email
if sys.argv[1] == "buy":  # a card bought earlier in this sandbox shop: a test card, like the shop sells
    from app.services.core import crypto
    from app.services.shop import orders
    from app.models import Card
    operator_id = int(sys.argv[2])
    order = orders.create_order(operator_id, buyer_name="Ada Buyer", buyer_email="ada@example.com",
                                lines=[orders.CartLine(kind="card", amount_cents=int(sys.argv[3]))])
    paid = orders.pay_order(operator_id, order.id, "sbx_1234_approve", "earlier-purchase")
    with read_session() as session:
        print(json.dumps({"code": crypto.decrypt(session.get(Card, paid.lines[0].card_id).code_encrypted)}))
    sys.exit(0)
with read_session() as session:
    if sys.argv[1] == "slug":
        print(json.dumps(session.get(Operator, int(sys.argv[2])).slug))
    else:
        rows = session.exec(select(OutboxMessage).where(OutboxMessage.operator_id == int(sys.argv[2]))).all()
        print(json.dumps([{"to": m.to_address, "kind": m.kind, "subject": m.subject,
                           "text": read_email(m).text_body, "images": len(read_email(m).inline_images)} for m in rows]))
"""


def _app_python(app_server, *args: str):
    result = subprocess.run([sys.executable, "-c", _READ_OUTBOX, *args], cwd=ROOT, env=app_server.env,
                            capture_output=True, text=True, timeout=60, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture
def shop_operator(make_operator, app_server):
    operator = make_operator()
    operator.slug = _app_python(app_server, "slug", str(operator.operator_id))
    return operator


def _fill_buyer(frame, name="Ada Buyer", email="ada@example.com"):
    frame.locator("#buyer-name").fill(name)
    frame.locator("#buyer-email").fill(email)


def _pay(frame, card_number: str):
    frame.locator("#sandbox-card-number").fill(card_number)
    frame.locator("#pay-button").click()


def test_buy_two_cards_in_the_shop_with_the_sandbox(page, shop_operator, app_server):
    open_page(page, f"/shop/{shop_operator.slug}")
    expect(page.locator("#test-mode-banner")).to_contain_text("TEST MODE")
    page.locator("#line-0-amount-5000").click()
    page.locator("#add-card").click()
    page.locator("#line-1-amount-custom").click()
    page.locator("#line-1-custom-amount").fill("35")
    page.locator("#line-1-for-other").click()
    page.locator("#line-1-recipient-name").fill("Bo Friend")
    page.locator("#line-1-recipient-email").fill("bo@example.com")
    page.locator("#line-1-message").fill("Happy birthday, Bo!")
    expect(page.locator("#cart-total")).to_have_text("$85.00")

    # Errors stand beside their fields.
    page.locator("#checkout").click()
    expect(page.locator("#buyer-email-error")).to_be_visible()
    _fill_buyer(page)
    page.locator("#checkout").click()
    expect(page.locator("#pay-total")).to_have_text("$85.00 CAD")
    expect(page.locator("#test-mode-banner")).to_be_visible()
    _pay(page, APPROVE)

    expect(page.locator("#order-paid")).to_be_visible()
    expect(page.locator(".order-result-line")).to_have_count(2)
    expect(page.locator("#order-result-lines")).to_contain_text("Bo Friend")

    emails = _app_python(app_server, "outbox", str(shop_operator.operator_id))
    to_bo = [m for m in emails if m["to"] == "bo@example.com"]
    assert len(to_bo) == 1 and to_bo[0]["kind"] == "card_recipient" and to_bo[0]["images"] == 1
    assert "Happy birthday, Bo!" in to_bo[0]["text"]
    assert {m["kind"] for m in emails if m["to"] == "ada@example.com"} == {"card_recipient", "order_receipt"}
    # The link in the email opens the card page with the card's balance.
    link = re.search(r"http://\S+/c/\S+", to_bo[0]["text"]).group(0)
    page.goto(re.sub(r"^https?://[^/]+", "", link))
    expect(page.locator("#card-page-balance")).to_have_text("$35.00 CAD")


def test_a_declined_card_then_a_successful_retry(page, shop_operator):
    open_page(page, f"/shop/{shop_operator.slug}")
    _fill_buyer(page)
    page.locator("#checkout").click()
    _pay(page, DECLINE)
    expect(page.locator("#order-failed")).to_contain_text("declined")
    expect(page.locator("#order-failed-message")).to_contain_text("DECLINE")

    page.locator("#try-again").click()
    _pay(page, APPROVE)
    expect(page.locator("#order-paid")).to_be_visible()


def test_a_top_up_raises_the_balance_of_an_existing_card(page, shop_operator, issue_card, app_server):
    """In test mode the shop tops up the test cards it sold, never a real card (free real value)."""
    real = issue_card(shop_operator.operator_id, 2500)
    card = _app_python(app_server, "buy", str(shop_operator.operator_id), "2500")
    open_page(page, f"/shop/{shop_operator.slug}")
    page.locator("#add-topup").click()
    page.locator("#line-0-remove").click()
    page.locator("#line-0-card-code").fill(real["code"])
    page.locator("#line-0-custom-amount").fill("15.00")
    _fill_buyer(page)
    page.locator("#checkout").click()
    expect(page.locator("#line-0-card-code-error")).to_contain_text("it can top up only test cards")
    page.locator("#line-0-card-code").fill(card["code"])
    page.locator("#checkout").click()
    _pay(page, APPROVE)
    expect(page.locator("#order-result-lines")).to_contain_text("Top-up $15.00")

    emails = _app_python(app_server, "outbox", str(shop_operator.operator_id))
    [receipt] = [m for m in emails if m["kind"] == "order_receipt" and "Top-up" in m["text"]]  # not the purchase's
    assert "balance now $40.00" in receipt["text"]


def test_a_purchase_inside_the_widget_iframe_on_another_site(new_context, shop_operator, app_server,
                                                             other_origin):
    folder, host_origin = other_origin
    (folder / "index.html").write_text(
        "<!doctype html><html><body><h1 id='host-title'>Main Street Association</h1>"
        f"<script src='{app_server.base_url}/embed.js' data-shop='{shop_operator.slug}'></script>"
        "<p id='host-footer'>Thanks for shopping local.</p></body></html>"
    )
    page = new_context().new_page()
    page.goto(host_origin + "/index.html")
    frame_element = page.locator("#giftnet-shop-frame")
    expect(frame_element).to_be_attached()
    frame = page.frame_locator("#giftnet-shop-frame")
    frame.locator("#page-ready").wait_for(state="attached")
    expect(frame.locator("#test-mode-banner")).to_be_visible()

    frame.locator("#line-0-amount-2500").click()
    _fill_buyer(frame, email="frame-buyer@example.com")
    frame.locator("#checkout").click()
    _pay(frame, APPROVE)
    expect(frame.locator("#order-paid")).to_be_visible()
    # The frame grew to its content from the shop's postMessage.
    page.wait_for_function("document.getElementById('giftnet-shop-frame').style.height !== ''")
    assert page.url.startswith(host_origin)

    emails = _app_python(app_server, "outbox", str(shop_operator.operator_id))
    assert any(m["to"] == "frame-buyer@example.com" and m["kind"] == "card_recipient" for m in emails)


def test_the_widget_button_opens_the_shop(new_context, shop_operator, app_server, other_origin):
    folder, host_origin = other_origin
    (folder / "button.html").write_text(
        f"<!doctype html><html><body><script src='{app_server.base_url}/embed.js' data-shop='{shop_operator.slug}' "
        "data-mode='button'></script></body></html>"
    )
    page = new_context().new_page()
    page.goto(host_origin + "/button.html")
    button = page.locator("#giftnet-buy-button")
    expect(button).to_have_attribute("href", f"{app_server.base_url}/shop/{shop_operator.slug}")
    expect(button).to_have_attribute("target", "_blank")


def test_the_dashboard_shows_the_widget_and_refunds_an_order(new_context, shop_operator):
    from tests.support.browser import log_in

    shopper = new_context().new_page()
    open_page(shopper, f"/shop/{shop_operator.slug}")
    shopper.locator("#line-0-amount-5000").click()
    _fill_buyer(shopper)
    shopper.locator("#checkout").click()
    _pay(shopper, APPROVE)
    expect(shopper.locator("#order-paid")).to_be_visible()

    page = new_context().new_page()
    log_in(page, shop_operator.email, shop_operator.password)
    page.locator("#nav-shop").click()
    expect(page.locator("#widget-snippet-iframe")).to_contain_text(f'data-shop="{shop_operator.slug}"')
    expect(page.locator("#widget-sandbox-note")).to_contain_text("TEST MODE")
    page.frame_locator("#widget-preview").locator("#test-mode-banner").wait_for()
    page.locator("#widget-presets").fill("20, 40")
    page.locator("#widget-settings-save").click()
    expect(page.locator("#widget-settings-saved")).to_be_visible()
    page.frame_locator("#widget-preview").locator("#line-0-amount-4000").wait_for()

    page.locator("#nav-orders").click()
    row = page.locator(".order-row").first
    expect(row).to_contain_text("paid")
    expect(row).to_contain_text("TEST")
    row.locator("[id^=refund-line-]").click()
    expect(page.locator("#orders-refund-done")).to_be_visible()
    expect(row).to_contain_text("refunded")


def test_forte_credentials_are_tested_then_saved_and_wrong_ones_are_refused(new_context, make_operator):
    from tests.fakes.forte import FakeForte
    from tests.support.browser import log_in

    shop_operator = make_operator(currency="USD")  # Forte charges US dollars only
    fake = FakeForte().start()
    try:
        page = new_context().new_page()
        log_in(page, shop_operator.email, shop_operator.password)
        page.locator("#nav-shop").click()
        page.locator("#widget-gateway").click()
        page.get_by_role("option", name="forte", exact=True).click()
        page.locator("#gateway-forte-organization-id").fill(fake.organization_id)
        page.locator("#gateway-forte-location-id").fill(fake.location_id)
        page.locator("#gateway-forte-api-access-id").fill(fake.api_access_id)
        page.locator("#gateway-forte-api-secure-key").fill("not-the-key")
        page.locator("#gateway-forte-api-login-id").fill(fake.api_login_id)
        page.locator("#gateway-forte-base-url").fill(fake.base_url)

        page.locator("#widget-gateway-save").click()
        expect(page.locator("#widget-gateway-error")).to_contain_text(
            "Forte refused these credentials: Invalid authentication; nothing was saved.")

        page.locator("#gateway-forte-api-secure-key").fill(fake.api_secure_key)
        page.locator("#widget-gateway-test").click()
        expect(page.locator("#widget-gateway-saved")).to_contain_text("Forte accepted these credentials (TEST MODE).")
        expect(page.locator("#widget-gateway-error")).to_have_count(0)
        sales_before_save = len(fake.sale_requests())

        page.locator("#widget-gateway-save").click()
        expect(page.locator("#widget-gateway-saved")).to_contain_text("Saved: the shop takes payments through Forte")
        expect(page.locator("#gateway-forte-mode")).to_contain_text("TEST MODE")
        assert len(fake.requests) == 3 and len(fake.sale_requests()) == sales_before_save == 0
    finally:
        fake.stop()

"""A refund Square makes after the counter's SELECT, in Chromium: Square's payment with a tip
arrives signed as Square signs it, the counter SELECTs it with a card, then Square refunds it.
Both counter screens of the location show the refund to give back by themselves; one tap
gives it back to the card, the other screen's row goes away, and the card's balance in the
API is the one the confirmation shows.

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
    app_python,
    make_location,
    open_card,
)
from tests.support.square import signed_by_square, square_payment_created, square_refund

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "screenshots" / "counter"
SIGNATURE_KEY = "e2e-square-signature-key-7Qx2"


def shots(page, name: str) -> None:
    """The screen at both tablet sizes: screenshots/counter/<name>-<w>x<h>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    original = page.viewport_size
    for size in (TABLET_PORTRAIT, TABLET_LANDSCAPE):
        page.set_viewport_size(size)
        page.wait_for_timeout(150)  # let the layout settle at the new width
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{size['width']}x{size['height']}.png"))
    page.set_viewport_size(original)


def send_as_square(receiver_url: str, body: bytes) -> dict:
    answer = httpx.post(receiver_url, content=body, timeout=10, headers={
        "content-type": "application/json",
        "x-square-hmacsha256-signature": signed_by_square(body, key=SIGNATURE_KEY, url=receiver_url)})
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_a_refund_square_makes_after_select_is_given_back_to_the_card_with_one_tap(
        new_context, make_operator, issue_card, app_server, base_url):
    owner = make_operator()
    tag = uuid.uuid4().hex[:6]
    cafe = make_location(app_server, owner.operator_id, f"Bean There {tag}", "pos")
    receiver_url = f"{base_url}/api/v1/pos/square/{cafe['location_id']}"
    app_python(app_server, f"""
import json
from app.services.counter import square_pos
square_pos.configure_square({owner.operator_id}, {cafe['location_id']}, signature_key={SIGNATURE_KEY!r},
                            notification_url={receiver_url!r})
print(json.dumps({{}}))
""")
    front, _ = activate_device(new_context, cafe["activation_url"], "Front counter")
    back, _ = activate_device(new_context, cafe["activation_url"], "Back counter", TABLET_PORTRAIT)
    card = issue_card(owner.operator_id, 5000)

    # Square takes $20.00 and a $3.00 tip with the gift card tender; the counter SELECTs it.
    payment_id, reference = f"sq-pay-{tag}", f"Order {tag}"
    sale = send_as_square(receiver_url, square_payment_created(
        amount=2000, tip=300, payment_id=payment_id, event_id=f"evt-pay-{tag}", reference_id=reference))
    assert sale["reason"] == "created"
    expect(front.locator(f"#pos-payment-{sale['pos_payment_id']}")).to_contain_text("$23.00")
    open_card(front, card["code"])
    front.click(f"#pos-select-{sale['pos_payment_id']}")
    expect(front.locator("#receipt-balance")).to_have_text("$27.00")
    front.click("#receipt-next")
    expect(front.locator("#counter-refunds")).to_have_count(0)

    # Square refunds the whole payment: both counters show the refund to give back, by themselves.
    refunded = send_as_square(receiver_url, square_refund(
        refund_id=f"{payment_id}_R1", payment_id=payment_id, amount=2300, event_id=f"evt-refund-{tag}"))
    assert refunded["reason"] == "refund_owed"
    wording = re.compile(rf"Refund to give back: card •••• {card['last4']}, \$23\.00 \(Square, ref {reference}\)")
    for screen in (front, back):
        expect(screen.locator(".refund-owed")).to_have_count(1)
        expect(screen.locator(".refund-owed-text")).to_have_text(wording)
    shots(front, "refund-to-give-back")

    # One tap gives it back; the other screen's row goes away by itself, with nothing left to tap.
    front.locator(".refund-give").click()
    expect(front.locator("#refund-given")).to_be_visible()
    expect(front.locator("#refund-given-amount")).to_have_text("$23.00")
    expect(front.locator("#refund-given-card")).to_have_text(f"•••• {card['last4']}")
    expect(front.locator("#refund-given-balance")).to_have_text("$50.00")
    expect(front.locator(".refund-owed")).to_have_count(0)
    expect(back.locator(".refund-owed")).to_have_count(0)
    shots(front, "refund-given-back")

    with httpx.Client(base_url=base_url + "/api/v1", headers={"Authorization": f"Bearer {owner.api_key}"},
                      timeout=10) as api:
        balance_cents = api.get(f"/cards/{card['card_id']}").json()["balance_cents"]
        shown = front.locator("#refund-given-balance").inner_text()
        assert f"${balance_cents // 100}.{balance_cents % 100:02d}" == shown == "$50.00"
        # Square sending the refund again changes nothing: no new refund to give back.
        again = send_as_square(receiver_url, square_refund(
            refund_id=f"{payment_id}_R1", payment_id=payment_id, amount=2300, event_id=f"evt-refund-{tag}"))
        assert again["reason"] == "duplicate"
        front.reload()
        expect(front.locator("#redeem-device-code")).to_be_visible()
        expect(front.locator(".refund-owed")).to_have_count(0)
        assert api.get(f"/cards/{card['card_id']}").json()["balance_cents"] == 5000

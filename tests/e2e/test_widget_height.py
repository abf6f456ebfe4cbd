"""The embedded shop fits its content on a page of another origin: its iframe grows when a
line is added, shrinks when one is removed and again after paying, and the confirmation is
in view once paid (no white gap with "Thank you" scrolled away), on a phone and a desktop."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.support.browser import app_python

pytestmark = pytest.mark.e2e

APPROVE = "4030000010001234"
SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}


def _frame_height(page) -> float:
    return page.evaluate("document.getElementById('giftnet-shop-frame').getBoundingClientRect().height")


def _settled_height(page, previous: float, grew: bool) -> float:
    """Wait until the frame's height moved the expected way from `previous`, then read it."""
    sign = ">" if grew else "<"
    page.wait_for_function(
        f"document.getElementById('giftnet-shop-frame').getBoundingClientRect().height {sign} {previous}")
    page.wait_for_timeout(700)  # the shop posts its height every 300 ms: let it settle
    return _frame_height(page)


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_the_widget_grows_shrinks_and_shows_the_confirmation(size, new_context, make_operator, app_server,
                                                             other_origin):
    operator = make_operator()
    slug = app_python(app_server, f"""
import json
from app.db import read_session
from app.models import Operator
with read_session() as session:
    print(json.dumps({{"slug": session.get(Operator, {operator.operator_id}).slug}}))
""")["slug"]
    folder, host_origin = other_origin
    (folder / "shop.html").write_text(
        "<!doctype html><html><body style='margin:0;font-family:sans-serif'>"
        "<header style='height:600px;background:#eef'>Main Street Association: news, events, maps</header>"
        f"<script src='{app_server.base_url}/embed.js' data-shop='{slug}'></script>"
        "<footer style='height:900px;background:#efe'>Thanks for shopping local.</footer></body></html>")
    page = new_context(viewport=SIZES[size]).new_page()
    page.goto(f"{host_origin}/shop.html")
    frame = page.frame_locator("#giftnet-shop-frame")
    frame.locator("#page-ready").wait_for(state="attached")
    frame.locator("#line-0").wait_for()
    page.wait_for_timeout(700)
    one_line = _frame_height(page)

    frame.locator("#add-card").click()
    frame.locator("#add-card").click()
    three_lines = _settled_height(page, one_line, grew=True)
    frame.locator("#line-2-remove").click()
    two_lines = _settled_height(page, three_lines, grew=False)
    assert one_line < two_lines < three_lines

    frame.locator("#buyer-name").fill("Ada Buyer")
    frame.locator("#buyer-email").fill("ada@example.com")
    frame.locator("#checkout").click()
    frame.locator("#sandbox-card-number").fill(APPROVE)
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")  # the shopper scrolled down to pay
    frame.locator("#pay-button").click()
    expect(frame.locator("#order-paid")).to_be_visible()
    paid = _settled_height(page, two_lines, grew=False)
    assert paid < two_lines

    # The confirmation is on screen in the host page, not scrolled away above it.
    page.wait_for_function("""() => {
        const frame = document.getElementById('giftnet-shop-frame').getBoundingClientRect();
        return frame.top >= -1 && frame.top < window.innerHeight / 2;
    }""")
    heading_top = frame.locator("#order-paid").bounding_box()["y"]  # in the page's viewport
    assert 0 <= heading_top < SIZES[size]["height"]

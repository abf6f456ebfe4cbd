"""The Activity screen lives: with the dashboard open in one context, a POS push and
redemptions on counter devices (other contexts) appear in its feed within a second
and its figures change, without a reload."""

from __future__ import annotations

import time
import uuid

import pytest
from playwright.sync_api import expect

from tests.support.browser import activate_device, log_in, make_location, open_card, push_payment

pytestmark = pytest.mark.e2e

WITHIN_MS = 1000


def _visible_within_a_second(locator, started: float, what: str) -> None:
    expect(locator).to_be_visible(timeout=5000)
    took = time.perf_counter() - started
    assert took < WITHIN_MS / 1000, f"{what} took {took:.2f} s to reach the dashboard"


def test_the_dashboard_feed_and_figures_follow_the_counters_live(new_context, make_operator, issue_card, app_server):
    owner = make_operator()
    tag = uuid.uuid4().hex[:6]
    bakery = make_location(app_server, owner.operator_id, f"Live Bakery {tag}", "pos")
    salon = make_location(app_server, owner.operator_id, f"Live Salon {tag}", "amount")
    card = issue_card(owner.operator_id, 5000)

    dashboard = new_context().new_page()
    log_in(dashboard, owner.email, owner.password)
    expect(dashboard.locator("#figure-redeemed-today")).to_have_text("$0.00 CAD")
    expect(dashboard.locator("#figure-outstanding")).to_have_text("$50.00 CAD")
    expect(dashboard.locator(".activity-row")).to_have_count(1)  # the card issued

    # A counter device is activated: the feed says so by itself.
    counter, counter_code = activate_device(new_context, bakery["activation_url"], "Front counter")
    expect(dashboard.locator(".activity-row").first).to_contain_text("Device activated")
    expect(dashboard.locator(".activity-row").first).to_contain_text(counter_code)
    open_card(counter, card["code"])

    # The POS pushes a payment: on the dashboard within a second.
    started = time.perf_counter()
    payment = push_payment(app_server.base_url, bakery["pos_key"], 1234, f"Order {tag}")
    row = dashboard.locator(f"#feed-pos-{payment['id']}")
    _visible_within_a_second(row, started, "the POS payment")
    expect(row).to_contain_text("POS payment received")
    expect(row.locator(".feed-amount")).to_have_text("$12.34 CAD")

    # The counter applies it: a redemption in the feed and new figures, no reload.
    counter.click(f"#pos-select-{payment['id']}")
    started = time.perf_counter()
    expect(counter.locator("#receipt-amount")).to_have_text("$12.34")
    redeemed_today = dashboard.locator("#figure-redeemed-today")
    expect(redeemed_today).to_have_text("$12.34 CAD", timeout=WITHIN_MS)
    expect(dashboard.locator(".activity-row").first).to_contain_text("Redeemed")
    expect(dashboard.locator("#figure-outstanding")).to_have_text("$37.66 CAD")
    expect(dashboard.locator("#figure-redeemed-month")).to_have_text("$12.34 CAD")

    # A number-pad redemption on another location's device.
    desk, _ = activate_device(new_context, salon["activation_url"], "Desk")
    open_card(desk, card["code"])
    for key in ("5", "0", "0"):
        desk.click(f"#pad-{key}")
    desk.click("#redeem-amount-submit")
    started = time.perf_counter()
    expect(desk.locator("#receipt-amount")).to_have_text("$5.00")
    expect(redeemed_today).to_have_text("$17.34 CAD", timeout=WITHIN_MS)
    took = time.perf_counter() - started
    assert took < WITHIN_MS / 1000, f"the redemption took {took:.2f} s to reach the dashboard figures"
    first = dashboard.locator(".activity-row").first
    expect(first).to_contain_text("Redeemed")
    expect(first).to_contain_text(f"Live Salon {tag}")
    expect(dashboard.locator("#figure-outstanding")).to_have_text("$32.66 CAD")

    # Nothing of this reaches another operator's dashboard.
    other = make_operator()
    stranger = new_context().new_page()
    log_in(stranger, other.email, other.password)
    expect(stranger.locator("#activity-empty")).to_be_visible()
    assert f"Live Bakery {tag}" not in stranger.locator("body").inner_text()

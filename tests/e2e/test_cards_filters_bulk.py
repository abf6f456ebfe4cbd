"""The Cards screen's filters and bulk actions in Chromium, and a location's money on its
detail screen: an operator filters by balance and status (a bad amount is refused beside
the filters), the filters stay in the address, every card on the page is ticked and frozen
after a confirmation that says how many, the result counts those already frozen, and the
rows read frozen; "all N matching" reaches past the page; a redemption shows up as what the
location is owed.

Screenshots at tablet size land in screenshots/ (gitignored) for review."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from tests.support.browser import TABLET_PORTRAIT, log_in, open_page

pytestmark = pytest.mark.e2e

SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"
US_BANK = {"bank_country": "US", "routing_number": "011000015", "account_number": "123456789", "account_type": "checking"}


def _shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.wait_for_function(
        "document.getAnimations().every(a => a.playState !== 'running' || a.effect?.getTiming().iterations === Infinity)"
    )
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def _api(base_url: str, owner) -> httpx.Client:
    return httpx.Client(base_url=f"{base_url}/api/v1", headers={"Authorization": f"Bearer {owner.api_key}"}, timeout=30)


def _issue(api: httpx.Client, amount_cents: int, **fields) -> dict:
    answer = api.post("/cards", json={"amount_cents": amount_cents, "send_email": False, **fields})
    assert answer.status_code == 201, answer.text
    return answer.json()


def test_filter_select_the_page_and_freeze_with_a_confirmation(new_context, make_operator, base_url):
    owner, rival = make_operator(), make_operator()
    api = _api(base_url, owner)
    forties = [_issue(api, 4000) for _ in range(3)]
    already = _issue(api, 6000)
    api.post(f"/cards/{already['id']}/freeze")
    small = _issue(api, 1000)
    theirs = _issue(_api(base_url, rival), 5000)

    page = new_context(viewport=TABLET_PORTRAIT).new_page()
    log_in(page, owner.email, owner.password)
    open_page(page, "/cards")
    expect(page.locator(".card-row")).to_have_count(5)
    expect(page.locator("#cards-count")).to_have_text("5 cards")
    expect(page.locator(f"#card-row-{theirs['id']}")).to_have_count(0)

    # Bad amounts are refused beside the filters, naming what is wrong; nothing is filtered.
    page.fill("#cards-min-balance", "abc")
    page.click("#cards-filter-apply")
    expect(page.locator("#cards-error")).to_have_text("Balance from: enter an amount in dollars, like 25 or 25.50.")
    page.fill("#cards-min-balance", "50")
    page.fill("#cards-max-balance", "10")
    page.click("#cards-filter-apply")
    expect(page.locator("#cards-error")).to_have_text("The minimum balance ($50.00) is above the maximum ($10.00).")
    expect(page.locator(".card-row")).to_have_count(5)

    # Balance $30 and up: the three $40 cards and the frozen $60 one; the address says so.
    page.fill("#cards-min-balance", "30")
    page.fill("#cards-max-balance", "")
    page.click("#cards-filter-apply")
    expect(page.locator(".card-row")).to_have_count(4)
    expect(page.locator("#cards-error")).to_have_count(0)
    expect(page.locator("#cards-count")).to_have_text("4 cards match")
    assert "min=30" in page.url
    page.click("#cards-status-filter")
    page.click("#cards-status-active")
    expect(page.locator(".card-row")).to_have_count(3)
    expect(page.locator("#cards-count")).to_have_text("3 cards match")
    assert "status=active" in page.url and "min=30" in page.url
    page.click("#cards-status-filter")
    page.click("#cards-status-all")
    expect(page.locator(".card-row")).to_have_count(4)

    # Tick the page, freeze: the dialog says how many, the result counts the one already frozen.
    page.click("#cards-select-page")
    expect(page.locator("#cards-selection")).to_have_text("4 cards selected.")
    page.click("#cards-bulk-freeze")
    expect(page.locator("#cards-bulk-question")).to_have_text("Freeze 4 cards?")
    _shot(page, "cards-bulk-confirm-768x1024")
    page.click("#cards-bulk-confirm")
    expect(page.locator("#cards-bulk-result")).to_have_text("3 frozen, 1 was already frozen.")
    for card in [*forties, already]:
        expect(page.locator(f"#card-row-status-{card['id']}")).to_have_text("frozen")
    expect(page.locator("#cards-bulk-bar")).to_have_count(0)
    _shot(page, "cards-bulk-result-768x1024")
    assert api.get(f"/cards/{small['id']}").json()["status"] == "active"
    assert _api(base_url, rival).get(f"/cards/{theirs['id']}").json()["status"] == "active"

    # The address keeps the filter: opened again, the fields and the rows are the same.
    open_page(page, "/cards?min=30&status=frozen")
    expect(page.locator(".card-row")).to_have_count(4)
    expect(page.locator("#cards-min-balance")).to_have_value("30")


def test_all_matching_cards_reach_past_the_page_and_resend_skips_those_without_email(page, make_operator, base_url):
    owner = make_operator()
    api = _api(base_url, owner)
    for _ in range(20):
        _issue(api, 2500)
    emailed = [_issue(api, 2500, recipient_email=f"person{n}@example.com") for n in range(3)]
    log_in(page, owner.email, owner.password)
    open_page(page, "/cards")
    expect(page.locator(".card-row")).to_have_count(20)
    page.click(f"#card-select-{emailed[-1]['id']}")
    expect(page.locator("#cards-selection")).to_have_text("1 card selected.")
    page.click("#cards-select-page")
    expect(page.locator("#cards-selection")).to_have_text("20 cards selected.")
    page.click("#cards-select-all-matching")
    expect(page.locator("#cards-selection")).to_have_text("All 23 cards matching the filter are selected.")
    page.click("#cards-bulk-resend")
    expect(page.locator("#cards-bulk-question")).to_have_text("Resend the email of 23 cards?")
    page.click("#cards-bulk-confirm")
    expect(page.locator("#cards-bulk-result")).to_have_text(
        "3 emailed, 20 skipped: no recipient email. The Outbox screen shows the emails.")
    open_page(page, "/outbox")
    for card in emailed:
        expect(page.get_by_text(card["recipient_email"])).to_be_visible()


def test_the_location_screen_shows_what_a_redemption_makes_it_owed(new_context, make_operator, base_url):
    owner = make_operator(currency="USD")
    api = _api(base_url, owner)
    location = api.post("/locations", json={"name": "Alpha Books", "email": "alpha-e2e@example.com", "mode": "amount",
                                            "commission_bps": 250, **US_BANK}).json()
    card = _issue(api, 5000)
    page = new_context(viewport=TABLET_PORTRAIT).new_page()
    log_in(page, owner.email, owner.password)
    open_page(page, f"/locations/{location['id']}")
    expect(page.locator("#location-payable-count")).to_have_text("0")
    expect(page.locator("#location-payouts-empty")).to_be_visible()

    answer = api.post("/redemptions", json={"card_id": card["id"], "location_id": location["id"], "amount_cents": 4000})
    assert answer.status_code == 201, answer.text
    open_page(page, f"/locations/{location['id']}")
    expect(page.locator("#location-payable-count")).to_have_text("1")
    expect(page.locator("#location-payable-gross")).to_have_text("$40.00 USD")
    expect(page.locator("#location-payable-commission")).to_have_text("$1.00 USD")
    expect(page.locator("#location-payable-net")).to_have_text("$39.00 USD")
    expect(page.locator(".redemption-row")).to_have_count(1)
    page.locator("#location-payables").scroll_into_view_if_needed()
    _shot(page, "location-money-768x1024")

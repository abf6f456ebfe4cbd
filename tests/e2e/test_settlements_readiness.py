"""The Settlements screen before the first batch, in Chromium: the readiness checklist names
each missing NACHA setting and the location without bank details, each linking to where it
is fixed; once the settings are saved (and prenotes turned on) only the location is left, the
first batch carries the new account's prenote and shows the location held until the date it
becomes payable, and Mark paid asks for confirmation."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from tests.support.bankfiles import parse_nacha
from tests.support.browser import log_in, open_page, wait_for_path

pytestmark = pytest.mark.e2e

SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"
US_BANK = {"bank_country": "US", "routing_number": "011401533", "account_number": "123456789",
           "account_type": "checking"}
NACHA = {"immediate-destination": "011000015", "immediate-origin": "1234567890", "destination-name": "FED",
         "origin-name": "E2E NETWORK", "company-name": "E2E NETWORK", "company-id": "1234567890",
         "odfi-routing": "011000015"}


def test_the_checklist_leads_to_the_fixes_then_the_first_batch_holds_the_new_account_for_its_prenote(
        page, make_operator, base_url):
    owner = make_operator(currency="USD")
    api = httpx.Client(base_url=f"{base_url}/api/v1", headers={"Authorization": f"Bearer {owner.api_key}"}, timeout=30)
    cafe = api.post("/locations", json={"name": "Café Crème & Co.", "email": "creme@example.com", "mode": "amount",
                                        **US_BANK}).json()
    stand = api.post("/locations", json={"name": "Zulu Stand", "email": "zulu@example.com", "mode": "amount"}).json()
    card = api.post("/cards", json={"amount_cents": 20_000, "send_email": False}).json()
    answer = api.post("/redemptions", json={"card_id": card["id"], "location_id": cafe["id"], "amount_cents": 4_200})
    assert answer.status_code == 201, answer.text

    log_in(page, owner.email, owner.password)
    open_page(page, "/settlements")
    checklist = page.locator("#settlements-readiness")
    expect(checklist).to_be_visible()
    expect(page.locator(".readiness-item")).to_have_count(8)  # seven NACHA settings and the location
    expect(page.locator("#readiness-payouts-nacha-company-id")).to_contain_text("company ID is missing")
    expect(page.locator(f"#readiness-location-{stand['id']}")).to_contain_text("No bank details")
    expect(page.locator(f"#readiness-fix-location-{stand['id']}")).to_have_attribute(
        "href", f"/locations/{stand['id']}/edit")
    SCREENSHOTS.mkdir(exist_ok=True)
    checklist.screenshot(path=str(SCREENSHOTS / "settlements-readiness.png"))

    page.click("#readiness-fix-payouts-nacha-company-id")
    wait_for_path(page, "/settings")
    for name, value in NACHA.items():
        page.fill(f"#settings-nacha-{name}", value)
    page.click("#settings-save")
    expect(page.locator("#settings-saved")).to_be_visible()
    page.click("#settings-nacha-prenotes")
    expect(page.locator("#settings-nacha-prenotes-note")).to_contain_text("On:")

    open_page(page, "/settlements")
    expect(page.locator(".readiness-item")).to_have_count(1)
    expect(page.locator(f"#readiness-location-{stand['id']}")).to_be_visible()
    # New US bank details: the preview already says the payment waits for a prenote.
    expect(page.locator(f"#payables-skipped-{cafe['id']}")).to_contain_text("prenote")
    page.click("#payout-create")
    expect(page.locator("#payout-detail")).to_be_visible()
    expect(page.locator(f"#payout-prenote-{cafe['id']}")).to_contain_text("US checking •••• 6789")
    held = page.locator(f"#payout-skipped-{cafe['id']}")
    expect(held).to_contain_text("Café Crème & Co.")
    expect(held).to_contain_text("payable from")
    page.locator("#payout-detail").screenshot(path=str(SCREENSHOTS / "settlements-prenote-batch.png"))

    with page.expect_download() as info:
        page.click("#payout-download-nacha")
    [entry] = parse_nacha(Path(info.value.path()).read_text()).entries
    assert (entry.transaction_code, entry.amount_cents, entry.receiver_name) == ("23", 0, "CAFE CREME & CO.")

    # Mark paid asks first; going back changes nothing.
    page.click("#payout-mark-paid")
    expect(page.locator("#payout-mark-paid-dialog")).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / "settlements-mark-paid-confirm.png"))
    page.click("#payout-mark-paid-cancel")
    expect(page.locator("#payout-mark-paid-dialog")).to_have_count(0)
    expect(page.locator("#payout-detail-status")).to_have_text("Bank file written")
    page.click("#payout-mark-paid")
    page.click("#payout-mark-paid-confirm")
    expect(page.locator("#payout-detail-status")).to_have_text("Paid")

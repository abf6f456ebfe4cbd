"""The Settlements and Settings screens in Chromium: settings saved with an error beside a
refused field, a batch created from the preview, its NACHA file downloaded twice (the same
bytes), then paid, and the location's statement email arrives over SMTP."""

from __future__ import annotations

from datetime import date, timedelta

import httpx
import pytest
from playwright.sync_api import expect

from app.services.settlement import business_days
from tests.support.browser import deliver_outbox, log_in, open_page

pytestmark = pytest.mark.e2e

US_BANK = {"bank_country": "US", "routing_number": "011000015", "account_number": "123456789", "account_type": "checking"}
NACHA = {"immediate-destination": "011000015", "immediate-origin": "1234567890", "destination-name": "FED",
         "origin-name": "E2E NETWORK", "company-name": "E2E NETWORK", "company-id": "1234567890",
         "odfi-routing": "011000015"}


def _download(page, button: str) -> bytes:
    with page.expect_download() as info:
        page.click(button)
    return open(info.value.path(), "rb").read()


def test_settings_then_a_batch_from_preview_to_paid(page, make_operator, base_url, app_server, smtp_inbox):
    owner = make_operator(currency="USD")
    api = httpx.Client(base_url=f"{base_url}/api/v1", headers={"Authorization": f"Bearer {owner.api_key}"}, timeout=30)
    banked = api.post("/locations", json={"name": "Alpha Books", "email": "alpha@example.com", "mode": "amount",
                                          "commission_bps": 250, **US_BANK}).json()
    unbanked = api.post("/locations", json={"name": "Zulu Cafe", "email": "zulu@example.com", "mode": "amount"}).json()
    for location, amount in ((banked, 10_000), (unbanked, 1_500)):
        card = api.post("/cards", json={"amount_cents": 20_000, "send_email": False}).json()
        answer = api.post("/redemptions", json={"card_id": card["id"], "location_id": location["id"], "amount_cents": amount})
        assert answer.status_code == 201, answer.text

    log_in(page, owner.email, owner.password)
    open_page(page, "/settings")
    page.fill("#settings-nacha-odfi-routing", "123456789")
    page.click("#settings-save")
    expect(page.locator("#settings-nacha-odfi-routing-error")).to_be_visible()
    expect(page.locator("#settings-error")).to_be_visible()
    for name, value in NACHA.items():
        page.fill(f"#settings-nacha-{name}", value)
    page.click("#settings-save")
    expect(page.locator("#settings-saved")).to_be_visible()

    open_page(page, "/settlements")
    expect(page.locator(f"#payables-line-{banked['id']}")).to_contain_text("$97.50")
    expect(page.locator(f"#payables-skipped-{unbanked['id']}")).to_contain_text("No bank details")
    # A "from" after every redemption leaves nothing to pay; cleared, everything is back.
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    page.fill("#settlements-from", tomorrow)
    page.click("#settlements-preview-apply")
    expect(page.locator(".payables-line")).to_have_count(0)
    expect(page.locator("#payout-create")).to_be_disabled()
    page.fill("#settlements-from", "")
    page.click("#settlements-preview-apply")
    expect(page.locator(f"#payables-line-{banked['id']}")).to_contain_text("$97.50")
    # a bank business day: a weekend or Federal Reserve holiday is refused as the effective date
    money_on = business_days.business_day_on_or_after(date.today() + timedelta(days=10),
                                                      business_days.FEDERAL_RESERVE).isoformat()
    page.fill("#settlements-effective", money_on)
    page.click("#payout-create")
    expect(page.locator("#payout-detail")).to_contain_text(f"money on {money_on}")
    expect(page.locator("#settlements-notice")).to_be_visible()
    expect(page.locator(".payout-row")).to_have_count(1)
    first = _download(page, "#payout-download-nacha")
    second = _download(page, "#payout-download-nacha")
    assert first == second and first.startswith(b"101")
    page.click("#payout-email-statements")
    page.click("#payout-mark-paid")
    page.click("#payout-mark-paid-confirm")  # marking paid asks first
    expect(page.locator("#payout-detail-status")).to_have_text("Paid")
    batch_id = api.get("/payouts").json()["data"][0]["id"]
    expect(page.locator(f"#payout-status-{batch_id}")).to_have_text("Paid")
    expect(page.locator("#payout-cancel")).to_be_disabled()

    # The paid batch emailed Alpha Books its statement: it arrives over SMTP with the figures.
    deliver_outbox(app_server, smtp_inbox)
    statements = [message for message in smtp_inbox.to("alpha@example.com") if "payout #" in message["Subject"]]
    assert len(statements) == 1, [message["Subject"] for message in smtp_inbox.messages]
    assert f"payout #{batch_id}" in statements[0]["Subject"]
    text = statements[0].get_body(preferencelist=("plain",)).get_content()
    assert "$100.00" in text and "$97.50" in text
    # No bank details: not in the batch, so no statement (only its device activation email).
    assert not [message for message in smtp_inbox.to("zulu@example.com") if "payout #" in message["Subject"]]

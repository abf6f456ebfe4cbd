"""The Reconciliation screen in Chromium: after issuing and redeeming, every check adds up."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import expect

from tests.support.browser import log_in, open_page

pytestmark = pytest.mark.e2e


def test_a_healthy_network_reconciles_with_no_mismatch(page, make_operator, base_url):
    owner = make_operator()
    api = httpx.Client(base_url=f"{base_url}/api/v1", headers={"Authorization": f"Bearer {owner.api_key}"}, timeout=30)
    location = api.post("/locations", json={"name": "Corner Store", "email": "corner@example.com", "mode": "amount"}).json()
    card = api.post("/cards", json={"amount_cents": 5_000, "send_email": False}).json()
    redeemed = api.post("/redemptions", json={"card_id": card["id"], "location_id": location["id"], "amount_cents": 1_250})
    assert redeemed.status_code == 201, redeemed.text

    log_in(page, owner.email, owner.password)
    open_page(page, "/reconciliation")
    expect(page.locator("#reconciliation-status-ledger")).to_have_text("Adds up")
    expect(page.locator("#reconciliation-status-liability")).to_have_text("Adds up")
    expect(page.locator("#reconciliation-clean")).to_be_visible()
    expect(page.locator(".reconciliation-mismatch")).to_have_count(0)

"""The Reports screen in Chromium: the totals on screen equal the CSV's to the cent."""

from __future__ import annotations

import csv
import io

import pytest
from playwright.sync_api import expect

from tests.support.browser import log_in, open_page

pytestmark = pytest.mark.e2e


def _download(page, button: str) -> list[list[str]]:
    with page.expect_download() as info:
        page.click(button)
    return list(csv.reader(io.StringIO(open(info.value.path(), encoding="utf-8").read())))


def test_sales_and_aging_totals_match_their_csv(page, make_operator, issue_card):
    owner = make_operator()
    first = issue_card(owner.operator_id, 2500)
    issue_card(owner.operator_id, 1234)
    log_in(page, owner.email, owner.password)
    page.click("#nav-reports")
    expect(page.locator("#report-sales")).to_be_visible()
    open_page(page, "/reports")
    total = page.locator("#report-sales-total")
    expect(total).to_contain_text("$37.34")
    assert _download(page, "#export-sales")[-1] == ["total", "2", "37.34", "0", "0.00"]
    expect(page.locator("#report-aging-total")).to_contain_text("$37.34")
    assert _download(page, "#export-aging")[-1] == ["total", "2", "37.34"]
    expect(page.locator("#dormant-summary")).to_contain_text("0 cards")

    # A card's history, found by what a person knows (its last 4), and a search that finds none refused in words.
    page.fill("#history-search", first["last4"])
    page.click("#history-open")
    expect(page.locator("#history-card")).to_contain_text(first["last4"])
    expect(page.locator("#report-card-history .report-row")).to_have_count(1)
    page.fill("#history-search", "nobody@example.com")
    page.click("#history-open")
    expect(page.locator("#history-error")).to_contain_text("No card of this network has the recipient email")

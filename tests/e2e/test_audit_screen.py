"""The Audit trail screen in Chromium: the owner changes a setting and revokes a key in the
dashboard (after the key itself changed a setting through the API); the trail shows each
with who did it, and a row opens to the value before and after. Filtering by action leaves
only that action; the CSV holds the filtered list."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from tests.support.browser import TABLET_PORTRAIT, log_in, open_page

pytestmark = pytest.mark.e2e


def _row_with(page, action_label: str):
    return page.locator(".audit-row", has=page.locator(".audit-action", has_text=action_label))


def _choose(page, select_id: str, option: str) -> None:
    page.click(f"#{select_id}")
    page.get_by_role("option", name=option, exact=True).click()


def test_the_owner_sees_a_setting_change_and_a_revoked_key_with_who_and_what_changed(
        page, new_context, make_operator, base_url, tmp_path):
    owner = make_operator()
    api = httpx.Client(base_url=f"{base_url}/api/v1", headers={"Authorization": f"Bearer {owner.api_key}"}, timeout=30)
    answer = api.patch("/settings", json={"card_max_cents": 50_000})
    assert answer.status_code == 200, answer.text
    key_prefix = owner.api_key[:11]

    log_in(page, owner.email, owner.password)
    open_page(page, "/settings")
    page.fill("#settings-commission-bps", "250")
    page.click("#settings-save")
    expect(page.locator("#settings-saved")).to_be_visible()

    open_page(page, "/developers")
    page.locator("tr[id^=api-key-row-] button[id^=api-key-revoke-]").first.click()
    page.click("#api-key-revoke-confirm")
    expect(page.locator("#api-key-message")).to_contain_text("revoked")

    open_page(page, "/audit")
    expect(page.locator("#page-title")).to_have_text("Audit trail")
    settings_rows = _row_with(page, "Settings changed")
    expect(settings_rows).to_have_count(2)
    by_owner = settings_rows.filter(has=page.locator(".audit-who", has_text=owner.email))
    by_key = settings_rows.filter(has=page.locator(".audit-who", has_text=f"API key {key_prefix}"))
    revoked = _row_with(page, "API key revoked")
    expect(revoked).to_have_count(1)
    expect(revoked.locator(".audit-who")).to_have_text(owner.email)
    expect(_row_with(page, "Signed in").first.locator(".audit-who")).to_have_text(owner.email)

    by_owner.click()
    details = page.locator(".audit-details")
    expect(details).to_have_count(1)
    change = details.locator(".audit-change", has=page.locator(".audit-change-field", has_text="commission_bps"))
    expect(change.locator(".audit-change-before")).to_have_text("0")
    expect(change.locator(".audit-change-after")).to_have_text("250")
    page.screenshot(path=str(tmp_path / "audit-opened.png"), full_page=True)
    by_key.click()
    change = page.locator(".audit-details .audit-change")
    expect(change.locator(".audit-change-field")).to_have_text("card_max_cents")
    expect(change.locator(".audit-change-before")).to_have_text("100000")
    expect(change.locator(".audit-change-after")).to_have_text("50000")
    revoked.click()
    expect(page.locator(".audit-details .audit-change-after")).to_have_text("yes")

    _choose(page, "audit-filter-action", "API key revoked")
    expect(page.locator(".audit-row")).to_have_count(1)
    expect(page.locator(".audit-row .audit-action")).to_have_text("API key revoked")
    with page.expect_download() as download:
        page.click("#audit-export")
    lines = Path(download.value.path()).read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2 and "api_key.revoked" in lines[1] and owner.email in lines[1]

    _choose(page, "audit-filter-action", "Settings changed")
    _choose(page, "audit-filter-who", owner.email)
    expect(page.locator(".audit-row")).to_have_count(1)
    page.fill("#audit-from", "2001-01-01")
    page.fill("#audit-to", "2001-01-31")
    page.click("#audit-apply")
    expect(page.locator("#audit-empty")).to_contain_text("No events match")
    page.click("#audit-clear")
    expect(page.locator(".audit-row").first).to_be_visible()
    page.screenshot(path=str(tmp_path / "audit-desktop.png"), full_page=True)

    tablet = new_context(viewport=TABLET_PORTRAIT).new_page()
    log_in(tablet, owner.email, owner.password)
    open_page(tablet, "/audit")
    expect(_row_with(tablet, "API key revoked")).to_have_count(1)
    tablet.screenshot(path=str(tmp_path / "audit-tablet.png"), full_page=True)


def test_another_network_sees_none_of_these_events(page, make_operator, base_url):
    first, second = make_operator(), make_operator()
    httpx.patch(f"{base_url}/api/v1/settings", json={"commission_bps": 125}, timeout=30,
                headers={"Authorization": f"Bearer {first.api_key}"}).raise_for_status()

    log_in(page, second.email, second.password)
    open_page(page, "/audit")
    expect(_row_with(page, "Signed in")).to_have_count(1)
    expect(page.locator(".audit-who", has_text=first.email)).to_have_count(0)
    expect(_row_with(page, "Settings changed")).to_have_count(0)

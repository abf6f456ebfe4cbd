"""Developers screen, webhook endpoints: an owner subscribes a URL to some events, keeps the
signing secret shown once, the receiver gets exactly those events signed with it, and a
removed endpoint gets nothing more."""

from __future__ import annotations

import time

import httpx
from playwright.sync_api import expect
from standardwebhooks import Webhook

from tests.support.browser import log_in, open_page


def wait_for(predicate, timeout_s: float = 20.0):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = predicate()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError("timed out")


def test_an_endpoint_gets_the_events_it_chose_signed_with_the_secret_shown_once(
        page, make_operator, base_url, receiver):
    owner = make_operator()
    receiver.status = 200
    api = httpx.Client(base_url=f"{base_url}/api/v1", headers={"Authorization": f"Bearer {owner.api_key}"}, timeout=30)
    log_in(page, owner.email, owner.password)
    open_page(page, "/developers")
    expect(page.locator("#endpoint-empty")).to_be_visible()

    page.fill("#endpoint-url", "ftp://files.example.com/hooks")  # a URL, but not http(s)
    page.click("#endpoint-add")
    expect(page.locator("#endpoint-error")).to_contain_text("URL must be an http(s) URL")
    page.fill("#endpoint-url", receiver.url)
    page.click("#endpoint-event-card\\.frozen")
    page.click("#endpoint-event-card\\.topped_up")
    page.click("#endpoint-add")
    secret = page.locator("#endpoint-secret").inner_text().strip()
    assert secret.startswith("whsec_")
    row = page.locator(".endpoint-row")
    expect(row).to_have_count(1)
    expect(row.first).to_contain_text("card.topped_up, card.frozen")
    page.click("#endpoint-secret-dismiss")
    expect(page.locator("#endpoint-secret")).to_have_count(0)

    card = api.post("/cards", json={"amount_cents": 2000, "send_email": False}).json()  # not subscribed
    api.post(f"/cards/{card['id']}/topups", json={"amount_cents": 500})
    api.post(f"/cards/{card['id']}/freeze")
    got = wait_for(lambda: receiver.requests if len(receiver.requests) >= 2 else None)
    events = [Webhook(secret).verify(body, headers) for headers, body in got]
    assert sorted(event["type"] for event in events) == ["card.frozen", "card.topped_up"]
    assert {event["data"]["card_id"] for event in events} == {card["id"]}

    endpoint_id = api.get("/webhook-endpoints").json()["data"][0]["id"]
    page.click(f"#endpoint-remove-{endpoint_id}")
    expect(page.locator("#endpoint-remove-dialog")).to_contain_text(receiver.url)
    page.click("#endpoint-remove-confirm")
    expect(page.locator("#endpoint-message")).to_contain_text("removed")
    expect(page.locator("#endpoint-empty")).to_be_visible()
    api.post(f"/cards/{card['id']}/unfreeze")
    api.post(f"/cards/{card['id']}/freeze")
    time.sleep(3)  # the background sender runs every second: nothing more arrives
    assert len(receiver.requests) == 2

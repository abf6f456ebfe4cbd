"""What the end-to-end tests share: waiting for a page to be live, signing in, and setting
up a counter (a location through the app's own Python, a device activated in a browser,
a POS push over HTTP), and one pass of the outbox sender against the app's database."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import uuid

import httpx
from playwright.sync_api import expect

from app.settings import PROJECT_ROOT as ROOT

TABLET_LANDSCAPE = {"width": 1024, "height": 768}
TABLET_PORTRAIT = {"width": 768, "height": 1024}
PASSWORD = "e2e-password-long-enough"
DEVICE_CODE = re.compile(r"^DV-[A-Z2-9]{4}-[A-Z2-9]{2}$")


def wait_ready(page) -> None:
    """Wait until Reflex has hydrated the page and its on_load handlers ran."""
    page.locator("#page-ready").wait_for(state="attached")


def open_page(page, path: str) -> None:
    """A full page load of `path`, then wait until it is live."""
    page.goto(path)
    wait_ready(page)


def path_of(page) -> str:
    return re.sub(r"^https?://[^/]+", "", page.url).split("?")[0].rstrip("/") or "/"


def wait_for_path(page, path: str) -> None:
    """Wait for the browser to be on `path` (Reflex may add a trailing slash)."""
    page.wait_for_url(re.compile(r"^https?://[^/]+" + re.escape(path.rstrip("/")) + r"/?(\?.*)?$"))


def log_in(page, email: str, password: str) -> None:
    """Sign in through /login and wait for the Activity screen."""
    open_page(page, "/login")
    page.fill("#login-email", email)
    page.fill("#login-password", password)
    page.click("#login-submit")
    wait_for_path(page, "/dashboard")
    page.locator("#operator-name").wait_for()
    wait_ready(page)


# --------------------------------------------------------------------------- the counter


def app_python(app_server, code: str) -> dict:
    """Run Python against the app's own database and secret; returns the JSON it printed last."""
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=app_server.env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def make_location(app_server, operator_id: int, name: str, mode: str, *, notify_webhook_url: str | None = None,
                  items: list[tuple[str, int, str]] = (), is_test: bool = False) -> dict:
    """A location with an activation link, a POS key and its catalog: {location_id, activation_url, pos_key, item_ids}."""
    return app_python(app_server, f"""
import json
from app.services.network import devices, items, locations, pos_keys
from app.services.core.actor import Actor
actor = Actor({operator_id}, channel="system")
location = locations.create_location(actor, {{
    "name": {name!r}, "email": "counter-{uuid.uuid4().hex[:8]}@example.com", "mode": {mode!r},
    "notify_webhook_url": {notify_webhook_url!r}, "is_test": {is_test!r},
}})
link = devices.create_activation_link(actor, location.id)
key = pos_keys.create_pos_key(actor, location.id, "Till 1")
item_ids = [items.create_item(actor, location.id, name=n, price_cents=p, sku=s).id for n, p, s in {list(items)!r}]
print(json.dumps({{"location_id": location.id, "activation_url": link.url, "pos_key": key.plaintext,
                  "item_ids": item_ids}}))
""")


def activate_device(new_context, activation_url: str, name: str, viewport: dict | None = None):
    """A fresh browser activated through the location's link, on /redeem: (page, device code)."""
    page = new_context(viewport or TABLET_LANDSCAPE).new_page()
    page.goto(activation_url)
    wait_ready(page)
    page.fill("#activate-device-name", name)
    page.click("#activate-submit")
    expect(page.locator("#device-code")).to_have_text(DEVICE_CODE)
    code = page.locator("#device-code").inner_text().strip()
    open_page(page, "/redeem")
    expect(page.locator("#redeem-device-code")).to_have_text(code)
    return page, code


def open_card(page, code: str) -> None:
    page.fill("#redeem-code-input", code.lower().replace("-", ""))  # any case, with or without dashes
    page.click("#redeem-code-submit")
    expect(page.locator("#redeem-card-last4")).to_contain_text(code[-4:])


def push_payment(base_url: str, pos_key: str, amount_cents: int, reference: str, terminal_id: str | None = None) -> dict:
    response = httpx.post(
        base_url + "/api/v1/pos/payments",
        json={"amount_cents": amount_cents, "reference": reference, "terminal_id": terminal_id},
        headers={"Authorization": f"Bearer {pos_key}", "Idempotency-Key": uuid.uuid4().hex},
        timeout=10,
    )
    assert response.status_code == 201, response.text
    return response.json()


# --------------------------------------------------------------------------- email


def deliver_outbox(app_server, smtp_inbox) -> None:
    """The outbox sender against the app's database, by SMTP to the local server: every due email."""
    result = subprocess.run(
        [sys.executable, "-m", "app.cli", "deliver-outbox"],
        cwd=ROOT,
        env={**app_server.env, "SMTP_URL": smtp_inbox.url},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr


def as_device(context, base_url: str, secret: str) -> None:
    """This browser context is the device of `secret`: its HttpOnly cookie, as POST /auth/device sets it."""
    context.add_cookies([{"name": "giftnet_device", "value": secret, "url": base_url, "httpOnly": True,
                          "sameSite": "Lax"}])

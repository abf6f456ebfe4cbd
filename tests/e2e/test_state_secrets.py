"""The browser's secrets, seen from the browser and from the server's disk.

- After signing in, the session token is only in an HttpOnly, SameSite=Lax cookie: no
  script on the page reads it (document.cookie, localStorage and sessionStorage do not
  hold it), and a new tab is signed in by the cookie alone.
- An activated counter device's secret likewise (`giftnet_device`).
- Reflex's state directory (the disk state manager's pickles, REFLEX_STATES_WORKDIR) and
  the raw database file hold neither, once the states of both browsers are written (the
  operator's name and the device's code are there: the search reads what was written).
- Logging out clears the cookie and the session no longer opens the dashboard.
- A device secret an older release left in localStorage is traded once for its cookie
  and forgotten (app/components/legacy_secrets.py): such counters keep working.
"""

from __future__ import annotations

import re
import time
import uuid
from pathlib import Path

from playwright.sync_api import expect
from sqlalchemy.engine import make_url

from tests.support.browser import (
    PASSWORD,
    activate_device,
    app_python,
    log_in,
    make_location,
    open_page,
    wait_for_path,
)

SCRIPT_VISIBLE = "document.cookie + JSON.stringify(localStorage) + JSON.stringify(sessionStorage)"


def _cookie(context, name: str) -> dict:
    [cookie] = [cookie for cookie in context.cookies() if cookie["name"] == name]
    return cookie


def _states_blob(states: Path, *must_hold: str, seconds: float = 30) -> bytes:
    """Every state file's bytes, once they hold each of `must_hold` (the disk manager writes after a delay)."""
    deadline = time.monotonic() + seconds
    while True:
        blob = b"".join(path.read_bytes() for path in states.rglob("*") if path.is_file())
        if all(text.encode() in blob for text in must_hold) or time.monotonic() > deadline:
            return blob
        time.sleep(0.5)


def test_session_and_device_secrets_live_in_httponly_cookies_never_in_state_or_database(new_context, app_server):
    tag = uuid.uuid4().hex[:8]
    email, network = f"states-{tag}@example.com", f"State Network {tag}"
    created = app_server.cli("create-operator", "--name", network, "--email", email, "--password", PASSWORD,
                             "--currency", "CAD")
    dashboard_context = new_context()
    dashboard = dashboard_context.new_page()
    log_in(dashboard, email, PASSWORD)

    session = _cookie(dashboard_context, "giftnet_session")
    assert (session["httpOnly"], session["sameSite"], session["path"]) == (True, "Lax", "/")
    token = session["value"]
    assert len(token) > 30 and token not in dashboard.evaluate(SCRIPT_VISIBLE)
    second_tab = dashboard_context.new_page()  # a new tab: its own Reflex state, signed in by the cookie alone
    open_page(second_tab, "/cards")
    expect(second_tab.locator("#operator-name")).to_have_text(network)

    location = make_location(app_server, created["operator_id"], f"State Kiosk {tag}", "amount")
    counter, code = activate_device(new_context, location["activation_url"], "Till 1")
    device = _cookie(counter.context, "giftnet_device")
    assert device["httpOnly"] and device["sameSite"] == "Lax"
    secret = device["value"]
    assert secret.startswith("gkdev_") and secret not in counter.evaluate(SCRIPT_VISIBLE)
    fresh_counter_tab = counter.context.new_page()  # the cookie alone makes a new tab the same device
    open_page(fresh_counter_tab, "/redeem")
    expect(fresh_counter_tab.locator("#redeem-device-code")).to_have_text(code)

    blob = _states_blob(Path(app_server.env["REFLEX_STATES_WORKDIR"]), network, code)
    assert network.encode() in blob and code.encode() in blob
    assert token.encode() not in blob, "the session token is in Reflex's state files"
    assert secret.encode() not in blob, "the device secret is in Reflex's state files"
    database = Path(make_url(app_server.env["DATABASE_URL"]).database)
    raw = b"".join(path.read_bytes() for path in (database, Path(f"{database}-wal")) if path.exists())
    assert token.encode() not in raw and secret.encode() not in raw

    dashboard.click("#logout-button")
    wait_for_path(dashboard, "/login")
    assert "giftnet_session" not in [cookie["name"] for cookie in dashboard_context.cookies()]
    open_page(second_tab, "/cards")
    wait_for_path(second_tab, "/login")


def test_a_device_secret_an_older_release_left_in_localstorage_becomes_its_cookie_once(new_context, app_server):
    tag = uuid.uuid4().hex[:8]
    created = app_server.cli("create-operator", "--name", f"Legacy Network {tag}", "--email",
                             f"legacy-{tag}@example.com", "--password", PASSWORD, "--currency", "CAD")
    location = make_location(app_server, created["operator_id"], f"Legacy Kiosk {tag}", "amount")
    secret = app_server_activate(app_server, location["activation_url"])
    context = new_context()
    counter = context.new_page()
    open_page(counter, "/redeem")
    expect(counter.locator("#redeem-device-code")).to_have_count(0)  # not a device yet

    counter.evaluate("(secret) => window.localStorage.setItem('giftnet_device', secret)", secret)
    counter.reload()  # the head script trades the leftover for the cookie, forgets it and reloads

    expect(counter.locator("#redeem-device-code")).to_have_text(re.compile(r"^DV-"))
    assert _cookie(context, "giftnet_device")["value"] == secret
    assert counter.evaluate("window.localStorage.getItem('giftnet_device')") is None
    assert secret not in counter.evaluate(SCRIPT_VISIBLE)


def app_server_activate(app_server, activation_url: str) -> str:
    """A device activated through the app's own Python (as an older release's browser did): its secret."""
    token = activation_url.rsplit("/", 1)[1]
    return app_python(app_server, f"""
import json
from app.services.network import devices
print(json.dumps({{"secret": devices.activate_device({token!r}, "Old till").secret}}))
""")["secret"]

"""Locations and counter devices in Chromium: a location created in the dashboard is
emailed its activation link, a second browser (the counter tablet) activates with it
and shows its device code, the dashboard lists and revokes that device, the revoked
device says so; expired links get a clear page; a CSV import lists every bad row and
imports nothing until the file is right.

Screenshots at tablet size land in screenshots/ (gitignored) for review."""

from __future__ import annotations

import csv
import io
import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.support.browser import log_in, open_page, wait_for_path, wait_ready

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "screenshots"
DEVICE_CODE = re.compile(r"^DV-[A-Z2-9]{4}-[A-Z2-9]{2}$")


def shot(page, name: str, full_page: bool = False) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page)


def app_python(app_server, code: str) -> str:
    """Run Python against the app's own database and secret; returns the last line printed."""
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=app_server.env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def activation_url_from_outbox(app_server, to_address: str) -> str:
    """The link in the newest activation email to `to_address`, as the location receives it."""
    return app_python(app_server, f"""
import re
from sqlmodel import select
from app.db import read_session
from app.models import OutboxMessage
from app.services.messaging.outbox import read_email
with read_session() as session:
    message = session.exec(
        select(OutboxMessage)
        .where(OutboxMessage.to_address == {to_address!r}, OutboxMessage.kind == "device_activation")
        .order_by(OutboxMessage.id.desc())
    ).first()
email = read_email(message)
url = re.search(r"https?://\\S+/activate/\\S+", email.text_body).group(0)
assert url in email.html_body
print(url)
""")


def expired_activation_url(app_server, operator_id: int) -> str:
    """A location of the operator with an activation link whose time ran out."""
    return app_python(app_server, f"""
from datetime import timedelta
from sqlalchemy import update
from app.db import write_session
from app.models import ActivationLink
from app.models.base import utcnow
from app.services.network import devices, locations
from app.services.core.actor import Actor
actor = Actor({operator_id})
location = locations.create_location(actor, {{"name": "Late Bakery", "email": "late@example.com"}})
sent = devices.create_activation_link(actor, location.id)
with write_session() as session:
    session.execute(update(ActivationLink).where(ActivationLink.id == sent.link.id)
                    .values(expires_at=utcnow() - timedelta(minutes=5)))
print(sent.url)
""")


def choose(page, trigger_id: str, option: str) -> None:
    page.click(f"#{trigger_id}")
    page.get_by_role("option", name=option, exact=True).click()


def test_a_location_created_in_the_dashboard_activates_a_device_that_revoking_closes(new_context, make_operator, app_server):
    owner = make_operator()
    tag = uuid.uuid4().hex[:6]
    name, email = f"Main Street Books {tag}", f"books-{tag}@example.com"
    dashboard = new_context().new_page()
    log_in(dashboard, owner.email, owner.password)

    dashboard.click("#nav-locations")
    wait_for_path(dashboard, "/locations")
    expect(dashboard.locator("#locations-empty")).to_be_visible()
    wait_ready(dashboard)

    # Create it, with US payout details; a wrong routing number is refused beside the form first.
    dashboard.click("#location-create-open")
    wait_for_path(dashboard, "/locations/new")
    dashboard.locator("#location-form").wait_for()
    wait_ready(dashboard)
    dashboard.fill("#location-form-name", name)
    dashboard.fill("#location-form-email", email)
    dashboard.fill("#location-form-external_id", f"MS-{tag}")
    dashboard.click("#location-form-accepts_items")  # the counter picks items (typed amounts stay on)
    choose(dashboard, "location-form-bank_country", "United States (ACH)")
    dashboard.fill("#location-form-routing_number", "011000016")
    dashboard.fill("#location-form-account_number", "123456789")
    dashboard.click("#location-save")
    # Once, beside the field, in words: "Routing number", not `routing_number`; no callout repeats it.
    expect(dashboard.locator("#location-form-routing_number-error")).to_have_text(
        "Routing number must be a 9-digit ABA routing number with a valid check digit.")
    expect(dashboard.locator("#location-error")).to_have_count(0)
    shot(dashboard, "location-form-error", full_page=True)
    dashboard.fill("#location-form-routing_number", "011000015")
    dashboard.click("#location-save")

    expect(dashboard.locator("#location-detail-name")).to_have_text(name)
    expect(dashboard.locator("#location-action-message")).to_contain_text(f"activation link was emailed to {email}")
    expect(dashboard.locator("#location-detail-bank")).to_have_text("US checking •••• 6789 (routing 011000015)")
    expect(dashboard.locator("#devices-empty")).to_be_visible()
    location_path = re.sub(r"^https?://[^/]+", "", dashboard.url).rstrip("/")
    wait_ready(dashboard)

    # The location's email holds the link; the counter tablet (another browser) opens it.
    url = activation_url_from_outbox(app_server, email)
    tablet = new_context().new_page()
    tablet.goto(url)
    wait_ready(tablet)
    expect(tablet.locator("#activate-location-name")).to_have_text(name)
    expect(tablet.locator("#activate-operator-name")).to_have_text(owner.name)
    shot(tablet, "device-activate")
    tablet.fill("#activate-device-name", "Front counter")
    tablet.click("#activate-submit")
    code_on_screen = tablet.locator("#device-code")
    expect(code_on_screen).to_have_text(DEVICE_CODE)
    code = code_on_screen.inner_text().strip()
    shot(tablet, "device-activated")
    tablet.click("#activated-open-redeem")
    wait_for_path(tablet, "/redeem")
    expect(tablet.locator("#redeem-device-code")).to_have_text(code)
    expect(tablet.locator("#redeem-location-name")).to_have_text(name)
    expect(tablet.locator("#redeem-code-input")).to_be_visible()  # the counter is ready to open a card
    shot(tablet, "device-redeem")

    # The dashboard lists that device.
    open_page(dashboard, location_path)
    row = dashboard.locator(".device-row", has_text=code)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Front counter")
    device_id = row.get_attribute("id").removeprefix("device-row-")
    expect(dashboard.locator(f"#device-status-{device_id}")).to_have_text("active")

    # A POS key is shown once; an item joins the catalog.
    dashboard.fill("#pos-key-name", "Main till")
    dashboard.click("#pos-key-create")
    expect(dashboard.locator("#pos-key-plaintext")).to_have_text(re.compile(r"^gkpos_"))
    expect(dashboard.locator(".pos-key-row")).to_have_count(1)
    dashboard.click("#pos-key-done")
    expect(dashboard.locator("#pos-key-plaintext")).to_have_count(0)
    dashboard.fill("#item-name", "Gift wrapping")
    dashboard.fill("#item-price", "4.50")
    dashboard.click("#item-add")
    expect(dashboard.locator(".item-row")).to_contain_text("$4.50")
    shot(dashboard, "location-detail", full_page=True)

    # Revoke it, after confirming: the tablet's next load says so.
    dashboard.click(f"#device-revoke-{device_id}")
    expect(dashboard.locator("#device-revoke-confirm")).to_be_visible()
    dashboard.click("#device-revoke-confirm")
    expect(dashboard.locator(f"#device-status-{device_id}")).to_contain_text("revoked")
    expect(dashboard.locator(f"#device-revoke-{device_id}")).to_have_count(0)

    tablet.reload()
    wait_ready(tablet)
    expect(tablet.locator("#device-revoked")).to_have_text(
        "This device was revoked by your network; ask for a new activation link."
    )
    expect(tablet.locator("#redeem-device-code")).to_have_count(0)
    shot(tablet, "device-revoked")

    # "Send new link": the first link stops working, the new one works.
    # The first link still works, so the screen asks before retiring it.
    dashboard.click("#send-activation-link")
    expect(dashboard.locator("#new-link-consequence")).to_contain_text("still works")
    dashboard.click("#new-link-confirm")
    expect(dashboard.locator("#activation-link-message")).to_contain_text("The earlier link no longer works")
    newer = activation_url_from_outbox(app_server, email)
    assert newer != url
    tablet.goto(url)
    wait_ready(tablet)
    expect(tablet.locator("#activation-refused")).to_contain_text("newer activation link")

    # The list finds it by external id.
    open_page(dashboard, "/locations")
    dashboard.fill("#locations-search", f"MS-{tag}")
    dashboard.click("#locations-search-submit")
    expect(dashboard.locator(".location-row")).to_have_count(1)
    shot(dashboard, "locations-list")


def test_an_expired_or_tampered_activation_link_gets_a_clear_page(new_context, make_operator, app_server):
    owner = make_operator()
    url = expired_activation_url(app_server, owner.operator_id)
    tablet = new_context().new_page()

    tablet.goto(url)
    wait_ready(tablet)
    expect(tablet.locator("#activation-refused-title")).to_have_text("This activation link has expired")
    expect(tablet.locator("#activation-refused")).to_contain_text("has expired")
    expect(tablet.locator("#activation-refused")).to_contain_text("Send new link")
    expect(tablet.locator("#activate-device-name")).to_have_count(0)
    shot(tablet, "activation-expired")

    tablet.goto(url[:-3] + "xyz")
    wait_ready(tablet)
    expect(tablet.locator("#activation-refused-title")).to_have_text("This activation link does not work")

    # Nothing was stored: this browser is still not a device.
    open_page(tablet, "/redeem")
    expect(tablet.locator("#device-not-activated")).to_be_visible()


def _csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["name", "email", "external_id", "mode", "bank_country", "routing_number", "account_number"])
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def _upload(page, name: str, content: bytes, mime: str = "text/csv") -> None:
    page.locator("#import-upload input[type=file]").set_input_files({"name": name, "mimeType": mime, "buffer": content})


def test_a_csv_with_three_bad_rows_imports_nothing_and_the_corrected_file_imports_once(new_context, make_operator):
    owner = make_operator()
    page = new_context().new_page()
    log_in(page, owner.email, owner.password)
    open_page(page, "/locations/import")

    good = [[f"Shop {n}", f"shop{n}@example.com", f"CSV-{n}", ("pos", "items", "amount")[n % 3], "", "", ""]
            for n in range(1, 7)]
    bad = [list(row) for row in good]
    bad[1][1] = "shop2.example.com"  # row 3
    bad[3][3] = "barter"  # row 5
    bad[5][4:7] = ["US", "011000016", "123456789"]  # row 7

    # Files that are not our CSV are refused with a reason.
    _upload(page, "shops.csv", "name,email\nCafé,cafe@example.com\n".encode("latin-1"))
    expect(page.locator("#import-file-error")).to_contain_text("not UTF-8")
    _upload(page, "shops.xlsx", b"PK\x03\x04 a spreadsheet", mime="application/octet-stream")
    expect(page.locator("#import-file-error")).to_contain_text("Upload a .csv file")
    _upload(page, "empty.csv", b"")
    expect(page.locator("#import-file-error")).to_contain_text("empty")

    _upload(page, "shops.csv", _csv(bad))
    expect(page.locator(".import-error-row")).to_have_count(3)
    expect(page.locator("#import-error-row-3")).to_contain_text("email")
    expect(page.locator("#import-error-row-5")).to_contain_text("mode")
    expect(page.locator("#import-error-row-7")).to_contain_text("routing_number")
    expect(page.locator("#import-preview-summary")).to_contain_text("Nothing was imported")
    expect(page.locator("#import-submit")).to_have_count(0)
    shot(page, "import-preview-errors", full_page=True)

    _upload(page, "shops.csv", _csv(good))
    expect(page.locator("#import-preview-ok")).to_contain_text("6 new location(s)")
    page.click("#import-submit")
    expect(page.locator("#import-result-created")).to_have_text("6")
    expect(page.locator("#import-result-updated")).to_have_text("0")
    expect(page.locator("#import-result-emailed")).to_have_text("6")

    page.click("#import-reset")
    _upload(page, "shops.csv", _csv(good))
    expect(page.locator("#import-preview-ok")).to_contain_text("0 new location(s)")
    # The same file again changes nothing: nothing is written, and the screen says so.
    expect(page.locator("#import-plan-unchanged")).to_have_text("6")
    expect(page.locator("#import-submit")).to_be_disabled()

    open_page(page, "/locations")
    expect(page.locator(".location-row")).to_have_count(6)

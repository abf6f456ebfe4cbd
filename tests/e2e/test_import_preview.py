"""The location import in Chromium, on the demo network (`python -m app.cli seed-demo`):
the template downloaded from the screen and imported unchanged updates nothing (its rows
are samples, skipped), and a file that does change locations is previewed location by
location, field by field, bank details included, account numbers by their last 4."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.support.browser import log_in, open_page

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
DEMO_EMAIL, DEMO_PASSWORD = "demo@giftnet.local", "demo-downtown-2026"
SNAPSHOT = """
import json
from sqlmodel import select
from app.db import read_session
from app.models import Location, User
with read_session() as session:
    operator_id = session.exec(select(User).where(User.email == "demo@giftnet.local")).one().operator_id
    rows = session.exec(select(Location).where(Location.operator_id == operator_id).order_by(Location.id)).all()
    print(json.dumps([[r.id, r.name, r.email, r.external_id, r.mode, r.bank_country, r.routing_number,
                       r.institution_number, r.transit_number, r.account_number_encrypted, r.account_type,
                       r.updated_at.isoformat()] for r in rows]))
"""


def _locations(app_server) -> list[list]:
    import json

    result = subprocess.run([sys.executable, "-c", SNAPSHOT], cwd=ROOT, env=app_server.env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def demo_network(app_server):
    """The demo network, loaded into the test server's database as `make run` loads it."""
    subprocess.run([sys.executable, "-m", "app.cli", "seed-demo"], cwd=ROOT, env=app_server.env, check=True,
                   capture_output=True, timeout=120)
    return app_server


def _upload(page, name: str, content: bytes) -> None:
    page.locator("#import-upload input[type=file]").set_input_files({"name": name, "mimeType": "text/csv",
                                                                     "buffer": content})


def _download_template(page) -> bytes:
    with page.expect_download() as info:
        page.click("#import-template-download")
    return Path(info.value.path()).read_bytes()


def test_the_downloaded_template_imported_unchanged_into_the_demo_network_changes_nothing(new_context, demo_network):
    before = _locations(demo_network)
    assert {row[3] for row in before} >= {"DEMO-CAFE", "DEMO-HARDWARE", "DEMO-BOOKS"}
    page = new_context().new_page()
    log_in(page, DEMO_EMAIL, DEMO_PASSWORD)
    open_page(page, "/locations/import")

    template = _download_template(page)
    _upload(page, "giftnet-locations-template.csv", template)

    expect(page.locator("#import-preview-ok")).to_be_visible()
    for count, expected in (("created", "0"), ("updated", "0"), ("unchanged", "0"), ("skipped", "2")):
        expect(page.locator(f"#import-plan-{count}")).to_have_text(expected)
    for row in (2, 3):  # the two sample rows, each saying why it is skipped
        expect(page.locator(f"#import-plan-row-{row}")).to_contain_text("sample row of the template")
    expect(page.locator("#import-submit")).to_be_disabled()
    expect(page.locator("#import-submit")).to_have_text("Nothing to import")
    assert _locations(demo_network) == before


def test_the_preview_names_every_location_an_import_changes_and_what_changes(new_context, demo_network):
    before = _locations(demo_network)
    page = new_context().new_page()
    log_in(page, DEMO_EMAIL, DEMO_PASSWORD)
    open_page(page, "/locations/import")
    header = next(csv.reader(io.StringIO(_download_template(page).decode("utf-8-sig"))))
    by_external = {row[3]: row for row in before}
    cafe, books = by_external["DEMO-CAFE"], by_external["DEMO-BOOKS"]

    def row(**values: str) -> list[str]:
        return [values.get(column, "") for column in header]

    content = io.StringIO()
    writer = csv.writer(content)
    writer.writerow(header)
    # The café's bank account changes (institution kept, new transit and account number).
    writer.writerow(row(name="Demo Café", email="cafe@demo-downtown.example", external_id="DEMO-CAFE", mode="items",
                        notify_items_email="true", phone="416-555-0101", address="101 King St W", bank_country="CA",
                        institution_number="001", transit_number="00022", account_number="7654321",
                        account_type="checking", active="true"))
    # The bookshop is renamed; nothing else.
    writer.writerow(row(name="Main Street Books & Music", email="books@demo-downtown.example", external_id="DEMO-BOOKS",
                        mode="amount", address="12 Main St", active="true"))
    # A new business.
    writer.writerow(row(name="Harbour Florist", email="florist@example.com", external_id="HARBOUR-1", mode="amount"))
    _upload(page, "changes.csv", content.getvalue().encode())

    expect(page.locator("#import-preview-ok")).to_be_visible()
    for count, expected in (("created", "1"), ("updated", "2"), ("skipped", "0")):
        expect(page.locator(f"#import-plan-{count}")).to_have_text(expected)
    cafe_row = page.locator("#import-plan-row-2")
    expect(cafe_row).to_contain_text("Demo Café")
    expect(cafe_row.locator(".import-change")).to_have_count(2)
    expect(cafe_row).to_contain_text("Transit number: 00011 → 00022")
    expect(cafe_row).to_contain_text("Account number: •••• 4567 → •••• 4321")
    expect(cafe_row).not_to_contain_text("7654321")
    books_row = page.locator("#import-plan-row-3")
    expect(books_row).to_contain_text("Main Street Books")
    expect(books_row.locator(".import-change")).to_have_count(1)
    expect(books_row).to_contain_text("Name: Main Street Books → Main Street Books & Music")
    expect(page.locator("#import-plan-row-4")).to_contain_text("Harbour Florist")
    assert _locations(demo_network) == before  # the preview writes nothing

    page.click("#import-submit")
    expect(page.locator("#import-result-created")).to_have_text("1")
    expect(page.locator("#import-result-updated")).to_have_text("2")
    after = {row[3]: row for row in _locations(demo_network)}
    assert after["DEMO-HARDWARE"] == by_external["DEMO-HARDWARE"]  # not in the file: untouched
    assert (after["DEMO-CAFE"][8], after["DEMO-BOOKS"][1]) == ("00022", "Main Street Books & Music")
    assert after["DEMO-BOOKS"][2:9] == books[2:9] and after["DEMO-CAFE"][1:8] == cafe[1:8]

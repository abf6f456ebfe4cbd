"""Settlement that runs by itself, in Chromium, with a real OpenSSH server as the bank.

The owner signs in, sees the readiness checklist on Settlements, fills the NACHA settings,
sets a weekly payout schedule (cut-off a minute or two ahead, on that day's weekday) and
SFTP delivery to the `sftp_server` fixture's sshd, and Test connection succeeds. Once the
cut-off has passed, the app's own CLI (`run-payouts`, for cron) makes the due run once and
one pass of the delivery job (`delivery.deliver_due`, in the app's environment) uploads the
file: the Settlements screen shows the batch delivered with its remote path, and the file on
the server has the stored bytes. Then a NACHA return file (written by the third-party
carta-ach library, tests/support/bank_returns.py) sends one line back with R03: the screen
shows the line returned with the reason in words, and the money owed to that location again.
Screenshots go to screenshots/settlements/ (gitignored), for a person to look at."""

from __future__ import annotations

import time
import zoneinfo
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from tests.support.bank_returns import NachaReturn, nacha_return_file
from tests.support.bankfiles import parse_nacha
from tests.support.browser import app_python, log_in, open_page

pytestmark = pytest.mark.e2e

SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots" / "settlements"
ZONE = zoneinfo.ZoneInfo("America/Toronto")  # `create-operator`'s default time zone
CAFE_BANK = {"bank_country": "US", "routing_number": "011401533", "account_number": "123456789",
             "account_type": "checking"}
BOOKS_BANK = {"bank_country": "US", "routing_number": "011000015", "account_number": "55500011",
              "account_type": "savings"}
NACHA = {"immediate-destination": "011000015", "immediate-origin": "1234567890", "destination-name": "FED",
         "origin-name": "E2E NETWORK", "company-name": "E2E NETWORK", "company-id": "1234567890",
         "odfi-routing": "011000015"}
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# The schedule is saved this long before its cut-off at least: time enough for the save to
# land before it on a loaded machine (a schedule never pays a cut-off already past).
CUTOFF_AHEAD = timedelta(seconds=90)

DELIVER_ONCE = """
import dataclasses, json
from app.services.settlement import delivery
print(json.dumps(dataclasses.asdict(delivery.deliver_due())))
"""


def _shot(page, name: str, locator: str | None = None) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    target = page.locator(locator) if locator else page
    target.screenshot(path=str(SCREENSHOTS / f"{name}.png"), **({} if locator else {"full_page": True}))


def _choose(page, select_id: str, option: str) -> None:
    """A Radix select: open it, then click the option by its text."""
    page.click(f"#{select_id}")
    page.get_by_role("option", name=option, exact=True).click()
    expect(page.locator(f"#{select_id}")).to_contain_text(option)


def _redeem(api: httpx.Client, location_id: int, amount_cents: int) -> None:
    card = api.post("/cards", json={"amount_cents": 20_000, "send_email": False}).json()
    answer = api.post("/redemptions", json={"card_id": card["id"], "location_id": location_id,
                                            "amount_cents": amount_cents})
    assert answer.status_code == 201, answer.text


def test_a_weekly_run_is_delivered_by_sftp_then_a_returned_payment_is_owed_again(
        page, make_operator, base_url, app_server, sftp_server):
    owner = make_operator(currency="USD")
    api = httpx.Client(base_url=f"{base_url}/api/v1", headers={"Authorization": f"Bearer {owner.api_key}"}, timeout=30)
    cafe = api.post("/locations", json={"name": "Café Crème & Co.", "email": "creme@example.com", "mode": "amount",
                                        **CAFE_BANK}).json()
    books = api.post("/locations", json={"name": "Alpha Books", "email": "alpha@example.com", "mode": "amount",
                                         **BOOKS_BANK}).json()
    stand = api.post("/locations", json={"name": "Zulu Stand", "email": "zulu@example.com", "mode": "amount"}).json()
    _redeem(api, cafe["id"], 4_200)
    _redeem(api, books["id"], 10_000)
    _redeem(api, stand["id"], 700)

    # Before anything is set: the checklist says what a bank file still needs.
    log_in(page, owner.email, owner.password)
    open_page(page, "/settlements")
    expect(page.locator("#settlements-readiness")).to_be_visible()
    expect(page.locator("#readiness-payouts-nacha-company-id")).to_contain_text("company ID is missing")
    expect(page.locator(f"#readiness-location-{stand['id']}")).to_contain_text("No bank details")
    expect(page.locator("#payouts-empty")).to_be_visible()
    _shot(page, "1-readiness")

    open_page(page, "/settings")
    for name, value in NACHA.items():
        page.fill(f"#settings-nacha-{name}", value)
    page.click("#settings-save")
    expect(page.locator("#settings-saved")).to_be_visible()

    # A weekly schedule whose cut-off comes in a minute or two, on that day's weekday.
    cutoff = datetime.now(ZONE) + CUTOFF_AHEAD + timedelta(minutes=1)
    cutoff = cutoff.replace(second=0, microsecond=0)
    _choose(page, "settings-schedule-frequency", "Weekly")
    _choose(page, "settings-schedule-weekday", WEEKDAYS[cutoff.weekday()])
    page.fill("#settings-schedule-cutoff-time", cutoff.strftime("%H:%M"))
    page.click("#settings-schedule-save")
    expect(page.locator("#settings-schedule-saved")).to_be_visible()
    expect(page.locator("#settings-schedule-next-run")).to_contain_text(cutoff.strftime("%Y-%m-%d %H:%M"))
    assert datetime.now(ZONE) < cutoff, "the schedule was saved after its cut-off: raise CUTOFF_AHEAD"

    # SFTP delivery to the test's own sshd, checked with Test connection, then saved.
    target = sftp_server.target()
    page.click("#settings-delivery-method-sftp")
    for key in ("host", "port", "username", "private_key", "remote_dir", "host_key_sha256"):
        page.fill(f"#settings-delivery-{key.replace('_', '-')}", str(target[key]))
    page.click("#settings-delivery-test")
    expect(page.locator("#settings-delivery-test-result")).to_contain_text("Connected")
    assert sftp_server.files() == {}  # the test uploads nothing
    _shot(page, "2-delivery-test", "#settings-delivery")
    page.click("#settings-delivery-save")
    expect(page.locator("#settings-delivery-saved")).to_contain_text("SFTP")
    expect(page.locator("#settings-delivery-public-key")).to_contain_text("ssh-ed25519")
    _shot(page, "3-settings")

    # The cut-off passes; cron's command runs the due run, the delivery job sends its file. The
    # app's own workers run the same jobs (BACKGROUND_JOBS=workers): whichever claims the run
    # or the attempt first does it, and the other finds it done, so the CLI may find nothing.
    time.sleep(max(0.0, (cutoff - datetime.now(ZONE)).total_seconds()) + 2)
    reports = [report for report in app_server.cli("run-payouts", "--json")
               if report["operator_id"] == owner.operator_id and report["claimed_here"]]
    [batch] = api.get("/payouts").json()["data"]  # one batch, whichever process made it
    batch_id = batch["id"]
    for report in reports:  # the CLI claimed the run (almost always: the app's loop polls once a minute)
        assert (report["batch_id"], report["outcome"], report["file_format"]) == (batch_id, "batch_created", "nacha")
        assert [item["location_name"] for item in report["skipped"]] == ["Zulu Stand"]
    assert not [report for report in app_server.cli("run-payouts", "--json")
                if report["operator_id"] == owner.operator_id]  # once
    assert app_python(app_server, DELIVER_ONCE)["delivered"] in (0, 1)  # 0: the app's job sent it first
    deadline = time.monotonic() + 30
    while (delivery := api.get(f"/payouts/{batch_id}").json()["delivery"])["status"] == "pending":
        assert time.monotonic() < deadline, delivery
        time.sleep(0.5)
    assert delivery["status"] == "delivered" and delivery["remote_path"].startswith(str(sftp_server.inbox)), delivery
    assert delivery["attempts"] == 1

    open_page(page, "/settlements")
    expect(page.locator(".payout-row")).to_have_count(1)
    expect(page.locator(f"#payout-status-{batch_id}")).to_have_text("Bank file written")
    expect(page.locator(f"#readiness-location-{stand['id']}")).to_be_visible()
    expect(page.locator("#readiness-payouts-nacha-company-id")).to_have_count(0)
    page.click(f"#payout-open-{batch_id}")
    expect(page.locator("#payout-delivery-status")).to_have_text("Delivered to the bank")
    expect(page.locator("#payout-delivery-detail")).to_contain_text(delivery["remote_path"])
    expect(page.locator(".payout-line")).to_have_count(2)
    expect(page.locator(f"#payout-line-status-{cafe['id']}")).to_have_text("Paid")
    with page.expect_download() as info:
        page.click("#payout-download-nacha")
    stored = Path(info.value.path()).read_bytes()
    assert sftp_server.files() == {Path(delivery["remote_path"]).name: stored}
    _shot(page, "4-delivered")

    # The bank sends the café's payment back: no such account.
    [returned] = [entry for entry in parse_nacha(stored.decode("ascii")).entries
                  if entry.receiver_name.startswith("CAFE CREME")]
    content = nacha_return_file(stored.decode("ascii"), [NachaReturn(returned, "R03")])
    page.locator("#returns-upload input[type=file]").set_input_files(
        {"name": "returns.ach", "mimeType": "text/plain", "buffer": content})
    expect(page.locator("#returns-notice")).to_contain_text("1 returned payment(s) matched")
    row = page.locator(f"#returns-row-{batch_id}-{cafe['id']}")
    net = f"${returned.amount_cents // 100}.{returned.amount_cents % 100:02d} USD"  # the dashboard names the currency
    expect(row).to_contain_text("R03 No account, or the account could not be found")
    expect(row).to_contain_text(net)
    expect(page.locator(f"#payout-line-status-{cafe['id']}")).to_have_text("Returned")
    expect(page.locator(f"#payout-line-reason-{cafe['id']}")).to_contain_text("R03 No account")
    expect(page.locator(f"#payout-line-status-{books['id']}")).to_have_text("Paid")
    # Owed again: the café waits in the preview with its returned money, until its bank details are corrected.
    owed = page.locator(f"#payables-skipped-{cafe['id']}")
    expect(owed).to_contain_text("correct the bank details")
    expect(owed).to_contain_text(f"{net} returned by the bank waits too")
    expect(owed).to_contain_text(f"$0.00 USD + {net} returned")  # its gross alone would say nothing is owed
    line = api.get(f"/payouts/{batch_id}").json()["lines"]
    assert [(item["location_id"], item["status"]) for item in line if item["status"] == "returned"] == [
        (cafe["id"], "returned")]
    _shot(page, "5-returned")

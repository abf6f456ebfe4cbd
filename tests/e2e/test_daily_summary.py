"""The owners' daily summary switch on the Settings screen, in Chromium: off for a new
network, saved at once with its note beside it, still on after a reload, and the summary
it turns on is queued once for the owner (run through the service against the app's
database, as the background job does)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.support.browser import log_in, open_page

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]


def app_python(app_server, code: str) -> dict:
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=app_server.env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_an_owner_turns_the_daily_summary_on_and_one_email_is_queued(page, make_operator, app_server):
    owner = make_operator("Summary Network")
    log_in(page, owner.email, owner.password)
    open_page(page, "/settings")
    switch = page.locator("#settings-daily-summary")
    expect(switch).to_have_attribute("data-state", "unchecked")
    expect(page.locator("#settings-daily-summary-note")).to_have_count(0)

    switch.click()

    expect(page.locator("#settings-daily-summary-note")).to_have_text(
        "On: the owners get yesterday's figures by email every morning.")
    expect(switch).to_have_attribute("data-state", "checked")
    open_page(page, "/settings")
    expect(page.locator("#settings-daily-summary")).to_have_attribute("data-state", "checked")

    # Tomorrow from 06:00 in the network's zone, the job queues today's summary: once.
    sent = app_python(app_server, f"""
import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo
from sqlmodel import select
from app.db import read_session
from app.models import Operator, OutboxMessage
from app.services.reporting import daily_summary
with read_session() as session:
    zone = ZoneInfo(session.get(Operator, {owner.operator_id}).timezone)
tomorrow = datetime.now(zone).date() + timedelta(days=1)
at = datetime.combine(tomorrow, datetime.min.time(), zone).replace(hour=7)
counts = [daily_summary.send_due(at), daily_summary.send_due(at + timedelta(hours=1))]
with read_session() as session:
    rows = session.exec(select(OutboxMessage).where(OutboxMessage.operator_id == {owner.operator_id},
                                                    OutboxMessage.kind == "daily_summary")).all()
print(json.dumps({{"counts": counts, "to": [row.to_address for row in rows]}}))
""")
    assert sent == {"counts": [1, 0], "to": [owner.email]}

    page.locator("#settings-daily-summary").click()
    expect(page.locator("#settings-daily-summary-note")).to_have_text("Off: no more summary emails.")
    expect(page.locator("#settings-daily-summary")).to_have_attribute("data-state", "unchecked")

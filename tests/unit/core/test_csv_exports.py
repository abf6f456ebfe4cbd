"""An attacker names things so that they run as formulas in the owner's spreadsheet: every CSV
export (reports of every kind, the audit trail, payout statements, print runs, the import
template) goes out through the one formula-safe writer. A cell starting with = + - @, a tab
or a carriage return comes out quoted, while numbers, negative amounts included, stay numbers."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta
from pathlib import Path

from app.db import write_session
from app.models.base import utcnow
from app.services.access import audit_trail
from app.services.core import audit, spreadsheet
from app.services.counter import redemptions
from app.services.money import ledger
from app.services.network import devices, locations
from app.services.network.location_import import template_csv
from app.services.printing import card_batches
from app.services.reporting import reports
from app.services.settlement.statements import CarriedReturn, Statement, StatementRow

HOSTILE = ["=HYPERLINK(\"http://evil.example\",\"x\")", "+1+cmd|' /C calc'!A0", "-2+3+cmd", "@SUM(1+1)*cmd",
           "\t=1+1", "\r=1+1"]
ROOT = Path(__file__).resolve().parents[3]


def cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text, newline="")) for cell in row]


def written(value: str) -> str:
    """`value` as the safe writer puts it out: quoted, its carriage returns as line feeds."""
    return ("'" + value).replace("\r", "\n")


def assert_safe(text: str) -> list[str]:
    """No cell of `text` starts like a formula unless it is a plain number."""
    found = cells(text)
    live = [cell for cell in found
            if cell.startswith(spreadsheet.FORMULA_STARTS) and not spreadsheet.PLAIN_NUMBER.match(cell)]
    assert live == [], f"cells a spreadsheet would run: {live!r}"
    return found


def test_no_module_writes_csv_except_through_the_safe_writer():
    writers = re.compile(r"csv\.(writer|DictWriter)\(")
    offenders = [str(path.relative_to(ROOT)) for path in (ROOT / "app").rglob("*.py")
                 if writers.search(path.read_text()) and path.name != "spreadsheet.py"]
    assert offenders == []


def test_the_writer_quotes_formulas_and_leaves_numbers_alone():
    text = spreadsheet.csv_text(["name", "amount", "count"], [[value, "-0.05", -3] for value in HOSTILE]
                                + [["12.50", "0.00", 0], [None, "1e5", 7]])
    found = assert_safe(text)
    for value in HOSTILE:
        assert written(value) in found
    assert found.count("-0.05") == len(HOSTILE) and "-3" in found and "12.50" in found
    assert "1e5" in found  # not a formula start: untouched


def test_every_report_export_is_formula_safe_and_amounts_stay_numbers(make_operator):
    owner = make_operator("Formula Town")
    made = []
    for index, name in enumerate(HOSTILE[:4]):
        location = locations.create_location(owner.actor, {"name": f"{name} {index}".strip(),
                                                           "email": f"shop{index}@example.com"})
        device = devices.activate_device(devices.create_activation_link(owner.actor, location.id).token, name).device
        card = ledger.issue_card(owner.actor, 10_000)
        redemptions.redeem(owner.actor, location_id=location.id, card_id=card.card.id, amount_cents=1_234)
        made.append((location, device, card))
    start, end = utcnow() - timedelta(days=1), utcnow() + timedelta(days=1)
    exports = {
        "sales": reports.sales_csv(reports.sales_by_channel(owner.operator.id, start, end)),
        "by_location": reports.redeemed_csv(reports.redemptions_by_location(owner.operator.id, start, end), "location"),
        "by_device": reports.redeemed_csv(reports.redemptions_by_device(owner.operator.id, start, end), "device"),
        "aging": reports.aging_csv(reports.liability_aging(owner.operator.id)),
        "dormant": reports.dormant_csv(owner.operator.id, 1, now=utcnow() + timedelta(days=400)),
        "history": reports.card_history_csv(owner.operator.id, made[0][2].card.id),
    }
    for name, text in exports.items():
        found = assert_safe(text)
        assert len(found) > 4, name
    by_location = cells(exports["by_location"])
    for location, _device, _card in made:
        assert written(location.name) in by_location
    assert "12.34" in by_location and "49.36" in by_location  # the total: a number, not text
    assert "-12.34" in cells(exports["history"])  # a debit stays a plain negative number


def test_the_audit_trail_export_quotes_every_typed_text(make_operator):
    owner = make_operator("Audited")
    with write_session() as session:
        for value in HOSTILE:
            audit.record(session, owner.actor, "location.updated", target_type="location", target_id=value,
                         summary=value, changes={"name": [value, "-5"]})
    found = assert_safe(audit_trail.events_csv(owner.actor, "America/Toronto"))
    for value in HOSTILE:
        assert written(value) in found


def test_print_run_and_template_and_statement_exports_are_formula_safe(make_operator):
    owner = make_operator("Printer")
    batch = card_batches.create_card_batch(owner.actor, 3, 2_500)
    printed = card_batches.batch_file(owner.actor, batch.id, "csv")
    found = assert_safe(printed.data.decode("utf-8"))
    assert "2500" in found and "25.00" in found

    assert_safe(template_csv())

    statement = Statement(
        operator_name=HOSTILE[0], currency="CAD", batch_id=7, batch_status="paid", period_from=None,
        period_through=datetime(2026, 1, 31), effective_date=None, paid_at=None, location_id=1,
        location_name=HOSTILE[1], location_email="x@example.com",
        rows=[StatementRow(redemption_id=1, redeemed_at=datetime(2026, 1, 2, 9, 30), card_last4="=1+1",
                           amount_cents=1_000)],
        gross_cents=1_000, commission_bps=250, commission_cents=25, net_cents=975, bank_summary="",
        carried=[CarriedReturn(batch_id=3, net_cents=-500, reason=HOSTILE[2])], returned_reason=HOSTILE[3],
    )
    found = assert_safe(statement.csv())
    assert "'=1+1" in found and "-0.25" in found and "9.75" in found

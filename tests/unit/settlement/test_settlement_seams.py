"""Where the parts of issue 15 meet: returned money (carried) with a prenote hold and with a
schedule's minimum, a scheduled run's file owed to the bank's SFTP server once however many
job processes race, and a return for a batch whose NACHA file also carried prenotes. Every
test runs on SQLite and on PostgreSQL; the race is two separate OS processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import zoneinfo
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock

import pytest
from sqlalchemy import update
from sqlmodel import select

from app.db import read_session, write_session
from app.models import BankFile, Operator, PayoutDelivery, PayoutLine, PayoutRun, Redemption
from app.models.base import utcnow
from app.services.core.errors import ErrorCode
from app.services.network import locations
from app.services.settlement import (
    bank_files,
    batches,
    business_days,
    delivery,
    payables,
    payout_returns,
    payout_settings,
    prenotes,
    reconciliation,
    schedules,
)
from app.settings import PROJECT_ROOT
from tests.support.bank_returns import NachaReturn, nacha_return_file
from tests.support.bankfiles import parse_nacha
from tests.support.services import refused
from tests.support.settlement import redeem_at, us_network

ZONE = zoneinfo.ZoneInfo("America/Toronto")  # sign_up's default: every network of these tests


@pytest.fixture
def us(make_operator):
    return us_network(make_operator)


def paid_batch(network, through: datetime | None = None):
    """A batch of what is payable, its NACHA file written and the batch marked paid: (detail, file text)."""
    payout = batches.create_payout(network.owner.actor, through=through or utcnow())
    bank_file = bank_files.export_bank_file(network.owner.actor, payout.batch.id, "nacha")
    batches.mark_paid(network.owner.actor, payout.batch.id)
    return payout, bank_file.content


def entry_for(content: str, location, *, prenote: bool = False):
    [entry] = [entry for entry in parse_nacha(content).entries
               if entry.identification_number == f"LOC{location.id}" and entry.is_prenote == prenote]
    return entry


def send_back(network, content: str, location, reason_code: str):
    return payout_returns.receive_returns(
        network.owner.actor, nacha_return_file(content, [NachaReturn(entry_for(content, location), reason_code)]))


def payouts_check(operator_id: int) -> dict:
    report = reconciliation.reconcile(operator_id)
    [check] = [check for check in report.checks if check.key == "payouts"]
    return {**check.figures, "mismatches": [m.as_dict() for m in report.mismatches if m.check == "payouts"]}


def owed_again(operator_id: int) -> dict[int, int]:
    with read_session() as session:
        return payout_returns.owed_again(session, operator_id)


def at_noon_on(day: date) -> datetime:
    return datetime.combine(day, clock(12), ZONE).astimezone(UTC)


def third_banking_day_after(day: date) -> date:
    for _ in range(3):
        day += timedelta(days=1)
        while day.weekday() >= 5 or business_days.closure(day, prenotes.US_CALENDAR):
            day += timedelta(days=1)
    return day


def set_schedule(owner, since: datetime, **schedule) -> None:
    """The owner sets the schedule (through the settings' rules), as if at `since`."""
    payout_settings.update_settings(owner.actor, {"payouts": {"schedule": schedule}})
    with write_session() as session:
        operator = session.get(Operator, owner.operator.id)
        stored = json.loads(operator.payout_settings)
        stored["schedule"]["active_since"] = since.isoformat()
        operator.payout_settings = json.dumps(stored)
        session.add(operator)


# --- carried money waits with a held location, and is paid once when it is released ------------


def test_returned_money_of_a_location_held_for_its_prenote_waits_then_is_paid_once_with_its_redemptions(
        us, monkeypatch):
    redeem_at(us.owner, us.checking, 2_500)
    redeem_at(us.owner, us.savings, 4_000)
    first, content = paid_batch(us)  # prenotes off (the default): paid at once
    send_back(us, content, us.checking, "R03")  # no such account: its details must be corrected
    # The owner turns prenotes on and corrects the details: the new account needs its prenote.
    prenotes.set_prenotes(us.owner.actor, True)
    locations.update_location(us.owner.actor, us.checking.id, {
        "bank_country": "US", "routing_number": "011401533", "account_number": "555666777",
        "account_type": "checking"})
    redeem_at(us.owner, us.checking, 1_000)
    assert owed_again(us.owner.operator.id) == {us.checking.id: 2_500}

    prenoting = batches.create_payout(us.owner.actor, through=utcnow())

    # The prenote goes out; the payment and the returned money wait for it, together.
    assert prenoting.lines == []
    [held] = prenoting.skipped
    assert (held.location_id, held.redemption_count, held.gross_cents, held.carried_cents) == (
        us.checking.id, 1, 1_000, 2_500)
    assert held.reason.startswith(f"Prenote sent in batch #{prenoting.batch.id}")
    assert owed_again(us.owner.operator.id) == {us.checking.id: 2_500}
    assert [(entry.transaction_code, entry.account_number, entry.amount_cents) for entry in parse_nacha(
        bank_files.export_bank_file(us.owner.actor, prenoting.batch.id, "nacha").content).entries] == [
        ("23", "555666777", 0)]
    preview = payables.payables(us.owner.operator.id, through=utcnow())
    assert preview.lines == [] and [(item.location_id, item.carried_cents) for item in preview.skipped] == [
        (us.checking.id, 2_500)]
    assert payouts_check(us.owner.operator.id)["mismatches"] == []

    # Released on the third banking day after the prenote settles: paid once, redemption and return together.
    monkeypatch.setattr(batches, "utcnow", lambda: at_noon_on(third_banking_day_after(prenoting.batch.effective_date)))
    released = batches.create_payout(us.owner.actor, through=utcnow())
    [line] = released.lines
    assert (line.location_id, line.redemption_count, line.gross_cents, line.carried_cents, line.net_cents) == (
        us.checking.id, 1, 1_000, 2_500, 3_500)
    assert released.skipped == []
    assert [(entry.transaction_code, entry.account_number, entry.amount_cents) for entry in parse_nacha(
        bank_files.export_bank_file(us.owner.actor, released.batch.id, "nacha").content).entries] == [
        ("22", "555666777", 3_500)]
    assert owed_again(us.owner.operator.id) == {}
    assert refused(batches.create_payout, us.owner.actor, through=utcnow()).code == ErrorCode.conflict  # once
    figures = payouts_check(us.owner.operator.id)
    assert figures["mismatches"] == [] and figures["owed_again_cents"] == 0
    assert first.batch.id != released.batch.id


def test_returned_money_of_a_location_below_the_minimum_waits_and_counts_towards_it(us):
    redeem_at(us.owner, us.checking, 2_500)
    redeem_at(us.owner, us.savings, 4_000)
    first, content = paid_batch(us)
    send_back(us, content, us.checking, "R01")  # insufficient funds: the account itself is fine
    set_schedule(us.owner, since=utcnow() - timedelta(days=20), frequency="daily", cutoff_time="12:00",
                 minimum_net_cents=5_000)
    redeem_at(us.owner, us.checking, 1_000)
    redeem_at(us.owner, us.savings, 6_000)
    today = utcnow().astimezone(ZONE).date()

    # $10.00 of redemptions and $25.00 returned: $35.00 is below the $50.00 minimum; all of it waits.
    [run] = schedules.run_due_payouts(at_noon_on(today + timedelta(days=1)) + timedelta(minutes=1))
    detail = batches.get_payout(us.owner.operator.id, run.batch_id)
    assert [(line.location_id, line.net_cents, line.carried_cents) for line in detail.lines] == [
        (us.savings.id, 6_000, 0)]
    [waiting] = run.skipped
    assert (waiting["location_id"], waiting["gross_cents"]) == (us.checking.id, 1_000)
    assert "Net $35.00 USD" in waiting["reason"] and "below the minimum of $50.00 USD" in waiting["reason"]
    assert owed_again(us.owner.operator.id) == {us.checking.id: 2_500}
    [shown] = [item for item in payables.payables(us.owner.operator.id, through=utcnow()).lines
               if item.location_id == us.checking.id]
    assert (shown.carried_cents, shown.net_cents) == (2_500, 3_500)
    assert payouts_check(us.owner.operator.id)["mismatches"] == []

    # $30.00 more of redemptions: $65.00 with the returned money, over the minimum: paid once, all together.
    redeem_at(us.owner, us.checking, 3_000)
    [second] = schedules.run_due_payouts(at_noon_on(today + timedelta(days=2)) + timedelta(minutes=1))
    [line] = batches.get_payout(us.owner.operator.id, second.batch_id).lines
    assert (line.location_id, line.redemption_count, line.gross_cents, line.carried_cents, line.net_cents) == (
        us.checking.id, 2, 4_000, 2_500, 6_500)
    assert second.skipped == []
    assert owed_again(us.owner.operator.id) == {}
    assert payouts_check(us.owner.operator.id)["mismatches"] == []
    assert first.batch.id not in (run.batch_id, second.batch_id)


def test_a_location_owed_only_returned_money_below_the_minimum_waits_for_more(us):
    redeem_at(us.owner, us.checking, 2_500)
    _first, content = paid_batch(us)
    send_back(us, content, us.checking, "R01")
    set_schedule(us.owner, since=utcnow() - timedelta(days=20), frequency="daily", cutoff_time="12:00",
                 minimum_net_cents=5_000)
    redeem_at(us.owner, us.savings, 6_000)
    today = utcnow().astimezone(ZONE).date()

    [run] = schedules.run_due_payouts(at_noon_on(today + timedelta(days=1)) + timedelta(minutes=1))

    assert [line.location_id for line in batches.get_payout(us.owner.operator.id, run.batch_id).lines] == [
        us.savings.id]
    [waiting] = run.skipped
    assert (waiting["location_id"], waiting["redemption_count"]) == (us.checking.id, 0)
    assert "Net $25.00 USD" in waiting["reason"] and "below the minimum" in waiting["reason"]
    assert owed_again(us.owner.operator.id) == {us.checking.id: 2_500}
    # A batch made by hand has no minimum: the returned money is paid there, once.
    by_hand = batches.create_payout(us.owner.actor, through=utcnow())
    assert [(line.location_id, line.carried_cents) for line in by_hand.lines] == [(us.checking.id, 2_500)]
    assert owed_again(us.owner.operator.id) == {}


# --- a scheduled run with SFTP delivery: its file is owed to the bank once ---------------------


RACE = (
    "import json, time\n"
    "from app.services.settlement import schedules\n"
    "time.sleep(max(0.0, {start_at} - time.time()))\n"
    "print(json.dumps([report.as_dict() for report in schedules.run_due_payouts()]))\n"
)


def test_two_job_processes_racing_on_a_scheduled_run_queue_its_file_for_sftp_delivery_once(
        database, make_operator, sftp_server):
    network = us_network(make_operator)
    payout_settings.update_settings(network.owner.actor, {"payouts": {"delivery": {
        "method": "sftp", "sftp": sftp_server.target()}}})
    set_schedule(network.owner, since=datetime.now(UTC) - timedelta(days=10), frequency="daily", cutoff_time="00:00")
    redeem_at(network.owner, network.checking, 2_500)
    redeem_at(network.owner, network.savings, 4_000)
    with write_session() as session:  # redeemed before today's cut-off
        session.execute(update(Redemption).where(Redemption.operator_id == network.owner.operator.id)
                        .values(created_at=datetime.now(UTC) - timedelta(days=2)))
    env = {**os.environ, "DATABASE_URL": database, "PYTHONDONTWRITEBYTECODE": "1"}
    start_at = time.time() + 6  # both processes have imported the app by then
    racers = [subprocess.Popen([sys.executable, "-c", RACE.format(start_at=start_at)], cwd=PROJECT_ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [racer.communicate(timeout=120) for racer in racers]
    assert [racer.returncode for racer in racers] == [0, 0], [err for _out, err in outputs]

    operator_id = network.owner.operator.id
    with read_session() as session:
        [run] = session.exec(select(PayoutRun).where(PayoutRun.operator_id == operator_id)).all()
        files = session.exec(select(BankFile).where(BankFile.operator_id == operator_id)).all()
        deliveries = session.exec(select(PayoutDelivery).where(PayoutDelivery.operator_id == operator_id)).all()
    assert [bank_file.id for bank_file in files] == [run.bank_file_id]
    assert [(row.batch_id, row.bank_file_id, row.status, row.attempts) for row in deliveries] == [
        (run.batch_id, run.bank_file_id, "pending", 0)]

    assert delivery.deliver_due().delivered == 1
    assert delivery.deliver_due().delivered == 0
    [stored] = files
    shown = delivery.delivery_of(operator_id, run.batch_id)
    assert (shown.status, shown.attempts) == ("delivered", 1)
    assert sftp_server.files() == {shown.remote_path.rsplit("/", 1)[1]: bank_files.bank_file_bytes(bank_files.open_bank_file(stored))}


# --- returns for a batch whose NACHA file also carried prenotes --------------------------------


def test_a_return_names_the_payment_entry_of_a_file_that_also_carried_prenotes(us):
    redeem_at(us.owner, us.checking, 2_500)
    earlier, _content = paid_batch(us)  # the checking account is known to the bank: no prenote later
    prenotes.set_prenotes(us.owner.actor, True)
    redeem_at(us.owner, us.checking, 1_500)
    redeem_at(us.owner, us.savings, 900)  # never paid: a prenote first
    # A third location, named to come first, with new details: its prenote too.
    first_named = locations.create_location(us.owner.actor, {
        "name": "Aardvark Deli", "email": "deli@example.com", "bank_country": "US", "routing_number": "011000015",
        "account_number": "44433322", "account_type": "savings"})
    redeem_at(us.owner, first_named, 800)

    mixed, content = paid_batch(us)

    entries = parse_nacha(content).entries
    assert sorted((entry.identification_number, entry.transaction_code, entry.amount_cents) for entry in entries) == \
        sorted([(f"LOC{us.checking.id}", "22", 1_500), (f"LOC{us.savings.id}", "33", 0),
                (f"LOC{first_named.id}", "33", 0)])
    payment = entry_for(content, us.checking)
    with read_session() as session:
        [line] = session.exec(select(PayoutLine).where(PayoutLine.batch_id == mixed.batch.id)).all()
    assert line.nacha_trace_number == payment.trace_number
    assert {entry_for(content, us.savings, prenote=True).trace_number,
            entry_for(content, first_named, prenote=True).trace_number}.isdisjoint({line.nacha_trace_number})

    result = send_back(us, content, us.checking, "R01")

    assert [(match.payout_id, match.location_id, match.net_cents) for match in result.matched] == [
        (mixed.batch.id, us.checking.id, 1_500)]
    assert batch_of_line_status(earlier.batch.id) == ["paid"]
    assert batch_of_line_status(mixed.batch.id) == ["returned"]
    assert owed_again(us.owner.operator.id) == {us.checking.id: 1_500}
    # A return naming a prenote's trace number names no money: the whole file is refused.
    prenote_return = nacha_return_file(content, [NachaReturn(entry_for(content, us.savings, prenote=True), "R03")])
    error = refused(payout_returns.receive_returns, us.owner.actor, prenote_return)
    assert error.code == ErrorCode.invalid_input and "Line 3" in error.message
    assert owed_again(us.owner.operator.id) == {us.checking.id: 1_500}
    assert payouts_check(us.owner.operator.id)["mismatches"] == []


def batch_of_line_status(batch_id: int) -> list[str]:
    with read_session() as session:
        return [line.status for line in session.exec(select(PayoutLine).where(PayoutLine.batch_id == batch_id)).all()]


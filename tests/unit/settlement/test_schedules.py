"""Payout schedules: a due run creates the batch of everything unpaid up to its cut-off once,
writes its bank file, and says what it did. Every database test runs on SQLite and on
PostgreSQL; the race is two separate OS processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import zoneinfo
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import update
from sqlmodel import select

from app.cli import main as cli_main
from app.db import read_session, write_session
from app.models import AuditEvent, BankFile, Operator, OutboxMessage, PayoutBatch, PayoutRun, Redemption
from app.models.payout_run import RunFileStatus, RunOutcome
from app.services.core.actor import Actor
from app.services.core.errors import ErrorCode
from app.services.settlement import bank_files, batches, payout_settings, schedule_rules, schedules
from app.settings import PROJECT_ROOT
from tests.support.bankfiles import parse_cpa005, parse_nacha
from tests.support.services import at_once, refused
from tests.support.settlement import batch_of, ca_network, redeem_at, us_network

ZONE = "America/Toronto"  # sign_up's default: every network of these tests


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A moment in the networks' zone, in UTC."""
    return datetime(year, month, day, hour, minute, tzinfo=zoneinfo.ZoneInfo(ZONE)).astimezone(UTC)


def set_schedule(owner, since: datetime, **schedule) -> None:
    """The owner sets the schedule (through the settings' rules), as if at `since`."""
    payout_settings.update_settings(owner.actor, {"payouts": {"schedule": schedule}})
    with write_session() as session:
        operator = session.get(Operator, owner.operator.id)
        stored = json.loads(operator.payout_settings)
        stored["schedule"]["active_since"] = since.isoformat()
        operator.payout_settings = json.dumps(stored)
        session.add(operator)


def redeemed_at(redemptions: list[Redemption], moment: datetime) -> list[int]:
    ids = [redemption.id for redemption in redemptions]
    with write_session() as session:
        session.execute(update(Redemption).where(Redemption.id.in_(ids)).values(created_at=moment))
    return ids


def runs_of(operator_id: int) -> list[PayoutRun]:
    with read_session() as session:
        return list(session.exec(select(PayoutRun).where(PayoutRun.operator_id == operator_id)
                                 .order_by(PayoutRun.id)).all())


def batches_of(operator_id: int) -> list[PayoutBatch]:
    with read_session() as session:
        return list(session.exec(select(PayoutBatch).where(PayoutBatch.operator_id == operator_id)
                                 .order_by(PayoutBatch.id)).all())


def stored_file(batch_id: int) -> bank_files.StoredBankFile:
    with read_session() as session:
        return bank_files.open_bank_file(session.exec(select(BankFile).where(BankFile.batch_id == batch_id)).one())


@pytest.fixture
def us(make_operator):
    return us_network(make_operator)


@pytest.fixture
def ca(make_operator):
    return ca_network(make_operator)


# --- the run --------------------------------------------------------------------------


def test_a_weekly_run_pays_everything_up_to_the_cutoff_once_and_writes_its_nacha_file(us):
    # Wednesday November 25, 2026, 17:00: the next day is Thanksgiving, so the money is due Friday.
    cutoff = local(2026, 11, 25, 17)
    set_schedule(us.owner, since=local(2026, 11, 19), frequency="weekly", weekday="wed", cutoff_time="17:00")
    paid = redeemed_at(redeem_at(us.owner, us.checking, 2_500, 1_000) + redeem_at(us.owner, us.savings, 4_000),
                       cutoff - timedelta(days=2))
    after_cutoff = redeemed_at(redeem_at(us.owner, us.checking, 900), cutoff + timedelta(minutes=1))
    unbanked = redeemed_at(redeem_at(us.owner, us.unbanked, 700), cutoff - timedelta(days=1))

    assert schedules.run_due_payouts(cutoff - timedelta(minutes=1)) == []  # not yet
    [report] = schedules.run_due_payouts(cutoff + timedelta(minutes=5))

    [batch] = batches_of(us.owner.operator.id)
    assert (report.outcome, report.batch_id, report.total_net_cents) == (RunOutcome.batch_created, batch.id, 7_500)
    assert batch.period_through == cutoff
    assert batch.effective_date == date(2026, 11, 27)
    assert [batch_of(redemption_id) for redemption_id in paid] == [batch.id] * 3
    assert batch_of(after_cutoff[0]) is None and batch_of(unbanked[0]) is None
    assert [(item["location_name"], item["reason"]) for item in report.skipped] == [("Flower Stand", "No bank details")]
    assert (report.file_status, report.file_format) == (RunFileStatus.written, "nacha")
    bank_file = stored_file(batch.id)
    parsed = parse_nacha(bank_file.content)
    assert [nacha_batch.effective_date for nacha_batch in parsed.batches] == [date(2026, 11, 27)]
    assert sum(entry.amount_cents for entry in parsed.entries) == 7_500
    assert batch.status == "exported"

    assert schedules.run_due_payouts(cutoff + timedelta(minutes=10)) == []  # once
    assert schedules.run_due_payouts(cutoff + timedelta(days=6)) == []
    [run] = runs_of(us.owner.operator.id)
    assert (run.scheduled_on, run.batch_id, run.bank_file_id) == (date(2026, 11, 25), batch.id, bank_file.id)


def test_canadian_due_dates_skip_canada_day_christmas_and_boxing_day(ca):
    set_schedule(ca.owner, since=local(2026, 6, 1), frequency="daily", cutoff_time="16:00")
    for run_day, due in ((local(2026, 6, 30, 16), date(2026, 7, 2)), (local(2026, 12, 24, 16), date(2026, 12, 29))):
        redeemed_at(redeem_at(ca.owner, ca.checking, 1_200), run_day - timedelta(hours=3))

        [report] = schedules.run_due_payouts(run_day + timedelta(minutes=1))

        assert (report.file_status, report.file_format) == (RunFileStatus.written, "cpa005"), report.file_error
        assert [payment.due_date for payment in parse_cpa005(stored_file(report.batch_id).content).payments] == [due]


def test_the_province_of_the_network_adds_its_own_holidays(ca):
    payout_settings.update_settings(ca.owner.actor, {"payouts": {"cpa005": {"province": "qc"}}})
    assert payout_settings.get_settings(ca.owner.operator.id).cpa005.province == "QC"
    set_schedule(ca.owner, since=local(2026, 6, 1), frequency="daily", cutoff_time="16:00")
    redeemed_at(redeem_at(ca.owner, ca.checking, 1_200), local(2026, 6, 23, 9))

    [report] = schedules.run_due_payouts(local(2026, 6, 23, 16, 1))

    assert batches.get_payout(ca.owner.operator.id, report.batch_id).batch.effective_date == date(2026, 6, 25)
    error = refused(payout_settings.update_settings, ca.owner.actor, {"payouts": {"cpa005": {"province": "XX"}}})
    assert error.field == "payouts.cpa005.province" and "QC" in error.message


def test_a_location_owed_less_than_the_minimum_waits_for_a_later_run(us):
    set_schedule(us.owner, since=local(2026, 11, 1), frequency="weekly", weekday="fri", cutoff_time="12:00",
                 minimum_net_cents=3_000)
    redeemed_at(redeem_at(us.owner, us.checking, 3_500), local(2026, 11, 10))
    small = redeemed_at(redeem_at(us.owner, us.savings, 1_000), local(2026, 11, 10))

    [first] = schedules.run_due_payouts(local(2026, 11, 13, 12, 1))

    assert first.total_net_cents == 3_500
    assert [(item["location_name"], item["reason"]) for item in first.skipped] == [
        ("Corner Cafe", "Net $10.00 USD is below the minimum of $30.00 USD; it waits for a later run")]
    assert batch_of(small[0]) is None
    redeemed_at(redeem_at(us.owner, us.savings, 2_500), local(2026, 11, 16))

    [second] = schedules.run_due_payouts(local(2026, 11, 20, 12, 1))

    assert second.total_net_cents == 3_500 and batch_of(small[0]) == second.batch_id


def test_missing_nacha_settings_are_recorded_and_emailed_not_raised(us):
    payout_settings.update_settings(us.owner.actor, {"payouts": {"nacha": None}})
    set_schedule(us.owner, since=local(2026, 11, 1), frequency="daily", cutoff_time="09:00")
    redeemed_at(redeem_at(us.owner, us.checking, 2_000), local(2026, 11, 30, 8))

    [report] = schedules.run_due_payouts(local(2026, 11, 30, 9, 30))

    assert report.outcome == RunOutcome.batch_created and report.file_status == RunFileStatus.failed
    assert report.file_error.startswith("Complete the NACHA settings first") and "ODFI routing number" in report.file_error
    assert any("NO bank file: Complete the NACHA settings" in line for line in report.sentences())
    [run] = runs_of(us.owner.operator.id)
    assert (run.file_status, run.file_error) == (RunFileStatus.failed, report.file_error)
    with read_session() as session:
        emails = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "payout_file_failed")).all()
        audited = session.exec(select(AuditEvent.action).where(AuditEvent.operator_id == us.owner.operator.id,
                                                                AuditEvent.action == "payout.file_failed")).all()
    assert [email.to_address for email in emails] == [us.owner.email]
    assert emails[0].subject == f"Main Street Alliance: payout batch #{report.batch_id} needs you before it can be paid"
    assert audited == ["payout.file_failed"]
    assert schedules.run_due_payouts(local(2026, 11, 30, 10)) == []  # recorded: not tried at every pass

    payout_settings.update_settings(us.owner.actor, {"payouts": {"nacha": {
        "immediate_destination": "011000015", "immediate_origin": "1234567890", "destination_name": "Fed",
        "origin_name": "Main Street", "company_name": "Main Street", "company_id": "1234567890",
        "odfi_routing": "021000021"}}})
    assert bank_files.export_bank_file(us.owner.actor, report.batch_id, "nacha").content  # downloaded by hand


def test_nothing_to_pay_is_recorded_once_with_the_locations_left_out(us):
    set_schedule(us.owner, since=local(2026, 11, 1), frequency="semimonthly", cutoff_time="06:00")
    redeemed_at(redeem_at(us.owner, us.unbanked, 700), local(2026, 11, 10))

    [report] = schedules.run_due_payouts(local(2026, 11, 16, 7))

    assert report.outcome == RunOutcome.nothing_to_pay and report.batch_id is None
    assert [item["reason"] for item in report.skipped] == ["No bank details"]
    assert batches_of(us.owner.operator.id) == []
    assert schedules.run_due_payouts(local(2026, 11, 16, 8)) == []
    assert [run.outcome for run in runs_of(us.owner.operator.id)] == [RunOutcome.nothing_to_pay]


def test_a_missed_run_is_made_once_at_the_next_pass_for_the_latest_cutoff(us):
    set_schedule(us.owner, since=local(2026, 11, 1), frequency="daily", cutoff_time="17:00")
    redeemed_at(redeem_at(us.owner, us.checking, 1_000), local(2026, 11, 20))
    redeemed_at(redeem_at(us.owner, us.checking, 2_000), local(2026, 11, 23, 16))

    [report] = schedules.run_due_payouts(local(2026, 11, 24, 10))  # the jobs were stopped for days

    assert report.scheduled_on == date(2026, 11, 23) and report.total_net_cents == 3_000
    assert schedules.run_due_payouts(local(2026, 11, 24, 11)) == []


def test_setting_a_schedule_never_pays_a_cutoff_already_past(us):
    redeem_at(us.owner, us.checking, 1_000)
    settings = payout_settings.update_settings(us.owner.actor, {"payouts": {"schedule": {
        "frequency": "daily", "cutoff_time": "00:00"}}})

    assert schedules.run_due_payouts() == []
    next_run = datetime.fromisoformat(settings.schedule["next_run_at"])
    assert next_run > datetime.now(UTC) and next_run.astimezone(zoneinfo.ZoneInfo(ZONE)).hour == 0


def test_a_written_file_goes_on_to_delivery_once_however_many_processes_write_it(us, monkeypatch):
    set_schedule(us.owner, since=local(2026, 11, 1), frequency="daily", cutoff_time="17:00")
    redeemed_at(redeem_at(us.owner, us.checking, 1_000), local(2026, 11, 20))
    handed_over = []
    monkeypatch.setattr(schedules, "after_bank_file_written",
                        lambda operator_id, batch_id, bank_file_id: handed_over.append((operator_id, batch_id)))
    monkeypatch.setattr(schedules, "write_run_file", lambda run_id: None)  # the worker stops after the batch
    [created] = schedules.run_due_payouts(local(2026, 11, 20, 17, 1))
    monkeypatch.undo()
    monkeypatch.setattr(schedules, "after_bank_file_written",
                        lambda operator_id, batch_id, bank_file_id: handed_over.append((operator_id, batch_id)))
    assert created.file_status == RunFileStatus.pending

    outcomes = at_once(3, lambda _index: schedules.write_run_file(created.run_id))

    assert sorted(outcome[0] for outcome in outcomes if outcome) == [RunFileStatus.written]
    assert handed_over == [(us.owner.operator.id, created.batch_id)]
    assert [run.file_status for run in runs_of(us.owner.operator.id)] == [RunFileStatus.written]


def test_the_command_line_runs_what_is_due_and_says_what_it_did(us, capsys):
    set_schedule(us.owner, since=datetime.now(UTC) - timedelta(days=10), frequency="daily", cutoff_time="00:00")
    redeemed_at(redeem_at(us.owner, us.checking, 2_500) + redeem_at(us.owner, us.unbanked, 700),
                datetime.now(UTC) - timedelta(days=2))

    assert cli_main(["run-payouts"]) == 0
    printed = capsys.readouterr().out.splitlines()

    [batch] = batches_of(us.owner.operator.id)
    assert printed[0].startswith(f"Main Street Alliance (operator {us.owner.operator.id}), run of ")
    assert f"batch #{batch.id}, 1 redemption(s), net $25.00 USD; bank file " in printed[0] and printed[0].endswith("written")
    assert printed[1] == "  left out: Flower Stand ($7.00 USD gross): No bank details"
    assert cli_main(["run-payouts"]) == 0
    assert capsys.readouterr().out == "no scheduled payout run is due\n"


def _race_script(start_at: float) -> str:
    return (
        "import json, time\n"
        "from app.services.settlement import schedules\n"
        f"time.sleep(max(0.0, {start_at} - time.time()))\n"
        "print(json.dumps([report.as_dict() for report in schedules.run_due_payouts()]))\n"
    )


def test_two_job_processes_racing_create_each_due_batch_once(database, make_operator):
    networks = [us_network(make_operator, f"Network {index}") for index in range(3)]
    paid = {}
    for network in networks:
        set_schedule(network.owner, since=datetime.now(UTC) - timedelta(days=10), frequency="daily",
                     cutoff_time="00:00")
        paid[network.owner.operator.id] = redeemed_at(
            redeem_at(network.owner, network.checking, 1_000, 2_000) + redeem_at(network.owner, network.savings, 500),
            datetime.now(UTC) - timedelta(days=2))
    env = {**os.environ, "DATABASE_URL": database, "PYTHONDONTWRITEBYTECODE": "1"}
    start_at = time.time() + 6  # both processes have imported the app by then
    racers = [subprocess.Popen([sys.executable, "-c", _race_script(start_at)], cwd=PROJECT_ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [racer.communicate(timeout=120) for racer in racers]

    assert [racer.returncode for racer in racers] == [0, 0], [err for _out, err in outputs]
    reports = [report for out, _err in outputs for report in json.loads(out.strip().splitlines()[-1])]
    # Each batch is reported created by the one process that claimed its run (the other may
    # have written its file: that report says claimed_here false).
    created = sorted((report["operator_id"], report["batch_id"]) for report in reports
                     if report["outcome"] == RunOutcome.batch_created and report["claimed_here"])
    for network in networks:
        operator_id = network.owner.operator.id
        [batch] = batches_of(operator_id)
        assert (batch.total_net_cents, batch.redemption_count) == (3_500, 3)
        assert [batch_of(redemption_id) for redemption_id in paid[operator_id]] == [batch.id] * 3
        [run] = runs_of(operator_id)
        assert (run.batch_id, run.file_status) == (batch.id, RunFileStatus.written)
        assert stored_file(batch.id).sha256
    assert created == sorted((network.owner.operator.id, batches_of(network.owner.operator.id)[0].id)
                             for network in networks)


# --- the schedule's rules and settings ------------------------------------------------


def test_the_schedule_is_checked_field_by_field_and_the_refusal_names_the_field(us):
    cases = [
        ({"frequency": "hourly"}, "payouts.schedule.frequency"),
        ({"frequency": "weekly"}, "payouts.schedule.weekday"),
        ({"frequency": "weekly", "weekday": "someday"}, "payouts.schedule.weekday"),
        ({"frequency": "monthly"}, "payouts.schedule.day"),
        ({"frequency": "monthly", "day": 29}, "payouts.schedule.day"),
        ({"frequency": "daily", "cutoff_time": "25:00"}, "payouts.schedule.cutoff_time"),
        ({"frequency": "daily", "cutoff_time": "5pm"}, "payouts.schedule.cutoff_time"),
        ({"frequency": "daily", "minimum_net_cents": -1}, "payouts.schedule.minimum_net_cents"),
        ({"frequency": "daily", "minimum_net_cents": "ten"}, "payouts.schedule.minimum_net_cents"),
        ({"frequency": "daily", "time": "17:00"}, "payouts.schedule.time"),
    ]
    for schedule, field in cases:
        error = refused(payout_settings.update_settings, us.owner.actor, {"payouts": {"schedule": schedule}})
        assert (error.code, error.field) == (ErrorCode.invalid_input, field), schedule
    assert payout_settings.get_settings(us.owner.operator.id).schedule["frequency"] == "off"


def test_a_schedule_change_is_audited_and_shown_with_its_next_run(us, make_operator):
    other = make_operator("Other Network")
    settings = payout_settings.update_settings(us.owner.actor, {"payouts": {"schedule": {
        "frequency": "monthly", "day": 15, "cutoff_time": "8:30", "minimum_net_cents": "2500"}}})

    assert {key: value for key, value in settings.schedule.items() if key != "next_run_at"} == {
        "frequency": "monthly", "weekday": None, "day": 15, "cutoff_time": "08:30", "minimum_net_cents": 2500}
    next_run = datetime.fromisoformat(settings.schedule["next_run_at"]).astimezone(zoneinfo.ZoneInfo(ZONE))
    assert (next_run.day, next_run.hour, next_run.minute) == (15, 8, 30)
    assert settings.as_dict()["payouts"]["schedule"] == settings.schedule
    with read_session() as session:
        changes = session.exec(select(AuditEvent.changes).where(AuditEvent.operator_id == us.owner.operator.id,
                                                                 AuditEvent.action == "settings.changed")
                               .order_by(AuditEvent.id.desc())).first()
    assert '"payouts.schedule.frequency"' in changes and "monthly" in changes
    assert payout_settings.get_settings(other.operator.id).schedule["frequency"] == "off"
    assert refused(payout_settings.update_settings, Actor(us.owner.operator.id, role="staff"),
                   {"payouts": {"schedule": {"frequency": "off"}}}).code == ErrorCode.forbidden
    off = payout_settings.update_settings(us.owner.actor, {"payouts": {"schedule": None}})
    assert (off.schedule["frequency"], off.schedule["next_run_at"]) == ("off", None)


@pytest.mark.parametrize(("schedule", "now", "expected"), [
    ({"frequency": "daily", "cutoff_time": "17:00"}, (2026, 12, 5, 18), (2026, 12, 6, 17)),
    ({"frequency": "weekly", "weekday": "mon", "cutoff_time": "09:00"}, (2026, 12, 5, 18), (2026, 12, 7, 9)),
    ({"frequency": "semimonthly", "cutoff_time": "00:00"}, (2026, 12, 5, 18), (2026, 12, 16, 0)),
    ({"frequency": "monthly", "day": 28, "cutoff_time": "23:59"}, (2026, 2, 28, 23, 59), (2026, 3, 28, 23, 59)),
    # the spring DST change in Toronto: 17:00 local is 21:00 UTC after it, 22:00 before
    ({"frequency": "weekly", "weekday": "mon", "cutoff_time": "17:00"}, (2026, 3, 6, 12), (2026, 3, 9, 17)),
])
def test_the_next_run_falls_on_the_schedules_day_at_its_cutoff_in_the_networks_zone(schedule, now, expected):
    merged = schedule_rules.merge_schedule({}, schedule, local(*now))  # set just now: nothing is due yet
    rule = schedule_rules.PayoutSchedule.from_stored(merged)

    assert schedule_rules.next_run_at(rule, ZONE, local(*now)) == local(*expected)

"""Scheduled payout runs: at each operator's cut-off (`payouts.schedule`, `schedule_rules.py`)
the batch of everything unpaid up to it is created and its bank file written, with no one
at the keyboard. The background jobs call `run_forever`; cron calls `python -m app.cli
run-payouts` (`run_due_payouts` once).

Rules this module keeps:
- exactly once: a run is claimed by inserting its `PayoutRun` row (unique per operator and
  local day) in the SAME transaction that creates the batch (`batches.create_payout_within`,
  the rules of every batch: a redemption in at most one batch, locations without usable
  bank details left out). Two workers or job processes racing on one due run: the second
  waits on the first's lock (PostgreSQL: the operator's row; SQLite: the write lock) and
  then finds the run made, or fails on the unique key; either way it creates nothing;
- a run with nothing to pay is recorded too (with the locations left out and why), so it
  is not tried again at every pass;
- a location whose net is below the schedule's minimum waits for a later run;
- the bank file is written after the batch commits, the way a download writes it
  (`bank_files.export_bank_file`: NACHA for US accounts, CPA-005 for Canadian ones). A
  file that cannot be written (e.g. the NACHA settings were never completed) is recorded
  on the run with the reason, in the audit trail, and emailed to the owners; the draft
  batch stays, to be downloaded by hand once the settings are complete. A worker that
  stopped between the two steps leaves the run `pending`: the next pass writes its file
  (writing a file is idempotent). One conditional UPDATE moves a run from `pending`, so
  the file's follow-up (`after_bank_file_written`) happens once; the file's SFTP delivery
  is owed by the export itself.
"""

from __future__ import annotations

import asyncio
import html
import json
import logging
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from app.db import read_session, write_session
from app.models import Operator, PayoutBatch, PayoutLine, PayoutRun, User
from app.models.base import utcnow
from app.models.payout_run import RunFileStatus, RunOutcome
from app.services.core import audit, events, i18n
from app.services.core.actor import Actor
from app.services.core.errors import GiftnetError
from app.services.core.money import format_cents
from app.services.core.operators import operator_or_404
from app.services.messaging import outbox
from app.services.settlement import bank_files, batches
from app.services.settlement.payables import SkippedLocation
from app.services.settlement.schedule_rules import PayoutSchedule, due_cutoff, last_run_on, local_day

log = logging.getLogger(__name__)
POLL_SECONDS = 60.0


def system_actor(operator_id: int) -> Actor:
    """Who acts in a scheduled run: the operator's own system, with an owner's rights."""
    return Actor(operator_id, channel="system", role="owner")


@dataclass
class RunReport:
    """What one run did, for the command line and the logs."""

    run_id: int
    operator_id: int
    operator_name: str
    currency: str
    scheduled_on: date
    cutoff_at: datetime
    outcome: str  # batch_created | nothing_to_pay
    batch_id: int | None = None
    redemption_count: int = 0
    total_net_cents: int = 0
    skipped: list[dict] = field(default_factory=list)
    file_status: str = RunFileStatus.none
    file_format: str | None = None
    filename: str | None = None
    file_error: str | None = None
    # False: another process claimed the run (and made its batch); this pass only wrote its file.
    claimed_here: bool = True

    def as_dict(self) -> dict:
        return {"run_id": self.run_id, "operator_id": self.operator_id, "operator_name": self.operator_name,
                "scheduled_on": self.scheduled_on.isoformat(), "cutoff_at": self.cutoff_at.isoformat(),
                "outcome": self.outcome, "batch_id": self.batch_id, "redemption_count": self.redemption_count,
                "total_net_cents": self.total_net_cents, "currency": self.currency, "skipped": self.skipped,
                "file_status": self.file_status, "file_format": self.file_format, "filename": self.filename,
                "file_error": self.file_error, "claimed_here": self.claimed_here}

    def sentences(self) -> list[str]:
        """The report in words: one line, then one per location left out."""
        head = f"{self.operator_name} (operator {self.operator_id}), run of {self.scheduled_on.isoformat()}"
        if self.outcome == RunOutcome.nothing_to_pay:
            line = f"{head}: nothing to pay"
        else:
            line = (f"{head}: batch #{self.batch_id}, {self.redemption_count} redemption(s), net "
                    f"{format_cents(self.total_net_cents, self.currency)}")
            if self.file_status == RunFileStatus.written:
                line += f"; bank file {self.filename} written"
            elif self.file_status == RunFileStatus.failed:
                line += f"; NO bank file: {self.file_error}"
            elif self.file_status == RunFileStatus.pending:
                line += "; bank file not written yet"
        left_out = [f"  left out: {item['location_name']} ({format_cents(item['gross_cents'], self.currency)} gross): "
                    f"{item['reason']}" for item in self.skipped]
        return [line, *left_out]


def _skipped_rows(skipped: list[SkippedLocation]) -> list[dict]:
    return [{"location_id": item.location_id, "location_name": item.location_name,
             "redemption_count": item.redemption_count, "gross_cents": item.gross_cents,
             "carried_cents": item.carried_cents, "reason": item.reason}
            for item in skipped]


# --- one pass -------------------------------------------------------------------------


def run_due_payouts(now: datetime | None = None) -> list[RunReport]:
    """One pass: every operator whose run is due at `now` gets its batch (or its "nothing to
    pay") once, then every run whose bank file is not written yet gets it. Returns what
    this pass did (a run another process made is not in it)."""
    now = now or utcnow()
    reports: dict[int, RunReport] = {}
    for operator_id in _due_operators(now):
        try:
            report = _claim_run(operator_id, now)
        except Exception:  # one operator's failure must not stop the others' payouts
            log.exception("scheduled payout run of operator %s failed", operator_id)
            continue
        if report is not None:
            reports[report.run_id] = report
    for run_id in _runs_waiting_for_their_file():
        outcome = write_run_file(run_id)
        if outcome is None:
            continue
        if run_id not in reports:
            reports[run_id] = _report_of(run_id)
        reports[run_id].file_status, reports[run_id].file_format, reports[run_id].filename, \
            reports[run_id].file_error = outcome
    return list(reports.values())


def _due_operators(now: datetime) -> list[int]:
    """The operators with a schedule whose run is due at `now` (read without a lock; the
    claim checks again)."""
    latest = (select(func.max(PayoutRun.scheduled_on)).where(PayoutRun.operator_id == Operator.id)
              .correlate(Operator).scalar_subquery())
    with read_session() as session:
        rows = session.exec(
            select(Operator.id, Operator.timezone, Operator.payout_settings, latest)
            .where(Operator.payout_settings.contains('"schedule"'))  # most networks have none: skip their JSON
            .order_by(Operator.id)
        ).all()
    due = []
    for operator_id, timezone, stored, last_run in rows:
        schedule = PayoutSchedule.from_stored(_schedule_of(stored))
        if due_cutoff(schedule, timezone, now, last_run) is not None:
            due.append(operator_id)
    return due


def _schedule_of(stored_settings: str | None) -> object:
    try:
        stored = json.loads(stored_settings or "{}")
    except ValueError:
        return None
    return stored.get("schedule") if isinstance(stored, dict) else None


def _claim_run(operator_id: int, now: datetime) -> RunReport | None:
    """Claim the operator's due run and create its batch, in one transaction; None when it
    is not due any more (another process made it)."""
    actor = system_actor(operator_id)
    try:
        with write_session() as session:
            operator = operator_or_404(session, operator_id, lock=True)  # a second worker waits here
            schedule = PayoutSchedule.from_stored(_schedule_of(operator.payout_settings))
            cutoff = due_cutoff(schedule, operator.timezone, now, last_run_on(session, operator_id))
            if cutoff is None:
                return None
            run = PayoutRun(operator_id=operator_id, scheduled_on=local_day(cutoff, operator.timezone),
                            cutoff_at=cutoff, frequency=schedule.frequency, outcome=RunOutcome.nothing_to_pay,
                            created_at=now)
            session.add(run)
            session.flush()  # the claim: a concurrent insert of the same (operator, day) fails on the unique key
            report = RunReport(run_id=run.id, operator_id=operator_id, operator_name=operator.name,
                               currency=operator.currency, scheduled_on=run.scheduled_on, cutoff_at=cutoff,
                               outcome=RunOutcome.nothing_to_pay)
            try:
                with session.begin_nested():  # nothing to pay: the batch's row goes, the run's stays
                    detail = batches.create_payout_within(session, actor, operator, through=cutoff, now=now,
                                                          minimum_net_cents=schedule.minimum_net_cents)
            except batches.NothingToPay as nothing:
                run.skipped = json.dumps(_skipped_rows(nothing.skipped))
                report.skipped = _skipped_rows(nothing.skipped)
                audit.record(session, actor, "payout.scheduled_run", target_type="operator", target_id=operator_id,
                             summary=f"Scheduled payout run of {run.scheduled_on.isoformat()}: nothing to pay"
                                     + (f", {len(nothing.skipped)} location(s) left out" if nothing.skipped else ""))
                session.add(run)
                return report
            run.outcome, run.batch_id = RunOutcome.batch_created, detail.batch.id
            run.total_net_cents, run.file_status = detail.batch.total_net_cents, RunFileStatus.pending
            run.skipped = json.dumps(_skipped_rows(detail.skipped))
            session.add(run)
            report.outcome, report.batch_id = RunOutcome.batch_created, detail.batch.id
            report.redemption_count, report.total_net_cents = detail.batch.redemption_count, detail.batch.total_net_cents
            report.skipped, report.file_status = _skipped_rows(detail.skipped), RunFileStatus.pending
            event_data = batches.event_data(detail.batch)
    except IntegrityError:
        return None  # another process claimed this run first: its transaction made the batch
    events.publish(events.Event(operator_id, "payout.created", event_data))
    log.info("scheduled payout run: operator %s, batch #%s, net %s", operator_id, report.batch_id,
             report.total_net_cents)
    return report


def _runs_waiting_for_their_file() -> list[int]:
    with read_session() as session:
        return list(session.exec(select(PayoutRun.id).where(PayoutRun.file_status == RunFileStatus.pending)
                                 .order_by(PayoutRun.id)).all())


def _report_of(run_id: int) -> RunReport:
    with read_session() as session:
        run = session.get(PayoutRun, run_id)
        operator = session.get(Operator, run.operator_id)
        batch = session.get(PayoutBatch, run.batch_id) if run.batch_id else None
    return RunReport(run_id=run.id, operator_id=run.operator_id, operator_name=operator.name,
                     currency=operator.currency, scheduled_on=run.scheduled_on, cutoff_at=run.cutoff_at,
                     outcome=run.outcome, batch_id=run.batch_id,
                     redemption_count=batch.redemption_count if batch else 0, total_net_cents=run.total_net_cents,
                     skipped=json.loads(run.skipped or "[]"), file_status=run.file_status, claimed_here=False)


# --- the bank file --------------------------------------------------------------------


def _file_format(run: PayoutRun) -> tuple[str | None, str | None]:
    """(format, None), or (None, why no file can pay this batch)."""
    with read_session() as session:
        countries = set(session.exec(select(PayoutLine.bank_country).where(
            PayoutLine.batch_id == run.batch_id, PayoutLine.operator_id == run.operator_id,
            PayoutLine.net_cents > 0)).all())
    if countries == {"US"}:
        return "nacha", None
    if countries == {"CA"}:
        return "cpa005", None
    if not countries:
        return None, "Every net in this batch is zero: there is nothing to send to the bank; mark it paid."
    return None, ("This batch pays both US and Canadian bank accounts, and a bank file pays one country's; "
                  "cancel it and pay each country's locations in its own batch.")


def write_run_file(run_id: int) -> tuple[str, str | None, str | None, str | None] | None:
    """Write the bank file of a run whose batch is made (the same way a download writes it)
    and record the outcome: (file_status, format, filename, error), or None when another
    process recorded it first. A refusal (incomplete settings, ...) is recorded, audited
    and emailed to the owners, never raised."""
    with read_session() as session:
        run = session.get(PayoutRun, run_id)
    if run is None or run.file_status != RunFileStatus.pending:
        return None
    file_format, problem = _file_format(run)
    bank_file = None
    if file_format is not None:
        try:
            bank_file = bank_files.export_bank_file(system_actor(run.operator_id), run.batch_id, file_format)
        except GiftnetError as refusal:
            problem = refusal.message
    if bank_file is None:
        return (RunFileStatus.failed, file_format, None, problem) if _record_failure(run, file_format, problem) else None
    with write_session() as session:
        moved = session.execute(
            update(PayoutRun)
            .where(PayoutRun.id == run.id, PayoutRun.file_status == RunFileStatus.pending)
            .values(file_status=RunFileStatus.written, file_format=file_format, bank_file_id=bank_file.id,
                    file_written_at=utcnow())
        ).rowcount
    if moved != 1:
        return None
    after_bank_file_written(run.operator_id, run.batch_id, bank_file.id)
    return RunFileStatus.written, file_format, bank_file.filename, None


def after_bank_file_written(operator_id: int, batch_id: int, bank_file_id: int) -> None:
    """What follows a scheduled run's bank file, once per file (by the process whose UPDATE
    moved its run from `pending`): a log line. Delivery needs nothing here: writing the file
    (`bank_files.export_bank_file`) owes it to the bank's SFTP server in the same transaction
    when the operator delivers that way (`delivery.queue_delivery`); otherwise the file waits
    on the Settlements screen for download."""
    log.info("scheduled payout run: bank file %s of batch #%s (operator %s) written", bank_file_id, batch_id,
             operator_id)


def _record_failure(run: PayoutRun, file_format: str | None, problem: str) -> bool:
    """Record why the run's file could not be written, in the audit trail and to the owners
    by email; False when another process recorded the run first."""
    with write_session() as session:
        moved = session.execute(
            update(PayoutRun)
            .where(PayoutRun.id == run.id, PayoutRun.file_status == RunFileStatus.pending)
            .values(file_status=RunFileStatus.failed, file_format=file_format, file_error=problem)
        ).rowcount
        if moved != 1:
            return False
        operator = session.get(Operator, run.operator_id)
        audit.record(session, system_actor(run.operator_id), "payout.file_failed", target_type="payout",
                     target_id=run.batch_id,
                     summary=f"Scheduled payout batch #{run.batch_id}: no bank file written: {problem}")
        lang = i18n.normalize(operator.default_language)
        subject = i18n.translate("{network}: payout batch #{batch} needs you before it can be paid", lang,
                                 network=operator.name, batch=run.batch_id)
        text = i18n.translate(
            "The scheduled payout run of {day} created batch #{batch} (net {net}), but its bank file could not be "
            "written:\n\n{problem}\n\nFix this, then download the file on the Settlements screen (or cancel "
            "the batch). Nothing was sent to the bank.", lang, day=run.scheduled_on.isoformat(), batch=run.batch_id,
            net=i18n.format_money(run.total_net_cents, operator.currency, lang), problem=problem)
        html_body = "".join(f"<p>{html.escape(paragraph)}</p>" for paragraph in text.split("\n\n"))
        owners = session.exec(select(User.email).where(User.operator_id == run.operator_id, User.role == "owner")
                              .order_by(User.id)).all()
        for email in owners:
            outbox.queue_email(session, kind="payout_file_failed", to_address=email, subject=subject,
                               text_body=text, html_body=html_body, operator_id=run.operator_id)
    log.warning("scheduled payout run: batch #%s (operator %s) has no bank file: %s", run.batch_id,
                run.operator_id, problem)
    return True


async def run_forever(poll_seconds: float = POLL_SECONDS) -> None:
    """The background job: every minute, the runs that are due."""
    while True:
        try:
            for report in await asyncio.to_thread(run_due_payouts):
                log.info("; ".join(report.sentences()))
        except Exception:  # a failed pass must not stop the next ones
            log.exception("scheduled payout pass failed")
        await asyncio.sleep(poll_seconds)


__all__ = [
    "RunReport",
    "after_bank_file_written",
    "run_due_payouts",
    "run_forever",
    "write_run_file",
]

"""Settlement: what each location is owed, payout batches, and their bank files.

The one place for the payout rules, whether the call comes from the API, the
dashboard's Settlements screen or a test.

Rules this module keeps:
- a *payable* is a completed redemption that is in no batch (`payout_batch_id IS
  NULL`); cancelling a batch sets that column back to NULL, so "in no live batch"
  and "in no batch" are the same thing;
- commission is in basis points: the location's own `commission_bps` when set, else
  the operator's. It is computed once per location line on the line's gross, rounded
  half up to the cent: commission = floor((gross x bps + 5000) / 10000); net = gross -
  commission. (Per line, not per redemption: a hundred $1.01 redemptions at 2.5 %
  cost the location $2.53, not a hundred rounded cents.)
- a batch claims its redemptions with ONE conditional UPDATE (`payout_batch_id IS
  NULL AND status = 'completed' AND created_at <= through ...`) in the transaction
  that writes the batch: a redemption belongs to at most one batch even when two
  batches are created at once, and a void racing the batch loses or wins cleanly
  (the void's own UPDATE requires `payout_batch_id IS NULL`);
- locations without valid bank details are left out and listed in `skipped` with
  the reason; their redemptions stay payable (unless the batch is created
  `include_locations_without_bank_details` by an operator who pays by hand);
- a batch moves draft -> exported (its first bank file) -> paid, or draft/exported ->
  cancelled (which frees its redemptions). Every move is a conditional UPDATE on
  the status; anything else is refused with `conflict`;
- a bank file is written once per batch and format and stored (name, bytes,
  sha256, creation time, file creation number): asking again returns the same bytes.
  CPA-005 file creation numbers come from one UPDATE of
  `operator.last_cpa005_file_number`, so they increase and never repeat; NACHA files
  are numbered per operator too (the number picks the file id modifier).
"""

from __future__ import annotations

import hashlib
import zoneinfo
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, insert, literal_column, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from app.db import read_session, write_session
from app.integrations import cpa005, nacha
from app.integrations.fixed_width import BankFileError
from app.models import BankFile, Location, Operator, PayoutBatch, PayoutLine, Redemption
from app.models.base import utcnow
from app.services.core import audit
from app.services.core import crypto, events
from app.services.messaging import webhooks
from app.services.network import locations
from app.services.settlement import payout_settings, statements
from app.services.core.actor import Actor
from app.services.core.errors import ErrorCode, GiftnetError
from app.services.core.money import format_cents
from app.services.core.roles import require_owner
from app.services.core.validation import aba_routing_is_valid

BANK_FILE_FORMATS = ("nacha", "cpa005")
LIVE_STATUSES = ("draft", "exported")  # may still be paid or cancelled
MAX_PAGE = 100
EXPORT_ATTEMPTS = 3
MAX_EFFECTIVE_AHEAD = timedelta(days=60)
# NACHA and CPA-005 write an entry's amount in 10 digits: one location's line in a batch
# may pay at most $99,999,999.99. (The amount columns themselves are BIGINT.)
MAX_LINE_CENTS = 9_999_999_999


# --- money ---------------------------------------------------------------------------


def commission_cents(gross_cents: int, commission_bps: int) -> int:
    """The operator's commission on a location's gross, rounded half up to the cent."""
    return (gross_cents * commission_bps + 5_000) // 10_000


# --- times -------------------------------------------------------------------------


def _moment(raw: datetime | date | str, timezone: str, *, field_name: str, end_of_day: bool) -> datetime:
    """A UTC moment from a datetime, a date or ISO text. A date alone is that day in
    the operator's zone: its first instant, or with `end_of_day` its last."""
    refused = GiftnetError(
        ErrorCode.invalid_input,
        f"`{field_name}` must be an ISO 8601 date or time, like 2026-01-31 or 2026-01-31T17:00:00Z.",
        field=field_name,
    )
    try:
        if isinstance(raw, str):
            text = raw.strip()
            raw = date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text.replace("Z", "+00:00"))
        if isinstance(raw, datetime):
            return (raw if raw.tzinfo else raw.replace(tzinfo=UTC)).astimezone(UTC)
        if isinstance(raw, date):
            zone = zoneinfo.ZoneInfo(timezone)
            if end_of_day:
                next_day = datetime.combine(raw + timedelta(days=1), time.min, zone)
                return next_day.astimezone(UTC) - timedelta(microseconds=1)
            return datetime.combine(raw, time.min, zone).astimezone(UTC)
    except (ValueError, OverflowError):
        raise refused from None
    raise refused


def _period(operator: Operator, through: datetime | date | str, from_: datetime | date | str | None,
            now: datetime) -> tuple[datetime | None, datetime]:
    """[from, through], both inclusive. A `through` in the future means now: a batch never
    promises to pay what has not been redeemed yet."""
    if through is None or (isinstance(through, str) and not through.strip()):
        raise GiftnetError(ErrorCode.invalid_input, "Choose the date to pay through.", field="through")
    end = min(_moment(through, operator.timezone, field_name="through", end_of_day=True), now)
    start = None
    if from_ is not None and not (isinstance(from_, str) and not from_.strip()):
        start = _moment(from_, operator.timezone, field_name="from", end_of_day=False)
        if start > end:
            raise GiftnetError(ErrorCode.invalid_input, "`from` must come before `through`.", field="from")
    return start, end


def _next_business_day(day: date) -> date:
    day += timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def _effective_date(operator: Operator, raw: date | str | None, now: datetime) -> date:
    """The day the locations should have the money: given, or the next business day."""
    today = now.astimezone(zoneinfo.ZoneInfo(operator.timezone)).date()
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return _next_business_day(today)
    if isinstance(raw, datetime):
        raw = raw.date()
    if isinstance(raw, str):
        try:
            raw = date.fromisoformat(raw.strip())
        except ValueError:
            raise GiftnetError(ErrorCode.invalid_input, "effective_date is a date like 2026-02-02.",
                               field="effective_date") from None
    if not isinstance(raw, date):
        raise GiftnetError(ErrorCode.invalid_input, "effective_date is a date like 2026-02-02.", field="effective_date")
    if raw < today:
        raise GiftnetError(ErrorCode.invalid_input, "effective_date cannot be in the past.", field="effective_date")
    if raw > today + MAX_EFFECTIVE_AHEAD:  # banks refuse files dated far ahead; a typo'd year would stall a payout
        raise GiftnetError(ErrorCode.invalid_input,
                           f"effective_date must be within {MAX_EFFECTIVE_AHEAD.days} days.", field="effective_date")
    return raw


# --- bank details -----------------------------------------------------------------


def bank_details_problem(location: Location) -> str | None:
    """Why a bank file could not pay this location (None when its details are usable)."""
    if not location.bank_country or not location.account_number_encrypted:
        return "No bank details"
    account = locations.account_number(location)
    if account is None:
        return "The account number cannot be read (the secret key changed); enter the bank details again"
    if location.account_type not in ("checking", "savings"):
        return "The account type must be checking or savings"
    if location.bank_country == "US":
        if not aba_routing_is_valid(location.routing_number or ""):
            return "The routing number is not a valid 9-digit ABA routing number"
        if not 4 <= len(account) <= 17:
            return "The account number must have 4 to 17 digits"
    elif location.bank_country == "CA":
        if not ((location.institution_number or "").isascii() and (location.institution_number or "").isdigit()) or len(location.institution_number) != 3:
            return "The institution number must have 3 digits"
        if not ((location.transit_number or "").isascii() and (location.transit_number or "").isdigit()) or len(location.transit_number) != 5:
            return "The transit number must have 5 digits"
        if not 7 <= len(account) <= 12:
            return "The account number must have 7 to 12 digits"
    else:
        return "The bank country must be US or CA"
    return None


# --- what the services answer --------------------------------------------------------


@dataclass(frozen=True)
class PayableLine:
    """What one location is owed (a preview line, or a batch's line)."""

    location_id: int
    location_name: str
    redemption_count: int
    gross_cents: int
    commission_bps: int
    commission_cents: int
    net_cents: int
    bank_summary: str  # "US checking •••• 6789 (routing 011000015)"; never the account number

    def as_dict(self) -> dict:
        return {
            "location_id": self.location_id,
            "location_name": self.location_name,
            "redemption_count": self.redemption_count,
            "gross_cents": self.gross_cents,
            "commission_bps": self.commission_bps,
            "commission_cents": self.commission_cents,
            "net_cents": self.net_cents,
            "bank_summary": self.bank_summary,
        }


@dataclass(frozen=True)
class SkippedLocation:
    """A location left out of a batch: what it is owed stays payable."""

    location_id: int
    location_name: str
    redemption_count: int
    gross_cents: int
    reason: str

    def as_dict(self) -> dict:
        return {
            "location_id": self.location_id,
            "location_name": self.location_name,
            "redemption_count": self.redemption_count,
            "gross_cents": self.gross_cents,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class Payables:
    """The preview before a batch: lines per location, and the locations that would be skipped."""

    period_from: datetime | None
    period_through: datetime
    currency: str
    lines: list[PayableLine]
    skipped: list[SkippedLocation]

    @property
    def total_gross_cents(self) -> int:
        return sum(line.gross_cents for line in self.lines)

    @property
    def total_commission_cents(self) -> int:
        return sum(line.commission_cents for line in self.lines)

    @property
    def total_net_cents(self) -> int:
        return sum(line.net_cents for line in self.lines)

    @property
    def redemption_count(self) -> int:
        return sum(line.redemption_count for line in self.lines)

    def as_dict(self) -> dict:
        return {
            "from": self.period_from.isoformat() if self.period_from else None,
            "through": self.period_through.isoformat(),
            "currency": self.currency,
            "lines": [line.as_dict() for line in self.lines],
            "skipped": [skipped.as_dict() for skipped in self.skipped],
            "total_gross_cents": self.total_gross_cents,
            "total_commission_cents": self.total_commission_cents,
            "total_net_cents": self.total_net_cents,
            "redemption_count": self.redemption_count,
        }


@dataclass(frozen=True)
class BankFileInfo:
    """A stored bank file without its bytes (for lists)."""

    id: int
    format: str
    filename: str
    sha256: str
    file_creation_number: int | None
    created_at: datetime

    def as_dict(self) -> dict:
        return {"id": self.id, "format": self.format, "filename": self.filename, "sha256": self.sha256,
                "file_creation_number": self.file_creation_number, "created_at": self.created_at.isoformat()}


@dataclass(frozen=True)
class PayoutDetail:
    """A batch with its lines (name order), its bank files, and, right after creation,
    the locations it left out."""

    batch: PayoutBatch
    currency: str
    lines: list[PayableLine]
    files: list[BankFileInfo] = field(default_factory=list)
    skipped: list[SkippedLocation] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            **batch_as_dict(self.batch, self.currency),
            "lines": [line.as_dict() for line in self.lines],
            "skipped": [skipped.as_dict() for skipped in self.skipped],
            "files": [bank_file.as_dict() for bank_file in self.files],
        }


def batch_as_dict(batch: PayoutBatch, currency: str) -> dict:
    """A batch without its lines, as lists show it (`GET /payouts`)."""
    return {
        "id": batch.id,
        "status": batch.status,
        "currency": currency,
        "from": batch.period_from.isoformat() if batch.period_from else None,
        "through": batch.period_through.isoformat(),
        "effective_date": batch.effective_date.isoformat() if batch.effective_date else None,
        "total_gross_cents": batch.total_gross_cents,
        "total_commission_cents": batch.total_commission_cents,
        "total_net_cents": batch.total_net_cents,
        "redemption_count": batch.redemption_count,
        "created_at": batch.created_at.isoformat(),
        "exported_at": batch.exported_at.isoformat() if batch.exported_at else None,
        "paid_at": batch.paid_at.isoformat() if batch.paid_at else None,
        "cancelled_at": batch.cancelled_at.isoformat() if batch.cancelled_at else None,
    }


@dataclass(frozen=True)
class PayoutPage:
    batches: list[PayoutBatch]
    next_cursor: int | None


# --- reading ---------------------------------------------------------------------


def _operator(session: Session, operator_id: int, *, lock: bool = False) -> Operator:
    statement = select(Operator).where(Operator.id == operator_id)
    if lock:
        # PostgreSQL: one batch creation at a time per operator (SQLite's BEGIN IMMEDIATE
        # already is). NO KEY UPDATE, so that redemptions and ledger rows, whose foreign
        # keys share-lock this row, are never blocked by it (or deadlock with it).
        statement = statement.with_for_update(key_share=True)
    operator = session.exec(statement).first()
    if operator is None:
        raise GiftnetError(ErrorCode.not_found, "This operator does not exist.")
    return operator


def _batch_or_404(session: Session, operator_id: int, batch_id: int) -> PayoutBatch:
    batch = session.exec(
        select(PayoutBatch)
        .where(PayoutBatch.id == batch_id, PayoutBatch.operator_id == operator_id)
        .execution_options(populate_existing=True)
    ).first()
    if batch is None:
        raise GiftnetError(ErrorCode.not_found, "No such payout batch.")
    return batch


def _payable_filter(operator_id: int, start: datetime | None, end: datetime) -> list:
    conditions = [
        Redemption.operator_id == operator_id,
        Redemption.payout_batch_id.is_(None),
        Redemption.status == literal_column("'completed'"),  # a literal: SQLite then may use the partial index
        Redemption.created_at <= end,
    ]
    if start is not None:
        conditions.append(Redemption.created_at >= start)
    return conditions


def _owed_by_location(session: Session, conditions: list) -> dict[int, tuple[int, int]]:
    rows = session.exec(
        select(Redemption.location_id, func.count(Redemption.id), func.coalesce(func.sum(Redemption.amount_cents), 0))
        .where(*conditions)
        .group_by(Redemption.location_id)
    ).all()
    return {location_id: (int(count), int(gross)) for location_id, count, gross in rows}


def _by_name(location_ids, names: dict[int, str]) -> list[int]:  # noqa: ANN001
    return sorted(location_ids, key=lambda location_id: (names.get(location_id, "").lower(), location_id))


def _payable_line(location: Location, operator: Operator, count: int, gross: int) -> PayableLine:
    bps = location.commission_bps if location.commission_bps is not None else operator.commission_bps
    commission = commission_cents(gross, bps)
    return PayableLine(
        location_id=location.id, location_name=location.name, redemption_count=count, gross_cents=gross,
        commission_bps=bps, commission_cents=commission, net_cents=gross - commission,
        bank_summary=locations.bank_summary(location),
    )


def payables(operator_id: int, through: datetime | date | str, from_: datetime | date | str | None = None) -> Payables:
    """What would be paid through `through` (and from `from_`): one line per location with
    valid bank details, and the locations that would be left out, with the reason."""
    with read_session() as session:
        operator = _operator(session, operator_id)
        start, end = _period(operator, through, from_, utcnow())
        owed = _owed_by_location(session, _payable_filter(operator_id, start, end))
        found = {location.id: location for location in session.exec(
            select(Location).where(Location.operator_id == operator_id)).all()}
    names = {location_id: location.name for location_id, location in found.items()}
    lines, skipped = [], []
    for location_id in _by_name(owed, names):
        count, gross = owed[location_id]
        location = found[location_id]
        problem = bank_details_problem(location)
        if problem:
            skipped.append(SkippedLocation(location_id, location.name, count, gross, problem))
        else:
            lines.append(_payable_line(location, operator, count, gross))
    return Payables(period_from=start, period_through=end, currency=operator.currency, lines=lines, skipped=skipped)


def location_payable(operator_id: int, location_id: int) -> PayableLine:
    """What one location is owed now: its completed redemptions in no batch, as the line
    a batch created now would give it (count, gross, commission, net). Zero when nothing
    is owed. Another operator's location: not_found."""
    with read_session() as session:
        operator = _operator(session, operator_id)
        location = locations.location_or_404(session, operator_id, location_id)
        owed = _owed_by_location(session, [*_payable_filter(operator_id, None, utcnow()),
                                           Redemption.location_id == location_id])
    count, gross = owed.get(location_id, (0, 0))
    return _payable_line(location, operator, count, gross)


@dataclass(frozen=True)
class LocationPayout:
    """One batch's line for a location, with the batch's status and dates."""

    line_id: int
    batch_id: int
    status: str
    redemption_count: int
    gross_cents: int
    commission_cents: int
    net_cents: int
    created_at: datetime
    effective_date: date | None
    paid_at: datetime | None


@dataclass(frozen=True)
class LocationPayoutPage:
    payouts: list[LocationPayout]
    next_cursor: int | None  # the last line's id; None on the last page


def location_payouts(operator_id: int, location_id: int, *, limit: int = 10,
                     cursor: int | None = None) -> LocationPayoutPage:
    """The location's lines in payout batches (cancelled ones too, with their status),
    newest first, a page at a time (`ix_payout_line_location`). Another operator's
    location: not_found."""
    limit = max(1, min(int(limit), MAX_PAGE))
    statement = (
        select(PayoutLine, PayoutBatch.status, PayoutBatch.created_at, PayoutBatch.effective_date, PayoutBatch.paid_at)
        .join(PayoutBatch, PayoutBatch.id == PayoutLine.batch_id)
        .where(PayoutLine.location_id == location_id, PayoutLine.operator_id == operator_id,
               PayoutBatch.operator_id == operator_id)
    )
    if cursor is not None:
        statement = statement.where(PayoutLine.id < cursor)
    with read_session() as session:
        locations.location_or_404(session, operator_id, location_id)
        rows = list(session.exec(statement.order_by(PayoutLine.id.desc()).limit(limit + 1)).all())
    has_more = len(rows) > limit
    payouts = [
        LocationPayout(line_id=line.id, batch_id=line.batch_id, status=status, redemption_count=line.redemption_count,
                       gross_cents=line.gross_cents, commission_cents=line.commission_cents, net_cents=line.net_cents,
                       created_at=created_at, effective_date=effective_date, paid_at=paid_at)
        for line, status, created_at, effective_date, paid_at in rows[:limit]
    ]
    return LocationPayoutPage(payouts=payouts, next_cursor=payouts[-1].line_id if has_more else None)


def _line_view(line: PayoutLine, name: str) -> PayableLine:
    return PayableLine(
        location_id=line.location_id, location_name=name, redemption_count=line.redemption_count,
        gross_cents=line.gross_cents, commission_bps=line.commission_bps, commission_cents=line.commission_cents,
        net_cents=line.net_cents, bank_summary=locations.bank_summary(line),  # a line keeps the location's bank fields
    )


def _lines(session: Session, batch: PayoutBatch) -> list[tuple[PayoutLine, str]]:
    return list(session.exec(
        select(PayoutLine, Location.name)
        .join(Location, Location.id == PayoutLine.location_id)
        .where(PayoutLine.batch_id == batch.id, PayoutLine.operator_id == batch.operator_id)
        .order_by(PayoutLine.id)
    ).all())


def _files(session: Session, batch: PayoutBatch) -> list[BankFileInfo]:
    rows = session.exec(
        select(BankFile.id, BankFile.format, BankFile.filename, BankFile.sha256, BankFile.file_creation_number,
               BankFile.created_at)
        .where(BankFile.batch_id == batch.id, BankFile.operator_id == batch.operator_id)
        .order_by(BankFile.id)
    ).all()
    return [BankFileInfo(*row) for row in rows]


def _detail(session: Session, batch: PayoutBatch, currency: str,
            skipped: list[SkippedLocation] | None = None) -> PayoutDetail:
    return PayoutDetail(
        batch=batch, currency=currency, lines=[_line_view(line, name) for line, name in _lines(session, batch)],
        files=_files(session, batch), skipped=skipped or [],
    )


def get_payout(operator_id: int, batch_id: int) -> PayoutDetail:
    """One of the operator's batches with its lines and bank files (another operator's: not_found)."""
    with read_session() as session:
        operator = _operator(session, operator_id)
        return _detail(session, _batch_or_404(session, operator_id, batch_id), operator.currency)


def list_payouts(operator_id: int, *, status: str | None = None, limit: int = 25,
                 cursor: int | None = None) -> PayoutPage:
    """The operator's batches, newest first."""
    if status is not None and status not in ("draft", "exported", "paid", "cancelled"):
        raise GiftnetError(ErrorCode.invalid_input, "status is draft, exported, paid or cancelled.", field="status")
    limit = max(1, min(int(limit), MAX_PAGE))
    statement = select(PayoutBatch).where(PayoutBatch.operator_id == operator_id)
    if status:
        statement = statement.where(PayoutBatch.status == status)
    if cursor is not None:
        statement = statement.where(PayoutBatch.id < cursor)
    with read_session() as session:
        rows = list(session.exec(statement.order_by(PayoutBatch.id.desc()).limit(limit + 1)).all())
    has_more = len(rows) > limit
    rows = rows[:limit]
    return PayoutPage(batches=rows, next_cursor=rows[-1].id if has_more else None)


# --- creating a batch --------------------------------------------------------------


def _event_data(batch: PayoutBatch) -> dict:
    return {
        "payout_id": batch.id,
        "status": batch.status,
        "total_gross_cents": batch.total_gross_cents,
        "total_commission_cents": batch.total_commission_cents,
        "total_net_cents": batch.total_net_cents,
        "redemption_count": batch.redemption_count,
        "through": batch.period_through.isoformat(),
    }


def create_payout(
    actor: Actor,
    through: datetime | date | str,
    from_: datetime | date | str | None = None,
    effective_date: date | str | None = None,
    *,
    include_locations_without_bank_details: bool = False,
) -> PayoutDetail:
    """A draft batch paying every payable redemption created through `through` (and from
    `from_`), one line per location, in ONE transaction.

    A date alone means that whole day in the operator's zone; a `through` in the future
    means now. `effective_date` (when the locations get the money) defaults to the next
    business day. Locations without valid bank details are left out and listed in
    `skipped`; with `include_locations_without_bank_details` (for operators who pay by
    hand) they are paid too, and the batch then cannot be exported as a bank file.

    Refuses `conflict` when nothing is payable, `invalid_input` for bad dates, and
    `forbidden` for anyone but an owner (as every payout action here).
    """
    require_owner(actor, "create payouts")
    now = utcnow()
    with write_session() as session:
        operator = _operator(session, actor.operator_id, lock=True)
        start, end = _period(operator, through, from_, now)
        effective = _effective_date(operator, effective_date, now)
        found = {location.id: location for location in session.exec(
            select(Location).where(Location.operator_id == operator.id)).all()}
        unusable = {location_id: problem for location_id, location in found.items()
                    if (problem := bank_details_problem(location))}
        batch = PayoutBatch(operator_id=operator.id, status="draft", period_from=start, period_through=end,
                            effective_date=effective, created_by_user_id=actor.user_id, created_at=now)
        session.add(batch)
        session.flush()
        claimed = _claim(session, batch, found, unusable, pay_unbanked=include_locations_without_bank_details)
        left_out = {} if include_locations_without_bank_details else _left_out(session, batch, unusable)
        names = {location_id: location.name for location_id, location in found.items()}
        skipped = [SkippedLocation(location_id, names[location_id], *left_out[location_id],
                                   reason=unusable[location_id])
                   for location_id in _by_name(left_out, names)]
        if not claimed:
            detail = (f" {len(skipped)} location(s) have unpaid redemptions but no usable bank details: "
                      + ", ".join(f"{item.location_name} ({item.reason})" for item in skipped[:5]) + "."
                      if skipped else "")
            raise GiftnetError(ErrorCode.conflict, f"Nothing to pay through this date.{detail}", field="through")
        _write_lines(session, operator, batch, [(found[location_id], *claimed[location_id])
                                                for location_id in _by_name(claimed, names)])
        webhooks.queue_event_for_endpoints(session, operator.id, "payout.created", _event_data(batch))
        audit.record(session, actor, "payout.created", target_type="payout", target_id=batch.id,
                     summary=f"Payout batch #{batch.id} created: {batch.redemption_count} redemption(s), "
                             f"net {format_cents(batch.total_net_cents, operator.currency)}"
                             + (f", {len(skipped)} location(s) left out" if skipped else ""),
                     changes={"status": [None, "draft"], "period_through": [None, end],
                              "effective_date": [None, effective], "total_net_cents": [None, batch.total_net_cents]})
        detail = _detail(session, batch, operator.currency, skipped)
    events.publish(events.Event(actor.operator_id, "payout.created", _event_data(detail.batch)))
    return detail


def _claim(session: Session, batch: PayoutBatch, found: dict[int, Location], unusable: dict[int, str], *,
           pay_unbanked: bool) -> dict[int, tuple[int, int]]:
    """Point the payable redemptions at `batch` with one conditional UPDATE; returns
    (count, gross) per location claimed. `found` and `unusable` grow with any location
    the claim met that was created after they were read (PostgreSQL, concurrent writes)."""
    claim = update(Redemption).where(*_payable_filter(batch.operator_id, batch.period_from, batch.period_through))
    if not pay_unbanked:
        claim = claim.where(Redemption.location_id.in_(
            select(Location.id).where(Location.operator_id == batch.operator_id, Location.bank_country.is_not(None),
                                      Location.account_number_encrypted.is_not(None))))
        hopeless = [location_id for location_id, location in found.items()
                    if location.bank_country and location.account_number_encrypted and location_id in unusable]
        if hopeless:  # details present but unusable (an unreadable account number): rare, so a short list
            claim = claim.where(Redemption.location_id.not_in(hopeless))
    session.execute(claim.values(payout_batch_id=batch.id).execution_options(synchronize_session=False))
    claimed = _owed_by_location(session, [Redemption.payout_batch_id == batch.id])
    late = set(claimed) - set(found)
    if late:
        for location in session.exec(select(Location).where(Location.id.in_(late))).all():
            found[location.id] = location
            if problem := bank_details_problem(location):
                unusable[location.id] = problem
    release = [] if pay_unbanked else [location_id for location_id in claimed if location_id in unusable]
    if release:
        session.execute(
            update(Redemption)
            .where(Redemption.payout_batch_id == batch.id, Redemption.location_id.in_(release))
            .values(payout_batch_id=None)
            .execution_options(synchronize_session=False)
        )
        for location_id in release:
            claimed.pop(location_id)
    return claimed


def _left_out(session: Session, batch: PayoutBatch, unusable: dict[int, str]) -> dict[int, tuple[int, int]]:
    """What the locations without usable bank details are still owed (count, gross)."""
    if not unusable:
        return {}
    conditions = _payable_filter(batch.operator_id, batch.period_from, batch.period_through)
    if len(unusable) <= 1_000:  # a short list narrows the scan; a long one would exceed SQLite's parameter limit
        conditions.append(Redemption.location_id.in_(list(unusable)))
    return {location_id: owed for location_id, owed in _owed_by_location(session, conditions).items()
            if location_id in unusable}  # not a redemption that arrived after the claim


def _write_lines(session: Session, operator: Operator, batch: PayoutBatch,
                 owed: list[tuple[Location, int, int]]) -> None:
    """One line per (location, count, gross), with the location's bank details as they are
    now, and the batch's totals."""
    rows = []
    for location, count, gross in owed:
        line = _payable_line(location, operator, count, gross)
        rows.append({
            "batch_id": batch.id, "operator_id": operator.id, "location_id": location.id,
            "redemption_count": line.redemption_count, "gross_cents": line.gross_cents,
            "commission_bps": line.commission_bps, "commission_cents": line.commission_cents,
            "net_cents": line.net_cents, "bank_country": location.bank_country,
            "routing_number": location.routing_number, "institution_number": location.institution_number,
            "transit_number": location.transit_number, "account_number_encrypted": location.account_number_encrypted,
            "account_last4": location.account_last4, "account_type": location.account_type,
        })
    too_large = [location.name for (location, _, _), row in zip(owed, rows, strict=True)
                 if row["gross_cents"] > MAX_LINE_CENTS]
    if too_large:
        raise GiftnetError(
            ErrorCode.conflict,
            f"{', '.join(too_large[:3])} would be paid more than {format_cents(MAX_LINE_CENTS)} in this batch, "
            "the most a bank file entry can carry; choose an earlier date to pay through (or a later `from`) "
            "and pay the rest in a second batch.",
            field="through",
        )
    session.execute(insert(PayoutLine), rows)
    batch.total_gross_cents = sum(row["gross_cents"] for row in rows)
    batch.total_commission_cents = sum(row["commission_cents"] for row in rows)
    batch.total_net_cents = sum(row["net_cents"] for row in rows)
    batch.redemption_count = sum(row["redemption_count"] for row in rows)
    session.add(batch)
    session.flush()


# --- moving a batch ---------------------------------------------------------------


def _refuse_move(batch: PayoutBatch, wanted: str) -> GiftnetError:
    messages = {
        ("paid", "paid"): "This payout batch is already paid.",
        ("cancelled", "paid"): "This payout batch was cancelled; create a new batch to pay its redemptions.",
        ("paid", "cancelled"): "This payout batch is paid; a paid batch cannot be cancelled.",
        ("cancelled", "cancelled"): "This payout batch is already cancelled.",
        ("paid", "exported"): "This payout batch is already paid; no bank file is needed.",
        ("cancelled", "exported"): "This payout batch was cancelled; its bank file must not be sent.",
    }
    return GiftnetError(ErrorCode.conflict,
                        messages.get((batch.status, wanted), f"This payout batch is {batch.status}."))


def _move(session: Session, actor: Actor, batch_id: int, to_status: str, **values) -> PayoutBatch:
    """The conditional UPDATE of a status: only a live batch moves, and only once (audited)."""
    before = session.exec(select(PayoutBatch.status).where(PayoutBatch.id == batch_id,
                                                           PayoutBatch.operator_id == actor.operator_id)).first()
    moved = session.execute(
        update(PayoutBatch)
        .where(PayoutBatch.id == batch_id, PayoutBatch.operator_id == actor.operator_id,
               PayoutBatch.status.in_(LIVE_STATUSES))
        .values(status=to_status, **values)
        .returning(PayoutBatch.id)
    ).scalar_one_or_none()
    batch = _batch_or_404(session, actor.operator_id, batch_id)
    if moved is None:
        raise _refuse_move(batch, to_status)
    if to_status != "exported":  # an export is recorded with its file by _export_once
        audit.record(session, actor, f"payout.{to_status}", target_type="payout", target_id=batch.id,
                     summary=f"Payout batch #{batch.id} {'marked paid' if to_status == 'paid' else to_status}",
                     changes={"status": [before, to_status]})
    return batch


def mark_paid(actor: Actor, batch_id: int, *, email_statements: bool = False) -> PayoutDetail:
    """The batch is paid (by its bank file, or by hand straight from draft).

    With `email_statements`, every location in it is emailed its statement in the same
    transaction. Refuses `conflict` for a batch already paid or cancelled.
    """
    require_owner(actor, "mark payouts paid")
    with write_session() as session:
        operator = _operator(session, actor.operator_id)
        batch = _move(session, actor, batch_id, "paid", paid_at=utcnow())
        webhooks.queue_event_for_endpoints(session, operator.id, "payout.paid", _event_data(batch))
        if email_statements:
            statements.queue_statement_emails(session, batch)
        detail = _detail(session, batch, operator.currency)
    events.publish(events.Event(actor.operator_id, "payout.paid", _event_data(detail.batch)))
    return detail


def cancel_payout(actor: Actor, batch_id: int) -> PayoutDetail:
    """Cancel a draft or exported batch: its redemptions become payable again (a bank file
    already downloaded must then not be sent). Refuses `conflict` for a paid or
    cancelled batch."""
    require_owner(actor, "cancel payouts")
    with write_session() as session:
        operator = _operator(session, actor.operator_id)
        batch = _move(session, actor, batch_id, "cancelled", cancelled_at=utcnow())
        session.execute(
            update(Redemption)
            .where(Redemption.payout_batch_id == batch.id, Redemption.operator_id == actor.operator_id)
            .values(payout_batch_id=None)
            .execution_options(synchronize_session=False)
        )
        detail = _detail(session, batch, operator.currency)
    events.publish(events.Event(actor.operator_id, "payout.cancelled", _event_data(detail.batch)))
    return detail


# --- bank files ----------------------------------------------------------------------


def _names(items: list[str]) -> str:
    shown = ", ".join(items[:5])
    return shown + (f" and {len(items) - 5} more" if len(items) > 5 else "")


def _refuse_unfit_accounts(file_format: str, operator: Operator, lines: list[tuple[PayoutLine, str]]) -> None:
    """NACHA pays US accounts in US dollars, CPA-005 Canadian accounts: say which locations do not fit."""
    without = [name for line, name in lines if not line.bank_country]
    if without:
        raise GiftnetError(
            ErrorCode.conflict,
            f"{_names(without)} {'has' if len(without) == 1 else 'have'} no bank details in this batch, so no bank "
            "file can pay it; mark the batch paid once you have paid by hand.",
            field="format",
        )
    country, title, other = ("US", "NACHA", "CPA-005") if file_format == "nacha" else ("CA", "CPA-005", "NACHA")
    foreign = [name for line, name in lines if line.bank_country != country]
    if foreign:
        where = "Canadian" if country == "US" else "US"
        raise GiftnetError(
            ErrorCode.conflict,
            f"A {title} file pays {'US' if country == 'US' else 'Canadian'} bank accounts only; {_names(foreign)} "
            f"{'has a' if len(foreign) == 1 else 'have'} {where} account{'' if len(foreign) == 1 else 's'}."
            + (f" Download a {other} file instead." if len(foreign) == len(lines) else ""),
            field="format",
        )
    if file_format == "nacha" and operator.currency != "USD":
        raise GiftnetError(
            ErrorCode.conflict,
            f"A NACHA file moves US dollars; this network's currency is {operator.currency}.", field="format",
        )


def _account(line: PayoutLine, name: str) -> str:
    account = crypto.decrypt(line.account_number_encrypted) if line.account_number_encrypted else None
    if account is None:
        raise GiftnetError(
            ErrorCode.conflict,
            f"The account number of {name} in this batch cannot be read (the secret key changed); cancel the batch, "
            "enter the bank details again and create a new one.",
        )
    return account


def _nacha_content(session: Session, operator: Operator, batch: PayoutBatch,
                   lines: list[tuple[PayoutLine, str]], created_local: datetime) -> tuple[str, int, str]:
    originator = payout_settings.nacha_originator(operator)
    number = int(session.exec(
        select(func.coalesce(func.max(BankFile.file_creation_number), 0))
        .where(BankFile.operator_id == operator.id, BankFile.format == "nacha")
    ).one()) + 1
    credits = [
        nacha.Credit(routing_number=line.routing_number, account_number=_account(line, name),
                     account_type=line.account_type, amount_cents=line.net_cents, receiver_name=name,
                     receiver_id=f"LOC{line.location_id}", effective_date=batch.effective_date)
        for line, name in lines
    ]
    content = nacha.write_nacha(originator, credits, created_at=created_local,
                                file_id_modifier=nacha.file_id_modifier(number))
    return content, number, f"{operator.slug}-payout-{batch.id}-{created_local:%Y%m%d}-{number}.ach"


def _cpa005_content(session: Session, operator: Operator, batch: PayoutBatch,
                    lines: list[tuple[PayoutLine, str]], created_local: datetime) -> tuple[str, int, str]:
    originator = payout_settings.cpa005_originator(operator)
    credits = [
        cpa005.Credit(institution_number=line.institution_number, transit_number=line.transit_number,
                      account_number=_account(line, name), amount_cents=line.net_cents, payee_name=name,
                      cross_reference=f"B{batch.id}L{line.location_id}", due_date=batch.effective_date)
        for line, name in lines
    ]
    # The number is taken last, once everything else is known to be writable; the
    # UPDATE holds the operator's row until commit, so concurrent exports queue here.
    number = session.execute(
        update(Operator)
        .where(Operator.id == operator.id, Operator.last_cpa005_file_number < cpa005.MAX_FILE_CREATION_NUMBER)
        .values(last_cpa005_file_number=Operator.last_cpa005_file_number + 1)
        .returning(Operator.last_cpa005_file_number)
    ).scalar_one_or_none()
    if number is None:
        raise GiftnetError(ErrorCode.conflict,
                           "All 9999 CPA-005 file creation numbers are used; ask your bank how to continue.")
    content = cpa005.write_cpa005(originator, credits, file_creation_number=number,
                                  created_on=created_local.date(), currency=operator.currency)
    return content, number, f"{operator.slug}-payout-{batch.id}-{number:04d}.cpa"


def _export_once(actor: Actor, batch_id: int, file_format: str) -> BankFile:
    with write_session() as session:
        batch = _batch_or_404(session, actor.operator_id, batch_id)
        status_before = batch.status
        if batch.status == "cancelled":
            raise _refuse_move(batch, "exported")
        stored = session.exec(
            select(BankFile).where(BankFile.batch_id == batch.id, BankFile.operator_id == actor.operator_id,
                                   BankFile.format == file_format)
        ).first()
        if stored is not None:
            return stored
        if batch.status not in LIVE_STATUSES:
            raise _refuse_move(batch, "exported")
        operator = _operator(session, actor.operator_id)
        lines = [(line, name) for line, name in _lines(session, batch) if line.net_cents > 0]
        if not lines:
            raise GiftnetError(ErrorCode.conflict, "Nothing in this batch is paid by bank transfer (every net is "
                                                   "zero); mark it paid instead.")
        _refuse_unfit_accounts(file_format, operator, lines)
        created_at = utcnow().replace(second=0, microsecond=0)  # the files carry minutes; the record matches
        created_local = created_at.astimezone(zoneinfo.ZoneInfo(operator.timezone))
        writer = _nacha_content if file_format == "nacha" else _cpa005_content
        try:
            content, number, filename = writer(session, operator, batch, lines, created_local)
        except BankFileError as error:
            raise GiftnetError(ErrorCode.conflict, f"The bank file cannot be written: {error}") from None
        _move(session, actor, batch.id, "exported", exported_at=batch.exported_at or created_at)
        bank_file = BankFile(
            operator_id=operator.id, batch_id=batch.id, format=file_format, filename=filename, content=content,
            sha256=hashlib.sha256(content.encode("ascii")).hexdigest(), file_creation_number=number,
            created_at=created_at,
        )
        session.add(bank_file)
        session.flush()
        audit.record(session, actor, "payout.exported", target_type="payout", target_id=batch.id,
                     summary=f"Bank file {filename} ({'NACHA' if file_format == 'nacha' else 'CPA-005'}) written "
                             f"for payout batch #{batch.id}",
                     changes={"status": [status_before, "exported"], "file": [None, filename]})
        return bank_file


def export_bank_file(actor: Actor, batch_id: int, file_format: str) -> BankFile:
    """The batch's bank file (`nacha` or `cpa005`), written and stored on first request
    (the batch moves to `exported`), the same stored bytes ever after.

    Refuses `invalid_input` for an unknown format; `conflict` when the format does not
    fit the accounts (NACHA: US accounts and US dollars; CPA-005: Canadian accounts),
    when its settings are incomplete (the message names what is missing), for a
    cancelled batch, and for a paid batch that has no file of this format.
    """
    require_owner(actor, "download bank files")
    file_format = (file_format or "").strip().lower()
    if file_format not in BANK_FILE_FORMATS:
        raise GiftnetError(ErrorCode.invalid_input, "format is nacha or cpa005.", field="format")
    for _attempt in range(EXPORT_ATTEMPTS):
        try:
            return _export_once(actor, batch_id, file_format)
        except IntegrityError:
            # A concurrent export stored this batch's file, or took the same NACHA number,
            # first; its transaction won. Looking again returns its file or takes the next number.
            continue
    raise GiftnetError(ErrorCode.conflict, "The bank file is being written by another request; try again.")


def bank_file_bytes(bank_file: BankFile) -> bytes:
    """The file as the bank receives it (ASCII)."""
    return bank_file.content.encode("ascii")


__all__ = [
    "BankFileInfo",
    "PayableLine",
    "Payables",
    "PayoutDetail",
    "PayoutPage",
    "SkippedLocation",
    "bank_details_problem",
    "bank_file_bytes",
    "batch_as_dict",
    "cancel_payout",
    "commission_cents",
    "create_payout",
    "export_bank_file",
    "get_payout",
    "list_payouts",
    "mark_paid",
    "payables",
]

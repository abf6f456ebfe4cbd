"""Payout batches: create one (claiming the payable redemptions), list them, read one, mark
it paid, cancel it. The one place for the batch rules, whether the call comes from the
API, the dashboard's Settlements screen or a test.

Rules this module keeps:
- a batch claims its redemptions with ONE conditional UPDATE (`payout_batch_id IS
  NULL AND status = 'completed' AND created_at <= through ...`) in the transaction
  that writes the batch: a redemption belongs to at most one batch even when two
  batches are created at once, and a void racing the batch loses or wins cleanly
  (the void's own UPDATE requires `payout_batch_id IS NULL`);
- locations without valid bank details are left out and listed in `skipped` with
  the reason; their redemptions stay payable (unless the batch is created
  `include_locations_without_bank_details` by an operator who pays by hand);
- a batch also pays again, as `carried_cents` on the location's line, the returned
  payments still owed to the locations it pays (`payout_returns.claim_owed_again`, one
  conditional UPDATE in the same transaction); cancelling the batch lets them go;
- a line deducts the refunds given back to cards its location owes back
  (`payout_refunds.owed_back`, read after the claim so this batch's own redemptions
  count), never past a net of zero; cancelling the batch undoes its deductions with it;
- a batch moves draft -> exported (its first bank file, `bank_files.py`) -> paid, or
  draft/exported -> cancelled (which frees its redemptions). Every move is a
  conditional UPDATE on the status; anything else is refused with `conflict`.

What each line is worth (commission, periods) is `payables.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import insert, update
from sqlmodel import Session, select

from app.db import read_session, write_session
from app.models import BankFile, Location, Operator, PayoutBatch, PayoutLine, PayoutReturn, Redemption
from app.models.base import utcnow
from app.models.payout import PAYOUT_STATUSES, PayoutStatus
from app.services.core import audit, events
from app.services.core.actor import Actor
from app.services.core.errors import ErrorCode, GiftnetError
from app.services.core.i18n import N_
from app.services.core.money import format_cents
from app.services.core.operators import operator_or_404
from app.services.core.roles import require_owner
from app.services.messaging import webhooks
from app.services.network import locations
from app.services.settlement import payout_refunds, payout_returns, prenotes, readiness, statements
from app.services.settlement.payables import (
    MAX_PAGE,
    PayableLine,
    SkippedLocation,
    bank_details_problem,
    batch_calendars,
    by_location_name,
    choose_effective_date,
    owed_by_location,
    parse_effective_date,
    payable_conditions,
    payable_line,
    payable_period,
)

LIVE_STATUSES = (PayoutStatus.draft, PayoutStatus.exported)  # may still be paid or cancelled
# NACHA and CPA-005 write an entry's amount in 10 digits: one location's line in a batch
# may pay at most $99,999,999.99. (The amount columns themselves are BIGINT.)
MAX_LINE_CENTS = 9_999_999_999


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
class BatchLine(PayableLine):
    """A batch's line: what it pays, and whether the payment came back from the bank."""

    status: str = "paid"  # paid | returned
    return_reason_code: str | None = None
    return_reason: str | None = None


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


class NothingToPay(GiftnetError):
    """The `conflict` of a batch with nothing to pay, carrying the locations left out (a
    scheduled run records them)."""

    def __init__(self, message: str, skipped: list[SkippedLocation]) -> None:
        super().__init__(ErrorCode.conflict, message, field="through")
        self.skipped = skipped


@dataclass(frozen=True)
class PayoutPage:
    batches: list[PayoutBatch]
    next_cursor: int | None


def batch_or_404(session: Session, operator_id: int, batch_id: int) -> PayoutBatch:
    """The operator's batch as stored now (another operator's: not_found)."""
    batch = session.exec(
        select(PayoutBatch)
        .where(PayoutBatch.id == batch_id, PayoutBatch.operator_id == operator_id)
        .execution_options(populate_existing=True)
    ).first()
    if batch is None:
        raise GiftnetError(ErrorCode.not_found, N_("No such payout batch."))
    return batch


def _line_view(line: PayoutLine, name: str, returned: PayoutReturn | None = None) -> BatchLine:
    return BatchLine(
        location_id=line.location_id, location_name=name, redemption_count=line.redemption_count,
        gross_cents=line.gross_cents, commission_bps=line.commission_bps, commission_cents=line.commission_cents,
        net_cents=line.net_cents, bank_summary=locations.bank_summary(line),  # a line keeps the location's bank fields
        carried_cents=line.carried_cents, refunded_cents=line.refunded_cents, status=line.status,
        return_reason_code=returned.reason_code if returned else None,
        return_reason=returned.reason if returned else None,
    )


def batch_lines(session: Session, batch: PayoutBatch) -> list[tuple[PayoutLine, str]]:
    """The batch's lines with their location's name, in the order they were written."""
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
    lines = batch_lines(session, batch)
    returned = payout_returns.returns_of_lines(session, batch.operator_id,
                                               [line.id for line, _name in lines if line.status == "returned"])
    return PayoutDetail(
        batch=batch, currency=currency, lines=[_line_view(line, name, returned.get(line.id)) for line, name in lines],
        files=_files(session, batch), skipped=skipped or [],
    )


def get_payout(operator_id: int, batch_id: int) -> PayoutDetail:
    """One of the operator's batches with its lines and bank files (another operator's: not_found)."""
    with read_session() as session:
        operator = operator_or_404(session, operator_id)
        return _detail(session, batch_or_404(session, operator_id, batch_id), operator.currency)


def list_payouts(operator_id: int, *, status: str | None = None, limit: int = 25,
                 cursor: int | None = None) -> PayoutPage:
    """The operator's batches, newest first."""
    if status is not None and status not in PAYOUT_STATUSES:
        raise GiftnetError(ErrorCode.invalid_input, N_("status is draft, exported, paid or cancelled."), field="status")
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


event_data = _event_data  # the data of the payout.* events and webhooks (the scheduled runs publish it too)


def create_payout(
    actor: Actor,
    through: datetime | date | str,
    from_: datetime | date | str | None = None,
    effective_date: date | str | None = None,
    *,
    include_locations_without_bank_details: bool = False,
    require_bank_file: bool = False,
) -> PayoutDetail:
    """A draft batch paying every payable redemption created through `through` (and from
    `from_`), one line per location, in ONE transaction.

    A date alone means that whole day in the operator's zone; a `through` in the future
    means now. `effective_date` (when the locations get the money) defaults to the next
    bank business day of the accounts paid (`payables.choose_effective_date`). Locations
    without valid bank details are left out and listed in `skipped`; with
    `include_locations_without_bank_details` (for operators who pay by hand) they are
    paid too, and the batch then cannot be exported as a bank file.

    With `require_bank_file` (the Settlements screen), refuses `conflict` while the bank file
    settings are missing (`readiness.file_blocker`'s sentence). Refuses `conflict` when nothing is payable, `invalid_input` for bad dates (and a
    chosen effective date that is a weekend or bank holiday), and `forbidden` for anyone
    but an owner (as every payout action here).
    """
    require_owner(actor, "create payouts")
    if require_bank_file:  # the dashboard: no batch before its bank file can be written
        readiness.require_bank_file_settings(actor.operator_id)
    now = utcnow()
    with write_session() as session:
        operator = operator_or_404(session, actor.operator_id, lock=True)
        detail = create_payout_within(session, actor, operator, through, from_, effective_date, now=now,
                                      include_locations_without_bank_details=include_locations_without_bank_details)
    events.publish(events.Event(actor.operator_id, "payout.created", _event_data(detail.batch)))
    return detail


def create_payout_within(
    session: Session,
    actor: Actor,
    operator: Operator,
    through: datetime | date | str,
    from_: datetime | date | str | None = None,
    effective_date: date | str | None = None,
    *,
    now: datetime,
    include_locations_without_bank_details: bool = False,
    minimum_net_cents: int = 0,
) -> PayoutDetail:
    """`create_payout` inside the caller's transaction (the scheduled runs claim their run
    in the same one, `schedules.py`); the caller publishes the `payout.created` event
    after its commit. With `minimum_net_cents`, a location whose net is below it is left
    out (listed in `skipped` with the reason): its redemptions stay payable."""
    start, end = payable_period(operator, through, from_, now)
    chosen = parse_effective_date(operator, effective_date, now)
    found = {location.id: location for location in session.exec(
        select(Location).where(Location.operator_id == operator.id)).all()}
    unusable = {location_id: problem for location_id, location in found.items()
                if (problem := bank_details_problem(location))}
    batch = PayoutBatch(operator_id=operator.id, status=PayoutStatus.draft, period_from=start, period_through=end,
                        created_by_user_id=actor.user_id, created_at=now)
    session.add(batch)
    session.flush()
    usable = set(found) - set(unusable)
    # Prenotes go out with this batch; a location whose prenote has not settled long enough
    # waits (its hold is counted from the effective date the usable accounts would get).
    provisional = choose_effective_date(operator, chosen, now, batch_calendars(
        operator, {found[location_id].bank_country for location_id in usable if found[location_id].bank_country}))
    batch.effective_date = provisional
    sent = prenotes.send_due_prenotes(session, operator, batch, found.values(), usable)
    held = prenotes.holds(session, operator, found.values(), usable, now, next_effective_date=provisional)
    claimed = _claim(session, batch, found, unusable, pay_unbanked=include_locations_without_bank_details,
                     held=set(held))
    waiting = {**({} if include_locations_without_bank_details else unusable),
               **{location_id: hold.reason for location_id, hold in held.items()}}
    left_out = _left_out(session, batch, waiting)
    names = {location_id: location.name for location_id, location in found.items()}
    # After the claim: refunds of the redemptions this batch pays are deducted in the same line.
    owed_back = payout_refunds.owed_back(session, operator.id)
    below_minimum = (_hold_below_minimum(session, batch, operator, found, claimed, minimum_net_cents,
                                         owed=payout_returns.owed_again(session, operator.id), waiting=set(waiting),
                                         owed_back=owed_back)
                     if minimum_net_cents > 0 else [])
    # Returned payments owed again ride with the location's next line, unless it waits.
    refused = set(waiting) | {item.location_id for item in below_minimum}
    carried = payout_returns.claim_owed_again(session, batch, refused=refused)
    still_owed = {location_id: cents for location_id, cents in payout_returns.owed_again(session, operator.id).items()
                  if location_id in waiting}
    skipped = [SkippedLocation(location_id, names[location_id], *left_out.get(location_id, (0, 0)),
                               reason=waiting[location_id], carried_cents=still_owed.get(location_id, 0),
                               payable_from=held[location_id].payable_from if location_id in held else None)
               for location_id in by_location_name(set(left_out) | set(still_owed), names)]
    skipped += below_minimum
    if not claimed and not carried and not sent:  # a batch of prenotes only is still worth its NACHA file
        detail = (f" {len(skipped)} location(s) are owed money but left out: "
                  + ", ".join(f"{item.location_name} ({item.reason})" for item in skipped[:5]) + "."
                  if skipped else "")
        raise NothingToPay(f"Nothing to pay through this date.{detail}", skipped)
    # The prenotes sent settle on the provisional date (open for every usable account); without
    # them, the date is the first one open for the accounts actually paid.
    paying = set(claimed) | set(carried)
    countries = {found[location_id].bank_country for location_id in paying if found[location_id].bank_country}
    batch.effective_date = effective = provisional if sent else choose_effective_date(
        operator, chosen, now, batch_calendars(operator, countries))
    if paying:
        _write_lines(session, operator, batch, [(found[location_id], *claimed.get(location_id, (0, 0)),
                                                 carried.get(location_id, 0), owed_back.get(location_id, 0))
                                                for location_id in by_location_name(paying, names)])
    webhooks.queue_event_for_endpoints(session, operator.id, "payout.created", _event_data(batch))
    audit.record(session, actor, "payout.created", target_type="payout", target_id=batch.id,
                 summary=f"Payout batch #{batch.id} created: {batch.redemption_count} redemption(s), "
                         f"net {format_cents(batch.total_net_cents, operator.currency)}"
                         + (f", {len(skipped)} location(s) left out" if skipped else "")
                         + (f", {len(sent)} prenote(s)" if sent else ""),
                 changes={"status": [None, PayoutStatus.draft], "period_through": [None, end],
                          "effective_date": [None, effective], "total_net_cents": [None, batch.total_net_cents]})
    return _detail(session, batch, operator.currency, skipped)


def _claim(session: Session, batch: PayoutBatch, found: dict[int, Location], unusable: dict[int, str], *,
           pay_unbanked: bool, held: set[int]) -> dict[int, tuple[int, int]]:
    """Point the payable redemptions at `batch` with one conditional UPDATE; returns
    (count, gross) per location claimed. `found` and `unusable` grow with any location
    the claim met that was created after they were read (PostgreSQL, concurrent writes).
    `held` locations (waiting for their prenote, `prenotes.py`) are never claimed."""
    claim = update(Redemption).where(*payable_conditions(batch.operator_id, batch.period_from, batch.period_through))
    if not pay_unbanked:
        claim = claim.where(Redemption.location_id.in_(
            select(Location.id).where(Location.operator_id == batch.operator_id, Location.bank_country.is_not(None),
                                      Location.account_number_encrypted.is_not(None))))
        hopeless = [location_id for location_id, location in found.items()
                    if location.bank_country and location.account_number_encrypted and location_id in unusable]
        if hopeless:  # details present but unusable (an unreadable account number): rare, so a short list
            claim = claim.where(Redemption.location_id.not_in(hopeless))
    session.execute(claim.values(payout_batch_id=batch.id).execution_options(synchronize_session=False))
    claimed = owed_by_location(session, [Redemption.payout_batch_id == batch.id])
    late = set(claimed) - set(found)
    if late:
        for location in session.exec(select(Location).where(Location.id.in_(late))).all():
            found[location.id] = location
            if problem := bank_details_problem(location):
                unusable[location.id] = problem
    release = [location_id for location_id in claimed
               if location_id in held or (not pay_unbanked and location_id in unusable)]
    _release(session, batch, release, claimed)
    return claimed


def _release(session: Session, batch: PayoutBatch, location_ids: list[int], claimed: dict[int, tuple[int, int]]) -> None:
    """Give these locations' redemptions back (payable again) and drop them from `claimed`."""
    if not location_ids:
        return
    session.execute(
        update(Redemption)
        .where(Redemption.payout_batch_id == batch.id, Redemption.location_id.in_(location_ids))
        .values(payout_batch_id=None)
        .execution_options(synchronize_session=False)
    )
    for location_id in location_ids:
        claimed.pop(location_id)


def _hold_below_minimum(session: Session, batch: PayoutBatch, operator: Operator, found: dict[int, Location],
                        claimed: dict[int, tuple[int, int]], minimum_net_cents: int, *, owed: dict[int, int],
                        waiting: set[int], owed_back: dict[int, int]) -> list[SkippedLocation]:
    """Release the locations whose line in this batch would pay less than the minimum: they
    wait for a later run. The line's net counts the returned money it would carry (`owed`),
    so a location is judged on what it would be paid, and one owed only returned money is
    judged too; its returned money waits with it (the caller leaves it unclaimed). The
    refunds it owes back count too: a line they would bring under the minimum waits."""
    held = []
    for location_id in (set(claimed) | set(owed)) - waiting:
        count, gross = claimed.get(location_id, (0, 0))
        carried = owed.get(location_id, 0)
        line = payable_line(found[location_id], operator, count, gross, carried, owed_back.get(location_id, 0))
        if line.net_cents < minimum_net_cents:
            held.append(SkippedLocation(
                location_id, line.location_name, count, gross,
                reason=f"Net {format_cents(line.net_cents, operator.currency)} is below the minimum of "
                       f"{format_cents(minimum_net_cents, operator.currency)}; it waits for a later run",
                carried_cents=carried))
    _release(session, batch, [item.location_id for item in held if item.location_id in claimed], claimed)
    return sorted(held, key=lambda item: (item.location_name.lower(), item.location_id))


def _left_out(session: Session, batch: PayoutBatch, unusable: dict[int, str]) -> dict[int, tuple[int, int]]:
    """What the locations without usable bank details are still owed (count, gross)."""
    if not unusable:
        return {}
    conditions = payable_conditions(batch.operator_id, batch.period_from, batch.period_through)
    if len(unusable) <= 1_000:  # a short list narrows the scan; a long one would exceed SQLite's parameter limit
        conditions.append(Redemption.location_id.in_(list(unusable)))
    return {location_id: owed for location_id, owed in owed_by_location(session, conditions).items()
            if location_id in unusable}  # not a redemption that arrived after the claim


def _write_lines(session: Session, operator: Operator, batch: PayoutBatch,
                 owed: list[tuple[Location, int, int, int, int]]) -> None:
    """One line per (location, count, gross, carried, refunds owed back), with the location's
    bank details as they are now, and the batch's totals."""
    rows = []
    for location, count, gross, carried, owed_back in owed:
        line = payable_line(location, operator, count, gross, carried, owed_back)
        rows.append({
            "batch_id": batch.id, "operator_id": operator.id, "location_id": location.id,
            "redemption_count": line.redemption_count, "gross_cents": line.gross_cents,
            "commission_bps": line.commission_bps, "commission_cents": line.commission_cents,
            "net_cents": line.net_cents, "bank_country": location.bank_country,
            "routing_number": location.routing_number, "institution_number": location.institution_number,
            "transit_number": location.transit_number, "account_number_encrypted": location.account_number_encrypted,
            "account_last4": location.account_last4, "account_type": location.account_type,
            "carried_cents": line.carried_cents, "refunded_cents": line.refunded_cents,
        })
    too_large = [location.name for (location, *_figures), row in zip(owed, rows, strict=True)
                 if max(row["gross_cents"], row["net_cents"]) > MAX_LINE_CENTS]
    if too_large:
        raise GiftnetError(
            ErrorCode.conflict,
            N_("{join} would be paid more than {format_cents} in this batch, the most a bank file entry can carry; choose an earlier date to pay through (or a later `from`) and pay the rest in a second batch."),
            field="through", params={"join": ', '.join(too_large[:3]), "format_cents": format_cents(MAX_LINE_CENTS)},
        )
    session.execute(insert(PayoutLine), rows)
    batch.total_gross_cents = sum(row["gross_cents"] for row in rows)
    batch.total_commission_cents = sum(row["commission_cents"] for row in rows)
    batch.total_net_cents = sum(row["net_cents"] for row in rows)
    batch.redemption_count = sum(row["redemption_count"] for row in rows)
    session.add(batch)
    session.flush()


def refuse_move(batch: PayoutBatch, wanted: str) -> GiftnetError:
    """The `conflict` that says why this batch cannot move to `wanted`."""
    messages = {
        (PayoutStatus.paid, PayoutStatus.paid): "This payout batch is already paid.",
        (PayoutStatus.cancelled, PayoutStatus.paid): "This payout batch was cancelled; create a new batch to pay its redemptions.",
        (PayoutStatus.paid, PayoutStatus.cancelled): "This payout batch is paid; a paid batch cannot be cancelled.",
        (PayoutStatus.cancelled, PayoutStatus.cancelled): "This payout batch is already cancelled.",
        (PayoutStatus.paid, PayoutStatus.exported): "This payout batch is already paid; no bank file is needed.",
        (PayoutStatus.cancelled, PayoutStatus.exported): "This payout batch was cancelled; its bank file must not be sent.",
    }
    return GiftnetError(ErrorCode.conflict,
                        messages.get((batch.status, wanted), f"This payout batch is {batch.status}."))


def move_batch(session: Session, actor: Actor, batch_id: int, to_status: str, **values: Any) -> PayoutBatch:
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
    batch = batch_or_404(session, actor.operator_id, batch_id)
    if moved is None:
        raise refuse_move(batch, to_status)
    if to_status != PayoutStatus.exported:  # an export is recorded with its file (bank_files.export_bank_file)
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
        operator = operator_or_404(session, actor.operator_id)
        batch = move_batch(session, actor, batch_id, PayoutStatus.paid, paid_at=utcnow())
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
        operator = operator_or_404(session, actor.operator_id)
        batch = move_batch(session, actor, batch_id, PayoutStatus.cancelled, cancelled_at=utcnow())
        payout_returns.refuse_cancel_when_returned(session, batch)
        payout_returns.release_owed_again(session, batch)
        session.execute(
            update(Redemption)
            .where(Redemption.payout_batch_id == batch.id, Redemption.operator_id == actor.operator_id)
            .values(payout_batch_id=None)
            .execution_options(synchronize_session=False)
        )
        detail = _detail(session, batch, operator.currency)
    events.publish(events.Event(actor.operator_id, "payout.cancelled", _event_data(detail.batch)))
    return detail


__all__ = [
    "BankFileInfo",
    "BatchLine",
    "PayoutDetail",
    "PayoutPage",
    "batch_as_dict",
    "cancel_payout",
    "create_payout",
    "create_payout_within",
    "get_payout",
    "list_payouts",
    "mark_paid",
]

"""Payments the bank gives back: a return file is read, each returned payment matched to
the payout line it returns, and the money is owed to the location again.

Rules this module keeps:
- a return file is applied whole or not at all: one that cannot be read, or with ANY
  item that matches no payout line of the operator, is refused (`invalid_input`, naming
  the line of the file and why) and changes nothing;
- an item is matched only among the operator's own lines whose bank file named the
  payment the same way (`PayoutLine.nacha_trace_number` / `cpa005_cross_reference`,
  kept when the file was written), in an exported or paid batch, for the same amount
  and the same receiving bank. NACHA trace numbers start again at 1 in every file, so
  the same number may name payments of two files: the newest one not yet returned is
  taken (returns come back within days);
- uploading the same file again changes nothing: each return is recorded with a key
  taken from the file (`PayoutReturn.entry_key`), and a key already recorded is
  answered as it was;
- a returned line's net is owed again EXACTLY ONCE by a carried amount, never by
  releasing its redemptions: each `PayoutReturn` is claimed by the next batch paying
  the location with one conditional UPDATE (`repaid_batch_id IS NULL`), in the
  transaction that writes the batch, and let go if that batch is cancelled. The
  redemptions stay in the batch that first paid them, so "a redemption is in at most
  one paid batch" stays true and the carried cents show on the new line
  (`PayoutLine.carried_cents`);
- a reason about the account itself (closed, not found, invalid number...) marks the
  location's bank details as needing a fix: `Location.bank_fix_reason` with a
  fingerprint of the details the payment bounced from. Until the details change, the
  location is left out of batches with that reason (`payables.bank_details_problem`);
- a batch one of whose payments came back was sent, so it can no longer be cancelled.
Everything for one file happens in ONE transaction, with the `payout.returned` webhooks
and the audit rows.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass

from sqlalchemy import func, update
from sqlmodel import Session, select

from app.db import write_session
from app.integrations.bank_returns import ReturnedItem, ReturnFile, ReturnFileError, read_return_file
from app.models import Location, PayoutBatch, PayoutLine, PayoutReturn
from app.models.base import utcnow
from app.models.payout import PayoutLineStatus, PayoutStatus
from app.services.core import audit, events
from app.services.core.actor import Actor
from app.services.core.errors import ErrorCode, GiftnetError
from app.services.core.i18n import N_
from app.services.core.money import format_cents
from app.services.core.operators import operator_or_404
from app.services.core.roles import require_owner
from app.services.messaging import webhooks

MAX_RETURN_FILE_BYTES = 5 * 1024 * 1024
MAX_REASONS_SHOWN = 5
SENT_STATUSES = (PayoutStatus.exported, PayoutStatus.paid)  # a batch whose file may have reached the bank


def bank_fingerprint(details: Location | PayoutLine) -> str:
    """Which bank details these are (a location's now, or a line's as paid); any change of
    country, numbers, account or type gives another fingerprint."""
    parts = (details.bank_country, details.routing_number, details.institution_number, details.transit_number,
             details.account_number_encrypted, details.account_type)
    return hashlib.sha256("|".join(part or "" for part in parts).encode()).hexdigest()


def bank_fix_problem(location: Location) -> str | None:
    """Why the location's bank details must be corrected before it is paid again, or None."""
    if location.bank_fix_reason and location.bank_fix_fingerprint == bank_fingerprint(location):
        return (f"A payment to these bank details came back ({location.bank_fix_reason}); correct the bank "
                "details to pay this location again")
    return None


# --- what is owed again ------------------------------------------------------------------


def owed_again(session: Session, operator_id: int, location_ids: list[int] | None = None) -> dict[int, int]:
    """Net cents per location of its returned payments no batch pays again yet."""
    statement = (select(PayoutReturn.location_id, func.sum(PayoutReturn.net_cents))
                 .where(PayoutReturn.operator_id == operator_id, PayoutReturn.repaid_batch_id.is_(None))
                 .group_by(PayoutReturn.location_id))
    if location_ids is not None:
        if not location_ids:
            return {}
        statement = statement.where(PayoutReturn.location_id.in_(location_ids))
    return {location_id: int(cents) for location_id, cents in session.exec(statement).all()}


def claim_owed_again(session: Session, batch: PayoutBatch, *, refused: set[int]) -> dict[int, int]:
    """Point the returned payments still owed at `batch` (one conditional UPDATE: a return
    is paid again by one batch only), except those of the `refused` locations (no usable
    bank details), which stay owed; net cents per location claimed."""
    session.execute(
        update(PayoutReturn)
        .where(PayoutReturn.operator_id == batch.operator_id, PayoutReturn.repaid_batch_id.is_(None))
        .values(repaid_batch_id=batch.id)
        .execution_options(synchronize_session=False)
    )
    claimed = {location_id: int(cents) for location_id, cents in session.exec(
        select(PayoutReturn.location_id, func.sum(PayoutReturn.net_cents))
        .where(PayoutReturn.operator_id == batch.operator_id, PayoutReturn.repaid_batch_id == batch.id)
        .group_by(PayoutReturn.location_id)).all()}
    release = [location_id for location_id in claimed if location_id in refused]
    if release:  # the few locations with returns owed but no usable details: a short list
        session.execute(
            update(PayoutReturn)
            .where(PayoutReturn.operator_id == batch.operator_id, PayoutReturn.repaid_batch_id == batch.id,
                   PayoutReturn.location_id.in_(release))
            .values(repaid_batch_id=None)
            .execution_options(synchronize_session=False)
        )
        for location_id in release:
            claimed.pop(location_id)
    return claimed


def release_owed_again(session: Session, batch: PayoutBatch) -> None:
    """A cancelled batch no longer pays the returns it carried: they are owed again."""
    session.execute(
        update(PayoutReturn)
        .where(PayoutReturn.operator_id == batch.operator_id, PayoutReturn.repaid_batch_id == batch.id)
        .values(repaid_batch_id=None)
        .execution_options(synchronize_session=False)
    )


def refuse_cancel_when_returned(session: Session, batch: PayoutBatch) -> None:
    """A batch with a returned payment was sent: cancelling it would pay its redemptions twice."""
    returned = session.exec(select(func.count(PayoutReturn.id)).where(
        PayoutReturn.operator_id == batch.operator_id, PayoutReturn.batch_id == batch.id)).one()
    if returned:
        raise GiftnetError(ErrorCode.conflict,
                           N_("{returned} payment(s) of this batch came back from the bank, so its file was sent: it cannot be cancelled. Mark it paid; the returned amounts are paid again in the next batch."), params={"returned": returned})


def returns_of_lines(session: Session, operator_id: int, line_ids: list[int]) -> dict[int, PayoutReturn]:
    """The return of each of these lines that came back."""
    if not line_ids:
        return {}
    return {payout_return.line_id: payout_return for payout_return in session.exec(
        select(PayoutReturn).where(PayoutReturn.operator_id == operator_id, PayoutReturn.line_id.in_(line_ids))).all()}


def carried_into(session: Session, operator_id: int, batch_id: int, location_id: int) -> list[PayoutReturn]:
    """The returns a batch's line pays again, oldest first."""
    return list(session.exec(
        select(PayoutReturn).where(PayoutReturn.operator_id == operator_id, PayoutReturn.repaid_batch_id == batch_id,
                                   PayoutReturn.location_id == location_id).order_by(PayoutReturn.id)).all())


# --- receiving a return file ---------------------------------------------------------------


@dataclass(frozen=True)
class MatchedReturn:
    """A returned payment and the payout line it returns."""

    payout_id: int
    line_id: int
    location_id: int
    location_name: str
    net_cents: int
    reason_code: str
    reason: str
    account_data: bool
    file_line: int
    already_recorded: bool  # this return was recorded by an earlier upload: nothing changed

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class ReturnsResult:
    file_format: str
    matched: list[MatchedReturn]

    @property
    def newly_returned(self) -> list[MatchedReturn]:
        return [match for match in self.matched if not match.already_recorded]


@dataclass(frozen=True)
class _Candidate:
    line: PayoutLine
    batch: PayoutBatch
    location_name: str


def _money(cents: int, currency: str) -> str:
    return format_cents(cents, currency)


def _describe(candidate: _Candidate, currency: str) -> str:
    return (f"the payment of {_money(candidate.line.net_cents, currency)} to {candidate.location_name} in payout "
            f"#{candidate.batch.id}")


def _same_bank(item: ReturnedItem, line: PayoutLine) -> bool:
    if item.file_format == "nacha":
        return (line.routing_number or "")[:8] == item.receiving_bank
    return f"{line.institution_number or ''}{line.transit_number or ''}" == item.receiving_bank


def _match(session: Session, operator_id: int, currency: str, item: ReturnedItem,
           taken: dict[int, int]) -> _Candidate | str:
    """The line `item` returns, or why none (a sentence)."""
    column = PayoutLine.nacha_trace_number if item.file_format == "nacha" else PayoutLine.cpa005_cross_reference
    what = "trace number" if item.file_format == "nacha" else "cross-reference"
    candidates = [_Candidate(line, batch, name) for line, batch, name in session.exec(
        select(PayoutLine, PayoutBatch, Location.name)
        .join(PayoutBatch, PayoutBatch.id == PayoutLine.batch_id)
        .join(Location, Location.id == PayoutLine.location_id)
        .where(PayoutLine.operator_id == operator_id, PayoutBatch.operator_id == operator_id,
               column == item.reference)
        .order_by(PayoutLine.id.desc())
    ).all()]
    if not candidates:
        return f"no payout of this network has the {what} {item.reference}"
    sent = [candidate for candidate in candidates if candidate.batch.status in SENT_STATUSES]
    if not sent:
        return (f"the {what} {item.reference} is {_describe(candidates[0], currency)}, which was cancelled; "
                "its file must not have been sent")
    fitting = [candidate for candidate in sent if candidate.line.net_cents == item.amount_cents]
    if not fitting:
        return (f"the {what} {item.reference} is {_describe(sent[0], currency)}, but the return is for "
                f"{_money(item.amount_cents, currency)}")
    fitting_bank = [candidate for candidate in fitting if _same_bank(item, candidate.line)]
    if not fitting_bank:
        return (f"the {what} {item.reference} is {_describe(fitting[0], currency)}, but the return names another "
                f"bank ({item.receiving_bank})")
    still_paid = [candidate for candidate in fitting_bank if candidate.line.status == PayoutLineStatus.paid]
    if not still_paid:
        return f"{_describe(fitting_bank[0], currency)} was already returned by the bank (another return file)"
    free = [candidate for candidate in still_paid if candidate.line.id not in taken]
    if not free:
        return f"it returns the same payment as line {taken[still_paid[0].line.id]} of this file"
    return free[0]


def _refuse(problems: list[tuple[int, str]]) -> GiftnetError:
    shown = "; ".join(f"Line {line}: {problem}" for line, problem in problems[:MAX_REASONS_SHOWN])
    more = f" (and {len(problems) - MAX_REASONS_SHOWN} more)" if len(problems) > MAX_REASONS_SHOWN else ""
    return GiftnetError(ErrorCode.invalid_input,
                        N_("The return file was not applied, nothing changed. {shown}{more}."), field="file", params={"shown": shown, "more": more})


def read_returns(content: bytes) -> ReturnFile:
    """The file read, or `invalid_input` naming the line and the reason."""
    if len(content) > MAX_RETURN_FILE_BYTES:
        raise GiftnetError(ErrorCode.invalid_input, N_("The return file is larger than 5 MB."), field="file")
    try:
        return read_return_file(content)
    except ReturnFileError as error:
        where = f"Line {error.line_number}: " if error.line_number else ""
        raise GiftnetError(ErrorCode.invalid_input,
                           N_("The return file cannot be read, nothing changed. {where}{reason}."),
                           field="file", params={"where": where, "reason": error.reason}) from None


def receive_returns(actor: Actor, content: bytes, filename: str = "") -> ReturnsResult:
    """Apply a return file (NACHA or CPA-005) in ONE transaction: every returned payment
    matched to its payout line, the line `returned` with the reason, its net owed to the
    location again, the location's bank details marked for a fix when the reason is about
    the account, a `payout.returned` webhook per line.

    Refuses `invalid_input` (naming the line and why, nothing changed) for a file that
    cannot be read or with any item that matches no line; `forbidden` for anyone but an
    owner. The same file again changes nothing and answers the same matches."""
    require_owner(actor, "upload return files")
    parsed = read_returns(content)
    digest = hashlib.sha256(content).hexdigest()
    filename = (filename or "returns").strip()[:200] or "returns"
    with write_session() as session:
        # One upload (and one batch creation) at a time per operator: two uploads of the
        # same file cannot both find a payment unreturned.
        operator = operator_or_404(session, actor.operator_id, lock=True)
        matched, problems, fresh = [], [], []
        taken: dict[int, int] = {}
        for item in parsed.items:
            recorded = session.exec(select(PayoutReturn).where(
                PayoutReturn.operator_id == operator.id, PayoutReturn.format == item.file_format,
                PayoutReturn.entry_key == item.entry_key)).first()
            if recorded is not None:
                name = session.get(Location, recorded.location_id).name
                matched.append(MatchedReturn(
                    payout_id=recorded.batch_id, line_id=recorded.line_id, location_id=recorded.location_id,
                    location_name=name, net_cents=recorded.net_cents, reason_code=recorded.reason_code,
                    reason=recorded.reason, account_data=recorded.account_data, file_line=item.line_number,
                    already_recorded=True))
                taken[recorded.line_id] = item.line_number
                continue
            found = _match(session, operator.id, operator.currency, item, taken)
            if isinstance(found, str):
                problems.append((item.line_number, found))
                continue
            taken[found.line.id] = item.line_number
            fresh.append((item, found))
            matched.append(MatchedReturn(
                payout_id=found.batch.id, line_id=found.line.id, location_id=found.line.location_id,
                location_name=found.location_name, net_cents=found.line.net_cents, reason_code=item.reason_code,
                reason=item.reason, account_data=item.account_data, file_line=item.line_number,
                already_recorded=False))
        if problems:
            raise _refuse(problems)
        for item, found in fresh:
            _apply(session, actor, item, found, digest=digest, filename=filename, currency=operator.currency)
    for match in matched:
        if not match.already_recorded:
            events.publish(events.Event(actor.operator_id, "payout.returned", _event_data(match)))
    return ReturnsResult(file_format=parsed.file_format, matched=matched)


def _event_data(match: MatchedReturn) -> dict:
    return {"payout_id": match.payout_id, "location_id": match.location_id, "net_cents": match.net_cents,
            "reason_code": match.reason_code, "reason": match.reason}


def _apply(session: Session, actor: Actor, item: ReturnedItem, found: _Candidate, *, digest: str, filename: str,
           currency: str) -> None:
    # The batch row is held until commit, so a cancel racing this upload waits and then
    # sees the return (`refuse_cancel_when_returned`), or went first and this refuses.
    batch = session.exec(select(PayoutBatch).where(PayoutBatch.id == found.batch.id)
                         .with_for_update().execution_options(populate_existing=True)).one()
    if batch.status not in SENT_STATUSES:
        raise _refuse([(item.line_number, f"payout #{batch.id} was cancelled while the file was read")])
    moved = session.execute(
        update(PayoutLine)
        .where(PayoutLine.id == found.line.id, PayoutLine.status == PayoutLineStatus.paid)
        .values(status=PayoutLineStatus.returned)
        .returning(PayoutLine.id)
    ).scalar_one_or_none()
    if moved is None:
        raise _refuse([(item.line_number, f"{_describe(found, currency)} was already returned by the bank")])
    session.add(PayoutReturn(
        operator_id=batch.operator_id, line_id=found.line.id, batch_id=batch.id, location_id=found.line.location_id,
        net_cents=found.line.net_cents, format=item.file_format, reason_code=item.reason_code, reason=item.reason,
        account_data=item.account_data, entry_key=item.entry_key, file_sha256=digest, filename=filename,
        file_line=item.line_number, created_by_user_id=actor.user_id, created_at=utcnow(),
    ))
    if item.account_data:
        session.execute(
            update(Location)
            .where(Location.id == found.line.location_id, Location.operator_id == batch.operator_id)
            .values(bank_fix_reason=f"{item.reason_code} {item.reason}"[:200],
                    bank_fix_fingerprint=bank_fingerprint(found.line))
            .execution_options(synchronize_session=False)
        )
    data = {"payout_id": batch.id, "location_id": found.line.location_id, "net_cents": found.line.net_cents,
            "reason_code": item.reason_code, "reason": item.reason}
    webhooks.queue_event_for_endpoints(session, batch.operator_id, "payout.returned", data)
    audit.record(session, actor, "payout.returned", target_type="payout", target_id=batch.id,
                 summary=f"Payout #{batch.id}: the payment of {_money(found.line.net_cents, currency)} to "
                         f"{found.location_name} came back ({item.reason_code} {item.reason}); owed again"
                         + ("; its bank details must be corrected" if item.account_data else ""),
                 changes={"line_status": [PayoutLineStatus.paid, PayoutLineStatus.returned],
                          "return_reason": [None, f"{item.reason_code} {item.reason}"], "file": [None, filename]})
    session.flush()


__all__ = [
    "MatchedReturn",
    "ReturnsResult",
    "bank_fingerprint",
    "bank_fix_problem",
    "carried_into",
    "claim_owed_again",
    "owed_again",
    "read_returns",
    "receive_returns",
    "refuse_cancel_when_returned",
    "release_owed_again",
    "returns_of_lines",
]

"""NACHA prenotes: a zero-dollar entry (transaction code 23 checking, 33 savings) that lets
a location's bank check new US bank details before real money is sent to them.

Rules this module keeps:
- prenotes are sent only for operators who turned them on (Settings, `Operator.nacha_prenotes`;
  off by default, as not every bank asks for them) and whose currency is USD (only a NACHA
  file carries them), and only for US bank details a bank file can pay;
- bank details need a prenote when nothing the bank received went to exactly these details
  (routing number, account number, account type): neither a prenote of a batch that was not
  cancelled, nor a payment line of a batch whose NACHA file was written. New details,
  changed details, and details whose only prenote was in a cancelled batch all qualify;
- a batch carries the prenotes due when it is created (`send_due_prenotes`, called by
  `batches.create_payout`), and its NACHA file writes them (`nacha_prenote_credits`); a
  prenote settles on its batch's effective date;
- a real payment to those details is held until `payable_from`: the third banking day after
  that settlement date (NACHA Operating Rules: the originator waits at least three banking
  days after the prenote's settlement date before the first live entry). Banking days are
  the ones `payables.choose_effective_date` counts, so the two never disagree;
- a held location is left out of a batch like one without bank details, with the reason
  and the date it becomes payable; what it is owed stays payable.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import func
from sqlmodel import Session, select

from app.db import read_session, write_session
from app.integrations import nacha
from app.models import BankFile, Location, Operator, PayoutBatch, PayoutLine, Prenote
from app.models.base import utcnow
from app.models.payout import PayoutStatus
from app.services.core import audit, crypto
from app.services.core.actor import Actor
from app.services.core.operators import operator_or_404
from app.services.core.roles import require_owner
from app.services.settlement import business_days
from app.services.settlement.payables import bank_details_problem, choose_effective_date

WAIT_BANKING_DAYS = 3
# Prenotes are NACHA entries to US accounts: the Federal Reserve's banking days.
US_CALENDAR = (business_days.calendar_for("US", None),)


@dataclass(frozen=True)
class Hold:
    """Why a location's payment waits, and the first day it may be paid."""

    location_id: int
    reason: str
    payable_from: date


@dataclass(frozen=True)
class PrenoteView:
    """A prenote as the batch's screen shows it (never the account number)."""

    location_id: int
    location_name: str
    account_summary: str  # "US checking •••• 6789 (routing 011000015)"
    settlement_date: date
    payable_from: date


def applies_to(operator: Operator) -> bool:
    """Whether this operator's batches send prenotes."""
    return bool(operator.nacha_prenotes) and operator.currency == "USD"


def banking_days_after(operator: Operator, day: date, count: int) -> date:
    """The `count`-th banking day after `day`, counted by the effective-date rule."""
    zone = zoneinfo.ZoneInfo(operator.timezone)
    for _ in range(count):
        day = choose_effective_date(operator, None, datetime.combine(day, time(12), zone), US_CALENDAR)
    return day


def _is_us_and_payable(location: Location, usable: set[int]) -> bool:
    return location.bank_country == "US" and location.id in usable


def _same_details(location: Location, routing: str | None, account_encrypted: str | None,
                  account_type: str | None) -> bool:
    if routing != location.routing_number or account_type != location.account_type or not account_encrypted:
        return False
    return crypto.decrypt(account_encrypted) == crypto.decrypt(location.account_number_encrypted)


def _latest_prenotes(session: Session, operator_id: int, location_ids: list[int]) -> dict[int, Prenote]:
    """Each location's newest prenote that was not in a cancelled batch."""
    latest = (
        select(func.max(Prenote.id))
        .join(PayoutBatch, PayoutBatch.id == Prenote.batch_id)
        .where(Prenote.operator_id == operator_id, Prenote.location_id.in_(location_ids),
               PayoutBatch.status != PayoutStatus.cancelled)
        .group_by(Prenote.location_id)
    )
    return {prenote.location_id: prenote
            for prenote in session.exec(select(Prenote).where(Prenote.id.in_(latest))).all()}


def _latest_sent_lines(session: Session, operator_id: int, location_ids: list[int]) -> dict[int, PayoutLine]:
    """Each location's newest payment line that went out in a NACHA file (its batch not cancelled)."""
    latest = (
        select(func.max(PayoutLine.id))
        .join(PayoutBatch, PayoutBatch.id == PayoutLine.batch_id)
        .join(BankFile, (BankFile.batch_id == PayoutLine.batch_id) & (BankFile.format == "nacha"))
        .where(PayoutLine.operator_id == operator_id, PayoutLine.location_id.in_(location_ids),
               PayoutBatch.status != PayoutStatus.cancelled)
        .group_by(PayoutLine.location_id)
    )
    return {line.location_id: line for line in session.exec(select(PayoutLine).where(PayoutLine.id.in_(latest))).all()}


@dataclass(frozen=True)
class _Standing:
    proven: bool  # a payment already went to these details
    prenote: Prenote | None  # the prenote sent for exactly these details, if any


def _standings(session: Session, operator: Operator, locations: list[Location]) -> dict[int, _Standing]:
    if not locations:
        return {}
    ids = [location.id for location in locations]
    lines = _latest_sent_lines(session, operator.id, ids)
    prenotes = _latest_prenotes(session, operator.id, ids)
    standings = {}
    for location in locations:
        line, prenote = lines.get(location.id), prenotes.get(location.id)
        proven = line is not None and _same_details(location, line.routing_number, line.account_number_encrypted,
                                                     line.account_type)
        matching = prenote if prenote is not None and _same_details(
            location, prenote.routing_number, prenote.account_number_encrypted, prenote.account_type) else None
        standings[location.id] = _Standing(proven=proven, prenote=matching)
    return standings


def send_due_prenotes(session: Session, operator: Operator, batch: PayoutBatch, locations: Iterable[Location],
                      usable: set[int]) -> list[Prenote]:
    """Add to `batch` a prenote for every location (of `locations`, with usable bank details:
    ids in `usable`) whose US bank details need one. Nothing when the operator does not send
    prenotes."""
    if not applies_to(operator) or batch.effective_date is None:
        return []
    candidates = [location for location in locations if _is_us_and_payable(location, usable)]
    standings = _standings(session, operator, candidates)
    payable_from = banking_days_after(operator, batch.effective_date, WAIT_BANKING_DAYS)
    sent = []
    for location in candidates:
        standing = standings[location.id]
        if standing.proven or standing.prenote is not None:
            continue
        prenote = Prenote(operator_id=operator.id, location_id=location.id, batch_id=batch.id,
                          routing_number=location.routing_number, account_number_encrypted=location.account_number_encrypted,
                          account_last4=location.account_last4, account_type=location.account_type,
                          settlement_date=batch.effective_date, payable_from=payable_from, created_at=utcnow())
        session.add(prenote)
        sent.append(prenote)
    session.flush()
    return sent


def holds(session: Session, operator: Operator, locations: Iterable[Location], usable: set[int], now: datetime,
          *, next_effective_date: date) -> dict[int, Hold]:
    """The locations (of `locations` with usable details) whose payments must wait for a prenote
    at `now`: those whose prenote has not yet waited its banking days, and those still needing
    one (which the next batch, settling on `next_effective_date`, sends)."""
    if not applies_to(operator):
        return {}
    today = now.astimezone(zoneinfo.ZoneInfo(operator.timezone)).date()
    candidates = [location for location in locations if _is_us_and_payable(location, usable)]
    held = {}
    for location_id, standing in _standings(session, operator, candidates).items():
        if standing.proven:
            continue
        if standing.prenote is None:
            payable_from = banking_days_after(operator, next_effective_date, WAIT_BANKING_DAYS)
            held[location_id] = Hold(location_id, f"New US bank details: a prenote goes out with the next batch; "
                                                  f"payable from {payable_from.isoformat()}", payable_from)
        elif standing.prenote.payable_from > today:
            payable_from = standing.prenote.payable_from
            held[location_id] = Hold(
                location_id,
                f"Prenote sent in batch #{standing.prenote.batch_id} (settles "
                f"{standing.prenote.settlement_date.isoformat()}); payable from {payable_from.isoformat()}",
                payable_from,
            )
    return held


def prenotes_due(operator_id: int) -> list[str]:
    """The names of the locations the next batch would send a prenote for (none when the
    operator does not send prenotes): a batch is worth creating for them alone."""
    with read_session() as session:
        operator = operator_or_404(session, operator_id)
        if not applies_to(operator):
            return []
        candidates = [location for location in session.exec(
            select(Location).where(Location.operator_id == operator_id, Location.bank_country == "US")).all()
            if bank_details_problem(location) is None]
        standings = _standings(session, operator, candidates)
    return sorted((location.name for location in candidates
                   if not standings[location.id].proven and standings[location.id].prenote is None), key=str.lower)


def nacha_prenote_credits(session: Session, batch: PayoutBatch) -> list[tuple[Prenote, str]]:
    """The batch's prenotes with their location's name, for its NACHA file (in the order sent)."""
    return list(session.exec(
        select(Prenote, Location.name)
        .join(Location, Location.id == Prenote.location_id)
        .where(Prenote.batch_id == batch.id, Prenote.operator_id == batch.operator_id)
        .order_by(Prenote.id)
    ).all())


def prenote_credit(prenote: Prenote, receiver_name: str, account_number: str) -> nacha.Credit:
    """The zero-dollar entry of a prenote (code 23 or 33), dated its settlement date."""
    return nacha.Credit(routing_number=prenote.routing_number, account_number=account_number,
                        account_type=prenote.account_type, amount_cents=0, receiver_name=receiver_name,
                        receiver_id=f"LOC{prenote.location_id}", effective_date=prenote.settlement_date, prenote=True)


def batch_prenotes(operator_id: int, batch_id: int) -> list[PrenoteView]:
    """The prenotes a batch of the operator carries (none for another operator's batch)."""
    with read_session() as session:
        rows = session.exec(
            select(Prenote, Location.name)
            .join(Location, Location.id == Prenote.location_id)
            .where(Prenote.batch_id == batch_id, Prenote.operator_id == operator_id)
            .order_by(Location.name, Prenote.id)
        ).all()
    return [PrenoteView(location_id=prenote.location_id, location_name=name,
                        account_summary=f"US {prenote.account_type} •••• {prenote.account_last4} "
                                        f"(routing {prenote.routing_number})",
                        settlement_date=prenote.settlement_date, payable_from=prenote.payable_from)
            for prenote, name in rows]


def prenotes_enabled(operator_id: int) -> bool:
    with read_session() as session:
        return bool(operator_or_404(session, operator_id).nacha_prenotes)


def set_prenotes(actor: Actor, enabled: bool) -> bool:
    """Turn NACHA prenotes on or off (owners only, audited). Turned on, bank details already
    paid by a NACHA file need none; every other US account gets one in the next batch."""
    require_owner(actor, "change the prenote setting")
    with write_session() as session:
        operator = operator_or_404(session, actor.operator_id)
        if bool(operator.nacha_prenotes) != bool(enabled):
            audit.record(session, actor, "settings.changed", target_type="operator", target_id=operator.id,
                         summary=f"NACHA prenotes turned {'on' if enabled else 'off'}",
                         changes={"nacha_prenotes": [bool(operator.nacha_prenotes), bool(enabled)]})
        operator.nacha_prenotes = bool(enabled)
        session.add(operator)
    return bool(enabled)


__all__ = [
    "Hold",
    "PrenoteView",
    "applies_to",
    "banking_days_after",
    "batch_prenotes",
    "holds",
    "nacha_prenote_credits",
    "prenote_credit",
    "prenotes_due",
    "prenotes_enabled",
    "send_due_prenotes",
    "set_prenotes",
]

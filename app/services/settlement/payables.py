"""What each location is owed: payables, commission, the payout period and effective date
(business days), whether a location's bank details can be paid, and a location's payouts.

Rules this module keeps:
- a *payable* is a completed redemption that is in no batch (`payout_batch_id IS
  NULL`); cancelling a batch sets that column back to NULL, so "in no live batch"
  and "in no batch" are the same thing;
- commission is in basis points: the location's own `commission_bps` when set, else
  the operator's. It is computed once per location line on the line's gross, rounded
  half up to the cent: commission = floor((gross x bps + 5000) / 10000); net = gross -
  commission. (Per line, not per redemption: a hundred $1.01 redemptions at 2.5 %
  cost the location $2.53, not a hundred rounded cents.)
- a date alone is that whole day in the operator's zone; a period never reaches past
  now; the effective date defaults to the next bank business day (`business_days`: no
  weekend, no Federal Reserve holiday for US accounts, no Canadian bank holiday for
  Canadian ones), a chosen one must be a business day, and it is at most
  MAX_EFFECTIVE_AHEAD away;
- a location without valid bank details (`bank_details_problem`) cannot be paid by a
  bank file: a batch leaves it out with the reason. Bank details a payment came back
  from for a reason about the account count as not valid until they are changed;
- a payment the bank returned is owed again (`payout_returns.owed_again`): its net is
  added to the location's next line as `carried_cents` (net = gross - commission +
  carried), whatever the period, since it was due already;
- a refund the POS made after the counter gave the money back to the card is deducted
  from the line (`payout_refunds.py`): commission is on the net redeemed, so
  commission = half-up(gross - refunded) and net = gross - refunded - commission +
  carried; a line deducts no more than leaves its net at zero, the rest waits for the
  location's next line.

The batches that pay these lines are `batches.py`; their bank files `bank_files.py`.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, literal_column
from sqlmodel import Session, select

from app.db import read_session
from app.models import Card, Location, Operator, PayoutBatch, PayoutLine, Redemption
from app.models.base import utcnow
from app.services.core.errors import ErrorCode, GiftnetError
from app.services.core.i18n import N_
from app.services.core.operators import operator_or_404
from app.services.core.validation import aba_routing_is_valid
from app.services.network import locations
from app.services.settlement import business_days, payout_refunds, payout_returns, payout_settings

MAX_PAGE = 100
MAX_EFFECTIVE_AHEAD = timedelta(days=60)


def commission_cents(gross_cents: int, commission_bps: int) -> int:
    """The operator's commission on a location's gross, rounded half up to the cent."""
    return (gross_cents * commission_bps + 5_000) // 10_000


def _moment(raw: datetime | date | str, timezone: str, *, field_name: str, end_of_day: bool) -> datetime:
    """A UTC moment from a datetime, a date or ISO text. A date alone is that day in
    the operator's zone: its first instant, or with `end_of_day` its last."""
    refused = GiftnetError(
        ErrorCode.invalid_input,
        N_("`{field_name}` must be an ISO 8601 date or time, like 2026-01-31 or 2026-01-31T17:00:00Z."),
        field=field_name, params={"field_name": field_name},
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


def payable_period(operator: Operator, through: datetime | date | str, from_: datetime | date | str | None,
                   now: datetime) -> tuple[datetime | None, datetime]:
    """[from, through], both inclusive. A `through` in the future means now: a batch never
    promises to pay what has not been redeemed yet."""
    if through is None or (isinstance(through, str) and not through.strip()):
        raise GiftnetError(ErrorCode.invalid_input, N_("Choose the date to pay through."), field="through")
    end = min(_moment(through, operator.timezone, field_name="through", end_of_day=True), now)
    start = None
    if from_ is not None and not (isinstance(from_, str) and not from_.strip()):
        start = _moment(from_, operator.timezone, field_name="from", end_of_day=False)
        if start > end:
            raise GiftnetError(ErrorCode.invalid_input, N_("`from` must come before `through`."), field="from")
    return start, end


def batch_calendars(operator: Operator, countries: Iterable[str]) -> tuple[business_days.BankCalendar, ...]:
    """The bank calendars a batch paying accounts in `countries` (`US`, `CA`) must respect:
    the Federal Reserve's for US accounts, Canada's (with the operator's province,
    `payouts.cpa005.province`) for Canadian ones; with no account, the calendar of the
    network's currency."""
    found = set(countries) or {"US" if operator.currency == "USD" else "CA"}
    province = payout_settings.cpa005_province(operator)
    return tuple(business_days.calendar_for(country, province) for country in sorted(found, reverse=True))


def parse_effective_date(operator: Operator, raw: date | str | None, now: datetime) -> date | None:
    """The effective date asked for (None: the default, worked out once the batch's accounts
    are known). Refuses `invalid_input` for text that is not a date, a day in the past, or
    one more than MAX_EFFECTIVE_AHEAD away."""
    today = now.astimezone(zoneinfo.ZoneInfo(operator.timezone)).date()
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, datetime):
        raw = raw.date()
    if isinstance(raw, str):
        try:
            raw = date.fromisoformat(raw.strip())
        except ValueError:
            raise GiftnetError(ErrorCode.invalid_input, N_("effective_date is a date like 2026-02-02."),
                               field="effective_date") from None
    if not isinstance(raw, date):
        raise GiftnetError(ErrorCode.invalid_input, N_("effective_date is a date like 2026-02-02."), field="effective_date")
    if raw < today:
        raise GiftnetError(ErrorCode.invalid_input, N_("effective_date cannot be in the past."), field="effective_date")
    if raw > today + MAX_EFFECTIVE_AHEAD:  # banks refuse files dated far ahead; a typo'd year would stall a payout
        raise GiftnetError(ErrorCode.invalid_input,
                           N_("effective_date must be within {days} days."), field="effective_date", params={"days": MAX_EFFECTIVE_AHEAD.days})
    return raw


def choose_effective_date(operator: Operator, chosen: date | None, now: datetime,
                          calendars: tuple[business_days.BankCalendar, ...]) -> date:
    """The day the locations should have the money: `chosen` (from `parse_effective_date`),
    or the next bank business day after today in the operator's zone. Refuses a chosen
    weekend or bank holiday with `invalid_input` naming it and the next business day."""
    if chosen is None:
        today = now.astimezone(zoneinfo.ZoneInfo(operator.timezone)).date()
        return business_days.next_business_day(today, calendars)
    closed = business_days.closure(chosen, calendars)
    if closed:
        instead = business_days.business_day_on_or_after(chosen, calendars)
        raise GiftnetError(ErrorCode.invalid_input,
                           N_("effective_date {isoformat} is {closed}, when banks do not settle; choose a business day, such as {isoformat2}."), field="effective_date", params={"isoformat": chosen.isoformat(), "closed": closed, "isoformat2": instead.isoformat()})
    return chosen


def bank_details_problem(location: Location) -> str | None:
    """Why a bank file could not pay this location (None when its details are usable)."""
    if not location.bank_country or not location.account_number_encrypted:
        return "No bank details"
    if problem := payout_returns.bank_fix_problem(location):
        return problem
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
    carried_cents: int = 0  # returned payments paid again in this line (part of net_cents)
    refunded_cents: int = 0  # refunds given back to cards, deducted from this line (net_cents is after it)

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class SkippedLocation:
    """A location left out of a batch: what it is owed stays payable."""

    location_id: int
    location_name: str
    redemption_count: int
    gross_cents: int
    reason: str
    payable_from: date | None = None  # waiting for a prenote (`prenotes.py`): the first day it may be paid
    carried_cents: int = 0  # returned payments still owed to it, waiting with its redemptions

    def as_dict(self) -> dict:
        return {**asdict(self), "payable_from": self.payable_from.isoformat() if self.payable_from else None}


@dataclass(frozen=True)
class Payables:
    """The preview before a batch: lines per location, and the locations that would be skipped."""

    period_from: datetime | None
    period_through: datetime
    currency: str
    lines: list[PayableLine]
    skipped: list[SkippedLocation]

    def _sum(self, figure: str) -> int:
        return sum(getattr(line, figure) for line in self.lines)

    total_gross_cents = property(lambda self: self._sum("gross_cents"))
    total_commission_cents = property(lambda self: self._sum("commission_cents"))
    total_net_cents = property(lambda self: self._sum("net_cents"))
    redemption_count = property(lambda self: self._sum("redemption_count"))

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


def payable_conditions(operator_id: int, start: datetime | None, end: datetime) -> list:
    """The WHERE of the operator's payable redemptions created in [start, end] (start None: since the first).

    Never a test card's redemption: no real money was paid for a test card (the shop's
    gateway was in test mode), so none is paid out for it, in no batch and no bank file.
    """
    test_cards = select(Card.id).where(Card.operator_id == operator_id, Card.is_test.is_(True))
    conditions = [
        Redemption.operator_id == operator_id,
        Redemption.payout_batch_id.is_(None),
        Redemption.status == literal_column("'completed'"),  # a literal: SQLite then may use the partial index
        Redemption.created_at <= end,
        Redemption.card_id.not_in(test_cards),
    ]
    if start is not None:
        conditions.append(Redemption.created_at >= start)
    return conditions


def owed_by_location(session: Session, conditions: list) -> dict[int, tuple[int, int]]:
    """(count, gross cents) per location of the redemptions matching `conditions`."""
    rows = session.exec(
        select(Redemption.location_id, func.count(Redemption.id), func.coalesce(func.sum(Redemption.amount_cents), 0))
        .where(*conditions)
        .group_by(Redemption.location_id)
    ).all()
    return {location_id: (int(count), int(gross)) for location_id, count, gross in rows}


def by_location_name(location_ids: Iterable[int], names: dict[int, str]) -> list[int]:
    """Location ids in the order lines are shown: by name, then id."""
    return sorted(location_ids, key=lambda location_id: (names.get(location_id, "").lower(), location_id))


def _net(gross: int, refunded: int, carried: int, bps: int) -> tuple[int, int]:
    """(commission, net) of a line: commission on the net redeemed (gross less refunds)."""
    commission = commission_cents(gross - refunded, bps)
    return commission, gross - refunded - commission + carried


def refund_deduction(gross: int, carried: int, owed_back: int, bps: int) -> int:
    """How much of `owed_back` refunds a line of `gross` and `carried` deducts: all of it, or
    the most that leaves its net at zero or more (the rest waits for a later line). The net
    only falls as the deduction grows (commission moves a cent at most per cent), so the
    largest fitting deduction is found by halving."""
    if owed_back <= 0 or _net(gross, owed_back, carried, bps)[1] >= 0:
        return max(owed_back, 0)
    low, high = 0, owed_back  # net(low) >= 0 (a line is never negative before refunds), net(high) < 0
    if _net(gross, 0, carried, bps)[1] < 0:
        return 0
    while high - low > 1:
        middle = (low + high) // 2
        if _net(gross, middle, carried, bps)[1] >= 0:
            low = middle
        else:
            high = middle
    return low


def payable_line(location: Location, operator: Operator, count: int, gross: int, carried: int = 0,
                 owed_back: int = 0) -> PayableLine:
    """What a location is owed for `count` redemptions worth `gross`, `carried` cents of
    returned payments and `owed_back` cents of refunds given back to cards: the refunds it
    deducts (never past a net of zero), its commission (on the redemptions less the
    refunds) and net."""
    bps = location.commission_bps if location.commission_bps is not None else operator.commission_bps
    refunded = refund_deduction(gross, carried, owed_back, bps)
    commission, net = _net(gross, refunded, carried, bps)
    return PayableLine(
        location_id=location.id, location_name=location.name, redemption_count=count, gross_cents=gross,
        commission_bps=bps, commission_cents=commission, net_cents=net,
        bank_summary=locations.bank_summary(location), carried_cents=carried, refunded_cents=refunded,
    )


def payables(operator_id: int, through: datetime | date | str, from_: datetime | date | str | None = None) -> Payables:
    """What would be paid through `through` (and from `from_`): one line per location with
    valid bank details (with any returned payment owed again), and the locations that would
    be left out, with the reason (and, when waiting for a prenote, the date they become
    payable)."""
    from app.services.settlement import prenotes  # prenotes build on this module (business days, bank details)

    now = utcnow()
    with read_session() as session:
        operator = operator_or_404(session, operator_id)
        start, end = payable_period(operator, through, from_, now)
        owed = owed_by_location(session, payable_conditions(operator_id, start, end))
        carried = payout_returns.owed_again(session, operator_id)
        refunds = payout_refunds.owed_back(session, operator_id, payable=payable_conditions(operator_id, start, end))
        found = {location.id: location for location in session.exec(
            select(Location).where(Location.operator_id == operator_id)).all()}
        owing = set(owed) | set(carried)
        problems = {location_id: bank_details_problem(found[location_id]) for location_id in owing}
        held = prenotes.holds(session, operator, [found[location_id] for location_id in owing],
                              {location_id for location_id, problem in problems.items() if not problem}, now,
                              next_effective_date=choose_effective_date(operator, None, now, prenotes.US_CALENDAR))
    names = {location_id: location.name for location_id, location in found.items()}
    lines, skipped = [], []
    for location_id in by_location_name(owing, names):
        count, gross = owed.get(location_id, (0, 0))
        location = found[location_id]
        problem = problems[location_id]
        if problem:
            skipped.append(SkippedLocation(location_id, location.name, count, gross, problem,
                                           carried_cents=carried.get(location_id, 0)))
        elif location_id in held:
            skipped.append(SkippedLocation(location_id, location.name, count, gross, held[location_id].reason,
                                           payable_from=held[location_id].payable_from,
                                           carried_cents=carried.get(location_id, 0)))
        else:
            lines.append(payable_line(location, operator, count, gross, carried.get(location_id, 0),
                                      refunds.get(location_id, 0)))
    return Payables(period_from=start, period_through=end, currency=operator.currency, lines=lines, skipped=skipped)


def location_payable(operator_id: int, location_id: int) -> PayableLine:
    """What one location is owed now: its completed redemptions in no batch, its returned
    payments owed again and the refunds given back to cards it owes back, as the line a
    batch created now would give it (count, gross, commission, carried, refunded, net).
    Zero when nothing is owed. Another operator's location: not_found."""
    with read_session() as session:
        operator = operator_or_404(session, operator_id)
        location = locations.location_or_404(session, operator_id, location_id)
        payable = payable_conditions(operator_id, None, utcnow())
        owed = owed_by_location(session, [*payable, Redemption.location_id == location_id])
        carried = payout_returns.owed_again(session, operator_id, [location_id])
        refunds = payout_refunds.owed_back(session, operator_id, [location_id], payable=payable)
    count, gross = owed.get(location_id, (0, 0))
    if not count and not carried:  # nothing to pay: refunds alone make no line, they wait
        return payable_line(location, operator, 0, 0)
    return payable_line(location, operator, count, gross, carried.get(location_id, 0), refunds.get(location_id, 0))


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


__all__ = [
    "LocationPayout",
    "LocationPayoutPage",
    "PayableLine",
    "Payables",
    "SkippedLocation",
    "bank_details_problem",
    "commission_cents",
    "location_payable",
    "location_payouts",
    "payables",
]

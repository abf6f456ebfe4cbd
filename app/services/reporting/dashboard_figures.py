"""The Activity screen's figures and charts, aggregated in the database.

Periods are [start, end) in UTC, built from the operator's own calendar: "today"
starts at local midnight, "this month" on the 1st at local midnight. Every figure
is a sum over the ledger (indexed by operator and time), never rows in memory:
- sold: `issue` rows (count and value); topped up: `topup` rows;
- redeemed: `redeem` rows net of their `void` rows, as a positive amount;
- outstanding liability and active cards: today's card balances (balance > 0);
- expected breakage: an estimate from the operator's own history. Of the value
  loaded (issue + top-up) on cards issued more than 12 months ago, the share still
  unredeemed is the breakage rate; applied to today's outstanding liability it is
  the value expected never to be redeemed. Without cards that old there is "not
  enough history" and no figure.
Sums come from the ledger rollups (app/services/reporting/rollups.py): pre-aggregated local
days for the folded rows + a live aggregate over the rows not folded yet, read in one
snapshot, so every figure is exact. A daily series asked in another zone than the
rollup's buckets rows by local day in the database, one query per run of 24-hour days
(exact across DST changes).
"""

from __future__ import annotations

import zoneinfo
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Integer, case, cast, func
from sqlmodel import select

from app.db import read_session
from app.models import Card, CardActivity, LedgerEntry, Location
from app.models.base import utcnow
from app.models.card import LedgerKind
from app.services.reporting import rollup_fold, rollups

BREAKAGE_HISTORY_DAYS = 365
MAX_CHART_DAYS = 366


@dataclass(frozen=True, kw_only=True)
class PeriodFigures(rollups.Movements):
    """Sold, topped up and redeemed in [start, end)."""

    start: datetime
    end: datetime


@dataclass(frozen=True)
class Standing:
    """Where the network stands now, whatever the period."""

    active_cards: int
    outstanding_cents: int


@dataclass(frozen=True)
class Breakage:
    enough_history: bool
    rate_bps: int = 0  # share of old loaded value still unredeemed, in basis points
    expected_cents: int = 0


@dataclass(frozen=True)
class DayPoint:
    day: date
    sales_cents: int  # issue + topup
    redeemed_cents: int  # net of voids
    liability_cents: int  # at the end of the day


@dataclass(frozen=True)
class LocationRedeemed:
    location_id: int
    name: str
    redeemed_cents: int
    redemption_count: int


def local_today(timezone: str, now: datetime | None = None) -> date:
    now = now or utcnow()
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    return now.astimezone(zoneinfo.ZoneInfo(timezone)).date()


def today_period(timezone: str, now: datetime | None = None) -> tuple[datetime, datetime]:
    today = local_today(timezone, now)
    return rollups.local_midnight(today, timezone), rollups.local_midnight(today + timedelta(days=1), timezone)


def month_period(timezone: str, now: datetime | None = None) -> tuple[datetime, datetime]:
    today = local_today(timezone, now)
    first = today.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return rollups.local_midnight(first, timezone), rollups.local_midnight(following, timezone)


def days_period(first: date, last: date, timezone: str) -> tuple[datetime, datetime]:
    """The local days first..last (both included) as [start, end) in UTC."""
    return rollups.local_midnight(first, timezone), rollups.local_midnight(last + timedelta(days=1), timezone)


def period_figures(operator_id: int, start: datetime, end: datetime) -> PeriodFigures:
    """Sold, topped up and redeemed (net of voids) in [start, end): rollup days + live rest."""
    rollup_fold.ensure_folded(operator_id)
    with rollups.snapshot() as session:
        by_kind = rollups.totals(session, operator_id, rollups.as_utc(start), rollups.as_utc(end), ("kind",),
                                 (LedgerKind.issue, LedgerKind.topup, LedgerKind.redeem, LedgerKind.void))
    return PeriodFigures(start=start, end=end, **asdict(rollups.movements(by_kind)))


def standing(operator_id: int) -> Standing:
    with read_session() as session:
        count, total = session.exec(
            select(func.count(Card.id), func.coalesce(func.sum(Card.balance_cents), 0)).where(
                Card.operator_id == operator_id, Card.balance_cents > 0
            )
        ).one()
    return Standing(active_cards=int(count), outstanding_cents=int(total))


def expected_breakage(operator_id: int, now: datetime | None = None) -> Breakage:
    """See the module docstring: the unredeemed share of value loaded on cards older than 12 months."""
    cutoff = rollups.as_utc((now or utcnow()) - timedelta(days=BREAKAGE_HISTORY_DAYS))
    old = Card.created_at < cutoff
    with read_session() as session:
        # One pass over the covering (operator, created_at, balance) index: balances are never
        # negative, so every card's balance summed is today's outstanding liability.
        old_balance, old_cards, outstanding = session.exec(
            select(func.coalesce(func.sum(case((old, Card.balance_cents), else_=0)), 0),
                   func.coalesce(func.sum(case((old, 1), else_=0)), 0),
                   func.coalesce(func.sum(Card.balance_cents), 0)).where(Card.operator_id == operator_id)
        ).one()
    if int(old_cards) == 0:
        return Breakage(enough_history=False)
    loaded = _loaded_before(operator_id, cutoff)
    if loaded <= 0:
        return Breakage(enough_history=False)
    rate_bps = int(old_balance) * 10_000 // loaded
    return Breakage(enough_history=True, rate_bps=rate_bps, expected_cents=int(outstanding) * rate_bps // 10_000)


def _loaded_before(operator_id: int, cutoff: datetime) -> int:
    """Value loaded (issue + top-up) on the operator's cards issued before cutoff: the folded
    part from card activity, the rows beyond the watermark live."""
    rollup_fold.ensure_folded(operator_id)
    with rollups.snapshot() as session:
        current = rollups.view(session, operator_id)
        folded = session.exec(
            select(func.coalesce(func.sum(CardActivity.loaded_cents), 0)).where(
                CardActivity.operator_id == operator_id, CardActivity.card_created_at < cutoff)
        ).one()
        tail = session.exec(
            select(func.coalesce(func.sum(LedgerEntry.amount_cents), 0))
            .join(Card, Card.id == LedgerEntry.card_id)
            .where(LedgerEntry.operator_id == operator_id, LedgerEntry.id > current.watermark,
                   rollups.unindexed(LedgerEntry.kind).in_(rollups.SALES_KINDS), Card.operator_id == operator_id,
                   Card.created_at < cutoff)
        ).one()
    return int(folded) + int(tail)


def _day_number(dialect: str, origin: datetime):
    """Whole days since `origin` (UTC) of a row's time: integer arithmetic in the database."""
    epoch = int(origin.timestamp())
    if dialect == "sqlite":
        # whole seconds: SQLite's own parsing rounds 23:59:59.9999 up to the next day
        return (cast(func.strftime("%s", func.substr(LedgerEntry.created_at, 1, 19)), Integer) - epoch) / 86400
    return cast(func.floor((func.extract("epoch", LedgerEntry.created_at) - epoch) / 86400), Integer)


def _segments(days: list[date], timezone: str) -> list[tuple[int, int]]:
    """Runs of consecutive days [first, last] (indexes) that each last exactly 24 hours;
    a DST day (23 or 25 hours) is a run of its own. Within a run, a row's local day is
    its whole days since the run's first midnight."""
    runs: list[tuple[int, int]] = []
    for index, day in enumerate(days):
        length = rollups.local_midnight(day + timedelta(days=1), timezone) - rollups.local_midnight(day, timezone)
        regular = length == timedelta(days=1)
        if runs and regular and runs[-1][2] and runs[-1][1] == index - 1:
            runs[-1] = (runs[-1][0], index, True)
        else:
            runs.append((index, index, regular))
    return [(first, last) for first, last, _regular in runs]


def daily_series(operator_id: int, first: date, last: date, timezone: str) -> list[DayPoint]:
    """Sales, redemptions and closing liability for each local day first..last (at most a year):
    rollup days + the unfolded rows placed on their local day, and the opening liability."""
    if (last - first).days + 1 > MAX_CHART_DAYS:
        first = last - timedelta(days=MAX_CHART_DAYS - 1)
    days = [first + timedelta(days=offset) for offset in range((last - first).days + 1)]
    rollup_fold.ensure_folded(operator_id)
    with rollups.snapshot() as session:
        current = rollups.view(session, operator_id)
        by_day = rollups.daily_totals(session, operator_id, first, last, timezone, current)
        if by_day is None:
            return _daily_series_from_ledger(operator_id, days, timezone)
        opening = sum(cents for _count, cents in rollups.totals(
            session, operator_id, None, rollups.local_midnight(first, timezone), current=current).values())
    net: dict[date, int] = {}
    for (when, _kind), cents in by_day.items():
        net[when] = net.get(when, 0) + cents
    points, liability = [], opening
    for day in days:
        sales = by_day.get((day, LedgerKind.issue), 0) + by_day.get((day, LedgerKind.topup), 0)
        redeemed = -(by_day.get((day, LedgerKind.redeem), 0) + by_day.get((day, LedgerKind.void), 0))
        liability += net.get(day, 0)
        points.append(DayPoint(day=day, sales_cents=sales, redeemed_cents=redeemed, liability_cents=liability))
    return points


def _daily_series_from_ledger(operator_id: int, days: list[date], timezone: str) -> list[DayPoint]:
    """The daily series straight from the ledger, for a zone other than the rollup's.

    One grouped query per run of 24-hour days (a year has about five: the DST days
    split it), each bucketing rows by whole days since the run's first local midnight."""
    first = days[0]
    sales = [0] * len(days)
    redeemed = [0] * len(days)
    net = [0] * len(days)
    with read_session() as session:
        dialect = session.get_bind().dialect.name
        opening = int(
            session.exec(
                select(func.coalesce(func.sum(LedgerEntry.amount_cents), 0)).where(
                    LedgerEntry.operator_id == operator_id, LedgerEntry.created_at < rollups.local_midnight(first, timezone)
                )
            ).one()
        )
        for run_first, run_last in _segments(days, timezone):
            origin = rollups.local_midnight(days[run_first], timezone)
            bucket = _day_number(dialect, origin)
            rows = session.exec(
                select(bucket, LedgerEntry.kind, func.coalesce(func.sum(LedgerEntry.amount_cents), 0))
                .where(
                    LedgerEntry.operator_id == operator_id,
                    LedgerEntry.created_at >= origin,
                    LedgerEntry.created_at < rollups.local_midnight(days[run_last] + timedelta(days=1), timezone),
                )
                .group_by(bucket, LedgerEntry.kind)
            ).all()
            for offset, kind, total in rows:
                index, total = run_first + min(int(offset), run_last - run_first), int(total)
                net[index] += total
                if kind in (LedgerKind.issue, LedgerKind.topup):
                    sales[index] += total
                elif kind in (LedgerKind.redeem, LedgerKind.void):
                    redeemed[index] -= total
    points, liability = [], opening
    for index, day in enumerate(days):
        liability += net[index]
        points.append(DayPoint(day=day, sales_cents=sales[index], redeemed_cents=redeemed[index], liability_cents=liability))
    return points


def redeemed_by_location(operator_id: int, start: datetime, end: datetime) -> list[LocationRedeemed]:
    """Redeemed value and redemption count (both net of voids) per location in [start, end), largest first."""
    rollup_fold.ensure_folded(operator_id)
    with rollups.snapshot() as session:
        found = rollups.totals(session, operator_id, rollups.as_utc(start), rollups.as_utc(end), ("location_id", "kind"),
                               (LedgerKind.redeem, LedgerKind.void))
        names = dict(session.exec(select(Location.id, Location.name).where(
            Location.operator_id == operator_id, Location.id.in_({key[0] for key in found}))).all())
    per_location: dict[int, list[int]] = {}
    for (location_id, kind), (count, cents) in found.items():
        if location_id not in names:  # no location (API or dashboard), or not this operator's
            continue
        slot = per_location.setdefault(location_id, [0, 0])
        slot[0] -= cents
        slot[1] += rollups.redemptions_counted(kind, count)
    result = [LocationRedeemed(location_id, names[location_id], cents, count)
              for location_id, (cents, count) in per_location.items()]
    return sorted(result, key=lambda row: (-row.redeemed_cents, row.name))

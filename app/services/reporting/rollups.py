"""Ledger rollups, the reading side: dashboard figures and reports without reading every
ledger row. (The folding that keeps them is `rollup_fold`.)

The ledger is append-only and its ids only grow, so it can be folded incrementally:
per operator, `LedgerRollupState.last_ledger_id` (the watermark) says which rows are
already counted in `LedgerRollup` (counts and sums per local day, kind, channel,
location, device) and `CardActivity` (per card: balance, value loaded, last movement).

A figure is always exact: the rollup for the folded rows + a live aggregate over the
rows beyond the watermark (the tail, read through the (operator_id, id) index), both
read in one snapshot. Rollup days are local days of the state's time zone; a range
that does not start or end on one of its midnights has its ragged edges (at most a
partial day each) counted live from the ledger, every row of them. So any UTC range
is exact, and a zone with a 30- or 45-minute offset (America/St_Johns is -3:30) is
bucketed by its own midnights, not by UTC hours.
"""

from __future__ import annotations

import zoneinfo
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache

from sqlalchemy import case, func, literal
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from app.db import read_engine
from app.models import Card, LedgerEntry, LedgerRollup, LedgerRollupState
from app.models.card import LedgerKind
from app.models.rollup import DAY, DAY_TOTAL, MONTH, MONTH_TOTAL, NO_ID

ESTIMATE_ROWS = 2_000  # bounded counts that decide how a partial day is read

DIMENSIONS = ("kind", "channel", "location_id", "device_id")
SALES_KINDS = (LedgerKind.issue, LedgerKind.topup)


# --------------------------------------------------------------------------- local days


@lru_cache(maxsize=65_536)
def local_midnight(day: date, timezone: str) -> datetime:
    """The UTC moment day starts in the zone (a midnight skipped by DST: the moment after the gap)."""
    return datetime.combine(day, time.min, zoneinfo.ZoneInfo(timezone)).astimezone(UTC)


def local_day(moment: datetime, timezone: str) -> date:
    """The local day whose [midnight, next midnight) holds moment (the rollup's own definition)."""
    moment = as_utc(moment)
    day = moment.astimezone(zoneinfo.ZoneInfo(timezone)).date()
    if local_midnight(day, timezone) > moment:
        day -= timedelta(days=1)
    elif local_midnight(day + timedelta(days=1), timezone) <= moment:
        day += timedelta(days=1)
    return day


def as_utc(moment: datetime) -> datetime:
    """An aware UTC moment (a naive one is taken as UTC, as the database stores them)."""
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


# --------------------------------------------------------------------------- reading


_snapshot_engines: dict[int, Engine] = {}


@contextmanager
def snapshot() -> Iterator[Session]:
    """A read session whose statements all see one snapshot: the watermark, the rollup and the
    tail must agree (PostgreSQL's READ COMMITTED would let a fold land between two of them;
    SQLite's WAL read transaction is a snapshot already)."""
    engine = read_engine()
    if engine.dialect.name == "postgresql":
        key = id(engine)
        if key not in _snapshot_engines:
            _snapshot_engines[key] = engine.execution_options(isolation_level="REPEATABLE READ")
        engine = _snapshot_engines[key]
    with Session(engine, expire_on_commit=False) as session:
        yield session


@dataclass(frozen=True)
class View:
    """What the rollup holds for an operator, read inside a snapshot."""

    watermark: int  # rows with id <= watermark are in the rollup and card activity
    timezone: str | None  # the zone of the rollup's days; None: nothing folded yet


def view(session: Session, operator_id: int) -> View:
    state = session.exec(
        select(LedgerRollupState.last_ledger_id, LedgerRollupState.timezone).where(
            LedgerRollupState.operator_id == operator_id)
    ).first()
    if state is None or int(state[0]) == 0:
        return View(0, None)
    return View(int(state[0]), state[1])


@dataclass(frozen=True)
class Split:
    """How a UTC range [start, end) is read:
    + rollup days first_day..last_day (first_day None: from the first; last_day None: no days),
    + the rows beyond the watermark in [core_start, core_end) (the range within those days),
    + every row of the `edges` (parts of partial days read live),
    - the folded rows of the `trims` (parts of a partial day read from the rollup that lie
      outside the range: when most of a day's rows are inside it, the day minus the rest
      is cheaper than the part)."""

    first_day: date | None
    last_day: date | None
    core_start: datetime | None
    core_end: datetime | None
    edges: tuple[tuple[datetime | None, datetime], ...]
    trims: tuple[tuple[datetime, datetime], ...] = ()


def _rows_up_to(session: Session | None, operator_id: int, start: datetime, end: datetime, cap: int) -> int:
    """How many of the operator's rows lie in [start, end), counting at most cap + 1 (an index range)."""
    if session is None:
        return 0
    inside = select(LedgerEntry.id).where(LedgerEntry.operator_id == operator_id, LedgerEntry.created_at >= start,
                                          LedgerEntry.created_at < end).limit(cap + 1).subquery()
    return int(session.exec(select(func.count()).select_from(inside)).one())


def split(start: datetime | None, end: datetime, timezone: str | None, session: Session | None = None,
          operator_id: int = 0) -> Split:
    """With a session, a partial day is read as the day minus its outside parts when those hold
    fewer rows than the inside part (bounded counts); without, always as its inside part."""
    end = as_utc(end)
    start = as_utc(start) if start is not None else None
    if start is not None and start >= end:
        return Split(None, None, None, None, ())
    if timezone is None:
        return Split(None, None, None, None, ((start, end),))
    edges: list[tuple[datetime | None, datetime]] = []
    trims: list[tuple[datetime, datetime]] = []

    def take_whole(day: date, inside: tuple[datetime, datetime]) -> bool:
        """A partial day: True to read it from the rollup (minus its outside parts), else live."""
        begins, ends = local_midnight(day, timezone), local_midnight(day + timedelta(days=1), timezone)
        outside = [(a, b) for a, b in ((begins, inside[0]), (inside[1], ends)) if a < b]
        inside_rows = _rows_up_to(session, operator_id, *inside, ESTIMATE_ROWS)
        outside_rows = sum(_rows_up_to(session, operator_id, a, b, ESTIMATE_ROWS) for a, b in outside)
        if session is not None and outside_rows < inside_rows:
            trims.extend(outside)
            return True
        edges.append(inside)
        return False

    last_day = local_day(end, timezone)
    if local_midnight(last_day, timezone) == end:
        last_day -= timedelta(days=1)
    first_day = local_day(start, timezone) if start is not None else None
    if first_day is not None and first_day == last_day:
        whole = (start == local_midnight(first_day, timezone)
                 and end == local_midnight(first_day + timedelta(days=1), timezone))
        if not whole and not take_whole(first_day, (start, end)):
            return Split(None, None, None, None, tuple(edges))
    else:
        if first_day is not None and start > local_midnight(first_day, timezone):
            if not take_whole(first_day, (start, local_midnight(first_day + timedelta(days=1), timezone))):
                first_day += timedelta(days=1)
        if end < local_midnight(last_day + timedelta(days=1), timezone):
            if not take_whole(last_day, (local_midnight(last_day, timezone), end)):
                last_day -= timedelta(days=1)
        if first_day is not None and first_day > last_day:
            return Split(None, None, None, None, tuple(edges))
    core_start = None if first_day is None else max(start, local_midnight(first_day, timezone))
    core_end = min(end, local_midnight(last_day + timedelta(days=1), timezone))
    return Split(first_day, last_day, core_start, core_end, tuple(edges), tuple(trims))


def _rollup_pieces(first_day: date | None, last_day: date) -> list[tuple[bool, date | None, date]]:
    """The days first_day..last_day (None: from the first) as (monthly?, from, through) pieces:
    whole local months as month rows, the days before and after them as day rows."""
    after_last = last_day + timedelta(days=1)
    months_end = after_last if after_last.day == 1 else last_day.replace(day=1)  # exclusive
    if first_day is None:
        months_start = None
    else:
        months_start = first_day if first_day.day == 1 else (first_day.replace(day=28) + timedelta(days=4)).replace(day=1)
    if months_start is not None and months_start >= months_end:
        return [(False, first_day, last_day)]
    pieces = [(True, months_start, months_end - timedelta(days=1))]
    if first_day is not None and first_day < months_start:
        pieces.append((False, first_day, months_start - timedelta(days=1)))
    if months_end <= last_day:
        pieces.append((False, months_end, last_day))
    return pieces


def unindexed(column):  # noqa: ANN001
    """The column as an expression no index serves: the tail is read through (operator_id, id),
    not through a time index that would walk every row of the range."""
    return func.coalesce(column, column)


def channel_expression():
    """The sales channel of a ledger row: an issue row takes its card's; a top-up is the shop's
    (an order), the API's (an API key) or the dashboard's; other rows have none."""
    return case(
        (LedgerEntry.kind == LedgerKind.issue, Card.channel),
        (LedgerEntry.kind != LedgerKind.topup, literal("")),
        (LedgerEntry.order_id.is_not(None), literal("shop")),
        (LedgerEntry.api_key_id.is_not(None), literal("api")),
        else_=literal("dashboard"),
    )


def _live_columns(dims: tuple[str, ...]) -> list:
    columns = {
        "kind": LedgerEntry.kind,
        "channel": channel_expression(),
        "location_id": func.coalesce(LedgerEntry.location_id, NO_ID),
        "device_id": func.coalesce(LedgerEntry.device_id, NO_ID),
    }
    return [columns[name] for name in dims]


def totals(
    session: Session,
    operator_id: int,
    start: datetime | None,
    end: datetime,
    dims: tuple[str, ...] = (),
    kinds: Iterable[str] | None = None,
    current: View | None = None,
) -> dict[tuple, tuple[int, int]]:
    """(count, sum of cents) of the operator's ledger rows in [start, end) (start None: since
    the first row), grouped by `dims` (names from DIMENSIONS; location and device 0 = none),
    optionally only rows of `kinds`. Exact: rollup days + live edges + the live tail."""
    unknown = set(dims) - set(DIMENSIONS)
    if unknown:
        raise ValueError(f"Unknown rollup dimensions: {sorted(unknown)}")
    kinds = tuple(kinds) if kinds is not None else None
    current = current or view(session, operator_id)
    plan = split(start, end, current.timezone, session, operator_id)
    found: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])

    def add(rows, sign: int = 1) -> None:  # noqa: ANN001
        for row in rows:
            key = tuple(int(value) if name in ("location_id", "device_id") else value
                        for name, value in zip(dims, row[:-2], strict=True))
            slot = found[key]
            slot[0] += sign * int(row[-2])
            slot[1] += sign * int(row[-1])

    if plan.last_day is not None:
        detailed = bool({"location_id", "device_id"} & set(dims))
        rollup_dims = [getattr(LedgerRollup, name) for name in dims]
        for monthly, first, through in _rollup_pieces(plan.first_day, plan.last_day):
            grain = (MONTH if monthly else DAY) if detailed else (MONTH_TOTAL if monthly else DAY_TOTAL)
            query = select(*rollup_dims, func.coalesce(func.sum(LedgerRollup.entries), 0),
                           func.coalesce(func.sum(LedgerRollup.amount_cents), 0)).where(
                LedgerRollup.operator_id == operator_id, LedgerRollup.grain == grain, LedgerRollup.day <= through)
            if first is not None:
                query = query.where(LedgerRollup.day >= first)
            if kinds is not None:
                query = query.where(LedgerRollup.kind.in_(kinds))
            if dims:
                query = query.group_by(*rollup_dims)
            add(session.exec(query).all())

    def live(*conditions, sign: int = 1) -> None:  # noqa: ANN002
        columns = _live_columns(dims)
        query = select(*columns, func.count(LedgerEntry.id), func.coalesce(func.sum(LedgerEntry.amount_cents), 0)).where(
            LedgerEntry.operator_id == operator_id, *conditions)
        if "channel" in dims:
            query = query.join(Card, Card.id == LedgerEntry.card_id)
        if kinds is not None:
            query = query.where(LedgerEntry.kind.in_(kinds))
        if dims:
            query = query.group_by(*columns)
        add(session.exec(query).all(), sign)

    for edge_start, edge_end in plan.edges:
        conditions = [LedgerEntry.created_at < edge_end] if edge_end is not None else []
        if edge_start is not None:
            conditions.append(LedgerEntry.created_at >= edge_start)
        live(*conditions)
    for trim_start, trim_end in plan.trims:  # folded rows of a rollup day outside the range
        live(LedgerEntry.created_at >= trim_start, LedgerEntry.created_at < trim_end,
             LedgerEntry.id <= current.watermark, sign=-1)
    if plan.last_day is not None:  # the tail: unfolded rows inside the rollup days
        conditions = [LedgerEntry.id > current.watermark, unindexed(LedgerEntry.created_at) < plan.core_end]
        if plan.core_start is not None:
            conditions.append(unindexed(LedgerEntry.created_at) >= plan.core_start)
        live(*conditions)
    return {key: (count, cents) for key, (count, cents) in found.items() if count or cents}


def daily_totals(session: Session, operator_id: int, first: date, last: date, timezone: str,
                 current: View) -> dict[tuple[date, str], int] | None:
    """Sum of cents per (local day, kind) for the days first..last of `timezone`, or None when the
    rollup is bucketed in another zone (the caller then buckets the ledger itself)."""
    if current.timezone != timezone:
        return None
    found: dict[tuple[date, str], int] = defaultdict(int)
    rows = session.exec(
        select(LedgerRollup.day, LedgerRollup.kind, func.sum(LedgerRollup.amount_cents))
        .where(LedgerRollup.operator_id == operator_id, LedgerRollup.grain == DAY_TOTAL, LedgerRollup.day >= first,
               LedgerRollup.day <= last)
        .group_by(LedgerRollup.day, LedgerRollup.kind)
    ).all()
    for day, kind, cents in rows:
        found[(_as_date(day), kind)] += int(cents)
    tail = session.exec(
        select(LedgerEntry.created_at, LedgerEntry.kind, LedgerEntry.amount_cents).where(
            LedgerEntry.operator_id == operator_id, LedgerEntry.id > current.watermark,
            unindexed(LedgerEntry.created_at) >= local_midnight(first, timezone),
            unindexed(LedgerEntry.created_at) < local_midnight(last + timedelta(days=1), timezone))
    ).all()
    for created_at, kind, cents in tail:
        found[(local_day(created_at, timezone), kind)] += int(cents)
    return found


def _as_date(value) -> date:  # noqa: ANN001
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def unfolded_rows(session: Session, operator_id: int, watermark: int, cap: int) -> int:
    """How many of the operator's rows lie beyond the watermark, counting at most cap + 1."""
    beyond = select(LedgerEntry.id).where(LedgerEntry.operator_id == operator_id, LedgerEntry.id > watermark).limit(
        cap + 1).subquery()
    return int(session.exec(select(func.count()).select_from(beyond)).one())


@dataclass(frozen=True)
class Movements:
    """What a period's ledger rows did, as every screen and report names it: sold (`issue`
    rows), topped up (`topup`), redeemed (`redeem` rows net of their `void` rows, positive); the
    redemption count is net of voids the same way (`redemptions_counted`), so it matches the amount."""

    sold_count: int = 0
    sold_cents: int = 0
    topup_count: int = 0
    topup_cents: int = 0
    redeemed_cents: int = 0  # net of voids
    redemption_count: int = 0  # net of voids, like the amount


def redemptions_counted(kind: str, count: int) -> int:
    """How `count` ledger rows of `kind` move a redemption count kept net of voids: a redemption
    adds one, its void (the whole redemption given back, same business day) takes it away."""
    if kind == LedgerKind.redeem:
        return count
    if kind == LedgerKind.void:
        return -count
    return 0


def movements(by_kind: dict[tuple, tuple[int, int]]) -> Movements:
    """`Movements` from `totals(..., dims=("kind",))`: (count, cents) per (kind,)."""

    def count(kind: str) -> int:
        return by_kind.get((kind,), (0, 0))[0]

    def cents(kind: str) -> int:
        return by_kind.get((kind,), (0, 0))[1]

    return Movements(sold_count=count(LedgerKind.issue), sold_cents=cents(LedgerKind.issue), topup_count=count(LedgerKind.topup),
                     topup_cents=cents(LedgerKind.topup), redeemed_cents=-(cents(LedgerKind.redeem) + cents(LedgerKind.void)),
                     redemption_count=count(LedgerKind.redeem) - count(LedgerKind.void))

"""Ledger rollups: dashboard figures and reports without reading every ledger row.

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

Folding never runs in a money transaction. It runs from a background task every few
seconds and, when a report finds a long tail, before answering. Each chunk is read
first (no lock), then written in one short transaction that claims the chunk with a
conditional UPDATE of the watermark (`WHERE last_ledger_id = <the one read>`): of two
workers folding the same rows, one claims them and the other's UPDATE matches nothing,
so it writes nothing. On PostgreSQL, ids come from a sequence and can commit out of
order, so only rows older than FOLD_LAG are folded; newer ones stay in the live tail.

When the operator's time zone changes, the next fold deletes the operator's rollups
and card activity and folds again from id 0 in the new zone (figures stay exact
meanwhile: the rollup keeps the zone it was built in and ranges are split by it).
"""

from __future__ import annotations

import logging
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache

from sqlalchemy import Integer, case, cast, delete, func, literal, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from app.db import read_engine, read_session, write_session
from app.models import Card, CardActivity, LedgerEntry, LedgerRollup, LedgerRollupState, Operator
from app.models.base import utcnow
from app.models.rollup import DAY, DAY_TOTAL, MONTH, MONTH_TOTAL, NO_ID

log = logging.getLogger(__name__)

FOLD_CHUNK_ROWS = {"sqlite": 2_000, "postgresql": 20_000}  # ledger rows per fold transaction
# (SQLite has one writer at a time: small chunks keep its write lock short for money writes)
FOLD_LAG = timedelta(seconds=5)  # PostgreSQL: rows younger than this stay in the live tail
ASK_FOLD_ROWS = 2_000  # a report that finds more unfolded rows folds first
ASK_FOLD_MAX_ROWS = 200_000  # ... but folds at most this many before answering
FOLD_POLL_SECONDS = 2.0
ESTIMATE_ROWS = 2_000  # bounded counts that decide how a partial day is read
QUARTER = 900  # seconds: rows are grouped by UTC quarter-hour, then mapped to local days

DIMENSIONS = ("kind", "channel", "location_id", "device_id")
SALES_KINDS = ("issue", "topup")


# --------------------------------------------------------------------------- local days


@lru_cache(maxsize=65_536)
def local_midnight(day: date, timezone: str) -> datetime:
    """The UTC moment day starts in the zone (a midnight skipped by DST: the moment after the gap)."""
    return datetime.combine(day, time.min, zoneinfo.ZoneInfo(timezone)).astimezone(UTC)


def local_day(moment: datetime, timezone: str) -> date:
    """The local day whose [midnight, next midnight) holds moment (the rollup's own definition)."""
    moment = _aware(moment)
    day = moment.astimezone(zoneinfo.ZoneInfo(timezone)).date()
    if local_midnight(day, timezone) > moment:
        day -= timedelta(days=1)
    elif local_midnight(day + timedelta(days=1), timezone) <= moment:
        day += timedelta(days=1)
    return day


def _aware(moment: datetime) -> datetime:
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
    end = _aware(end)
    start = _aware(start) if start is not None else None
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


def unindexed(column):  # noqa: ANN001, ANN201
    """The column as an expression no index serves: the tail is read through (operator_id, id),
    not through a time index that would walk every row of the range."""
    return func.coalesce(column, column)


def channel_expression():
    """The sales channel of a ledger row: an issue row takes its card's; a top-up is the shop's
    (an order), the API's (an API key) or the dashboard's; other rows have none."""
    return case(
        (LedgerEntry.kind == "issue", Card.channel),
        (LedgerEntry.kind != "topup", literal("")),
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


def ensure_folded(operator_id: int) -> None:
    """Before a report: fold first when the tail is long (answers stay exact either way)."""
    with read_session() as session:
        state = session.get(LedgerRollupState, operator_id)
        timezone = session.exec(select(Operator.timezone).where(Operator.id == operator_id)).first()
        watermark = state.last_ledger_id if state else 0
        stale_zone = state is not None and timezone is not None and state.timezone != timezone
        long_tail = unfolded_rows(session, operator_id, watermark, ASK_FOLD_ROWS) > ASK_FOLD_ROWS
    if timezone is not None and (long_tail or stale_zone):
        fold(operator_id, max_rows=ASK_FOLD_MAX_ROWS)


# --------------------------------------------------------------------------- folding


@dataclass
class Chunk:
    """One chunk of ledger rows (old_id, new_id], aggregated, ready to be written."""

    old_id: int
    new_id: int
    timezone: str
    buckets: dict[tuple, list[int]]  # (grain, day, kind, channel, location, device) -> [entries, cents]
    cards: dict[int, list]  # card_id -> [card_created_at, balance, loaded, last_activity_at]
    rows: int


def _quarter_expression(dialect: str):
    if dialect == "sqlite":  # whole seconds: SQLite's own parsing rounds 59.9999 s up to the next minute
        return cast(func.strftime("%s", func.substr(LedgerEntry.created_at, 1, 19)), Integer) / QUARTER
    return cast(func.floor(func.extract("epoch", LedgerEntry.created_at) / QUARTER), Integer)


def _state(operator_id: int) -> tuple[int, str, str] | None:
    """(watermark, the rollup's zone, the operator's zone), creating the state row if missing."""
    with read_session() as session:
        timezone = session.exec(select(Operator.timezone).where(Operator.id == operator_id)).first()
        if timezone is None:
            return None
        state = session.get(LedgerRollupState, operator_id)
        if state is not None:
            return int(state.last_ledger_id), state.timezone, timezone
    with write_session() as session:
        dialect = session.get_bind().dialect.name
        insert = _dialect_insert(dialect)
        session.exec(insert(LedgerRollupState).values(operator_id=operator_id, timezone=timezone, last_ledger_id=0)
                     .on_conflict_do_nothing(index_elements=["operator_id"]))
    return _state(operator_id)


def _dialect_insert(dialect: str):
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:
        from sqlalchemy.dialects.postgresql import insert
    return insert


def _rebuild(operator_id: int, old_zone: str, old_id: int, new_zone: str) -> None:
    """The zone changed: forget the rollup (claimed like a fold) and start again from id 0."""
    with write_session() as session:
        claimed = session.exec(
            update(LedgerRollupState)
            .where(LedgerRollupState.operator_id == operator_id, LedgerRollupState.timezone == old_zone,
                   LedgerRollupState.last_ledger_id == old_id)
            .values(timezone=new_zone, last_ledger_id=0, folded_at=utcnow())
        ).rowcount
        if claimed != 1:
            return
        session.exec(delete(LedgerRollup).where(LedgerRollup.operator_id == operator_id))
        session.exec(delete(CardActivity).where(CardActivity.operator_id == operator_id))
    log.info("ledger rollup of operator %s rebuilt for time zone %s", operator_id, new_zone)


def read_chunk(operator_id: int, old_id: int, timezone: str, chunk_rows: int, now: datetime) -> Chunk | None:
    """Aggregate the next rows beyond old_id (no lock taken): None when there is nothing to fold."""
    with read_session() as session:
        dialect = session.get_bind().dialect.name
        beyond = (LedgerEntry.operator_id == operator_id, LedgerEntry.id > old_id)
        new_id = session.exec(select(LedgerEntry.id).where(*beyond).order_by(LedgerEntry.id)
                              .offset(chunk_rows - 1).limit(1)).first()
        if new_id is None:
            new_id = session.exec(select(func.max(LedgerEntry.id)).where(*beyond)).one()
        if new_id is None:
            return None
        if dialect != "sqlite":  # rows committed out of id order may still be on their way
            new_id = session.exec(select(func.max(LedgerEntry.id)).where(
                *beyond, LedgerEntry.id <= new_id, LedgerEntry.created_at < _aware(now) - FOLD_LAG)).one()
            if new_id is None:
                return None
        rows = (*beyond, LedgerEntry.id <= new_id)
        quarter = _quarter_expression(dialect)
        dims = [LedgerEntry.kind, channel_expression(), func.coalesce(LedgerEntry.location_id, NO_ID),
                func.coalesce(LedgerEntry.device_id, NO_ID)]
        grouped = session.exec(
            select(quarter, *dims, func.count(LedgerEntry.id), func.sum(LedgerEntry.amount_cents))
            .join(Card, Card.id == LedgerEntry.card_id).where(*rows).group_by(quarter, *dims)
        ).all()
        buckets: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
        straddling: list[int] = []
        count = 0
        for number, kind, channel, location_id, device_id, entries, cents in grouped:
            number = int(number)
            begins = datetime.fromtimestamp(number * QUARTER, UTC)
            day = local_day(begins, timezone)
            count += int(entries)
            if local_midnight(day + timedelta(days=1), timezone) < begins + timedelta(seconds=QUARTER):
                straddling.append(number)  # a midnight inside this quarter-hour: place each row
                continue
            _add(buckets, day, kind, channel, int(location_id), int(device_id), int(entries), int(cents))
        for number in sorted(set(straddling)):
            begins = datetime.fromtimestamp(number * QUARTER, UTC)
            for at, kind, channel, location_id, device_id, cents in session.exec(
                select(LedgerEntry.created_at, *dims, LedgerEntry.amount_cents)
                .join(Card, Card.id == LedgerEntry.card_id)
                .where(*rows, LedgerEntry.created_at >= begins, LedgerEntry.created_at < begins + timedelta(seconds=QUARTER))
            ).all():
                _add(buckets, local_day(at, timezone), kind, channel, int(location_id), int(device_id), 1, int(cents))
        loaded = func.sum(case((LedgerEntry.kind.in_(SALES_KINDS), LedgerEntry.amount_cents), else_=0))
        cards = {
            int(card_id): [_aware(created), int(balance), int(load), _aware(last)]
            for card_id, created, balance, load, last in session.exec(
                select(LedgerEntry.card_id, Card.created_at, func.sum(LedgerEntry.amount_cents), loaded,
                       func.max(LedgerEntry.created_at))
                .join(Card, Card.id == LedgerEntry.card_id).where(*rows, Card.operator_id == operator_id)
                .group_by(LedgerEntry.card_id, Card.created_at)
            ).all()
        }
    return Chunk(old_id, int(new_id), timezone, buckets, cards, count)


def _add(buckets: dict, day: date, kind: str, channel: str, location_id: int, device_id: int, entries: int,
         cents: int) -> None:
    """Count rows of one local day at every grain."""
    month = day.replace(day=1)
    for key in ((DAY, day, kind, channel, location_id, device_id), (MONTH, month, kind, channel, location_id, device_id),
                (DAY_TOTAL, day, kind, channel, NO_ID, NO_ID), (MONTH_TOTAL, month, kind, channel, NO_ID, NO_ID)):
        slot = buckets[key]
        slot[0] += entries
        slot[1] += cents


def write_chunk(operator_id: int, chunk: Chunk) -> bool:
    """Claim the chunk (watermark old -> new) and add its sums, in one transaction. False when
    another worker claimed these rows first (nothing is written)."""
    with write_session() as session:
        dialect = session.get_bind().dialect.name
        claimed = session.exec(
            update(LedgerRollupState)
            .where(LedgerRollupState.operator_id == operator_id, LedgerRollupState.last_ledger_id == chunk.old_id,
                   LedgerRollupState.timezone == chunk.timezone)
            .values(last_ledger_id=chunk.new_id, folded_at=utcnow())
        ).rowcount
        if claimed != 1:
            return False
        insert = _dialect_insert(dialect)
        if chunk.buckets:
            statement = insert(LedgerRollup)
            statement = statement.on_conflict_do_update(
                index_elements=["operator_id", "grain", "day", "kind", "channel", "location_id", "device_id"],
                set_={"entries": LedgerRollup.entries + statement.excluded.entries,
                      "amount_cents": LedgerRollup.amount_cents + statement.excluded.amount_cents},
            )
            session.connection().execute(statement, [
                {"operator_id": operator_id, "grain": grain, "day": day, "kind": kind, "channel": channel,
                 "location_id": location_id, "device_id": device_id, "entries": entries, "amount_cents": cents}
                for (grain, day, kind, channel, location_id, device_id), (entries, cents) in chunk.buckets.items()])
        if chunk.cards:
            statement = insert(CardActivity)
            later = case((statement.excluded.last_activity_at > CardActivity.last_activity_at,
                          statement.excluded.last_activity_at), else_=CardActivity.last_activity_at)
            statement = statement.on_conflict_do_update(
                index_elements=["card_id"],
                set_={"balance_cents": CardActivity.balance_cents + statement.excluded.balance_cents,
                      "loaded_cents": CardActivity.loaded_cents + statement.excluded.loaded_cents,
                      "last_activity_at": later},
            )
            session.connection().execute(statement, [
                {"card_id": card_id, "operator_id": operator_id, "card_created_at": created, "balance_cents": balance,
                 "loaded_cents": load, "last_activity_at": last}
                for card_id, (created, balance, load, last) in chunk.cards.items()])
    return True


def fold(operator_id: int, *, max_rows: int | None = None, chunk_rows: int | None = None,
         now: datetime | None = None) -> int:
    """Fold the operator's unfolded ledger rows (up to max_rows, a chunk at a time); returns
    how many rows this call folded (0 when another worker got there first)."""
    folded = 0
    chunk_rows = chunk_rows or FOLD_CHUNK_ROWS.get(read_engine().dialect.name, 5_000)
    while max_rows is None or folded < max_rows:
        state = _state(operator_id)
        if state is None:
            return folded
        old_id, rollup_zone, zone = state
        if rollup_zone != zone:
            _rebuild(operator_id, rollup_zone, old_id, zone)
            continue
        size = chunk_rows if max_rows is None else max(1, min(chunk_rows, max_rows - folded))
        chunk = read_chunk(operator_id, old_id, zone, size, now or utcnow())
        if chunk is None or not write_chunk(operator_id, chunk):
            return folded
        folded += chunk.rows
    return folded


def fold_everyone(now: datetime | None = None) -> int:
    """One pass of the background folder over every operator with unfolded rows."""
    with read_session() as session:
        behind = session.exec(
            select(Operator.id).where(
                select(LedgerEntry.id).where(
                    LedgerEntry.operator_id == Operator.id,
                    LedgerEntry.id > func.coalesce(
                        select(LedgerRollupState.last_ledger_id).where(LedgerRollupState.operator_id == Operator.id)
                        .scalar_subquery(), 0),
                ).exists()
            )
        ).all()
    return sum(fold(int(operator_id), now=now) for operator_id in behind)


async def fold_forever(poll_seconds: float = FOLD_POLL_SECONDS) -> None:
    """The background folder: keeps every operator's tail short, so reports rarely fold."""
    import asyncio

    while True:
        try:
            await asyncio.to_thread(fold_everyone)
        except Exception:  # a failed pass must not stop the next ones
            log.exception("ledger rollup fold failed")
        await asyncio.sleep(poll_seconds)


# --------------------------------------------------------------------------- proof


@dataclass(frozen=True)
class RollupMismatch:
    operator_id: int
    what: str  # e.g. "redeem entries", "card balances"
    folded: int
    ledger: int


def check_rollups(operator_id: int | None = None) -> list[RollupMismatch]:
    """What the rollup and the card activity hold against the ledger rows they claim to have
    folded (id <= watermark), per operator and kind, read in one snapshot; none when healthy.

    The fold trusts that a ledger row is committed within FOLD_LAG of its timestamp on
    PostgreSQL; this is the check that would see a row that was not (`check-ledger` runs it).
    """
    found: list[RollupMismatch] = []
    with snapshot() as session:
        states = session.exec(select(LedgerRollupState.operator_id, LedgerRollupState.last_ledger_id).where(
            *([LedgerRollupState.operator_id == operator_id] if operator_id is not None else []))).all()
        for owner, watermark in states:
            ledger = {kind: (int(count), int(total)) for kind, count, total in session.exec(
                select(LedgerEntry.kind, func.count(), func.coalesce(func.sum(LedgerEntry.amount_cents), 0))
                .where(LedgerEntry.operator_id == owner, LedgerEntry.id <= watermark)
                .group_by(LedgerEntry.kind)).all()}
            folded = {kind: (int(count), int(total)) for kind, count, total in session.exec(
                select(LedgerRollup.kind, func.coalesce(func.sum(LedgerRollup.entries), 0),
                       func.coalesce(func.sum(LedgerRollup.amount_cents), 0))
                .where(LedgerRollup.operator_id == owner, LedgerRollup.grain == DAY_TOTAL)
                .group_by(LedgerRollup.kind)).all()}
            for kind in sorted(set(ledger) | set(folded)):
                (ledger_count, ledger_sum), (folded_count, folded_sum) = ledger.get(kind, (0, 0)), folded.get(kind, (0, 0))
                if ledger_count != folded_count:
                    found.append(RollupMismatch(owner, f"{kind} entries", folded_count, ledger_count))
                if ledger_sum != folded_sum:
                    found.append(RollupMismatch(owner, f"{kind} cents", folded_sum, ledger_sum))
            balances = int(session.exec(select(func.coalesce(func.sum(CardActivity.balance_cents), 0))
                                        .where(CardActivity.operator_id == owner)).one())
            ledger_total = sum(total for _, total in ledger.values())
            if balances != ledger_total:
                found.append(RollupMismatch(owner, "card balances", balances, ledger_total))
    return found

"""Ledger rollups, the folding side: the ledger's new rows folded into `LedgerRollup` and
`CardActivity` (what they hold and how figures read them is `rollups`), and the check
that they agree with the ledger.

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
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Integer, case, cast, delete, func, update
from sqlmodel import select

from app.db import read_engine, read_session, write_session
from app.models import Card, CardActivity, LedgerEntry, LedgerRollup, LedgerRollupState, Operator
from app.models.base import utcnow
from app.models.rollup import DAY, DAY_TOTAL, MONTH, MONTH_TOTAL, NO_ID
from app.services.reporting.rollups import (
    SALES_KINDS,
    as_utc,
    channel_expression,
    local_day,
    local_midnight,
    snapshot,
    unfolded_rows,
)

log = logging.getLogger(__name__)

FOLD_CHUNK_ROWS = {"sqlite": 2_000, "postgresql": 20_000}  # ledger rows per fold transaction
# (SQLite has one writer at a time: small chunks keep its write lock short for money writes)
FOLD_LAG = timedelta(seconds=5)  # PostgreSQL: rows younger than this stay in the live tail
ASK_FOLD_ROWS = 2_000  # a report that finds more unfolded rows folds first
ASK_FOLD_MAX_ROWS = 200_000  # ... but folds at most this many before answering
FOLD_POLL_SECONDS = 2.0
QUARTER = 900  # seconds: rows are grouped by UTC quarter-hour, then mapped to local days


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
                *beyond, LedgerEntry.id <= new_id, LedgerEntry.created_at < as_utc(now) - FOLD_LAG)).one()
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
            int(card_id): [as_utc(created), int(balance), int(load), as_utc(last)]
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

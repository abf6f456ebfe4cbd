"""Figures through the ledger rollups equal a direct aggregate of the ledger rows.

Random histories (hypothesis) around local midnights and a DST change, in Newfoundland
(UTC-3:30 / -2:30) and Toronto, folded part way in small chunks, with more rows written
after the fold: every figure and report equals what this module computes from the rows
themselves. Also: two folders at once never count a row twice, a time zone change
rebuilds the rollup, PostgreSQL leaves rows younger than the lag to the live tail, and
another operator's rows never show.
"""

from __future__ import annotations

import secrets
import threading
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, update
from sqlmodel import select

from app.db import read_session, write_session
from app.models import Card, CardActivity, Device, LedgerEntry, LedgerRollup, LedgerRollupState, Location, Operator
from app.models.rollup import DAY, DAY_TOTAL, MONTH
from app.services.reporting import dashboard_figures as figures
from app.services.reporting import reports, rollup_fold, rollups

NEWFOUNDLAND = "America/St_Johns"
TORONTO = "America/Toronto"
# St. John's springs forward at 02:00 local on 2025-03-09; local midnight that day is 03:30 UTC.
BASE = datetime(2025, 3, 8, 3, 30, tzinfo=UTC)
KINDS = ("topup", "redeem", "void", "adjust", "expire", "refund")


def midnight(day: date, timezone: str) -> datetime:
    return datetime.combine(day, time.min, zoneinfo.ZoneInfo(timezone)).astimezone(UTC)


@dataclass
class Row:
    card: int  # index into History.cards
    kind: str
    cents: int
    at: datetime
    location: int | None  # index into History.locations
    device: int | None
    shop: bool = False


@dataclass
class History:
    operator_id: int
    timezone: str
    locations: list[int] = field(default_factory=list)
    location_names: dict[int, str] = field(default_factory=dict)
    devices: list[tuple[int, int, str]] = field(default_factory=list)  # (id, location index, code)
    cards: list[dict] = field(default_factory=list)  # id, created_at, channel
    rows: list[dict] = field(default_factory=list)  # as written


def new_network(make_operator, timezone: str) -> History:
    owner = make_operator()
    with write_session() as session:
        session.exec(update(Operator).where(Operator.id == owner.operator.id).values(timezone=timezone))
        history = History(owner.operator.id, timezone)
        for name in ("Bakery", "Florist"):
            location = Location(operator_id=owner.operator.id, name=name, email=f"{name.lower()}@example.com")
            session.add(location)
            session.flush()
            history.locations.append(location.id)
            history.location_names[location.id] = name
        for index in range(2):
            code = f"DV-{secrets.token_hex(3).upper()}"
            device = Device(operator_id=owner.operator.id, location_id=history.locations[index], code=code,
                            name=f"D{index}", secret_hash=secrets.token_hex(32), activated_at=BASE)
            session.add(device)
            session.flush()
            history.devices.append((device.id, index, code))
    return history


def add_cards(history: History, cards: list[tuple[int, str, int]]) -> None:
    """Cards issued at BASE + minutes, each with its issue row."""
    with write_session() as session:
        for minutes, channel, cents in cards:
            at = BASE + timedelta(minutes=minutes)
            card = Card(operator_id=history.operator_id, code_hash=secrets.token_hex(32), code_encrypted="x",
                        last4=f"{len(history.cards):04d}", link_token_hash=secrets.token_hex(32),
                        link_token_encrypted="x", currency="CAD", balance_cents=cents, initial_amount_cents=cents,
                        channel=channel, created_at=at, updated_at=at)
            session.add(card)
            session.flush()
            history.cards.append({"id": card.id, "created_at": at, "channel": channel})
            entry = {"operator_id": history.operator_id, "card_id": card.id, "kind": "issue", "amount_cents": cents,
                     "balance_after_cents": 0, "created_at": at, "location_id": None, "device_id": None,
                     "order_id": None}
            session.add(LedgerEntry(**entry))
            history.rows.append(entry)


def add_rows(history: History, rows: list[Row]) -> None:
    """Movements written after the cards, with the card balances kept equal to their rows' sum."""
    with write_session() as session:
        for row in rows:
            card = history.cards[row.card % len(history.cards)]
            device_id = location_id = None
            if row.device is not None:
                device_id, location_index, _code = history.devices[row.device]
                location_id = history.locations[location_index]
            elif row.location is not None:
                location_id = history.locations[row.location]
            entry = {"operator_id": history.operator_id, "card_id": card["id"], "kind": row.kind,
                     "amount_cents": row.cents, "balance_after_cents": 0, "created_at": row.at,
                     "location_id": location_id, "device_id": device_id,
                     "order_id": 7 if row.shop and row.kind == "topup" else None}
            session.add(LedgerEntry(**entry))
            history.rows.append(entry)
        session.flush()
        for card in history.cards:
            balance = max(0, sum(r["amount_cents"] for r in history.rows if r["card_id"] == card["id"]))
            session.exec(update(Card).where(Card.id == card["id"]).values(balance_cents=balance))


# --------------------------------------------------------------------------- the direct aggregate


def inside(rows: list[dict], start: datetime | None, end: datetime) -> list[dict]:
    return [r for r in rows if (start is None or r["created_at"] >= start) and r["created_at"] < end]


def expected_period(history: History, start: datetime, end: datetime) -> tuple:
    rows = inside(history.rows, start, end)

    def of(kind: str) -> list[int]:
        return [r["amount_cents"] for r in rows if r["kind"] == kind]

    return (len(of("issue")), sum(of("issue")), len(of("topup")), sum(of("topup")),
            -(sum(of("redeem")) + sum(of("void"))), len(of("redeem")) - len(of("void")))


def expected_by_location(history: History, start: datetime, end: datetime) -> list[tuple]:
    found: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for r in inside(history.rows, start, end):
        if r["kind"] in ("redeem", "void") and r["location_id"] is not None:
            found[r["location_id"]][0] -= r["amount_cents"]
            found[r["location_id"]][1] += 1 if r["kind"] == "redeem" else -1  # net of voids, like the cents
    return sorted(((history.location_names[loc], cents, count) for loc, (cents, count) in found.items()),
                  key=lambda item: (-item[1], item[0]))


def expected_by_device(history: History, start: datetime, end: datetime) -> list[tuple]:
    codes = {device_id: code for device_id, _index, code in history.devices}
    found: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    for r in inside(history.rows, start, end):
        if r["kind"] in ("redeem", "void") and r["location_id"] is not None:
            key = (codes.get(r["device_id"], "API or dashboard"), history.location_names[r["location_id"]])
            found[key][0] -= r["amount_cents"]
            found[key][1] += 1 if r["kind"] == "redeem" else -1
    return sorted(((key, location, cents, count) for (key, location), (cents, count) in found.items()),
                  key=lambda item: (-item[2], item[0], item[1]))


def expected_channels(history: History, start: datetime, end: datetime) -> dict[str, tuple]:
    channel_of = {card["id"]: card["channel"] for card in history.cards}
    found = {name: [0, 0, 0, 0] for name in ("api", "shop", "dashboard")}
    for r in inside(history.rows, start, end):
        if r["kind"] == "issue":
            slot, offset = found[channel_of[r["card_id"]]], 0
        elif r["kind"] == "topup":
            slot, offset = found["shop" if r["order_id"] else "dashboard"], 2
        else:
            continue
        slot[offset] += 1
        slot[offset + 1] += r["amount_cents"]
    return {name: tuple(values) for name, values in found.items()}


def expected_series(history: History, first: date, last: date, timezone: str) -> list[tuple]:
    points, day = [], first
    liability = sum(r["amount_cents"] for r in inside(history.rows, None, midnight(first, timezone)))
    while day <= last:
        rows = inside(history.rows, midnight(day, timezone), midnight(day + timedelta(days=1), timezone))
        liability += sum(r["amount_cents"] for r in rows)
        points.append((day, sum(r["amount_cents"] for r in rows if r["kind"] in ("issue", "topup")),
                       -sum(r["amount_cents"] for r in rows if r["kind"] in ("redeem", "void")), liability))
        day += timedelta(days=1)
    return points


def expected_dormant(history: History, cutoff: datetime) -> list[tuple]:
    result = []
    for card in history.cards:
        rows = [r for r in history.rows if r["card_id"] == card["id"]]
        balance = max(0, sum(r["amount_cents"] for r in rows))
        last = max(r["created_at"] for r in rows)
        if balance > 0 and last < cutoff:
            result.append((card["id"], balance, last))
    return sorted(result)


def expected_loaded(history: History, cutoff: datetime) -> int:
    old = {card["id"] for card in history.cards if card["created_at"] < cutoff}
    return sum(r["amount_cents"] for r in history.rows if r["card_id"] in old and r["kind"] in ("issue", "topup"))


def assert_everything_matches(history: History, ragged: tuple[datetime, datetime], cutoff: datetime) -> None:
    operator_id, timezone = history.operator_id, history.timezone
    first = (BASE - timedelta(days=2)).astimezone(zoneinfo.ZoneInfo(timezone)).date()
    last = first + timedelta(days=7)
    ranges = [ragged, (midnight(first, timezone), midnight(last, timezone))]
    for day in (first + timedelta(days=offset) for offset in range(1, 5)):
        ranges.append((midnight(day, timezone), midnight(day + timedelta(days=1), timezone)))
    for start, end in ranges:
        got = figures.period_figures(operator_id, start, end)
        assert (got.sold_count, got.sold_cents, got.topup_count, got.topup_cents, got.redeemed_cents,
                got.redemption_count) == expected_period(history, start, end), (start, end)
    start, end = ragged
    assert [(r.name, r.redeemed_cents, r.redemption_count)
            for r in figures.redeemed_by_location(operator_id, start, end)] == expected_by_location(history, start, end)
    assert [(r.key, r.redeemed_cents, r.redemptions)
            for r in reports.redemptions_by_location(operator_id, start, end)] == expected_by_location(history, start, end)
    assert [(r.key, r.location, r.redeemed_cents, r.redemptions)
            for r in reports.redemptions_by_device(operator_id, start, end)] == expected_by_device(history, start, end)
    assert {r.channel: (r.new_cards, r.new_cards_cents, r.topups, r.topup_cents)
            for r in reports.sales_by_channel(operator_id, start, end)} == expected_channels(history, start, end)
    for zone in (timezone, TORONTO if timezone != TORONTO else NEWFOUNDLAND):  # the rollup's zone, and another
        assert [(p.day, p.sales_cents, p.redeemed_cents, p.liability_cents)
                for p in figures.daily_series(operator_id, first, last, zone)] == expected_series(history, first, last, zone)
    summary = reports.summary(operator_id, start.isoformat(), end.isoformat())
    assert (summary.opening_liability_cents, summary.outstanding_liability_cents) == (
        sum(r["amount_cents"] for r in inside(history.rows, None, start)),
        sum(r["amount_cents"] for r in inside(history.rows, None, end)))
    assert summary.other_cents == sum(r["amount_cents"] for r in inside(history.rows, start, end)
                                      if r["kind"] in ("adjust", "expire", "refund"))
    assert figures._loaded_before(operator_id, cutoff) == expected_loaded(history, cutoff)
    dormant = expected_dormant(history, cutoff)
    now = cutoff + timedelta(days=30)
    listed, page = [], 1
    while True:
        result, total_cents = reports.dormant_cards(operator_id, 1, page=page, page_size=2, now=now)
        listed += [(c.card_id, c.balance_cents, c.last_activity_at) for c in result.rows]
        assert result.total_rows == len(dormant) and total_cents == sum(cents for _id, cents, _at in dormant)
        if page >= result.pages:
            break
        page += 1
    assert listed == dormant


# --------------------------------------------------------------------------- strategies

minutes = st.integers(min_value=-3 * 24 * 60, max_value=4 * 24 * 60)
special = st.sampled_from([0, -1, 24 * 60, 24 * 60 - 1, 48 * 60 - 60, 3 * 24 * 60])  # around local midnights


def moment(offset_minutes: int, jitter: int) -> datetime:
    # jitter -1 puts a row one microsecond before the minute: the last instant of a local day
    return BASE + timedelta(minutes=offset_minutes) + (timedelta(microseconds=-1) if jitter < 0 else timedelta(0))


row_strategy = st.builds(
    lambda card, kind, cents, offset, jitter, location, device, shop: Row(
        card, kind, cents if kind in ("topup", "void", "adjust", "refund") else -cents, moment(offset, jitter),
        location, device, shop),
    st.integers(min_value=0, max_value=5),
    st.sampled_from(KINDS),
    st.integers(min_value=1, max_value=900),
    st.one_of(minutes, special),
    st.integers(min_value=-1, max_value=1),
    st.one_of(st.none(), st.integers(min_value=0, max_value=1)),
    st.one_of(st.none(), st.integers(min_value=0, max_value=1)),
    st.booleans(),
)
card_strategy = st.tuples(st.one_of(minutes, special), st.sampled_from(("dashboard", "api", "shop")),
                          st.integers(min_value=1_000, max_value=20_000))


def test_every_figure_through_the_rollups_equals_the_ledger(database, make_operator):
    neighbour = new_network(make_operator, NEWFOUNDLAND)  # another tenant: never counted
    add_cards(neighbour, [(0, "dashboard", 5_000), (24 * 60, "shop", 7_000)])
    add_rows(neighbour, [Row(0, "redeem", -300, BASE + timedelta(hours=30), 0, 0)])
    rollup_fold.fold(neighbour.operator_id)

    @settings(max_examples=12 if "postgres" in database else 20, deadline=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
    @given(
        timezone=st.sampled_from((NEWFOUNDLAND, TORONTO)),
        cards=st.lists(card_strategy, min_size=1, max_size=4),
        before=st.lists(row_strategy, max_size=14),
        after=st.lists(row_strategy, max_size=8),
        chunk=st.integers(min_value=1, max_value=7),
        fold_first=st.one_of(st.none(), st.integers(min_value=1, max_value=30)),
        ragged=st.tuples(minutes, minutes),
        cutoff=minutes,
    )
    def check(timezone, cards, before, after, chunk, fold_first, ragged, cutoff):
        history = new_network(make_operator, timezone)
        add_cards(history, cards)
        add_rows(history, before)
        # Fold part (or all) of the history in small chunks, then write more rows: a live tail.
        rollup_fold.fold(history.operator_id, max_rows=fold_first, chunk_rows=chunk, now=BASE + timedelta(days=400))
        add_rows(history, after)
        start, end = sorted(BASE + timedelta(minutes=value, seconds=17) for value in ragged)
        assert_everything_matches(history, (start, end + timedelta(minutes=1)), BASE + timedelta(minutes=cutoff))
        # Fold everything: the same figures from the rollup alone.
        rollup_fold.fold(history.operator_id, chunk_rows=chunk, now=BASE + timedelta(days=400))
        with read_session() as session:
            assert session.get(LedgerRollupState, history.operator_id).last_ledger_id == max(
                session.exec(select(LedgerEntry.id).where(LedgerEntry.operator_id == history.operator_id)).all())
        assert_everything_matches(history, (start, end + timedelta(minutes=1)), BASE + timedelta(minutes=cutoff))

    check()
    # The neighbour's figures are its own.
    assert figures.period_figures(neighbour.operator_id, BASE - timedelta(days=1), BASE + timedelta(days=3)).sold_cents == 12_000


def test_the_tail_and_a_newfoundland_day_boundary(database, make_operator):
    """Rows at 23:59:59.999999 and 00:00 local (03:29:59.999999 / 03:30 UTC in winter) land on their
    own local days, folded or not."""
    history = new_network(make_operator, NEWFOUNDLAND)
    add_cards(history, [(-60, "dashboard", 10_000)])
    last_instant = BASE - timedelta(microseconds=1)  # March 7, 23:59:59.999999 in St. John's
    add_rows(history, [Row(0, "redeem", -100, last_instant, 0, 0), Row(0, "redeem", -200, BASE, 1, None)])
    assert rollup_fold.fold(history.operator_id) == 3
    add_rows(history, [Row(0, "redeem", -400, BASE + timedelta(hours=23, minutes=59), 1, 1)])  # unfolded, March 8
    series = figures.daily_series(history.operator_id, date(2025, 3, 7), date(2025, 3, 8), NEWFOUNDLAND)
    assert [(p.day, p.sales_cents, p.redeemed_cents, p.liability_cents) for p in series] == [
        (date(2025, 3, 7), 10_000, 100, 9_900), (date(2025, 3, 8), 0, 600, 9_300)]
    with read_session() as session:
        days = session.exec(select(LedgerRollup.day, func.sum(LedgerRollup.amount_cents)).where(
            LedgerRollup.operator_id == history.operator_id, LedgerRollup.grain == DAY).group_by(LedgerRollup.day)
            .order_by(LedgerRollup.day)).all()
    assert [(str(day), int(cents)) for day, cents in days] == [("2025-03-07", 9_900), ("2025-03-08", -200)]
    today = figures.period_figures(history.operator_id, *figures.today_period(NEWFOUNDLAND, BASE + timedelta(hours=1)))
    assert (today.redeemed_cents, today.redemption_count) == (600, 2)


def test_two_folders_at_once_never_count_a_row_twice(database, make_operator, monkeypatch):
    history = new_network(make_operator, TORONTO)
    add_cards(history, [(0, "dashboard", 10_000), (90, "api", 5_000)])
    add_rows(history, [Row(index % 2, "redeem", -10 - index, BASE + timedelta(hours=index), index % 2, None)
                       for index in range(20)])
    both_read = threading.Barrier(2, timeout=30)
    read_chunk = rollup_fold.read_chunk
    first_read: set[int] = set()

    def read_then_wait(*args, **kwargs):
        chunk = read_chunk(*args, **kwargs)
        if threading.get_ident() not in first_read:  # both workers read the same rows before either writes
            first_read.add(threading.get_ident())
            both_read.wait()
        return chunk

    monkeypatch.setattr(rollup_fold, "read_chunk", read_then_wait)
    results: list[int] = []
    workers = [threading.Thread(target=lambda: results.append(rollup_fold.fold(history.operator_id, chunk_rows=100)))
               for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert sorted(results) == [0, 22]  # one claimed the rows, the other's claim matched nothing
    with read_session() as session:
        entries, cents = session.exec(select(func.sum(LedgerRollup.entries), func.sum(LedgerRollup.amount_cents)).where(
            LedgerRollup.operator_id == history.operator_id, LedgerRollup.grain == MONTH)).one()
        balances = session.exec(select(func.sum(CardActivity.balance_cents)).where(
            CardActivity.operator_id == history.operator_id)).one()
    assert (int(entries), int(cents), int(balances)) == (22, sum(r["amount_cents"] for r in history.rows),
                                                         sum(r["amount_cents"] for r in history.rows))


def test_a_time_zone_change_rebuilds_the_rollup_in_the_new_zone(database, make_operator):
    history = new_network(make_operator, TORONTO)
    add_cards(history, [(0, "dashboard", 10_000)])
    add_rows(history, [Row(0, "redeem", -500, BASE + timedelta(hours=1), 0, 0)])  # 04:30 UTC: 23:30 Mar 7 in Toronto
    rollup_fold.fold(history.operator_id)
    with write_session() as session:
        session.exec(update(Operator).where(Operator.id == history.operator_id).values(timezone=NEWFOUNDLAND))
    history.timezone = NEWFOUNDLAND
    # Before the next fold the rollup is still Toronto's: figures stay exact (ranges split by its zone).
    assert_everything_matches(history, (BASE - timedelta(hours=5), BASE + timedelta(hours=7)), BASE)
    rollup_fold.fold(history.operator_id)
    with read_session() as session:
        state = session.get(LedgerRollupState, history.operator_id)
        days = session.exec(select(LedgerRollup.day).where(LedgerRollup.operator_id == history.operator_id,
                                                            LedgerRollup.grain == DAY_TOTAL)).all()
    assert state.timezone == NEWFOUNDLAND and {str(day) for day in days} == {"2025-03-08"}
    assert_everything_matches(history, (BASE - timedelta(hours=5), BASE + timedelta(hours=7)), BASE)


def test_postgres_leaves_rows_younger_than_the_lag_in_the_live_tail(database, make_operator):
    history = new_network(make_operator, TORONTO)
    add_cards(history, [(0, "dashboard", 10_000)])
    add_rows(history, [Row(0, "redeem", -500, BASE + timedelta(seconds=10), 0, 0)])
    rollup_fold.fold(history.operator_id, now=BASE + timedelta(seconds=12))
    with read_session() as session:
        watermark = session.get(LedgerRollupState, history.operator_id).last_ledger_id
    ids = sorted(r for r in [row_id for row_id in _ledger_ids(history.operator_id)])
    # SQLite commits one writer at a time: every row is folded. PostgreSQL: the row written 2 s
    # before "now" may still have an uncommitted neighbour below it, so it waits in the tail.
    assert watermark == (ids[-1] if "sqlite" in database else ids[0])
    got = figures.period_figures(history.operator_id, BASE - timedelta(hours=1), BASE + timedelta(hours=1))
    assert (got.sold_cents, got.redeemed_cents) == (10_000, 500)


def _ledger_ids(operator_id: int) -> list[int]:
    with read_session() as session:
        return list(session.exec(select(LedgerEntry.id).where(LedgerEntry.operator_id == operator_id)).all())


def test_a_report_folds_a_long_tail_first_and_tenants_stay_apart(database, make_operator, monkeypatch):
    monkeypatch.setattr(rollup_fold, "ASK_FOLD_ROWS", 3)
    mine = new_network(make_operator, TORONTO)
    theirs = new_network(make_operator, TORONTO)
    for history, cents in ((mine, 1_000), (theirs, 9_000)):
        add_cards(history, [(0, "shop", cents), (60, "api", cents)])
        add_rows(history, [Row(0, "redeem", -cents // 10, BASE + timedelta(hours=2), 0, 0)] * 3)
    got = figures.period_figures(mine.operator_id, BASE - timedelta(days=1), BASE + timedelta(days=1))
    assert (got.sold_cents, got.redeemed_cents, got.redemption_count) == (2_000, 300, 3)
    with read_session() as session:
        assert session.get(LedgerRollupState, mine.operator_id).last_ledger_id == max(_ledger_ids(mine.operator_id))
        assert session.get(LedgerRollupState, theirs.operator_id) is None  # their rows were not touched
    rollup_fold.fold_everyone(now=BASE + timedelta(days=1))
    for history, cents in ((mine, 1_000), (theirs, 9_000)):
        start, end = BASE - timedelta(days=1), BASE + timedelta(days=1)
        assert [(r.key, r.redeemed_cents) for r in reports.redemptions_by_location(history.operator_id, start, end)] == [
            ("Bakery", 3 * cents // 10)]
        page, total = reports.dormant_cards(history.operator_id, 1, now=BASE + timedelta(days=60))
        assert sorted(c.card_id for c in page.rows) == sorted(card["id"] for card in history.cards)
        assert total == 2 * cents - 3 * cents // 10
    assert figures._loaded_before(mine.operator_id, BASE + timedelta(days=1)) == 2_000


@pytest.mark.parametrize("timezone", [NEWFOUNDLAND, TORONTO, "Asia/Kathmandu", "Australia/Lord_Howe"])
def test_split_covers_a_range_exactly_once(timezone):
    """Rollup days + live edges partition [start, end) whatever the zone's offset."""
    for start_minutes, end_minutes in ((0, 1), (-700, 3_000), (17, 1_440 * 9 + 3), (-1_440 * 40, 1_440 * 200)):
        start, end = BASE + timedelta(minutes=start_minutes), BASE + timedelta(minutes=end_minutes)
        plan = rollups.split(start, end, timezone)
        pieces = list(plan.edges)
        if plan.last_day is not None:
            pieces.append((rollups.local_midnight(plan.first_day, timezone),
                           rollups.local_midnight(plan.last_day + timedelta(days=1), timezone)))
        pieces.sort()
        assert pieces[0][0] == start and pieces[-1][1] == end
        assert all(a[1] == b[0] for a, b in zip(pieces, pieces[1:], strict=False))


@pytest.mark.parametrize("first,last", [
    (date(2025, 1, 1), date(2025, 12, 31)), (date(2025, 1, 15), date(2025, 3, 1)), (date(2025, 2, 3), date(2025, 2, 27)),
    (date(2024, 12, 31), date(2025, 1, 31)), (None, date(2025, 6, 14)), (None, date(2025, 6, 30)),
    (date(2025, 3, 1), date(2025, 3, 31))])
def test_rollup_pieces_cover_the_days_exactly_once(first, last):
    """Whole months as month rows and the other days as day rows: every day of the range once."""
    covered: list[date] = []
    for monthly, start, through in rollups._rollup_pieces(first, last):
        day = start or date(2024, 1, 1)
        assert not monthly or day.day == 1 and (through + timedelta(days=1)).day == 1
        while day <= through:
            covered.append(day)
            day += timedelta(days=1)
    expected_first = first or date(2024, 1, 1)
    assert sorted(covered) == [expected_first + timedelta(days=n) for n in range((last - expected_first).days + 1)]


def test_the_background_folder_keeps_every_operator_folded(database, make_operator):
    import asyncio

    from app import background

    assert rollup_fold.fold_forever in [getattr(job, "__wrapped__", job) for job in background.jobs()]
    networks = [new_network(make_operator, zone) for zone in (TORONTO, NEWFOUNDLAND)]
    for history in networks:
        add_cards(history, [(0, "dashboard", 4_000)])

    def folded() -> list:
        with read_session() as session:
            states = [session.get(LedgerRollupState, h.operator_id) for h in networks]
        done = all(state is not None and state.last_ledger_id == max(_ledger_ids(h.operator_id))
                   for state, h in zip(states, networks, strict=True))
        return states if done else []

    async def run_until_folded() -> None:
        task = asyncio.create_task(rollup_fold.fold_forever(poll_seconds=0.05))
        for _ in range(300):
            await asyncio.sleep(0.05)
            if folded():
                break
        task.cancel()

    # Its own event loop in its own thread: another test's loop may still run on this one.
    worker = threading.Thread(target=lambda: asyncio.run(run_until_folded()))
    worker.start()
    worker.join(60)
    assert [state.timezone for state in folded()] == [TORONTO, NEWFOUNDLAND]


def test_check_rollups_finds_nothing_when_folded_and_names_what_disagrees(database, make_operator):
    history = new_network(make_operator, TORONTO)
    add_cards(history, [(0, "dashboard", 10_000), (30, "api", 5_000)])
    add_rows(history, [Row(index % 2, "redeem", -25, BASE + timedelta(hours=index), 0, None) for index in range(6)])
    rollup_fold.fold(history.operator_id)
    assert rollup_fold.check_rollups(history.operator_id) == []
    add_rows(history, [Row(0, "redeem", -5, BASE + timedelta(days=1), 0, None)])  # beyond the watermark: fine
    assert rollup_fold.check_rollups() == []

    with write_session() as session:  # as if a row had been folded past (or counted twice)
        session.execute(update(LedgerRollup).where(LedgerRollup.operator_id == history.operator_id,
                                                   LedgerRollup.grain == DAY_TOTAL, LedgerRollup.kind == "redeem")
                        .values(amount_cents=LedgerRollup.amount_cents - 1))
    found = rollup_fold.check_rollups(history.operator_id)
    assert found and {row.what for row in found} == {"redeem cents"}
    assert all(row.operator_id == history.operator_id for row in found)

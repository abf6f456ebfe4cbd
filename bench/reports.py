"""How long each dashboard figure and report query takes over 1,000,000 ledger rows.

    python bench/reports.py [--rows 1000000] [--backends sqlite,postgres] [--runs 5]

For each backend (a temporary SQLite file; PostgreSQL at 127.0.0.1:5432 when it
answers, in a scratch database dropped at the end) one operator gets 20 locations,
40 devices and rows/10 cards spread over three years, each card an issue then nine
movements (top-ups, redemptions at a location and device, some voids), written with
bulk inserts. The ledger rollups are then folded (timed: the one-off catch-up a
deployment does in the background, and its longest write transaction; on PostgreSQL
then VACUUM ANALYZE, as autovacuum would after a bulk load), and each
query of the Activity and Reports screens runs --runs times; the p50 is printed beside
a reference measured in the same run, the bare SQL ceiling: a plain COUNT(*) / SUM over
the rows the figure covers. Then 1,000 more rows are written and left unfolded, and
every query is timed again (the live tail a report reads beyond the watermark).
Target: every figure and report under 300 ms.
"""

from __future__ import annotations

import argparse
import random
import secrets
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

import ledger as ledger_bench  # noqa: E402  (scratch dir, secret, PostgreSQL helpers)
from sqlalchemy import insert, text  # noqa: E402

from app.db import write_engine  # noqa: E402
from app.models import Card, Device, LedgerEntry, Location  # noqa: E402
from app.services.reporting import activity, dashboard_figures, reports, rollup_fold  # noqa: E402

TZ = "America/Toronto"
CHUNK = 20_000
TARGET_MS = 300.0
TAIL_ROWS = 1_000


def seed(operator_id: int, rows: int) -> int:
    """Bulk-insert the network; returns a card id for the per-card history query."""
    rng = random.Random(8)
    now = datetime.now(UTC)
    engine = write_engine()
    with engine.begin() as connection:
        connection.execute(insert(Location), [
            {"operator_id": operator_id, "name": f"Location {n:02d}", "email": f"l{n}@example.com", "mode": "amount",
             "active": True, "square_tender_type": "OTHER_GIFT_CARD", "created_at": now, "updated_at": now}
            for n in range(20)])
        location_ids = [row[0] for row in connection.exec_driver_sql(
            f"SELECT id FROM location WHERE operator_id = {operator_id} ORDER BY id")]
        connection.execute(insert(Device), [
            {"operator_id": operator_id, "location_id": location_ids[n % 20], "code": f"DV-B{n:03d}-{operator_id % 100:02d}",
             "name": f"Device {n}", "secret_hash": secrets.token_hex(32), "activated_at": now} for n in range(40)])
        devices = [(row[0], row[1]) for row in connection.exec_driver_sql(
            f"SELECT id, location_id FROM device WHERE operator_id = {operator_id} ORDER BY id")]
    cards = rows // 10
    first_card = None
    for start in range(0, cards, CHUNK // 10):
        card_rows, plans = [], []
        for _ in range(start, min(cards, start + CHUNK // 10)):
            issued = now - timedelta(days=rng.uniform(0, 3 * 365))
            amount = rng.choice((2_500, 5_000, 10_000))
            moves, balance, moment = [], amount, issued
            for _move in range(9):
                moment = min(now, moment + timedelta(days=rng.uniform(0, 40)))
                device_id, location_id = rng.choice(devices)
                roll = rng.random()
                if roll < 0.15:
                    moves.append(("topup", 1_000, moment, None, None))
                    balance += 1_000
                elif roll < 0.25 and moves and moves[-1][0] == "redeem":
                    kind, cents, _, loc, dev = moves[-1]
                    moves.append(("void", -cents, moment, loc, dev))
                    balance -= cents
                else:
                    cents = min(balance, rng.randint(100, 2_000))
                    moves.append(("redeem", -cents, moment, location_id, device_id))
                    balance -= cents
            plans.append((amount, issued, moves))
            card_rows.append({
                "operator_id": operator_id, "code_hash": secrets.token_hex(32), "code_encrypted": "x",
                "last4": f"{rng.randint(0, 9999):04d}", "link_token_hash": secrets.token_hex(32),
                "link_token_encrypted": "x", "currency": "CAD", "status": "active", "balance_cents": balance,
                "initial_amount_cents": amount, "channel": rng.choice(("dashboard", "api", "shop")),
                "created_at": issued, "updated_at": issued,
            })
        with engine.begin() as connection:
            ids = [row[0] for row in connection.execute(insert(Card).returning(Card.id), card_rows)]
            ids.sort()
            first_card = first_card or ids[0]
            entries = []
            for card_id, (amount, issued, moves) in zip(ids, plans, strict=True):
                balance = amount
                entries.append({"operator_id": operator_id, "card_id": card_id, "kind": "issue", "amount_cents": amount,
                                "balance_after_cents": balance, "created_at": issued, "location_id": None,
                                "device_id": None})
                for kind, cents, moment, location_id, device_id in moves:
                    balance += cents
                    entries.append({"operator_id": operator_id, "card_id": card_id, "kind": kind, "amount_cents": cents,
                                    "balance_after_cents": balance, "created_at": moment, "location_id": location_id,
                                    "device_id": device_id})
            connection.execute(insert(LedgerEntry), entries)
    return first_card


def _ledger_range(operator_id: int, start, end) -> tuple[str, dict]:  # noqa: ANN001
    return ("SELECT count(*), sum(amount_cents) FROM ledger_entry WHERE operator_id = :op"
            " AND created_at >= :start AND created_at < :end", {"op": operator_id, "start": start, "end": end})


def queries(operator_id: int, card_id: int) -> list[tuple[str, object, tuple[str, dict]]]:
    """(name, the query, the bare SQL over the same rows as its reference)."""
    today = dashboard_figures.local_today(TZ)
    today_range = dashboard_figures.today_period(TZ)
    month = dashboard_figures.month_period(TZ)
    last30 = dashboard_figures.days_period(today - timedelta(days=29), today, TZ)
    year = dashboard_figures.days_period(today - timedelta(days=364), today, TZ)
    every_row = ("SELECT count(*), sum(amount_cents) FROM ledger_entry WHERE operator_id = :op", {"op": operator_id})
    every_card = ("SELECT count(*), sum(balance_cents) FROM card WHERE operator_id = :op", {"op": operator_id})
    return [
        ("figures: today", lambda: dashboard_figures.period_figures(operator_id, *today_range),
         _ledger_range(operator_id, *today_range)),
        ("figures: this month", lambda: dashboard_figures.period_figures(operator_id, *month),
         _ledger_range(operator_id, *month)),
        ("figures: last 365 days", lambda: dashboard_figures.period_figures(operator_id, *year),
         _ledger_range(operator_id, *year)),
        ("figures: active cards + liability", lambda: dashboard_figures.standing(operator_id), every_card),
        ("figures: expected breakage", lambda: dashboard_figures.expected_breakage(operator_id), every_row),
        ("chart: daily series, 30 days",
         lambda: dashboard_figures.daily_series(operator_id, today - timedelta(days=29), today, TZ), every_row),
        ("chart: daily series, 365 days",
         lambda: dashboard_figures.daily_series(operator_id, today - timedelta(days=364), today, TZ), every_row),
        ("chart: redeemed by location, 30 days", lambda: dashboard_figures.redeemed_by_location(operator_id, *last30),
         _ledger_range(operator_id, *last30)),
        ("feed: newest 30", lambda: activity.feed(operator_id),
         ("SELECT id FROM ledger_entry WHERE operator_id = :op ORDER BY id DESC LIMIT 30", {"op": operator_id})),
        ("report: sales by channel, 30 days", lambda: reports.sales_by_channel(operator_id, *last30),
         _ledger_range(operator_id, *last30)),
        ("report: sales by channel, 365 days", lambda: reports.sales_by_channel(operator_id, *year),
         _ledger_range(operator_id, *year)),
        ("report: by location, 365 days", lambda: reports.redemptions_by_location(operator_id, *year),
         _ledger_range(operator_id, *year)),
        ("report: by device, 365 days", lambda: reports.redemptions_by_device(operator_id, *year),
         _ledger_range(operator_id, *year)),
        ("report: liability aging", lambda: reports.liability_aging(operator_id), every_card),
        ("report: dormant 6 months, page 1", lambda: reports.dormant_cards(operator_id, 6), every_card),
        ("report: dormant 6 months, page 20", lambda: reports.dormant_cards(operator_id, 6, page=20), every_card),
        ("report: card history", lambda: reports.card_history(operator_id, card_id),
         ("SELECT count(*), sum(amount_cents) FROM ledger_entry WHERE card_id = :card", {"card": card_id})),
        ("api summary: this month", lambda: reports.summary(operator_id), every_row),
    ]


def p50(run, runs: int) -> float:  # noqa: ANN001
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def bare(sql: str, params: dict) -> None:
    with write_engine().connect() as connection:
        connection.execute(text(sql), params).all()


def fold_timed(operator_id: int) -> tuple[int, float, float]:
    """Fold everything; (rows, seconds, the longest write transaction in ms)."""
    longest = [0.0]
    write_chunk = rollup_fold.write_chunk

    def timed(operator: int, chunk) -> bool:  # noqa: ANN001
        started = time.perf_counter()
        try:
            return write_chunk(operator, chunk)
        finally:
            longest[0] = max(longest[0], time.perf_counter() - started)

    rollup_fold.write_chunk = timed
    try:
        began = time.perf_counter()
        rows = rollup_fold.fold(operator_id, now=datetime.now(UTC) + rollup_fold.FOLD_LAG + timedelta(seconds=1))
        return rows, time.perf_counter() - began, longest[0] * 1000
    finally:
        rollup_fold.write_chunk = write_chunk


def add_tail(operator_id: int, card_id: int, rows: int) -> None:
    """`rows` more redemptions of one card, now, written straight after the fold (left unfolded)."""
    now = datetime.now(UTC)
    with write_engine().begin() as connection:
        connection.execute(insert(LedgerEntry), [
            {"operator_id": operator_id, "card_id": card_id, "kind": "topup", "amount_cents": 1, "balance_after_cents": 0,
             "created_at": now, "location_id": None, "device_id": None} for _ in range(rows)])
        connection.exec_driver_sql(f"UPDATE card SET balance_cents = balance_cents + {rows} WHERE id = {card_id}")


def measure(backend: str, label: str, operator_id: int, card_id: int, runs: int) -> list[tuple]:
    print(f"{backend}: {label}")
    print(f"  {'query':<40} {'p50 ms':>9} {'bare SQL ms':>12}   target {TARGET_MS:.0f} ms", flush=True)
    results = []
    for name, run, (sql, params) in queries(operator_id, card_id):
        took = p50(run, runs)
        reference = p50(lambda: bare(sql, params), runs)  # noqa: B023
        verdict = "ok" if took < TARGET_MS else "OVER"
        results.append((backend, label, name, took, reference))
        print(f"  {name:<40} {took:9.1f} {reference:12.1f}   {verdict}", flush=True)
    return results


def bench_backend(backend: str, url: str, rows: int, runs: int) -> list[tuple]:
    ledger_bench.use_database(url)
    actor = ledger_bench.bench_operator()
    began = time.perf_counter()
    card_id = seed(actor.operator_id, rows)
    print(f"{backend}: seeded {rows:,} ledger rows in {time.perf_counter() - began:.1f} s", flush=True)
    folded, seconds, longest = fold_timed(actor.operator_id)
    print(f"{backend}: folded {folded:,} rows in {seconds:.1f} s (catch-up; longest write transaction {longest:.0f} ms)",
          flush=True)
    if backend == "postgres":  # what autovacuum does after a bulk load: statistics and the visibility map
        with write_engine().connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE")
    results = measure(backend, "folded", actor.operator_id, card_id, runs)
    add_tail(actor.operator_id, card_id, TAIL_ROWS)
    results += measure(backend, f"with {TAIL_ROWS:,} rows beyond the watermark (live tail)", actor.operator_id, card_id,
                       runs)
    folded, seconds, longest = fold_timed(actor.operator_id)
    print(f"{backend}: a steady-state fold of {folded:,} rows took {seconds * 1000:.0f} ms "
          f"(write transaction {longest:.1f} ms)", flush=True)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--runs", type=int, default=5, help="runs of each query (the p50 is printed)")
    args = parser.parse_args(argv)
    backends = [name.strip() for name in args.backends.split(",") if name.strip()]
    if "sqlite" in backends:
        bench_backend("sqlite", f"sqlite:///{ledger_bench.scratch_dir.name}/reports.db", args.rows, args.runs)
    if "postgres" in backends:
        found = ledger_bench.postgres_bench_url()
        if found is None:
            print("PostgreSQL does not answer at 127.0.0.1:5432: skipped")
        else:
            url, admin_url = found
            try:
                bench_backend("postgres", url, args.rows, args.runs)
            finally:
                ledger_bench.drop_postgres_bench(admin_url)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The Cards screen's filters, counts and bulk actions, and a location's money, over a large network.

    python bench/cards.py [--cards 500000] [--backends sqlite,postgres] [--runs 5]

For each backend (a temporary SQLite file; PostgreSQL at 127.0.0.1:5432 when it
answers, in a scratch database dropped at the end) one operator gets `--cards` cards
(2 % frozen, 15 % spent to zero, 70 % dashboard / 20 % api / 10 % shop, issued over
three years, balances up to $1,000) and another operator a tenth as many, so that every
query has a neighbour's rows to skip; 20 locations share 200,000 redemptions, a quarter
of them already in a payout batch. Then each query runs `--runs` times: the p50 is
printed with the query plan the database chose (EXPLAIN QUERY PLAN on SQLite, EXPLAIN
on PostgreSQL), and a bulk freeze of 1,000 matching cards is timed. Target: every list,
count and page well under 100 ms; the bulk freeze well under a second.
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
from sqlalchemy import event, insert  # noqa: E402

from app.db import read_engine, write_engine  # noqa: E402
from app.models import Card, Location, PayoutBatch, PayoutLine, Redemption  # noqa: E402
from app.services.money import cards  # noqa: E402
from app.services.network import locations  # noqa: E402
from app.services.settlement import payables  # noqa: E402

TZ = "America/Toronto"
CHUNK = 20_000
REDEMPTIONS = 200_000


def seed_cards(operator_id: int, count: int, rng: random.Random) -> None:
    now = datetime.now(UTC)
    with write_engine().begin() as connection:
        for start in range(0, count, CHUNK):
            rows = []
            for n in range(start, min(count, start + CHUNK)):
                initial = rng.randrange(500, 100_001)
                balance = 0 if rng.random() < 0.15 else rng.randrange(0, initial + 1)
                rows.append({
                    "operator_id": operator_id, "code_hash": secrets.token_hex(32), "code_encrypted": "x",
                    "last4": f"{n % 10_000:04d}"[-4:].replace("0", "A"), "link_token_hash": secrets.token_hex(32),
                    "link_token_encrypted": "x", "currency": "CAD",
                    "status": "frozen" if rng.random() < 0.02 else "active",
                    "balance_cents": balance, "initial_amount_cents": initial,
                    "channel": rng.choices(("dashboard", "api", "shop"), (70, 20, 10))[0],
                    "recipient_email": f"person{n}@example.com" if rng.random() < 0.5 else None,
                    "created_at": now - timedelta(days=3 * 365 * (1 - n / count)), "updated_at": now,
                })
            connection.execute(insert(Card), rows)


def seed_money(operator_id: int, rng: random.Random) -> int:
    """20 locations, REDEMPTIONS redemptions among them; returns the busiest location's id."""
    now = datetime.now(UTC)
    with write_engine().begin() as connection:
        connection.execute(insert(Location), [
            {"operator_id": operator_id, "name": f"Location {n:02d}", "email": f"l{n}@example.com", "mode": "amount",
             "active": True, "square_tender_type": "OTHER_GIFT_CARD", "created_at": now, "updated_at": now}
            for n in range(20)])
        location_ids = [row[0] for row in connection.exec_driver_sql(
            f"SELECT id FROM location WHERE operator_id = {operator_id} ORDER BY id")]
        card_ids = [row[0] for row in connection.exec_driver_sql(
            f"SELECT id FROM card WHERE operator_id = {operator_id} ORDER BY id LIMIT 50000")]
        # A year of weekly batches, each with a line for every location.
        batch_ids = [connection.execute(insert(PayoutBatch).values(
            operator_id=operator_id, status="paid", period_through=now, created_at=now, total_gross_cents=0,
            total_commission_cents=0, total_net_cents=0).returning(PayoutBatch.id)).scalar() for _ in range(52)]
        connection.execute(insert(PayoutLine), [
            {"batch_id": batch_id, "operator_id": operator_id, "location_id": location_id, "redemption_count": 1,
             "gross_cents": 1000, "commission_bps": 250, "commission_cents": 25, "net_cents": 975}
            for batch_id in batch_ids for location_id in location_ids])
        batch_id = batch_ids[-1]
        for start in range(0, REDEMPTIONS, CHUNK):
            connection.execute(insert(Redemption), [
                {"operator_id": operator_id, "card_id": rng.choice(card_ids), "location_id": location_ids[n % 20],
                 "kind": "amount", "amount_cents": rng.randrange(100, 5000), "balance_after_cents": 0,
                 "status": "voided" if n % 50 == 0 else "completed",
                 "created_at": now - timedelta(minutes=REDEMPTIONS - n),
                 "payout_batch_id": batch_id if n < REDEMPTIONS // 4 else None}
                for n in range(start, min(REDEMPTIONS, start + CHUNK))])
    return location_ids[0]


class Plans:
    """The SQL a service call sends, captured so that its plan can be asked for."""

    def __init__(self) -> None:
        self.statements: list[tuple[str, object]] = []

    def __call__(self, _conn, _cursor, statement, parameters, _context, _executemany) -> None:  # noqa: ANN001
        self.statements.append((statement, parameters))

    def explain(self, backend: str, run) -> list[str]:  # noqa: ANN001
        self.statements = []
        engine = read_engine()
        event.listen(engine, "before_cursor_execute", self)
        try:
            run()
        finally:
            event.remove(engine, "before_cursor_execute", self)
        plans = []
        with engine.connect() as connection:
            for statement, parameters in self.statements:
                if not statement.lstrip().upper().startswith("SELECT"):
                    continue
                prefix = "EXPLAIN QUERY PLAN " if backend == "sqlite" else "EXPLAIN "
                rows = connection.exec_driver_sql(prefix + statement, parameters).all()
                plans.append(" | ".join(str(row[-1]) for row in rows))
        return plans


def p50(run, runs: int) -> float:  # noqa: ANN001
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def queries(operator_id: int, location_id: int) -> list[tuple[str, object]]:
    year_ago = (datetime.now(UTC) - timedelta(days=365)).date().isoformat()
    month_ago = (datetime.now(UTC) - timedelta(days=30)).date().isoformat()
    filters = {
        "no filter": cards.CardFilter(),
        "status frozen": cards.card_filter(status="frozen"),
        "status empty": cards.card_filter(status="empty"),
        "balance $10-$20": cards.card_filter(min_balance_cents=1000, max_balance_cents=2000),
        "issued last 30 days": cards.card_filter(timezone=TZ, issued_from=month_ago),
        "channel shop": cards.card_filter(channel="shop"),
        "active, >= $500, api, last year": cards.card_filter(timezone=TZ, status="active", min_balance_cents=50_000,
                                                             channel="api", issued_from=year_ago),
        "search last 4": cards.card_filter(query="12A3"),
    }
    found: list[tuple[str, object]] = []
    for name, chosen in filters.items():
        found.append((f"list page 1: {name}", lambda chosen=chosen: cards.list_cards(operator_id, filters=chosen, limit=20)))
        found.append((f"count (<= 10,000): {name}", lambda chosen=chosen: cards.count_cards(operator_id, chosen)))
    found += [
        ("ids for a bulk action: status frozen", lambda: cards.matching_card_ids(operator_id, filters["status frozen"])),
        ("location: owed now", lambda: payables.location_payable(operator_id, location_id)),
        ("location: redemptions page 1", lambda: locations.redemption_page(operator_id, location_id)),
        ("location: payout lines page 1", lambda: payables.location_payouts(operator_id, location_id)),
    ]
    return found


def bench_backend(backend: str, url: str, count: int, runs: int) -> None:
    ledger_bench.use_database(url)
    actor, neighbour = ledger_bench.bench_operator(), ledger_bench.bench_operator()
    rng = random.Random(8)
    began = time.perf_counter()
    seed_cards(actor.operator_id, count, rng)
    seed_cards(neighbour.operator_id, count // 10, rng)
    location_id = seed_money(actor.operator_id, rng)
    print(f"{backend}: seeded {count:,} + {count // 10:,} cards and {REDEMPTIONS:,} redemptions in "
          f"{time.perf_counter() - began:.1f} s", flush=True)
    with write_engine().connect() as connection:
        connection.exec_driver_sql("ANALYZE")
        connection.commit()
    plans = Plans()
    for name, run in queries(actor.operator_id, location_id):
        run()  # warm
        print(f"{backend}: {name}: p50 {p50(run, runs):.1f} ms", flush=True)
        for plan in plans.explain(backend, run):
            print(f"    plan: {plan[:400]}")
    ids = cards.matching_card_ids(actor.operator_id, cards.card_filter(status="active", channel="shop"))[:1000]
    started = time.perf_counter()
    outcome = cards.freeze_cards(actor, ids)
    print(f"{backend}: bulk freeze of {outcome.changed:,} cards: {(time.perf_counter() - started) * 1000:.0f} ms",
          flush=True)
    started = time.perf_counter()
    outcome = cards.unfreeze_cards(actor, ids)
    print(f"{backend}: bulk unfreeze of {outcome.changed:,} cards: {(time.perf_counter() - started) * 1000:.0f} ms",
          flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cards", type=int, default=500_000)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--runs", type=int, default=5, help="runs of each query (the p50 is printed)")
    args = parser.parse_args(argv)
    backends = [name.strip() for name in args.backends.split(",") if name.strip()]
    if "sqlite" in backends:
        bench_backend("sqlite", f"sqlite:///{ledger_bench.scratch_dir.name}/cards.db", args.cards, args.runs)
    if "postgres" in backends:
        found = ledger_bench.postgres_bench_url()
        if found is None:
            print("PostgreSQL does not answer at 127.0.0.1:5432: skipped")
        else:
            url, admin_url = found
            try:
                bench_backend("postgres", url, args.cards, args.runs)
            finally:
                ledger_bench.drop_postgres_bench(admin_url)
    return 0


if __name__ == "__main__":
    sys.exit(main())

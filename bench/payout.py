"""How long a payout takes at scale: a batch and its NACHA file for 10,000 locations and
1,000,000 redemptions, beside the bare SQL it rests on.

    python bench/payout.py [--locations 10000] [--redemptions 1000000] [--backends sqlite,postgres]

For each backend (a temporary SQLite file; PostgreSQL at 127.0.0.1:5432 when it
answers, in a scratch database `giftnet_bench_<pid>`, dropped at the end):

- seeding, not timed as a service: one USD operator with its NACHA settings through
  the service, then locations (each with a US checking or savings account, encrypted),
  cards and redemptions of $1.00 to $30.00 over the last 30 days (2 % voided) written
  with bulk inserts (`executemany` on SQLite, `COPY` on PostgreSQL). Redemptions have
  no ledger rows: settlement never reads the ledger. (The amounts keep the batch
  under $21,474,836.47, the most a batch records in its 32-bit amount columns; a
  larger one is refused with a message asking to split it by date);
- bare SQL: the payables aggregate (`GROUP BY location_id` over unpaid completed
  redemptions) and the claim (`UPDATE redemption SET payout_batch_id ...`, rolled
  back), on the app's own engines;
- service: `payables.payables` (the preview), `batches.create_payout` (claim,
  lines, totals in one transaction), `bank_files.export_bank_file(..., "nacha")`
  (decrypt 10,000 accounts, write and store the file), downloading it again, and
  `batches.cancel_payout` (frees every redemption).
Each figure is one run (a million-row UPDATE is not repeated for a median). Figures,
not pass/fail; they move with the machine's load.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

# Shares bench/ledger.py's scratch directory, secret and PostgreSQL helpers.
import ledger as ledger_bench  # noqa: E402
from sqlalchemy import insert, text  # noqa: E402

from app.db import dispose_engines, read_engine, write_engine  # noqa: E402
from app.models import Card, Location  # noqa: E402
from app.services.access import accounts  # noqa: E402
from app.services.core import crypto  # noqa: E402
from app.services.core.actor import Actor  # noqa: E402
from app.services.settlement import bank_files, batches, payables, payout_settings  # noqa: E402

NACHA_SETTINGS = {
    "immediate_destination": "011000015", "immediate_origin": "1234567890", "destination_name": "Federal Reserve Bank",
    "origin_name": "Bench Network", "company_name": "Bench Network", "company_id": "1234567890",
    "odfi_routing": "021000021",
}
ROUTING_NUMBERS = ("011401533", "121000358", "091000019", "322271627", "021000021", "011000015")
CARDS = 1_000
SQLITE_STAMP = "%Y-%m-%d %H:%M:%S.%f"  # how SQLAlchemy stores datetimes in SQLite
COLUMNS = ("operator_id", "card_id", "location_id", "kind", "amount_cents", "balance_after_cents", "status",
           "created_at", "voided_at")

BARE_AGGREGATE = text(
    "SELECT location_id, count(id), coalesce(sum(amount_cents), 0) FROM redemption "
    "WHERE operator_id = :operator_id AND payout_batch_id IS NULL AND status = 'completed' "
    "AND created_at <= :through GROUP BY location_id"
)
BARE_CLAIM = text(
    "UPDATE redemption SET payout_batch_id = :batch_id WHERE operator_id = :operator_id "
    "AND payout_batch_id IS NULL AND status = 'completed' AND created_at <= :through"
)


def timed(call):  # noqa: ANN001
    began = time.perf_counter()
    result = call()
    return result, time.perf_counter() - began


def seed(location_count: int, redemption_count: int, backend: str) -> tuple[Actor, datetime, float]:
    """The operator, the `through` moment, and the seconds spent seeding."""
    began = time.perf_counter()
    operator, user = accounts.sign_up(operator_name="Bench network", email=f"bench-{uuid.uuid4().hex[:8]}@example.com",
                                      password="bench-password-1", currency="USD", timezone="America/New_York")
    actor = Actor(operator.id, user_id=user.id)
    payout_settings.update_settings(actor, {"commission_bps": 250, "payouts": {"nacha": NACHA_SETTINGS}})
    now = datetime.now(UTC)
    rng = random.Random(20261128)
    with write_engine().begin() as connection:
        connection.execute(insert(Location), [
            {"operator_id": operator.id, "name": f"Bench shop {index:05d}", "email": f"shop{index}@example.com",
             "mode": "amount", "notify_items_email": False, "active": True, "square_tender_type": "OTHER_GIFT_CARD",
             "commission_bps": 100 if index % 10 == 0 else None, "bank_country": "US",
             "routing_number": ROUTING_NUMBERS[index % len(ROUTING_NUMBERS)],
             "account_number_encrypted": crypto.encrypt(f"{100_000_000 + index}"),
             "account_last4": f"{100_000_000 + index}"[-4:], "account_type": "savings" if index % 3 == 0 else "checking",
             "created_at": now, "updated_at": now}
            for index in range(location_count)
        ])
        connection.execute(insert(Card), [
            {"operator_id": operator.id, "code_hash": f"bench-code-{operator.id}-{index}",
             "code_encrypted": "-", "last4": f"{index:04d}"[-4:], "link_token_hash": f"bench-link-{operator.id}-{index}",
             "link_token_encrypted": "-", "currency": "USD", "status": "active", "balance_cents": 0,
             "initial_amount_cents": 0, "channel": "dashboard", "created_at": now, "updated_at": now}
            for index in range(CARDS)
        ])
        location_ids = [row[0] for row in connection.execute(
            text("SELECT id FROM location WHERE operator_id = :id ORDER BY id"), {"id": operator.id})]
        card_ids = [row[0] for row in connection.execute(
            text("SELECT id FROM card WHERE operator_id = :id ORDER BY id"), {"id": operator.id})]

    def rows():
        for index in range(redemption_count):
            created = now - timedelta(seconds=rng.randrange(30 * 86_400))
            voided = rng.random() < 0.02
            stamp = created if backend == "postgres" else created.astimezone(UTC).strftime(SQLITE_STAMP)
            yield (operator.id, card_ids[index % len(card_ids)], location_ids[index % len(location_ids)], "amount",
                   rng.randrange(100, 3_001), 0, "voided" if voided else "completed", stamp,
                   stamp if voided else None)

    raw = write_engine().raw_connection()
    try:
        cursor = raw.cursor()
        if backend == "postgres":
            with cursor.copy(f"COPY redemption ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                for row in rows():
                    copy.write_row(row)
        else:
            cursor.execute("BEGIN")
            cursor.executemany(f"INSERT INTO redemption ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})",
                               rows())
        raw.commit()
        cursor.execute("ANALYZE")
        raw.commit()
    finally:
        raw.close()
    return actor, now, time.perf_counter() - began


def bare_aggregate(operator_id: int, through: datetime, backend: str) -> int:
    stamp = through if backend == "postgres" else through.strftime(SQLITE_STAMP)
    with read_engine().connect() as connection:
        return len(connection.execute(BARE_AGGREGATE, {"operator_id": operator_id, "through": stamp}).all())


def bare_claim(operator_id: int, through: datetime, backend: str) -> int:
    """The claim alone (with the batch row it points at), rolled back."""
    stamp = through if backend == "postgres" else through.strftime(SQLITE_STAMP)
    connection = write_engine().connect()
    transaction = connection.begin()
    try:
        batch_id = connection.execute(text(
            "INSERT INTO payout_batch (operator_id, status, period_through, total_gross_cents, total_commission_cents, "
            "total_net_cents, redemption_count, created_at) VALUES (:operator_id, 'draft', :through, 0, 0, 0, 0, "
            ":through) RETURNING id"), {"operator_id": operator_id, "through": stamp}).scalar_one()
        return connection.execute(BARE_CLAIM, {"batch_id": batch_id, "operator_id": operator_id,
                                               "through": stamp}).rowcount
    finally:
        transaction.rollback()
        connection.close()


def bench_backend(backend: str, url: str, location_count: int, redemption_count: int) -> None:
    print(f"\n{backend}", flush=True)

    def report(label: str, seconds: float, note: str = "") -> None:
        print(f"  {label:<38} {seconds:>8.2f} s   {note}", flush=True)

    ledger_bench.use_database(url)
    actor, through, seed_seconds = seed(location_count, redemption_count, backend)
    report("seed (bulk insert, not a service)", seed_seconds,
           f"{location_count:,} locations, {redemption_count:,} redemptions")
    bare_aggregate(actor.operator_id, through, backend)  # warm the cache once, as a real server would be
    groups, seconds = timed(lambda: bare_aggregate(actor.operator_id, through, backend))
    report("bare SQL: payables aggregate", seconds, f"{groups:,} location groups")
    claimed, seconds = timed(lambda: bare_claim(actor.operator_id, through, backend))
    report("bare SQL: claim UPDATE (rolled back)", seconds, f"{claimed:,} rows")
    preview, seconds = timed(lambda: payables.payables(actor.operator_id, through=through))
    report("service: payables preview", seconds, f"{len(preview.lines):,} lines")
    payout, create_seconds = timed(lambda: batches.create_payout(actor, through=through))
    report("service: create_payout", create_seconds,
           f"{len(payout.lines):,} lines, {payout.batch.redemption_count:,} redemptions, "
           f"net ${payout.batch.total_net_cents / 100:,.2f}")
    bank_file, export_seconds = timed(lambda: bank_files.export_bank_file(actor, payout.batch.id, "nacha"))
    report("service: export_bank_file nacha", export_seconds,
           f"{len(bank_file.content.splitlines()):,} records, {len(bank_file.content) / 1e6:.2f} MB")
    report("  = batch + its NACHA file", create_seconds + export_seconds)
    again, seconds = timed(lambda: bank_files.export_bank_file(actor, payout.batch.id, "nacha"))
    report("service: download again (stored)", seconds, "same bytes" if again.content == bank_file.content else "DIFFERENT")
    _detail, seconds = timed(lambda: batches.get_payout(actor.operator_id, payout.batch.id))
    report("service: get_payout (all lines)", seconds)
    _cancelled, seconds = timed(lambda: batches.cancel_payout(actor, payout.batch.id))
    report("service: cancel_payout (frees all)", seconds)
    if preview.total_net_cents != payout.batch.total_net_cents:
        raise SystemExit(f"{backend}: the preview and the batch disagree")
    dispose_engines()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--locations", type=int, default=10_000)
    parser.add_argument("--redemptions", type=int, default=1_000_000)
    parser.add_argument("--backends", default="sqlite,postgres", help="sqlite, postgres or both (default)")
    args = parser.parse_args(argv)
    backends = [name.strip() for name in args.backends.split(",") if name.strip()]
    if "sqlite" in backends:
        bench_backend("sqlite", f"sqlite:///{ledger_bench.scratch_dir.name}/payout.db",
                      args.locations, args.redemptions)
    if "postgres" in backends:
        found = ledger_bench.postgres_bench_url()
        if found is None:
            print("PostgreSQL does not answer at 127.0.0.1:5432: skipped\n")
        else:
            url, admin_url = found
            try:
                bench_backend("postgres", url, args.locations, args.redemptions)
            finally:
                ledger_bench.drop_postgres_bench(admin_url)
    return 0


if __name__ == "__main__":
    sys.exit(main())

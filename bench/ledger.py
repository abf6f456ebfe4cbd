"""How many debits per second the ledger takes, and what the service layer costs.

    python bench/ledger.py [--seconds 2.5] [--threads 1,4] [--backends sqlite,postgres]

For each backend (a temporary SQLite file; PostgreSQL at 127.0.0.1:5432 when it
answers, in a scratch database `giftnet_bench_<pid>`, dropped at the end) and each
thread count, it runs for `--seconds`:

- service: `ledger.debit_card(...)` with a fresh idempotency key per call, exactly
  what the API and the device screens call;
- bare SQL: the same conditional `UPDATE card ... RETURNING` plus `INSERT INTO
  ledger_entry` in one transaction, on the app's own write engine (same pool, same
  SQLite pragmas and BEGIN IMMEDIATE), with nothing around it.

Each thread debits 1 cent at a time from its own card (devices at different
tills). It prints debits per second, p50/p95 latency per debit, and the ratio
service / bare SQL, then proves every card still balances. Figures, not pass/fail.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

# Before any app import, as the tests do: never touch the developer's data/ or secret.
scratch_dir = tempfile.TemporaryDirectory(prefix="giftnet-bench-")
os.environ["GIFTNET_DATA_DIR"] = scratch_dir.name
os.environ["SECRET_KEY"] = "bench-secret-key-not-for-production"
os.environ.pop("DATABASE_URL", None)

from sqlalchemy import create_engine, text  # noqa: E402

from app.db import dispose_engines, write_engine  # noqa: E402
from app.migrations import migrate  # noqa: E402
from app.services.access import accounts  # noqa: E402
from app.services.core.actor import Actor  # noqa: E402
from app.services.money import ledger  # noqa: E402
from app.settings import get_settings  # noqa: E402

PG_ADMIN_URLS = [
    os.environ.get("BENCH_POSTGRES_ADMIN_URL", ""),
    "postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
    "postgresql+psycopg://root@127.0.0.1:5432/postgres",
]
# One scratch database per run, so that two runs (or a test run) never reset each other's tables.
PG_BENCH_DB = f"giftnet_bench_{os.getpid()}"
CARD_CENTS = 100_000  # the operator's default card maximum: 100,000 one-cent debits per card

BARE_DEBIT = text(
    "UPDATE card SET balance_cents = balance_cents - :amount, updated_at = :now "
    "WHERE id = :card_id AND operator_id = :operator_id AND status = 'active' AND balance_cents >= :amount "
    "RETURNING balance_cents"
)
BARE_ENTRY = text(
    "INSERT INTO ledger_entry (operator_id, card_id, kind, amount_cents, balance_after_cents, "
    "idempotency_key, created_at) VALUES (:operator_id, :card_id, 'redeem', :signed, :balance, :key, :now)"
)


@dataclass
class Run:
    backend: str
    path: str
    threads: int
    debits: int
    seconds: float
    latencies: list[float]

    @property
    def per_second(self) -> float:
        return self.debits / self.seconds if self.seconds else 0.0

    def percentile_ms(self, percent: int) -> float:
        if len(self.latencies) < 2:
            return (self.latencies or [0.0])[0] * 1000
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[percent - 1] * 1000


def use_database(url: str) -> None:
    """Point the app at `url` and migrate it, the way tests/conftest.py does."""
    os.environ["DATABASE_URL"] = url
    get_settings.cache_clear()
    dispose_engines()
    migrate()


def postgres_bench_url() -> tuple[str, str] | None:
    """(scratch database URL, admin URL) with the scratch database created; None when PostgreSQL does not answer."""
    for admin_url in filter(None, PG_ADMIN_URLS):
        try:
            admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
            with admin.connect() as connection:
                exists = connection.execute(
                    text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": PG_BENCH_DB}
                ).first()
                if not exists:
                    connection.execute(text(f'CREATE DATABASE "{PG_BENCH_DB}"'))
            admin.dispose()
        except Exception:  # noqa: BLE001 - any failure means "no PostgreSQL here"
            continue
        return admin_url.rsplit("/", 1)[0] + f"/{PG_BENCH_DB}", admin_url
    return None


def drop_postgres_bench(admin_url: str) -> None:
    dispose_engines()
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{PG_BENCH_DB}" WITH (FORCE)'))
    admin.dispose()


def bench_operator() -> Actor:
    operator, user = accounts.sign_up(
        operator_name="Bench network", email=f"bench-{uuid.uuid4().hex[:8]}@example.com", password="bench-password-1"
    )
    return Actor(operator.id, user_id=user.id)


def measure(actor: Actor, backend: str, path: str, threads: int, seconds: float, debit_once) -> Run:  # noqa: ANN001
    """Run `debit_once(actor, thread_index, card_id, call_index)` from `threads` threads for `seconds`."""
    card_ids = [ledger.issue_card(actor, CARD_CENTS).card.id for _ in range(threads)]
    latencies: list[list[float]] = [[] for _ in range(threads)]
    start = threading.Barrier(threads + 1)
    deadline = [0.0]

    def work(index: int) -> None:
        card_id, own = card_ids[index], latencies[index]
        start.wait()
        call = 0
        while time.perf_counter() < deadline[0]:
            began = time.perf_counter()
            debit_once(actor, index, card_id, call)
            own.append(time.perf_counter() - began)
            call += 1

    workers = [threading.Thread(target=work, args=(index,)) for index in range(threads)]
    for worker in workers:
        worker.start()
    began = time.perf_counter()
    deadline[0] = began + seconds
    start.wait()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - began
    every = [latency for own in latencies for latency in own]
    return Run(backend, path, threads, len(every), elapsed, every)


def service_debit(actor: Actor, index: int, card_id: int, call: int) -> None:
    ledger.debit_card(actor, card_id, 1, idempotency_key=f"bench-{index}-{call}-{uuid.uuid4().hex[:8]}")


def bare_debit(actor: Actor, index: int, card_id: int, call: int) -> None:
    now = time.time()
    stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(now)) + f".{int(now % 1 * 1e6):06d}"
    with write_engine().begin() as connection:
        balance = connection.execute(
            BARE_DEBIT, {"amount": 1, "now": stamp, "card_id": card_id, "operator_id": actor.operator_id}
        ).scalar_one_or_none()
        if balance is None:
            raise RuntimeError("bench card ran out of money: lower --seconds")
        connection.execute(
            BARE_ENTRY,
            {
                "operator_id": actor.operator_id,
                "card_id": card_id,
                "signed": -1,
                "balance": balance,
                "key": f"bare-{index}-{call}-{uuid.uuid4().hex[:8]}",
                "now": stamp,
            },
        )


def bench_backend(backend: str, url: str, thread_counts: list[int], seconds: float) -> list[Run]:
    use_database(url)
    actor = bench_operator()
    runs = []
    for threads in thread_counts:
        runs.append(measure(actor, backend, "service", threads, seconds, service_debit))
        runs.append(measure(actor, backend, "bare SQL", threads, seconds, bare_debit))
    mismatches = ledger.check_ledger()
    if mismatches:
        raise SystemExit(f"{backend}: the ledger does not balance after the bench: {mismatches}")
    dispose_engines()
    return runs


def print_table(runs: list[Run]) -> None:
    header = f"{'backend':<10} {'path':<9} {'threads':>7} {'debits':>8} {'debits/s':>9} {'p50 ms':>8} {'p95 ms':>8}"
    print(header)
    print("-" * len(header))
    for run in runs:
        print(
            f"{run.backend:<10} {run.path:<9} {run.threads:>7} {run.debits:>8} {run.per_second:>9.0f} "
            f"{run.percentile_ms(50):>8.2f} {run.percentile_ms(95):>8.2f}"
        )
    print()
    print("service / bare SQL throughput (1.00 = the service layer costs nothing):")
    by_key = {(run.backend, run.path, run.threads): run for run in runs}
    for (backend, path, threads), run in by_key.items():
        if path != "service":
            continue
        bare = by_key[(backend, "bare SQL", threads)]
        ratio = run.per_second / bare.per_second if bare.per_second else float("nan")
        print(f"  {backend:<10} {threads} thread{'s' if threads > 1 else ' '}: {ratio:.2f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=2.5, help="duration of each measurement (default 2.5)")
    parser.add_argument("--threads", default="1,4", help="comma-separated thread counts (default 1,4)")
    parser.add_argument("--backends", default="sqlite,postgres", help="sqlite, postgres or both (default)")
    args = parser.parse_args(argv)
    thread_counts = [int(count) for count in args.threads.split(",") if count.strip()]
    backends = [name.strip() for name in args.backends.split(",") if name.strip()]

    runs: list[Run] = []
    began = time.perf_counter()
    if "sqlite" in backends:
        runs += bench_backend("sqlite", f"sqlite:///{scratch_dir.name}/bench.db", thread_counts, args.seconds)
    if "postgres" in backends:
        found = postgres_bench_url()
        if found is None:
            print("PostgreSQL does not answer at 127.0.0.1:5432: skipped\n")
        else:
            url, admin_url = found
            try:
                runs += bench_backend("postgres", url, thread_counts, args.seconds)
            finally:
                drop_postgres_bench(admin_url)
    print_table(runs)
    print(f"\nledger balanced after every run; {time.perf_counter() - began:.1f} s in all "
          f"(each debit takes 1 cent; each thread has its own card)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

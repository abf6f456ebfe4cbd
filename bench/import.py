"""How long the CSV import of locations takes: 5,000 rows by default.

    python bench/import.py [--rows 5000] [--backends sqlite,postgres]

For each backend (a temporary SQLite file; PostgreSQL at 127.0.0.1:5432 when it
answers, in a scratch database `giftnet_bench_<pid>`, dropped at the end) it times what
the dashboard does with one file:

- preview: every row validated, nothing written (`dry_run=True`);
- import: the same file written in one transaction (every location created);
- re-import: the same file again, every location updated by its external id;
- emails: the activation link emailed to every new location (the dashboard does it
  right after an import, as it does for a location created by hand).

A third of the rows carry US bank details, a third Canadian ones (so the ABA check
digit and the account encryption are in the figure). Figures, not pass/fail; the
issue asks for 5,000 rows "well under a minute".
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
import time

from ledger import (  # bench/ledger.py: same scratch setup
    bench_operator,
    drop_postgres_bench,
    postgres_bench_url,
    use_database,
)

from app.db import dispose_engines
from app.services.network.device_emails import send_activation_emails
from app.services.network.location_import import count_locations, import_locations
from app.services.network.locations import LOCATION_FIELDS


def build_csv(rows: int) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=LOCATION_FIELDS)
    writer.writeheader()
    for number in range(rows):
        row = {
            "name": f"Business {number}",
            "email": f"owner{number}@example.com",
            "phone": f"555-{number:04d}",
            "address": f"{number} Main St",
            "external_id": f"EXT-{number:06d}",
            "mode": ("pos", "items", "amount")[number % 3],
            "notify_items_email": "true" if number % 2 else "false",
            "commission_bps": str(number % 500) if number % 4 == 0 else "",
            "active": "true",
        }
        if number % 3 == 0:
            row.update(bank_country="US", routing_number="011000015", account_number=f"{number:09d}",
                       account_type="checking")
        elif number % 3 == 1:
            row.update(bank_country="CA", institution_number="001", transit_number="00011",
                       account_number=f"{number:07d}", account_type="savings")
        writer.writerow(row)
    return out.getvalue().encode("utf-8")


def timed(label: str, call) -> float:  # noqa: ANN001
    started = time.perf_counter()
    result = call()
    elapsed = time.perf_counter() - started
    print(f"  {label:<10} {elapsed:6.2f} s   created {result.created:>6}   updated {result.updated:>6}   ok={result.ok}")
    return elapsed


def bench_backend(backend: str, url: str, content: bytes, rows: int) -> None:
    use_database(url)
    actor = bench_operator()
    print(f"{backend}: {rows:,} rows, {len(content) / 1024:.0f} KiB")
    timed("preview", lambda: import_locations(actor, content, filename="bench.csv", dry_run=True))
    first = timed("import", lambda: import_locations(actor, content, filename="bench.csv"))
    started = time.perf_counter()
    result = import_locations(actor, content, filename="bench.csv")
    print(f"  re-import  {time.perf_counter() - started:6.2f} s   created {result.created:>6}   updated {result.updated:>6}")
    assert count_locations(actor.operator_id) == rows, "re-importing must not duplicate"
    started = time.perf_counter()
    emailed = send_activation_emails(actor, [row.location_id for row in result.rows])
    print(f"  emails     {time.perf_counter() - started:6.2f} s   {emailed:,} activation emails queued")
    print(f"  -> {rows:,} rows imported in {first:.2f} s ({rows / first:,.0f} rows/s)")
    dispose_engines()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--backends", default="sqlite,postgres", help="sqlite, postgres or both (default)")
    args = parser.parse_args(argv)
    content = build_csv(args.rows)
    backends = args.backends.split(",")
    if "sqlite" in backends:
        from ledger import scratch_dir

        bench_backend("sqlite", f"sqlite:///{scratch_dir.name}/bench-import.db", content, args.rows)
    if "postgres" in backends:
        found = postgres_bench_url()  # (scratch database URL, admin URL), the scratch database dropped after
        if found is None:
            print("postgres: skipped (nothing answers at 127.0.0.1:5432)")
        else:
            url, admin_url = found
            try:
                bench_backend("postgres", url, content, args.rows)
            finally:
                drop_postgres_bench(admin_url)
    return 0


if __name__ == "__main__":
    sys.exit(main())

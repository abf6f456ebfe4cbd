"""How long a print run of 1,000 cards takes, files included, beside references measured in
the same run.

    python bench/card_batches.py [--cards 1000] [--backends sqlite,postgres]

For each backend (a temporary SQLite file; PostgreSQL at 127.0.0.1:5432 when it answers,
in a scratch database dropped at the end):

- run: `create_card_batch`, the cards and their ledger rows in one transaction;
- csv: the card printer's file (every code and link decrypted);
- pdf: the print-ready sheets (a QR code per card, eight cards a page);
- reference, one by one: the same number of cards issued through `ledger.issue_card`,
  one transaction each, as a script calling the service (or `POST /cards`) would;
- reference, drawing only: the same sheets drawn from faces made in memory (no database),
  the floor of the PDF figure.

Figures, not pass/fail; the issue asks for a bulk run of 1,000 cards "under a minute".
"""

from __future__ import annotations

import argparse
import sys
import time

from ledger import bench_operator, drop_postgres_bench, postgres_bench_url, use_database

from app.db import dispose_engines
from app.integrations.card_pdf import CardFace, card_sheets_pdf
from app.services.core import codes
from app.services.money import ledger
from app.services.printing import card_batches

AMOUNT_CENTS = 2500
TARGET_SECONDS = 60


def timed(call):  # noqa: ANN001
    started = time.perf_counter()
    result = call()
    return result, time.perf_counter() - started


def bare_drawing(cards: int) -> float:
    faces = [CardFace(network_name="Bench network", amount_text="$25.00 CAD",
                      code_text=codes.format_code(codes.generate_code()),
                      link=f"https://gifts.example.com/c/{codes.new_link_token()}",
                      where_text="At any business of the Bench network.", serial_text=f"Run 1 - {n}/{cards}")
             for n in range(1, cards + 1)]
    return timed(lambda: card_sheets_pdf(faces))[1]


def bench_backend(backend: str, url: str, cards: int) -> None:
    use_database(url)
    actor = bench_operator()
    batch, run_seconds = timed(lambda: card_batches.create_card_batch(actor, cards, AMOUNT_CENTS))
    csv_file, csv_seconds = timed(lambda: card_batches.batch_file(actor, batch.id, "csv"))
    pdf_file, pdf_seconds = timed(lambda: card_batches.batch_file(actor, batch.id, "pdf"))
    assert csv_file.data.count(b"\n") == cards + 1, "one CSV row per card"
    assert ledger.check_ledger(actor.operator_id) == [], "the ledger must prove every balance"
    _, one_by_one = timed(lambda: [ledger.issue_card(actor, AMOUNT_CENTS) for _ in range(cards)])
    total = run_seconds + csv_seconds + pdf_seconds
    print(f"{backend}: a print run of {cards:,} cards of $25.00")
    print(f"  run (cards + ledger)    {run_seconds:7.2f} s   {run_seconds / cards * 1000:6.2f} ms/card")
    print(f"  csv                     {csv_seconds:7.2f} s   {len(csv_file.data) / 1024:,.0f} KiB")
    print(f"  pdf sheets              {pdf_seconds:7.2f} s   {len(pdf_file.data) / 1024:,.0f} KiB, "
          f"{-(-cards // 8):,} pages")
    print(f"  -> run + pdf + csv      {total:7.2f} s   (target under {TARGET_SECONDS} s: "
          f"{'met' if total < TARGET_SECONDS else 'MISSED'})")
    print(f"  reference: one by one   {one_by_one:7.2f} s   {one_by_one / cards * 1000:6.2f} ms/card "
          f"(the run issues {one_by_one / run_seconds:,.1f}x faster)")
    dispose_engines()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=1000)
    parser.add_argument("--backends", default="sqlite,postgres", help="sqlite, postgres or both (default)")
    args = parser.parse_args(argv)
    drawing = bare_drawing(args.cards)
    print(f"reference: drawing {args.cards:,} cards' sheets alone (no database) {drawing:7.2f} s")
    backends = args.backends.split(",")
    if "sqlite" in backends:
        from ledger import scratch_dir

        bench_backend("sqlite", f"sqlite:///{scratch_dir.name}/bench-card-batches.db", args.cards)
    if "postgres" in backends:
        found = postgres_bench_url()
        if found is None:
            print("postgres: skipped (nothing answers at 127.0.0.1:5432)")
        else:
            url, admin_url = found
            try:
                bench_backend("postgres", url, args.cards)
            finally:
                drop_postgres_bench(admin_url)
    return 0


if __name__ == "__main__":
    sys.exit(main())

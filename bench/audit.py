"""How the audit trail reads at scale: pages, filters and the filter menus over 1,000,000
audit events of two operators (half each) on PostgreSQL.

    python bench/audit.py [--events 1000000]

Seeding (not timed) writes the events with one INSERT ... SELECT generate_series into a
scratch database `giftnet_audit_bench_<pid>` at 127.0.0.1:5432 (dropped at the end): one
per second going back from now, six actions, five people and an API key. Then each
reading is timed as the screen calls it (best of 5): the first page, a page 10,000 rows
deep, an action family, one action, a family and an action only the other operator has,
one actor, a day three days back, the filter menus and the empty-state check. Figures, not pass/fail; they move with the machine's load.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("GIFTNET_DATA_DIR", tempfile.mkdtemp(prefix="giftnet-audit-bench-"))
os.environ.setdefault("SECRET_KEY", "bench-secret-key-not-for-production")

from sqlalchemy import create_engine, text

ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
DATABASE = f"giftnet_audit_bench_{os.getpid()}"

SEED = """
INSERT INTO audit_event (operator_id, created_at, user_id, actor, action, target_type, target_id, summary, changes, ip)
SELECT CASE WHEN g % 2 = 0 THEN :alpha ELSE :beta END,
       now() - ((:n - g) || ' seconds')::interval,
       NULL,
       CASE WHEN g % 7 = 0 THEN 'API key gk_bench0000…' ELSE 'person' || (g % 5) || '@example.com' END,
       (ARRAY['card.frozen', 'card.unfrozen', 'settings.changed', 'user.signed_in', 'payout.paid',
              'location.updated'])[1 + g % 6],
       'card', (g % 1000)::text, 'event ' || g, '{"status": ["active", "frozen"]}', ''
FROM generate_series(1, :n) g
"""


def best_ms(call, runs: int = 5) -> float:  # noqa: ANN001
    call()
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        timings.append(time.perf_counter() - started)
    return min(timings) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    args = parser.parse_args()

    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{DATABASE}"'))
    os.environ["DATABASE_URL"] = ADMIN_URL.rsplit("/", 1)[0] + f"/{DATABASE}"
    try:
        run(args.events)
    finally:
        from app.db import dispose_engines

        dispose_engines()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))


def run(events: int) -> None:
    from app.db import write_session
    from app.migrations import migrate
    from app.models.base import utcnow
    from app.services.access import accounts, audit_trail
    from app.services.core.actor import Actor

    migrate()
    alpha, alpha_owner = accounts.sign_up(operator_name="Alpha", email="alpha@example.com",
                                          password="bench password long enough")
    beta, _ = accounts.sign_up(operator_name="Beta", email="beta@example.com", password="bench password long enough")
    started = time.perf_counter()
    with write_session() as session:
        session.execute(text(SEED), {"alpha": alpha.id, "beta": beta.id, "n": events})
    with write_session() as session:
        session.execute(text("ANALYZE audit_event"))
    print(f"seeded {events:,} events in {time.perf_counter() - started:.1f} s")

    owner = Actor(alpha.id, user_id=alpha_owner.id)
    deep = audit_trail.list_events(owner, limit=200)
    for _ in range(49):
        deep = audit_trail.list_events(owner, limit=200, cursor=deep.next_cursor)
    now = utcnow()
    readings = {
        "first page (50)": lambda: audit_trail.list_events(owner),
        "page 10,000 rows deep": lambda: audit_trail.list_events(owner, cursor=deep.next_cursor),
        "action family card.": lambda: audit_trail.list_events(owner, action="card."),
        "one action (payout.paid)": lambda: audit_trail.list_events(owner, action="payout.paid"),
        "a family only the other has": lambda: audit_trail.list_events(owner, action="location."),
        "an action only the other has": lambda: audit_trail.list_events(owner, action="card.unfrozen"),
        "one actor (an API key)": lambda: audit_trail.list_events(owner, who="API key gk_bench0000…"),
        "a day, three days back": lambda: audit_trail.list_events(owner, since=now - timedelta(days=4),
                                                            until=now - timedelta(days=3)),
        "filter menus": lambda: audit_trail.filter_choices(owner),
        "has events": lambda: audit_trail.has_events(owner),
    }
    for label, call in readings.items():
        print(f"{label:28s} {best_ms(call):8.1f} ms")


if __name__ == "__main__":
    main()

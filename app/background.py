"""The background jobs: email outbox (with SMTP_URL), webhook deliveries, the expiry of
unclaimed POS payments, the owners' daily summaries, the scheduled payout runs and bank
files sent by SFTP.

Every job claims its rows (`FOR UPDATE SKIP LOCKED` on PostgreSQL, SQLite's write lock,
and a conditional UPDATE on both), so any number of processes may run them at once and
each message goes out once. Where they run (BACKGROUND_JOBS):
- `workers` (the default): every app worker runs them as lifespan tasks;
- `off`: the app workers do not; a separate `python -m app.cli jobs` process does
  (docs/deployment.md), so web workers only serve requests.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from app.db import background_work
from app.services.counter import pos_payments
from app.services.messaging import outbox, webhooks
from app.services.reporting import daily_summary, rollup_fold
from app.services.settlement import delivery as payout_delivery
from app.services.settlement import schedules
from app.settings import get_settings

log = logging.getLogger(__name__)
EXPIRY_POLL_SECONDS = 5.0


async def expire_pos_payments_forever(poll_seconds: float = EXPIRY_POLL_SECONDS) -> None:
    while True:
        try:
            await asyncio.to_thread(pos_payments.expire_due)
        except Exception:  # a failed pass must not stop the next ones
            log.exception("POS payment expiry pass failed")
        await asyncio.sleep(poll_seconds)


def jobs() -> list[Callable[[], Awaitable[None]]]:
    """The job loops this configuration runs (the outbox sender only with a mail server:
    without one, emails stay in the outbox for the dashboard)."""
    loops: list[Callable[[], Awaitable[None]]] = [
        webhooks.deliver_forever, expire_pos_payments_forever, daily_summary.send_forever,
        rollup_fold.fold_forever,  # ledger rollups for the dashboard and reports (claims by watermark)
        schedules.run_forever,  # scheduled payout batches and their bank files (claims a run per operator and day)
        payout_delivery.deliver_forever,  # bank files to the bank's SFTP server (claims each attempt)
    ]
    if get_settings().smtp_url:
        loops.insert(0, outbox.deliver_forever)
    return [_in_background(loop) for loop in loops]


def _in_background(loop: Callable[[], Awaitable[None]]) -> Callable[[], Awaitable[None]]:
    """The job loop marked as background work: with SQLite in the app's own workers, its write
    transactions wait for the requests' ones (app/db.py `background_work`)."""

    async def marked() -> None:
        background_work()
        await loop()

    marked.__name__, marked.__module__ = loop.__name__, loop.__module__
    marked.__wrapped__ = loop  # which loop it runs, for whoever lists the jobs
    return marked


def run_in_workers() -> bool:
    """Whether the app workers run the jobs themselves (BACKGROUND_JOBS, default `workers`)."""
    setting = get_settings().background_jobs
    if setting not in ("workers", "off"):
        raise SystemExit(f"BACKGROUND_JOBS must be 'workers' or 'off', not {setting!r}.")
    return setting == "workers"


async def run_forever() -> None:
    """`python -m app.cli jobs`: every job loop in this one process, until stopped."""
    loops = jobs()
    log.info("background jobs: %s", ", ".join(f"{job.__module__}.{job.__name__}" for job in loops))
    await asyncio.gather(*(job() for job in loops))

"""Periodic jobs every app worker runs (each claims its rows, so several workers never
do one job twice): webhook deliveries and the expiry of unclaimed POS payments."""

from __future__ import annotations

import asyncio
import logging

from app.services import pos_payments

log = logging.getLogger(__name__)
EXPIRY_POLL_SECONDS = 5.0


async def expire_pos_payments_forever(poll_seconds: float = EXPIRY_POLL_SECONDS) -> None:
    while True:
        try:
            await asyncio.to_thread(pos_payments.expire_due)
        except Exception:  # a failed pass must not stop the next ones
            log.exception("POS payment expiry pass failed")
        await asyncio.sleep(poll_seconds)

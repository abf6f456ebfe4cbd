"""Live screens: services publish events, and every open screen of a location (or of
an operator's dashboard) changes by itself.

Each redemption screen links a small shared state to the token `location-<id>`;
when a POS payment arrives, is applied, expires or is cancelled, the bridge below
reloads that location's pending payments from the database (the source of truth)
into the shared state, and Reflex sends the change to every linked tab, on this
worker or, with Redis, on any other.

Events are published from worker threads (FastAPI runs sync routes in a thread
pool), so the bridge hands the update to the app's event loop.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC

import reflex as rx
from reflex.istate.manager.token import BaseStateToken

from app.services import events, pos_payments
from app.services.money import format_cents

log = logging.getLogger(__name__)
POS_EVENTS = {"pos_payment.received", "pos_payment.applied", "pos_payment.expired", "pos_payment.cancelled"}


@dataclass
class PendingPaymentRow:
    id: int = 0
    amount: str = ""
    amount_cents: int = 0
    reference: str = ""
    terminal: str = ""
    created_iso: str = ""


def pending_rows(location_id: int) -> list[PendingPaymentRow]:
    return [
        PendingPaymentRow(
            id=payment.id,
            amount=format_cents(payment.amount_cents),
            amount_cents=payment.amount_cents,
            reference=payment.reference,
            terminal=payment.terminal_id or "",
            created_iso=payment.created_at.replace(tzinfo=payment.created_at.tzinfo or UTC).isoformat(),
        )
        for payment in pos_payments.pending_payments(location_id)
    ]


def location_token(location_id: int) -> str:
    return f"location-{location_id}"  # no underscore: Reflex refuses it in link tokens


class LocationInbox(rx.SharedState):
    """What every redemption screen of one location shares: its pending POS payments."""

    payments: list[PendingPaymentRow] = []


async def refresh_location_inbox(app: rx.App, location_id: int) -> None:
    rows = await asyncio.to_thread(pending_rows, location_id)
    async with app.modify_state(BaseStateToken(ident=location_token(location_id), cls=LocationInbox)) as root:
        inbox = await root.get_state(LocationInbox)
        inbox.payments = rows


class LiveBridge:
    """Subscribed to the event bus while the app runs; forwards events to shared states."""

    def __init__(self, app: rx.App) -> None:
        self.app = app
        self.loop: asyncio.AbstractEventLoop | None = None

    def on_event(self, event: events.Event) -> None:
        if self.loop is None or event.type not in POS_EVENTS:
            return
        location_id = event.data.get("location_id")
        if not location_id:
            return
        future = asyncio.run_coroutine_threadsafe(refresh_location_inbox(self.app, location_id), self.loop)
        future.add_done_callback(_log_failure)

    async def run(self) -> None:
        """A lifespan task: capture the loop, subscribe, stay until the app stops."""
        self.loop = asyncio.get_running_loop()
        unsubscribe = events.subscribe(self.on_event)
        try:
            while True:
                await asyncio.sleep(3600)
        finally:
            unsubscribe()


def _log_failure(future) -> None:  # noqa: ANN001
    if future.exception() is not None:
        log.warning("live update failed: %s", future.exception())

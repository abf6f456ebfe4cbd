"""Live counter screens: a POS payment pushed to the API shows on every open
redemption screen of its location by itself.

Each screen keeps its location's pending payments in its own per-tab state
(`PosInbox`), loaded from the database on every page load (the database stays the
source of truth). Each worker keeps a registry of its own tabs: location id -> the
client tokens of the tabs of this worker that show the location's /redeem
(registered by the page's on_load, which Reflex runs again on every websocket
reconnect; a tab whose websocket has gone is dropped).

On a `pos_payment.*` event the worker reads the location's pending payments once
and writes them into every registered tab of that location at the same time, each
under its own lock (`asyncio.gather` of `app.modify_state`). So the delay no longer
grows with the screens, as it did while every tab was linked to one shared state
whose lock Reflex took once per tab in turn.

Across workers (REDIS_URL): the worker where the event happened also publishes
"location X changed" on a Redis pub/sub channel (`<REDIS_PREFIX>pos:location-changed`);
every worker subscribes and refreshes its own tabs of X. A worker skips its own
messages (it refreshed its tabs already). A message lost while a worker reconnects
costs only liveness: the next event, or the next page load, reads the database again.

A `location.updated` event (its name or switches changed: app/services/network/counter_modes.py
`publish_location_updated`) takes the same path with the kind "settings": the location is read
once (with its items when it takes them) and every open counter of it shows the change, no
reload; the message across workers carries that kind (a message without one is "pos").

Events are published from worker threads (FastAPI runs sync routes in a thread
pool), so the bridge hands them to the app's event loop. Per location, refreshes run
one at a time: an event arriving during a refresh queues one more pass (bursts
coalesce), so an older read never lands after a newer one.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC

import reflex as rx
from reflex.istate.manager.token import BaseStateToken

from app.services.core import events
from app.services.core.i18n import format_money
from app.services.core.money import format_cents
from app.services.counter import pos_payments, pos_refunds

log = logging.getLogger(__name__)
POS_EVENTS = {"pos_payment.received", "pos_payment.applied", "pos_payment.expired", "pos_payment.cancelled",
              "pos_payment.amended", "pos_payment.refund_owed", "pos_payment.refunded"}
LOCATION_EVENTS = {"location.updated"}
POS, SETTINGS = "pos", "settings"  # what changed at a location: its POS payments, or the location itself
CHANNEL = "pos:location-changed"  # after the deployment's REDIS_PREFIX
PRUNE_SECONDS = 60  # how often tabs whose websocket has gone leave the registry


@dataclass
class PendingPaymentRow:
    id: int = 0
    amount: str = ""
    amount_fr: str = ""  # the same amount as a French counter writes it
    amount_cents: int = 0
    reference: str = ""
    terminal: str = ""
    created_iso: str = ""
    is_test: bool = False  # the setup guide's "Send a test payment": shown as TEST, never applied


def pending_rows(location_id: int) -> list[PendingPaymentRow]:
    return [
        PendingPaymentRow(
            id=payment.id,
            amount=format_cents(payment.amount_cents),
            amount_fr=format_money(payment.amount_cents, None, "fr"),
            amount_cents=payment.amount_cents,
            reference=payment.reference,
            terminal=payment.terminal_id or "",
            created_iso=payment.created_at.replace(tzinfo=payment.created_at.tzinfo or UTC).isoformat(),
            is_test=payment.source == "test",
        )
        for payment in pos_payments.pending_payments(location_id)
    ]


@dataclass
class OwedRefundRow:
    """A refund the POS made of a payment already applied: the counter gives it back to the card."""

    id: int = 0
    amount: str = ""
    amount_fr: str = ""
    card: str = ""  # "•••• 1234"
    source: str = ""  # "Square"
    reference: str = ""


def owed_refund_rows(location_id: int) -> list[OwedRefundRow]:
    return [OwedRefundRow(id=refund.refund_id, amount=format_cents(refund.amount_cents),
                          amount_fr=format_money(refund.amount_cents, None, "fr"), card=f"•••• {refund.last4}",
                          source=refund.source.capitalize(), reference=refund.reference)
            for refund in pos_refunds.owed_on_counter(location_id)]


# --- the tabs of this worker ----------------------------------------------------------


class ScreenRegistry:
    """location id -> client tokens of this worker's tabs showing that location's /redeem.

    Touched only from the event loop (on_load handlers, the bridge), so no lock."""

    def __init__(self) -> None:
        self._tokens: dict[int, set[str]] = {}
        self._location_of: dict[str, int] = {}

    def add(self, location_id: int, token: str) -> None:
        previous = self._location_of.get(token)
        if previous is not None and previous != location_id:
            self.remove(token)
        self._tokens.setdefault(location_id, set()).add(token)
        self._location_of[token] = location_id

    def remove(self, token: str) -> None:
        location_id = self._location_of.pop(token, None)
        if location_id is None:
            return
        tokens = self._tokens.get(location_id)
        if tokens is not None:
            tokens.discard(token)
            if not tokens:
                del self._tokens[location_id]

    def tokens(self, location_id: int) -> list[str]:
        return list(self._tokens.get(location_id, ()))

    def prune(self, connected: Callable[[str], bool]) -> None:
        for token in [token for token in self._location_of if not connected(token)]:
            self.remove(token)

    def __len__(self) -> int:
        return len(self._location_of)


screens = ScreenRegistry()  # one per process: each Granian worker has its own


def connected_here(app: rx.App) -> Callable[[str], bool]:
    """Whether a client token has its websocket on this worker, now.

    With Redis, Reflex's token manager also caches records of sockets on other
    workers: only records of this instance count."""
    namespace = app.event_namespace
    if namespace is None:
        return lambda token: False
    manager = getattr(namespace, "_token_manager", None)
    records = getattr(manager, "token_to_socket", None)
    instance_id = getattr(manager, "instance_id", None)
    if records is None or instance_id is None:
        sids = namespace.token_to_sid
        return lambda token: token in sids
    return lambda token: (record := records.get(token)) is not None and record.instance_id == instance_id


# --- the per-tab state ----------------------------------------------------------------


class PosInbox(rx.State):
    """One redemption screen's copy of its location's pending POS payments."""

    payments: list[PendingPaymentRow] = []
    refunds: list[OwedRefundRow] = []  # to give back to cards (app/state/counter_refunds.py)
    _location_id: int = 0

    @rx.var
    def real_payment_count(self) -> int:
        """Payments waiting for SELECT (a setup guide's test payment is not one)."""
        return sum(1 for payment in self.payments if not payment.is_test)

    async def _show_location(self, location_id: int) -> None:
        """Called by the screen's on_load: register this tab, then read the payments (in
        that order, so an event between the two cannot be missed)."""
        self._location_id = location_id
        screens.add(location_id, self.router.session.client_token)
        self.payments = await asyncio.to_thread(pending_rows, location_id)
        self.refunds = await asyncio.to_thread(owed_refund_rows, location_id)

    def _forget_location(self) -> None:
        """The device lost the screen: no more payments here."""
        screens.remove(self.router.session.client_token)
        self._location_id = 0
        self.payments = []
        self.refunds = []


# --- the bridge -----------------------------------------------------------------------


def channel() -> str:
    from app.settings import get_settings

    return get_settings().redis_prefix + CHANNEL


class LiveBridge:
    """Subscribed to the event bus (and, with Redis, to the channel) while the app runs;
    refreshes this worker's screens of a location when its POS payments change."""

    def __init__(self, app: rx.App) -> None:
        self.app = app
        self.loop: asyncio.AbstractEventLoop | None = None
        self.origin = ""  # this process's id in the channel's messages (set in run)
        self._publisher = None  # redis.asyncio client, with REDIS_URL
        self._running: dict[int, asyncio.Task] = {}  # POS payments, by location
        self._again: set[int] = set()
        self._running_settings: dict[int, asyncio.Task] = {}  # the location itself (name, switches)
        self._again_settings: set[int] = set()
        self._tasks: set[asyncio.Task] = set()

    # --- events, from any thread

    def on_event(self, event: events.Event) -> None:
        if self.loop is None:
            return
        kind = POS if event.type in POS_EVENTS else SETTINGS if event.type in LOCATION_EVENTS else None
        location_id = event.data.get("location_id")
        if kind is None or not location_id:
            return
        self.loop.call_soon_threadsafe(self.location_changed, int(location_id), kind)

    # --- on the event loop

    def location_changed(self, location_id: int, kind: str = POS, *, announce: bool = True) -> None:
        """Refresh this worker's screens of the location; tell the other workers."""
        if announce and self._publisher is not None:
            self._spawn(self._announce(location_id, kind))
        self._dispatch(location_id, kind)

    def _dispatch(self, location_id: int, kind: str) -> None:
        if kind == SETTINGS:
            self.refresh_counters(location_id)
        else:
            self.refresh(location_id)

    def refresh(self, location_id: int) -> None:
        """The location's POS payments (and refunds owed) on its screens."""
        self._coalesced(self._running, self._again, location_id, self._refresh_screens)

    def refresh_counters(self, location_id: int) -> None:
        """The location's name and switches on its screens."""
        self._coalesced(self._running_settings, self._again_settings, location_id, self._refresh_counters)

    def _coalesced(self, running: dict[int, asyncio.Task], again: set[int], location_id: int,
                   work: Callable[[int], Awaitable[None]]) -> None:
        if location_id in running:
            again.add(location_id)  # one more pass once the running one is done
            return
        task = asyncio.get_running_loop().create_task(self._until_settled(running, again, location_id, work))
        running[location_id] = task
        task.add_done_callback(_log_failure)

    @staticmethod
    async def _until_settled(running: dict[int, asyncio.Task], again: set[int], location_id: int,
                             work: Callable[[int], Awaitable[None]]) -> None:
        try:
            while True:
                again.discard(location_id)
                await work(location_id)
                if location_id not in again:
                    return
        finally:
            running.pop(location_id, None)

    def _connected_tokens(self, location_id: int) -> list[str]:
        here = connected_here(self.app)
        tokens = []
        for token in screens.tokens(location_id):
            if here(token):
                tokens.append(token)
            else:
                screens.remove(token)
        return tokens

    async def _refresh_screens(self, location_id: int) -> None:
        tokens = self._connected_tokens(location_id)
        if not tokens:
            return
        rows = await asyncio.to_thread(pending_rows, location_id)  # once for every tab
        refunds = await asyncio.to_thread(owed_refund_rows, location_id)
        results = await asyncio.gather(*(self._update(token, location_id, rows, refunds) for token in tokens),
                                       return_exceptions=True)
        for token, result in zip(tokens, results, strict=True):
            if isinstance(result, BaseException):
                log.warning("live update of a screen of location %s failed: %r", location_id, result)

    async def _update(self, token: str, location_id: int, rows: list[PendingPaymentRow],
                      refunds: list[OwedRefundRow]) -> None:
        async with self.app.modify_state(BaseStateToken(ident=token, cls=PosInbox)) as root:
            inbox = await root.get_state(PosInbox)
            if inbox._location_id != location_id:  # noqa: SLF001 - backend-only, underscored so Reflex keeps it from the browser; the tab moved on (another device, a revoked one)
                screens.remove(token)
                return
            inbox.payments = list(rows)
            inbox.refunds = list(refunds)

    async def _refresh_counters(self, location_id: int) -> None:
        """The location itself changed (name, switches): every open counter of it shows it now."""
        # The counter's state module imports this one (PosInbox): imported when first needed.
        from app.state.redeem import RedeemState, read_counter_update

        tokens = self._connected_tokens(location_id)
        if not tokens:
            return
        update = await asyncio.to_thread(read_counter_update, location_id)  # once for every tab
        if update is None:
            return

        async def show(token: str) -> None:
            async with self.app.modify_state(BaseStateToken(ident=token, cls=RedeemState)) as root:
                counter = await root.get_state(RedeemState)
                if counter.location_id == location_id and counter.status == "active":
                    counter._apply_location(update)  # noqa: SLF001 - backend-only (underscored: kept from the browser)

        results = await asyncio.gather(*(show(token) for token in tokens), return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException):
                log.warning("live update of a counter of location %s failed: %r", location_id, result)

    # --- across workers (REDIS_URL)

    async def _announce(self, location_id: int, kind: str = POS) -> None:
        message = json.dumps({"location_id": location_id, "kind": kind, "origin": self.origin}, separators=(",", ":"))
        try:
            await self._publisher.publish(channel(), message)
        except Exception:  # the other workers' screens catch up at the next event or load
            log.warning("location %s changed: not announced to the other workers (Redis did not answer)",
                        location_id, exc_info=True)

    def on_message(self, raw: bytes | str) -> None:
        try:
            message = json.loads(raw)
            location_id, origin = int(message["location_id"]), str(message["origin"])
            kind = SETTINGS if message.get("kind") == SETTINGS else POS
        except (ValueError, KeyError, TypeError, AttributeError):
            log.warning("live bridge: dropped an unreadable message")
            return
        if origin != self.origin:  # our own: refreshed already
            self._dispatch(location_id, kind)

    async def _listen(self, url: str) -> None:
        import redis.asyncio as aioredis

        # No read timeout (the channel may be quiet for hours); keepalive notices a dead peer.
        client = aioredis.Redis.from_url(url, socket_connect_timeout=3, socket_keepalive=True)
        try:
            while True:
                try:
                    async with client.pubsub(ignore_subscribe_messages=True) as pubsub:
                        await pubsub.subscribe(channel())
                        async for message in pubsub.listen():
                            if message.get("type") == "message":
                                self.on_message(message["data"])
                except asyncio.CancelledError:
                    raise
                except Exception:  # Redis restarting: subscribe again shortly
                    log.warning("live bridge: Redis channel lost; subscribing again", exc_info=True)
                    await asyncio.sleep(1)
        finally:
            await client.aclose()

    async def _prune_forever(self) -> None:
        while True:
            await asyncio.sleep(PRUNE_SECONDS)
            screens.prune(connected_here(self.app))

    def _spawn(self, coroutine) -> None:  # noqa: ANN001
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def run(self) -> None:
        """A lifespan task: capture the loop, subscribe, stay until the app stops."""
        from app.settings import get_settings

        self.loop = asyncio.get_running_loop()
        self.origin = f"{os.getpid()}-{uuid.uuid4().hex[:12]}"
        url = get_settings().redis_url
        background = [self.loop.create_task(self._prune_forever())]
        if url:
            import redis.asyncio as aioredis

            self._publisher = aioredis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=2)
            background.append(self.loop.create_task(self._listen(url)))
        unsubscribe = events.subscribe(self.on_event)
        try:
            await asyncio.gather(*background)
        finally:
            unsubscribe()
            for task in background:
                task.cancel()
            if self._publisher is not None:
                await self._publisher.aclose()
                self._publisher = None


def _log_failure(task: asyncio.Task) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.warning("live update failed: %s", task.exception())

"""Live counter screens: a POS payment pushed to the API shows on every open
redemption screen of its location by itself.

Work once per location per worker, not per screen. Each worker keeps, per location
with screens open here, one view of its pending payments and refunds owed
(`LocationInboxes`, read from the database, the source of truth) and the
websockets of those screens in one socket.io room (`pos-location-<id>`, joined by
the page's on_load, which Reflex runs again on every websocket reconnect; socket.io
drops a closed websocket from its rooms by itself). On a `pos_payment.*` event the
worker reads the location's view once, builds its state delta once, and socket.io
encodes that one packet once and writes it to every websocket of the room: no
per-screen state load, lock or write in Redis, no per-screen database read.

So the screens' lists are not stored in each tab's state: `PosInbox.payments`,
`refunds` and `real_payment_count` stay at their defaults in the state store, and
their values reach the browser only as these deltas (the page load sends the view
to its own websocket the same way). Whatever the counter's handlers need of them
(SELECT a payment, Dismiss, give a refund back) they read from this worker's view
(`PosInbox._waiting_payment` ...), which is what the screen shows. A reconnect
hydrates the lists empty for the moment until its on_load sends the view again.

Page loads coalesce too: a load waits for a database read that started after it
registered (joining one not yet started), so 50 screens opening together cost a few
reads, not 50, and no event between the registration and the read can be missed.

Across workers (REDIS_URL): the worker where the event happened also publishes
"location X changed" on a Redis pub/sub channel (`<REDIS_PREFIX>pos:location-changed`);
every worker subscribes and refreshes its own room of X (one read each). A worker skips
its own messages (it refreshed its screens already). A message lost while a worker
reconnects costs only liveness: the next event, or the next page load, reads the
database again. A worker with no screen of X reads nothing and drops its view of X.

A `location.updated` event (its name or switches changed: app/services/network/counter_modes.py
`publish_location_updated`) takes the same path with the kind "settings": the location is read
once (with its items when it takes them) and every open counter of it shows the change, no
reload (this one writes each counter's `RedeemState`: rare, and it changes many of its vars);
the message across workers carries that kind (a message without one is "pos").

Events are published from worker threads (FastAPI runs sync routes in a thread
pool), so the bridge hands them to the app's event loop. Per location, refreshes run
one at a time: an event arriving during a refresh queues one more pass (bursts
coalesce), and a room is always sent the newest view, so an older read never lands
after a newer one.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC

import reflex as rx
from reflex.istate.manager.token import BaseStateToken
from reflex.state import StateUpdate
from reflex_base.constants.state import FIELD_MARKER

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


# --- one view per location, per worker ----------------------------------------------


@dataclass
class InboxView:
    """What every screen of one location shows: read once, its delta built once."""

    payments: list[PendingPaymentRow] = field(default_factory=list)
    refunds: list[OwedRefundRow] = field(default_factory=list)

    @property
    def real_payment_count(self) -> int:
        """Payments waiting for SELECT (a setup guide's test payment is not one)."""
        return sum(1 for payment in self.payments if not payment.is_test)

    def delta(self) -> dict:
        """The state delta that shows this view on a screen (`PosInbox`'s vars, as Reflex names them)."""
        cached = self.__dict__.get("_delta")
        if cached is None:
            cached = {PosInbox.get_full_name(): {
                "payments" + FIELD_MARKER: [asdict(row) for row in self.payments],
                "refunds" + FIELD_MARKER: [asdict(row) for row in self.refunds],
                "real_payment_count" + FIELD_MARKER: self.real_payment_count,
            }}
            self.__dict__["_delta"] = cached
        return cached

    def without_refund(self, refund_id: int) -> InboxView:
        return InboxView(payments=self.payments, refunds=[row for row in self.refunds if row.id != refund_id])


def read_view(location_id: int) -> InboxView:
    return InboxView(payments=pending_rows(location_id), refunds=owed_refund_rows(location_id))


class LocationInboxes:
    """location id -> this worker's newest view of it. Reads run one at a time per location;
    `fresh` answers a view read after it was called, joining a read queued but not started."""

    def __init__(self) -> None:
        self.views: dict[int, InboxView] = {}
        self.reads = 0  # database reads so far (the tests count them)
        self._queued: dict[int, asyncio.Future] = {}
        self._running: dict[int, asyncio.Task] = {}

    async def fresh(self, location_id: int) -> InboxView:
        queued = self._queued.get(location_id)
        if queued is None:
            queued = asyncio.get_running_loop().create_future()
            self._queued[location_id] = queued
            if location_id not in self._running:
                self._running[location_id] = asyncio.get_running_loop().create_task(self._read_queued(location_id))
        return await asyncio.shield(queued)

    async def current(self, location_id: int) -> InboxView:
        """The view kept up to date by the events (read now if this worker holds none)."""
        view = self.views.get(location_id)
        return view if view is not None else await self.fresh(location_id)

    def forget(self, location_id: int) -> None:
        """No screen of the location here any more: its view would only go stale."""
        self.views.pop(location_id, None)

    async def _read_queued(self, location_id: int) -> None:
        try:
            while (future := self._queued.pop(location_id, None)) is not None:
                self.reads += 1
                try:
                    view = await asyncio.to_thread(read_view, location_id)
                except Exception as error:  # noqa: BLE001 - handed to every waiter
                    future.set_exception(error)
                    future.exception()  # retrieved here too: no "never retrieved" warning without waiters
                    continue
                self.views[location_id] = view
                future.set_result(view)
        finally:
            self._running.pop(location_id, None)


inboxes = LocationInboxes()  # one per process: each Granian worker has its own
current_bridge: LiveBridge | None = None  # this worker's running bridge (None in tests of states alone)


def room(location_id: int) -> str:
    return f"pos-location-{location_id}"


# --- the per-tab state ----------------------------------------------------------------


class PosInbox(rx.State):
    """One redemption screen's pending POS payments and refunds owed.

    The lists reach the browser as deltas sent to the location's room (see the module
    docstring); in the state store they stay at their defaults."""

    payments: list[PendingPaymentRow] = []
    refunds: list[OwedRefundRow] = []  # to give back to cards (app/state/counter_refunds.py)
    real_payment_count: int = 0  # payments waiting for SELECT (a setup guide's test payment is not one)
    _location_id: int = 0

    async def _show_location(self, location_id: int) -> None:
        """Called by the screen's on_load: join the location's room, then read (in that
        order, so an event between the two cannot be missed) and show the view."""
        token = self.router.session.client_token
        bridge = current_bridge
        if bridge is None:  # no running app (a state under test): the lists go in the state
            self._location_id = location_id
            self._set_view(await inboxes.fresh(location_id))
            return
        await bridge.join(token, self.router.session.session_id, location_id, previous=self._location_id)
        self._location_id = location_id
        screens.add(location_id, token)
        await bridge.views.fresh(location_id)
        # The newest view (a push's read may have landed meanwhile), to this tab's websocket only.
        await bridge.show_to_tab(token, self.router.session.session_id, bridge.views.views.get(location_id))

    async def _forget_location(self) -> None:
        """The device lost the screen: no more payments here."""
        token = self.router.session.client_token
        if current_bridge is not None and self._location_id:
            await current_bridge.leave(token, self.router.session.session_id, self._location_id)
        screens.remove(token)
        self._location_id = 0
        self._set_view(InboxView())

    def _set_view(self, view: InboxView) -> None:
        self.payments, self.refunds, self.real_payment_count = list(view.payments), list(view.refunds), \
            view.real_payment_count

    async def _view(self) -> InboxView:
        if not self._location_id:
            return InboxView()
        if current_bridge is None:
            return InboxView(payments=list(self.payments), refunds=list(self.refunds))
        return await current_bridge.views.current(self._location_id)

    async def _waiting_payment(self, payment_id: int) -> PendingPaymentRow | None:
        """The payment as this screen shows it, if it still waits."""
        return next((row for row in (await self._view()).payments if row.id == payment_id), None)

    async def _owed_refund(self, refund_id: int) -> OwedRefundRow | None:
        return next((row for row in (await self._view()).refunds if row.id == refund_id), None)

    async def _hide_refund(self, refund_id: int) -> None:
        """Given back from this screen: gone from it now (the event's refresh agrees shortly)."""
        view = (await self._view()).without_refund(refund_id)
        if current_bridge is None:
            self._set_view(view)
        else:
            await current_bridge.show_to_tab(self.router.session.client_token, self.router.session.session_id, view)


# --- the bridge -----------------------------------------------------------------------


def channel() -> str:
    from app.settings import get_settings

    return get_settings().redis_prefix + CHANNEL


class LiveBridge:
    """Subscribed to the event bus (and, with Redis, to the channel) while the app runs;
    refreshes this worker's screens of a location when its POS payments change."""

    def __init__(self, app: rx.App, views: LocationInboxes | None = None) -> None:
        self.app = app
        self.views = views if views is not None else inboxes
        self.loop: asyncio.AbstractEventLoop | None = None
        self.origin = ""  # this process's id in the channel's messages (set in run)
        self._publisher = None  # redis.asyncio client, with REDIS_URL
        self._running: dict[int, asyncio.Task] = {}  # POS payments, by location
        self._again: set[int] = set()
        self._running_settings: dict[int, asyncio.Task] = {}  # the location itself (name, switches)
        self._again_settings: set[int] = set()
        self._tasks: set[asyncio.Task] = set()
        self._sent: dict[int, InboxView] = {}  # the view each room was sent last
        self.room_sends = 0  # deltas sent to rooms (the tests count them)

    # --- the rooms (socket.io, this worker's websockets only)

    def _namespace(self):
        return self.app.event_namespace

    def _sid(self, token: str, session_id: str) -> str:
        """The websocket of a tab on this worker now (its session id from the event otherwise)."""
        namespace = self._namespace()
        manager = getattr(namespace, "_token_manager", None)
        record = getattr(manager, "token_to_socket", {}).get(token)
        if record is not None and record.instance_id == getattr(manager, "instance_id", None):
            return record.sid
        return session_id

    def room_size(self, location_id: int) -> int:
        namespace = self._namespace()
        if namespace is None:
            return 0
        rooms = namespace.server.manager.rooms.get(namespace.namespace, {})
        return len(rooms.get(room(location_id), ()))

    async def join(self, token: str, session_id: str, location_id: int, *, previous: int = 0) -> None:
        namespace = self._namespace()
        sid = self._sid(token, session_id)
        if namespace is None or not sid:
            return
        if previous and previous != location_id:
            await namespace.leave_room(sid, room(previous))
        await namespace.enter_room(sid, room(location_id))

    async def leave(self, token: str, session_id: str, location_id: int) -> None:
        namespace = self._namespace()
        sid = self._sid(token, session_id)
        if namespace is not None and sid:
            await namespace.leave_room(sid, room(location_id))

    async def show_to_tab(self, token: str, session_id: str, view: InboxView | None) -> None:
        namespace = self._namespace()
        sid = self._sid(token, session_id)
        if namespace is None or not sid or view is None:
            return
        await namespace.emit(str(rx.constants.SocketEvent.EVENT), StateUpdate(delta=view.delta()), to=sid)

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
        """One read, one delta, one packet for the location's room on this worker."""
        if not self.room_size(location_id):
            self.views.forget(location_id)
            self._sent.pop(location_id, None)
            return
        await self.views.fresh(location_id)
        await self._send_newest(location_id)

    async def _send_newest(self, location_id: int) -> None:
        view = self.views.views.get(location_id)
        if view is None or self._sent.get(location_id) is view:
            return  # sent already (a page load's read that this refresh joined)
        self._sent[location_id] = view
        self.room_sends += 1
        namespace = self._namespace()
        await namespace.emit(str(rx.constants.SocketEvent.EVENT), StateUpdate(delta=view.delta()),
                             to=room(location_id))

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

        global current_bridge
        self.loop = asyncio.get_running_loop()
        current_bridge = self
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
            if current_bridge is self:
                current_bridge = None
            unsubscribe()
            for task in background:
                task.cancel()
            if self._publisher is not None:
                await self._publisher.aclose()
                self._publisher = None


def _log_failure(task: asyncio.Task) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.warning("live update failed: %s", task.exception())

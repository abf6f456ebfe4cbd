"""The counter screens' live bridge (app/state/live.py), without a browser.

Real socket.io rooms and packet encoding (python-socketio's AsyncServer, the one Reflex
runs) with the engine.io transport replaced by a recorder, so these tests pin the
bridge's own rules: one database read per location per worker however many screens
show it, one delta encoded once and written to every websocket of the location's room,
screens of other locations left alone, a tab that moves to another location leaves the
first room, a burst of events during a refresh ends with exactly one more pass, page
loads coalesce into one read that started after they joined, and with Redis a change
is announced to the other workers and ignored by the worker that announced it (real
Redis pub/sub). The browser side is in tests/e2e/test_redemption_screen.py and
test_two_workers.py.
"""

from __future__ import annotations

import asyncio
import json
import os
import threading
import uuid
from types import SimpleNamespace

import pytest
import socketio
from reflex_base.constants.state import FIELD_MARKER
from reflex_base.utils import format

from app.settings import get_settings
from app.state import live
from tests.support.async_runner import run_in_thread

NAMESPACE = "/_event"


class RecordingServer(socketio.AsyncServer):
    """python-socketio's server with the websocket writes recorded instead of sent."""

    def __init__(self) -> None:
        super().__init__(async_mode="asgi", json=SimpleNamespace(dumps=format.json_dumps, loads=json.loads))
        self.sent: list[tuple[str, object]] = []  # (engine.io sid, the encoded packet's data)

    async def _send_eio_packet(self, eio_sid, eio_pkt):
        self.sent.append((eio_sid, eio_pkt.data))


class FakeApp:
    """What the bridge uses of `rx.App`: the event namespace (real rooms) and its token manager."""

    def __init__(self) -> None:
        self.server = RecordingServer()
        namespace = socketio.AsyncNamespace(NAMESPACE)
        self.server.register_namespace(namespace)
        namespace._token_manager = SimpleNamespace(token_to_socket={}, instance_id="this-worker")
        namespace.token_to_sid = {}
        self.event_namespace = namespace
        self.eio_of: dict[str, str] = {}  # socket.io sid -> engine.io sid

    async def connect(self, token: str) -> str:
        eio_sid = f"eio-{token}"
        sid = await self.server.manager.connect(eio_sid, NAMESPACE)
        self.eio_of[sid] = eio_sid
        self.event_namespace._token_manager.token_to_socket[token] = SimpleNamespace(
            instance_id="this-worker", sid=sid)
        self.event_namespace.token_to_sid[token] = sid
        return sid

    def received(self, token: str) -> list[dict]:
        """The state updates written to a tab's websocket, decoded."""
        eio_sid = f"eio-{token}"
        updates = []
        for to, data in self.server.sent:
            if to == eio_sid:
                event, update = json.loads(data[data.index("["):])
                assert event == "event"
                updates.append(update)
        return updates


def shown_ids(update: dict) -> list[int]:
    return [row["id"] for row in update["delta"][live.PosInbox.get_full_name()]["payments" + FIELD_MARKER]]


@pytest.fixture
def registry(monkeypatch):
    fresh = live.ScreenRegistry()
    monkeypatch.setattr(live, "screens", fresh)
    return fresh


def rows_reader(monkeypatch, reads: list[int], seconds: float = 0.0):
    def pending_rows(location_id: int) -> list[live.PendingPaymentRow]:
        reads.append(location_id)
        if seconds:
            threading.Event().wait(seconds)
        return [live.PendingPaymentRow(id=len(reads), amount="$1.00", amount_cents=100)]

    monkeypatch.setattr(live, "pending_rows", pending_rows)
    monkeypatch.setattr(live, "owed_refund_rows", lambda location_id: [
        live.OwedRefundRow(id=location_id, amount="$5.00", card="•••• 1234", source="Square", reference="R-1")])


def test_the_registry_keeps_one_location_per_tab_and_prunes_gone_tabs(registry):
    registry.add(1, "tab-a")
    registry.add(1, "tab-b")
    registry.add(2, "tab-c")
    registry.add(2, "tab-a")  # the tab now shows location 2 (another device's secret)
    assert sorted(registry.tokens(1)) == ["tab-b"]
    assert sorted(registry.tokens(2)) == ["tab-a", "tab-c"]
    registry.prune(lambda token: token != "tab-c")
    assert registry.tokens(2) == ["tab-a"]
    registry.remove("tab-b")
    registry.remove("tab-b")  # twice: nothing to do
    assert registry.tokens(1) == [] and len(registry) == 1


def test_fifty_screens_of_a_location_cost_one_read_and_one_encoded_delta(registry, monkeypatch):
    reads: list[int] = []
    rows_reader(monkeypatch, reads)
    app = FakeApp()
    bridge = live.LiveBridge(app, live.LocationInboxes())
    tabs = [f"tab-{n}" for n in range(50)]

    async def scenario() -> None:
        for token in tabs:
            await bridge.join(token, await app.connect(token), 7)
        await bridge.join("elsewhere", await app.connect("elsewhere"), 9)
        await bridge.join("moved-on", await app.connect("moved-on"), 7)
        await bridge.join("moved-on", "", 8, previous=7)  # the tab shows location 8 now
        assert bridge.room_size(7) == 50 and bridge.room_size(8) == 1
        bridge.refresh(7)
        await bridge._running[7]

    run_in_thread(scenario())
    assert reads == [7]  # once for all 50 screens
    assert bridge.views.reads == 1 and bridge.room_sends == 1
    # The same encoded packet written to each of the 50 websockets of the room, and to no other.
    assert sorted(to for to, _ in app.server.sent) == sorted(f"eio-{token}" for token in tabs)
    assert len({id(data) for _, data in app.server.sent}) == 1
    for token in tabs:
        [update] = app.received(token)
        assert shown_ids(update) == [1]
        inbox = update["delta"][live.PosInbox.get_full_name()]
        # The refunds owed to cards ride with the same delta (app/state/counter_refunds.py gives them back).
        assert [row["card"] for row in inbox["refunds" + FIELD_MARKER]] == ["•••• 1234"]
        assert inbox["real_payment_count" + FIELD_MARKER] == 1
    assert app.received("elsewhere") == [] and app.received("moved-on") == []


def test_three_workers_read_once_each(registry, monkeypatch):
    reads: list[int] = []
    rows_reader(monkeypatch, reads)
    workers = [FakeApp() for _ in range(3)]
    bridges = [live.LiveBridge(app, live.LocationInboxes()) for app in workers]

    async def scenario() -> None:
        for number, (app, bridge) in enumerate(zip(workers, bridges, strict=True)):
            for screen in range(20):
                token = f"w{number}-{screen}"
                await bridge.join(token, await app.connect(token), 4)
        for bridge in bridges:  # the event where it happened, the announcement on the others
            bridge.refresh(4)
        await asyncio.gather(*(bridge._running[4] for bridge in bridges))

    run_in_thread(scenario())
    assert reads == [4, 4, 4]  # one per worker, not one per screen (60)
    assert all(len(app.server.sent) == 20 for app in workers)


def test_a_worker_without_screens_of_the_location_reads_nothing_and_drops_its_view(registry, monkeypatch):
    reads: list[int] = []
    rows_reader(monkeypatch, reads)
    bridge = live.LiveBridge(FakeApp(), live.LocationInboxes())
    bridge.views.views[3] = live.InboxView()  # from screens since closed

    async def scenario() -> None:
        bridge.refresh(3)
        await bridge._running[3]

    run_in_thread(scenario())
    assert reads == [] and 3 not in bridge.views.views


def test_events_during_a_refresh_queue_exactly_one_more_pass_with_the_newest_rows(registry, monkeypatch):
    reads: list[int] = []
    rows_reader(monkeypatch, reads, seconds=0.1)
    app = FakeApp()
    bridge = live.LiveBridge(app, live.LocationInboxes())

    async def scenario() -> None:
        await bridge.join("tab", await app.connect("tab"), 5)
        bridge.refresh(5)
        first = bridge._running[5]
        await asyncio.sleep(0.02)  # the first pass reads now
        for _ in range(4):
            bridge.refresh(5)  # a burst: coalesced into one more pass
        assert bridge._running[5] is first
        await first
        assert 5 not in bridge._running

    run_in_thread(scenario())
    assert reads == [5, 5]
    assert [shown_ids(update) for update in app.received("tab")] == [[1], [2]]  # the later read landed last


def test_page_loads_together_share_one_read_that_started_after_they_asked(monkeypatch):
    reads: list[int] = []
    rows_reader(monkeypatch, reads, seconds=0.1)
    views = live.LocationInboxes()

    async def scenario() -> tuple[list[live.InboxView], live.InboxView]:
        together = await asyncio.gather(*(views.fresh(6) for _ in range(30)))
        running = asyncio.get_running_loop().create_task(views.fresh(6))
        await asyncio.sleep(0.03)  # that read runs now: a load arriving now needs a later one
        late = await asyncio.gather(views.fresh(6), views.fresh(6))
        await running
        assert late[0] is late[1]
        return together, late[0]

    together, late = run_in_thread(scenario())
    assert len({id(view) for view in together}) == 1 and [row.id for row in together[0].payments] == [1]
    assert [row.id for row in late.payments] == [3]  # read 2 was under way when it asked
    assert reads == [6, 6, 6] and views.reads == 3
    assert views.views[6] is late


def a_tab(token: str) -> live.PosInbox:
    """A counter tab's PosInbox; its websocket is found by its token (as the bridge finds it)."""
    from reflex.istate.data import RouterData
    from reflex_base import constants

    inbox = live.PosInbox(_reflex_internal_init=True)
    inbox.router = RouterData.from_router_data({constants.RouteVar.CLIENT_TOKEN: token})
    return inbox


def test_a_page_load_joins_the_room_and_the_counter_reads_the_workers_view_not_its_own_copy(registry, monkeypatch):
    reads: list[int] = []
    rows_reader(monkeypatch, reads)
    app = FakeApp()
    bridge = live.LiveBridge(app, live.LocationInboxes())
    monkeypatch.setattr(live, "inboxes", bridge.views)
    monkeypatch.setattr(live, "current_bridge", bridge)

    first, second = a_tab("tab-1"), a_tab("tab-2")

    async def scenario() -> tuple:
        await app.connect("tab-1")
        await app.connect("tab-2")
        await asyncio.gather(first._show_location(7), second._show_location(7))  # two screens load together
        loaded = bridge.room_size(7)
        bridge.refresh(7)  # a push
        await bridge._running[7]
        waiting = await first._waiting_payment(2), await first._waiting_payment(1)
        await second._show_location(8)  # the second screen's device now belongs to location 8
        await first._forget_location()  # the first one's device was revoked
        return loaded, waiting

    loaded, (waiting, gone) = run_in_thread(scenario())
    assert loaded == 2 and reads == [7, 7, 8]  # one read for both loads, one for the push, one for location 8
    # Each load sent the view to its own websocket; the push went to the room once.
    assert [shown_ids(update) for update in app.received("tab-1")] == [[1], [2]]
    assert [shown_ids(update) for update in app.received("tab-2")] == [[1], [2], [3]]
    # SELECT / Dismiss find the payment the screen shows, in this worker's view ...
    assert waiting is not None and waiting.id == 2 and gone is None
    # ... while the tab's own state stores no copy that could go stale (nothing to save in Redis).
    assert first.payments == [] and "payments" not in second.dirty_vars and second.payments == []
    assert bridge.room_size(7) == 0 and bridge.room_size(8) == 1 and registry.tokens(7) == []


def test_with_redis_a_change_reaches_the_other_workers_once_and_not_the_announcer_twice(registry, monkeypatch):
    import redis

    url = os.environ.get("TEST_REDIS_URL") or "redis://127.0.0.1:6379/0"
    client = redis.Redis.from_url(url, socket_connect_timeout=2)
    try:
        client.ping()
    except Exception as error:  # noqa: BLE001
        pytest.skip(f"Redis does not answer at {url}: {error}")
    prefix = f"giftnet-test-{uuid.uuid4().hex[:8]}:"
    monkeypatch.setenv("REDIS_URL", url)
    monkeypatch.setenv("REDIS_PREFIX", prefix)
    get_settings.cache_clear()
    refreshed: dict[str, list[int]] = {"a": [], "b": [], "c": []}
    bridges = {name: live.LiveBridge(FakeApp()) for name in refreshed}
    for name, bridge in bridges.items():
        monkeypatch.setattr(bridge, "refresh", refreshed[name].append)

    async def scenario() -> None:
        tasks = [asyncio.get_running_loop().create_task(bridge.run()) for bridge in bridges.values()]
        try:
            for _ in range(100):  # until all three listen
                if client.pubsub_numsub(live.channel())[0][1] == 3:
                    break
                await asyncio.sleep(0.05)
            else:
                raise AssertionError("the bridges never subscribed")
            assert len({bridge.origin for bridge in bridges.values()}) == 3
            bridges["a"].location_changed(41)
            bridges["b"].location_changed(42, announce=False)  # a refresh of its own only
            for _ in range(100):
                if refreshed["b"] == [42, 41] and refreshed["c"] == [41]:
                    break
                await asyncio.sleep(0.02)
            await asyncio.sleep(0.2)  # a second delivery would land by now
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    try:
        run_in_thread(scenario())
    finally:
        monkeypatch.delenv("REDIS_URL")
        monkeypatch.delenv("REDIS_PREFIX")
        get_settings.cache_clear()
    assert refreshed == {"a": [41], "b": [42, 41], "c": [41]}

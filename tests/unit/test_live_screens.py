"""The counter screens' live bridge (app/state/live.py), without a browser.

The Reflex app is replaced by a small stand-in (its token manager and `modify_state`),
so these tests pin the bridge's own rules: the rows are read once per refresh, every
registered tab of this worker is written at the same time, tabs whose websocket is gone
(or that show another location now) leave the registry, a burst of events during a
refresh ends with exactly one more pass, and with Redis a change is announced to the
other workers and ignored by the worker that announced it (real Redis pub/sub).
The browser side is in tests/e2e/test_redemption_screen.py and test_two_workers.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import uuid
from types import SimpleNamespace

import pytest

from app.settings import get_settings
from app.state import live
from tests.support.async_runner import run_in_thread


class FakeApp:
    """What the bridge uses of `rx.App`: the token manager's socket records and modify_state."""

    def __init__(self, connected: list[str], location_of: dict[str, int], hold_seconds: float = 0.05) -> None:
        instance = "this-worker"
        records = {token: SimpleNamespace(instance_id=instance, sid=f"sid-{token}") for token in connected}
        self.event_namespace = SimpleNamespace(
            _token_manager=SimpleNamespace(token_to_socket=records, instance_id=instance),
            token_to_sid={token: record.sid for token, record in records.items()},
        )
        self.inboxes = {token: SimpleNamespace(_location_id=location_id, payments=[])
                        for token, location_id in location_of.items()}
        self.hold_seconds = hold_seconds
        self.inside = 0
        self.most_inside = 0
        self.written: list[str] = []

    @contextlib.asynccontextmanager
    async def modify_state(self, token):
        assert token.cls is live.PosInbox
        inbox = self.inboxes[token.ident]

        async def get_state(cls):
            assert cls is live.PosInbox
            return inbox

        self.inside += 1
        self.most_inside = max(self.most_inside, self.inside)
        try:
            await asyncio.sleep(self.hold_seconds)  # a tab's lock, read and write in Redis
            before = inbox.payments
            yield SimpleNamespace(get_state=get_state)
            if inbox.payments is not before:
                self.written.append(token.ident)
        finally:
            self.inside -= 1


@pytest.fixture
def registry(monkeypatch):
    fresh = live.ScreenRegistry()
    monkeypatch.setattr(live, "screens", fresh)
    return fresh


def rows_reader(monkeypatch, reads: list[int]):
    def pending_rows(location_id: int) -> list[live.PendingPaymentRow]:
        reads.append(location_id)
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


def test_one_read_then_every_tab_of_the_location_at_once(registry, monkeypatch):
    reads: list[int] = []
    rows_reader(monkeypatch, reads)
    tabs = [f"tab-{n}" for n in range(20)]
    app = FakeApp(connected=[*tabs, "moved-on", "other-location"],
                  location_of={**dict.fromkeys(tabs, 7), "moved-on": 8, "other-location": 9, "gone": 7})
    for token in [*tabs, "moved-on", "gone"]:
        registry.add(7, token)  # "moved-on" registered for 7 once, its state shows 8 now
    registry.add(9, "other-location")
    bridge = live.LiveBridge(app)

    async def scenario() -> float:
        loop = asyncio.get_running_loop()
        started = loop.time()
        bridge.refresh(7)
        await bridge._running[7]
        return loop.time() - started

    elapsed = run_in_thread(scenario())
    assert reads == [7]  # once for all 20 tabs
    assert sorted(app.written) == sorted(tabs)
    assert all([row.id for row in app.inboxes[token].payments] == [1] for token in tabs)
    # The refunds owed to cards ride with the same refresh (app/state/counter_refunds.py gives them back).
    assert all([row.card for row in app.inboxes[token].refunds] == ["•••• 1234"] for token in tabs)
    assert app.inboxes["other-location"].payments == [] and app.inboxes["moved-on"].payments == []
    # All at the same time, not one after another ("moved-on" is opened too, then left alone).
    assert app.most_inside == len(tabs) + 1
    assert elapsed < 10 * app.hold_seconds, elapsed
    # The tab without a websocket here and the one showing another location left the registry.
    assert sorted(registry.tokens(7)) == sorted(tabs)
    assert registry.tokens(9) == ["other-location"]


def test_a_worker_without_tabs_of_the_location_reads_nothing(registry, monkeypatch):
    reads: list[int] = []
    rows_reader(monkeypatch, reads)
    bridge = live.LiveBridge(FakeApp(connected=[], location_of={}))

    async def scenario() -> None:
        bridge.refresh(3)
        await bridge._running[3]

    run_in_thread(scenario())
    assert reads == []


def test_events_during_a_refresh_queue_exactly_one_more_pass_with_the_newest_rows(registry, monkeypatch):
    reads: list[int] = []
    rows_reader(monkeypatch, reads)
    app = FakeApp(connected=["tab"], location_of={"tab": 5}, hold_seconds=0.1)
    registry.add(5, "tab")
    bridge = live.LiveBridge(app)

    async def scenario() -> None:
        bridge.refresh(5)
        first = bridge._running[5]
        await asyncio.sleep(0.02)  # the first pass holds the tab now
        for _ in range(4):
            bridge.refresh(5)  # a burst: coalesced into one more pass
        assert bridge._running[5] is first
        await first
        assert 5 not in bridge._running

    run_in_thread(scenario())
    assert reads == [5, 5]
    assert [row.id for row in app.inboxes["tab"].payments] == [2]  # the later read landed last


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
    bridges = {name: live.LiveBridge(FakeApp(connected=[], location_of={})) for name in refreshed}
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

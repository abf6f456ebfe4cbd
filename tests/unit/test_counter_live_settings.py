"""A change of the location reaches its open counters without a reload (app/state/live.py,
`refresh_counters`; app/state/redeem.py, `_apply_location`), without a browser: the
location is read once for all of this worker's counters of it, each shows the new name
and switches, a counter of another location is left alone, and a message from another
worker says which kind of change it carries."""

from __future__ import annotations

import contextlib
from types import SimpleNamespace

import pytest

from app.services.network.counter_modes import CounterSettings
from app.state import live, redeem
from tests.support.async_runner import run_in_thread


def settings(**changed) -> CounterSettings:
    values = dict(operator_id=1, location_id=7, name="Rose & Thorn", mode="items", active=True,
                  accepts_pos_payments=False, accepts_typed_amounts=True, accepts_items=True)
    return CounterSettings(**{**values, **changed})


class FakeCounter:
    """What `_apply_location` touches of a RedeemState."""

    _apply_location = redeem.RedeemState._apply_location
    _show_items = redeem.RedeemState._show_items

    def __init__(self, location_id: int, *, card_id: int = 0) -> None:
        self.location_id, self.status, self.card_id = location_id, "active", card_id
        self.location_name, self.mode = "Rose Florist", "pos"
        self.accepts_pos, self.accepts_amount, self.accepts_items = True, True, False
        self.type_amount_anyway = True
        self.item_rows, self.items_source, self.items_error, self.use_amount_pad = [], "", "", True

    @property
    def card_open(self) -> bool:
        return self.card_id > 0


class FakeApp:
    def __init__(self, counters: dict[str, FakeCounter]) -> None:
        records = {token: SimpleNamespace(instance_id="here", sid=token) for token in counters}
        self.event_namespace = SimpleNamespace(
            _token_manager=SimpleNamespace(token_to_socket=records, instance_id="here"), token_to_sid={})
        self.counters = counters

    @contextlib.asynccontextmanager
    async def modify_state(self, token):
        assert token.cls is redeem.RedeemState
        counter = self.counters[token.ident]

        async def get_state(cls):
            assert cls is redeem.RedeemState
            return counter

        yield SimpleNamespace(get_state=get_state)


@pytest.fixture
def registry(monkeypatch):
    fresh = live.ScreenRegistry()
    monkeypatch.setattr(live, "screens", fresh)
    return fresh


def test_every_open_counter_of_the_location_shows_its_new_name_and_switches_read_once(registry, monkeypatch):
    bagel = redeem.ItemRow(key="i1", name="Bagel", price="$3.50", price_cents=350)
    reads: list[int] = []

    def read_counter_update(location_id: int) -> redeem.CounterUpdate:
        reads.append(location_id)
        return redeem.CounterUpdate(settings(), redeem.CounterItems([bagel], "catalog"))

    monkeypatch.setattr(redeem, "read_counter_update", read_counter_update)
    counters = {"front": FakeCounter(7), "back": FakeCounter(7, card_id=3), "florist": FakeCounter(8)}
    for token, counter in counters.items():
        registry.add(counter.location_id, token)
    bridge = live.LiveBridge(FakeApp(counters))

    async def scenario() -> None:
        bridge.refresh_counters(7)
        await bridge._running_settings[7]

    run_in_thread(scenario())

    assert reads == [7]
    for token in ("front", "back"):
        counter = counters[token]
        assert (counter.location_name, counter.accepts_pos, counter.accepts_amount, counter.accepts_items) == (
            "Rose & Thorn", False, True, True)
        assert counter.type_amount_anyway is False
        assert [row.name for row in counter.item_rows] == ["Bagel"]  # items switched on: offered now
        assert counter.use_amount_pad is False
    assert counters["florist"].location_name == "Rose Florist"  # another location's counter


def test_a_basket_being_chosen_is_kept_when_the_items_switch_did_not_move(registry):
    counter = FakeCounter(7, card_id=3)
    counter.accepts_items = True
    chosen = redeem.ItemRow(key="i1", name="Bagel", price="$3.50", price_cents=350, quantity=2)
    counter.item_rows, counter.use_amount_pad = [chosen], False

    counter._apply_location(redeem.CounterUpdate(settings(name="Corner Deli"), redeem.CounterItems([], "catalog")))

    assert counter.location_name == "Corner Deli"
    assert counter.item_rows == [chosen]


def test_a_message_from_another_worker_says_which_change_it_carries(monkeypatch):
    bridge = live.LiveBridge(FakeApp({}))
    bridge.origin = "this-worker"
    payments: list[int] = []
    counters: list[int] = []
    monkeypatch.setattr(bridge, "refresh", payments.append)
    monkeypatch.setattr(bridge, "refresh_counters", counters.append)

    bridge.on_message('{"location_id": 4, "kind": "settings", "origin": "other"}')
    bridge.on_message('{"location_id": 5, "origin": "other"}')  # from a worker before kinds: POS payments
    bridge.on_message('{"location_id": 6, "kind": "settings", "origin": "this-worker"}')  # our own

    assert (counters, payments) == ([4], [5])

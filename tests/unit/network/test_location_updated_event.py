"""A change of what an open counter shows of its location (name, switches, items webhook,
active) is published as `location.updated` once committed, so the counters refresh
without a reload (app/state/live.py); other changes are not announced. SQLite and PostgreSQL."""

from __future__ import annotations

from app.services.network import counter_modes, locations, pos_keys
from tests.support.counter import open_location


def location_events(published) -> list[dict]:
    return [event.data for event in published if event.type == "location.updated"]


def test_a_switch_or_name_change_is_announced_to_the_counters_naming_what_changed(make_operator, published):
    owner = make_operator()
    location = open_location(owner, "Rose Florist")

    locations.update_location(owner.actor, location.id, {"accepts_items": True, "name": "Rose & Thorn"})

    assert location_events(published) == [{"location_id": location.id, "changed": ["name", "accepts_items"]}]


def test_a_change_no_counter_shows_is_not_announced(make_operator, published):
    owner = make_operator()
    location = open_location(owner, "Rose Florist")

    locations.update_location(owner.actor, location.id, {"phone": "+1 555 0100"})
    locations.update_location(owner.actor, location.id, {"accepts_typed_amounts": True})  # as it was

    assert location_events(published) == []


def test_a_pos_key_that_turns_pos_payments_on_is_announced_once(make_operator, published):
    owner = make_operator()
    location = open_location(owner, "Book Nook")

    pos_keys.create_pos_key(owner.actor, location.id, "Till 1")
    pos_keys.create_pos_key(owner.actor, location.id, "Till 2")  # already on: nothing changes

    assert location_events(published) == [{"location_id": location.id, "changed": ["accepts_pos_payments"]}]


def test_the_counter_settings_are_read_as_they_stand(make_operator):
    owner = make_operator()
    location = open_location(owner, "Corner Deli", mode="items")

    settings = counter_modes.counter_settings(location.id)

    assert (settings.operator_id, settings.name, settings.mode) == (owner.operator.id, "Corner Deli", "items")
    assert (settings.accepts_pos_payments, settings.accepts_typed_amounts, settings.accepts_items) == (False, True, True)
    assert counter_modes.counter_settings(10**9) is None

"""Who acts: an actor copied for another place keeps who it is (its role among them)."""

from __future__ import annotations

from dataclasses import fields

from app.services.core.actor import Actor


def test_an_actor_moved_to_a_location_keeps_its_role_and_everything_else():
    staff = Actor(7, user_id=3, api_key_id=None, location_id=None, device_id=None, channel="dashboard", role="staff")

    at_the_counter = staff.at_location(12)

    assert at_the_counter.location_id == 12
    assert at_the_counter.role == "staff"
    kept = [field.name for field in fields(Actor) if field.name != "location_id"]
    assert {name: getattr(at_the_counter, name) for name in kept} == {name: getattr(staff, name) for name in kept}
    assert staff.location_id is None  # the original is unchanged

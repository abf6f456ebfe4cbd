"""What a location's counter accepts: three switches instead of one exclusive mode, the old
`mode` still working (and derived), a POS key turning POS payments on, and the migration of
the modes stored before. Every test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlmodel import select

from alembic import command
from app.db import dispose_engines, read_session
from app.migrations import alembic_config
from app.models import AuditEvent, Location
from app.services.core.errors import ErrorCode, GiftnetError
from app.services.network import counter_modes, locations, pos_keys
from app.services.network.devices import resolve_device
from tests.support.counter import open_location
from tests.support.services import refused


def switches(location: Location) -> tuple[bool, bool, bool]:
    return location.accepts_pos_payments, location.accepts_typed_amounts, location.accepts_items


def stored(location_id: int) -> Location:
    with read_session() as session:
        return session.get(Location, location_id)


def audit_actions(operator_id: int) -> list[tuple[str, str]]:
    with read_session() as session:
        return [(event.action, event.summary) for event in session.exec(
            select(AuditEvent).where(AuditEvent.operator_id == operator_id).order_by(AuditEvent.id)).all()]


@pytest.mark.parametrize(("mode", "expected"), [
    ("amount", (False, True, False)),
    ("items", (False, True, True)),
    ("pos", (True, True, False)),  # a POS counter keeps the typed-amount fallback
])
def test_the_old_mode_sets_the_switches_and_reads_the_same(make_operator, mode, expected):
    owner = make_operator()
    location = open_location(owner, f"{mode.title()} Shop", mode=mode)

    assert switches(stored(location.id)) == expected
    assert stored(location.id).mode == mode


def test_a_new_location_takes_typed_amounts_unless_told_otherwise(make_operator):
    location = open_location(make_operator(), "Plain Shop")

    assert switches(stored(location.id)) == (False, True, False)
    assert stored(location.id).mode == "amount"


def test_switches_given_beside_the_mode_win(make_operator):
    owner = make_operator()
    pos_only = open_location(owner, "Strict Till", mode="pos", accepts_typed_amounts=False)
    everything = open_location(owner, "Busy Deli", accepts_pos_payments=True, accepts_items="yes")

    assert switches(stored(pos_only.id)) == (True, False, False)
    assert switches(stored(everything.id)) == (True, True, True)
    assert stored(everything.id).mode == "pos"  # POS wins the one-word mode


def test_a_counter_that_would_accept_nothing_is_refused(make_operator):
    owner = make_operator()
    nothing = refused(locations.create_location, owner.actor,
                      {"name": "Closed Counter", "email": "closed@example.com", "accepts_typed_amounts": False})
    location = open_location(owner, "Corner Bakery")
    turned_off = refused(locations.update_location, owner.actor, location.id, {"accepts_typed_amounts": False})

    for error in (nothing, turned_off):
        assert (error.code, error.field) == (ErrorCode.invalid_input, "accepts_typed_amounts")
        assert error.message == counter_modes.NOTHING_ACCEPTED
    assert switches(stored(location.id)) == (False, True, False)  # the refused change changed nothing


def test_a_switch_that_is_not_true_or_false_is_refused(make_operator):
    error = refused(locations.create_location, make_operator().actor,
                    {"name": "Odd Shop", "email": "odd@example.com", "accepts_items": "sometimes"})

    assert (error.code, error.field) == (ErrorCode.invalid_input, "accepts_items")


def test_turning_the_fallback_off_keeps_pos_payments_on(make_operator):
    owner = make_operator()
    location = open_location(owner, "Hardware Hank", mode="pos")

    locations.update_location(owner.actor, location.id, {"accepts_typed_amounts": False})

    assert switches(stored(location.id)) == (True, False, False)
    assert ("location.updated", "Location “Hardware Hank” updated: accepts_typed_amounts") in audit_actions(
        owner.operator.id)


def test_the_list_filters_by_the_derived_mode(make_operator):
    owner = make_operator()
    till = open_location(owner, "Till Shop", mode="pos")
    both = open_location(owner, "Deli With Till", accepts_pos_payments=True, accepts_items=True)
    cafe = open_location(owner, "Cafe", mode="items")
    books = open_location(owner, "Books")

    def found(mode: str) -> set[int]:
        return {location.id for location in locations.list_locations(owner.operator.id, mode=mode).locations}

    assert found("pos") == {till.id, both.id}
    assert found("items") == {cafe.id}
    assert found("amount") == {books.id}


def test_a_pos_key_turns_pos_payments_on_says_so_and_records_it(make_operator):
    owner = make_operator()
    location = open_location(owner, "Corner Bakery", mode="items")

    first = pos_keys.create_pos_key(owner.actor, location.id, "Till 1")
    second = pos_keys.create_pos_key(owner.actor, location.id, "Till 2")

    assert (first.pos_payments_turned_on, second.pos_payments_turned_on) == (True, False)
    assert first.notice == ("POS payments are now on at Corner Bakery: its counter screens show what the POS pushes. "
                            "Typed amounts stay on as a fallback while the POS is down.")
    assert second.notice is None
    assert switches(stored(location.id)) == (True, True, True)  # items and the fallback stay as they were
    enabled = [summary for action, summary in audit_actions(owner.operator.id)
               if action == "location.pos_payments_enabled"]
    assert enabled == ["POS payments turned on at “Corner Bakery”: POS key “Till 1” created"]


def test_enable_pos_payments_works_in_the_callers_transaction(make_operator):
    """What a POS partner's connection calls: on in one commit with the partner's own change."""
    from app.db import write_session

    owner = make_operator()
    location = open_location(owner, "Clover Cafe", accepts_typed_amounts=False, accepts_items=True)
    with pytest.raises(GiftnetError):
        with write_session() as session:
            counter_modes.enable_pos_payments(session, session.get(Location, location.id), "Clover connected")
            raise GiftnetError(ErrorCode.invalid_input, "The partner's settings were refused.")
    assert stored(location.id).accepts_pos_payments is False  # rolled back with the caller

    with write_session() as session:
        turned_on = counter_modes.enable_pos_payments(session, session.get(Location, location.id), "Clover connected")
    with write_session() as session:
        again = counter_modes.enable_pos_payments(session, session.get(Location, location.id), "Clover connected")

    assert (turned_on, again) == (True, False)
    assert switches(stored(location.id)) == (True, False, True)
    assert [action for action, _ in audit_actions(owner.operator.id)].count("location.pos_payments_enabled") == 1


def test_the_counter_device_knows_what_its_location_accepts(make_operator):
    from app.services.network import devices

    owner = make_operator()
    location = open_location(owner, "Deli", mode="pos", accepts_items=True)
    secret = devices.activate_device(devices.create_activation_link(owner.actor, location.id).token, "Front").secret

    context = resolve_device(secret)

    assert (context.accepts_pos_payments, context.accepts_typed_amounts, context.accepts_items) == (True, True, True)
    assert context.location_mode == "pos"


def test_describing_the_counter_names_the_fallback(make_operator):
    owner = make_operator()
    with_fallback = stored(open_location(owner, "Till A", mode="pos").id)
    strict = stored(open_location(owner, "Till B", mode="pos", accepts_typed_amounts=False).id)

    assert counter_modes.describe_counter(with_fallback) == (
        "The counter accepts payments from the location's POS and an amount typed at the counter. While no POS "
        "payment is waiting, the merchant can type an amount (if the POS is down).")
    assert counter_modes.describe_counter(strict).endswith(
        "No typed-amount fallback: when the POS is down, the counter cannot redeem.")


def test_migrating_keeps_what_each_stored_mode_meant(database, make_operator):
    """Locations stored with the old one-word mode come out of migration 0018 with the
    switches that give their counter what it offered, and the same derived mode."""
    owner = make_operator()
    dispose_engines()
    command.downgrade(alembic_config(), "0017")
    dispose_engines()
    engine = create_engine(database)
    try:
        with engine.begin() as connection:
            for name, mode in (("Old Till", "pos"), ("Old Cafe", "items"), ("Old Books", "amount")):
                connection.execute(text(
                    "INSERT INTO location (operator_id, name, email, mode, notify_items_email, active, "
                    "square_tender_type, created_at, updated_at) VALUES (:operator, :name, :email, :mode, :no, "
                    ":yes, 'OTHER_GIFT_CARD', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"),
                    {"operator": owner.operator.id, "name": name, "email": f"{mode}@example.com", "mode": mode,
                     "no": False, "yes": True})
    finally:
        engine.dispose()

    command.upgrade(alembic_config(), "head")
    dispose_engines()

    with read_session() as session:
        migrated = {location.name: (switches(location), location.mode)
                    for location in session.exec(select(Location)).all()}
    assert migrated == {
        "Old Till": ((True, True, False), "pos"),
        "Old Cafe": ((False, True, True), "items"),
        "Old Books": ((False, True, False), "amount"),
    }

    # And back: the derived mode is written into the old column again.
    dispose_engines()
    command.downgrade(alembic_config(), "0017")
    dispose_engines()
    engine = create_engine(database)
    try:
        with engine.connect() as connection:
            modes = dict(connection.execute(text("SELECT name, mode FROM location")).all())
    finally:
        engine.dispose()
    assert modes == {"Old Till": "pos", "Old Cafe": "items", "Old Books": "amount"}
    command.upgrade(alembic_config(), "head")
    dispose_engines()

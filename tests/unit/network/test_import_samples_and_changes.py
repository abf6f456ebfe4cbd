"""The import's template samples change nothing, and its preview names every location it
would change and what changes, field by field, bank details included (account numbers
by their last 4 only)."""

from __future__ import annotations

import csv
import io

from app.demo import seed_demo
from app.services.network import location_import, locations
from app.services.network.location_import import import_locations, template_csv

DEMO_LOCATIONS = ("DEMO-CAFE", "DEMO-HARDWARE", "DEMO-BOOKS")


def _csv(header: list[str], *rows: list[str]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


def _demo_actor():
    from sqlmodel import select

    from app.db import read_session
    from app.demo import DEMO_EMAIL
    from app.models import User
    from app.services.core.actor import Actor

    with read_session() as session:
        user = session.exec(select(User).where(User.email == DEMO_EMAIL)).one()
    return Actor(user.operator_id, user_id=user.id, role=user.role)


def _snapshot(operator_id: int) -> list[tuple]:
    return [(location.id, location.name, location.email, location.external_id, location.bank_country,
             location.account_number_encrypted, location.updated_at)
            for location in locations.list_locations(operator_id, limit=100).locations]


def test_the_template_imported_unchanged_into_the_demo_network_changes_nothing(database):
    seed_demo()
    actor = _demo_actor()
    before = _snapshot(actor.operator_id)
    template = template_csv().encode()

    preview = import_locations(actor, template, filename="giftnet-locations-template.csv", dry_run=True)
    done = import_locations(actor, template, filename="giftnet-locations-template.csv")

    for result in (preview, done):
        assert (result.ok, result.created, result.updated, result.skipped) == (True, 0, 0, 2)
        assert all(row.action == "skip" and "sample row" in row.skip_reason for row in result.rows)
    assert _snapshot(actor.operator_id) == before
    assert not any(external_id in template.decode() for external_id in DEMO_LOCATIONS)


def test_sample_rows_are_skipped_beside_real_rows_in_any_case(make_operator):
    owner = make_operator()
    result = import_locations(owner.actor, _csv(["name", "email", "external_id"],
                                                ["Sample shop", "sample@example.com", "sample-7"],
                                                ["Kiosk", "kiosk@example.com", "K-1"]))
    assert [(row.external_id, row.action) for row in result.rows] == [("sample-7", "skip"), ("K-1", "create")]
    assert (result.created, result.skipped) == (1, 1)
    assert location_import.count_locations(owner.operator.id) == 1


def test_the_preview_names_each_changed_location_and_each_field_with_the_account_by_its_last_4(make_operator):
    owner = make_operator()
    books = locations.create_location(owner.actor, {
        "name": "Main Street Books", "email": "books@example.com", "external_id": "MS-1", "bank_country": "US",
        "routing_number": "011000015", "account_number": "123456789"})
    locations.create_location(owner.actor, {"name": "Kiosk", "email": "kiosk@example.com", "external_id": "MS-2"})
    header = ["name", "email", "external_id", "bank_country", "routing_number", "account_number", "account_type"]
    content = _csv(header,
                   ["Main Street Books & Music", "books@example.com", "MS-1", "US", "011000028", "987654321", "savings"],
                   ["Kiosk", "kiosk@example.com", "MS-2", "", "", "", ""],
                   ["Bakery", "bakery@example.com", "MS-3", "", "", "", ""])

    preview = import_locations(owner.actor, content, dry_run=True)

    assert (preview.created, preview.updated, preview.unchanged) == (1, 2, 1)
    changed, kiosk, bakery = preview.rows
    assert (changed.action, changed.location_id, changed.location_name) == ("update", books.id, "Main Street Books")
    assert [(c.label, c.before, c.after) for c in changed.changes] == [
        ("Name", "Main Street Books", "Main Street Books & Music"),
        ("Routing number", "011000015", "011000028"),
        ("Account number", "•••• 6789", "•••• 4321"),
        ("Account type", "checking", "savings"),
    ]
    assert "123456789" not in repr(changed.changes) and "987654321" not in repr(changed.changes)
    assert (kiosk.action, kiosk.changes) == ("update", [])  # matched, changes nothing: not written
    assert bakery.action == "create"

    done = import_locations(owner.actor, content)
    assert (done.created, done.updated, done.unchanged) == (1, 2, 1)
    assert locations.get_location(owner.operator.id, books.id).account_last4 == "4321"


def test_empty_bank_columns_keep_the_bank_details_even_for_an_owner(make_operator):
    """An import never clears where a location is paid: an empty column means keep (the form clears)."""
    owner = make_operator()
    location = locations.create_location(owner.actor, {
        "name": "Cafe", "email": "cafe@example.com", "external_id": "C-1", "bank_country": "CA",
        "institution_number": "001", "transit_number": "00011", "account_number": "1234567"})
    content = _csv(["name", "email", "external_id", "bank_country", "institution_number", "transit_number",
                    "account_number"], ["Cafe", "cafe@example.com", "C-1", "", "", "", ""])

    [row] = import_locations(owner.actor, content, dry_run=True).rows
    assert row.changes == []
    assert import_locations(owner.actor, content).unchanged == 1

    kept = locations.get_location(owner.operator.id, location.id)
    assert (kept.bank_country, kept.institution_number, kept.transit_number, kept.account_last4) == \
        ("CA", "001", "00011", "4567")


def test_an_empty_yes_no_cell_means_no(make_operator):
    owner = make_operator()
    result = import_locations(owner.actor, _csv(["name", "email", "notify_items_email"], ["Kiosk", "kiosk@example.com", ""]))
    assert (result.ok, result.created) == (True, 1)
    assert locations.list_locations(owner.operator.id).locations[0].notify_items_email is False

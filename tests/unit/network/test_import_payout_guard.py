"""A staff member's CSV import cannot touch where or how much a location is paid.

Written as the attacker: a staff member (the dashboard's Actor, role read from the
database) uploads a file matching an existing location, once with the payout columns
empty (the old wipe) and once filled (a redirect of the payouts); each import is refused
or keeps the stored values, and the location's bank details and commission are unchanged.
"""

from __future__ import annotations

import csv
import io

from app.db import read_session, write_session
from app.models import Location, User
from app.services.core import crypto
from app.services.core.actor import Actor
from app.services.network import locations
from app.services.network.location_import import import_locations

HEADER = ["name", "email", "external_id", "commission_bps", "bank_country", "routing_number", "institution_number",
          "transit_number", "account_number", "account_type"]


def csv_bytes(*rows: list[str]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return out.getvalue().encode()


def paid_location(owner) -> Location:
    return locations.create_location(owner.actor, {
        "name": "Books on Main", "email": "books@example.com", "external_id": "MS-1", "commission_bps": 250,
        "bank_country": "US", "routing_number": "011401533", "account_number": "99887766", "account_type": "checking"})


def staff_of(owner) -> Actor:
    with write_session() as session:
        user = User(operator_id=owner.operator.id, email=f"staff-{owner.operator.id}@example.com", name="Sam Staff",
                    password_hash="!", role="staff")
        session.add(user)
        session.flush()
        return Actor(owner.operator.id, user_id=user.id, role="staff")


def payout_of(location_id: int) -> tuple:
    with read_session() as session:
        location = session.get(Location, location_id)
        return (location.bank_country, location.routing_number, crypto.decrypt(location.account_number_encrypted),
                location.account_last4, location.account_type, location.commission_bps, location.name)


def test_staff_import_with_empty_payout_columns_keeps_the_bank_details_and_commission(make_operator):
    owner = make_operator(currency="USD")
    location = paid_location(owner)
    before = payout_of(location.id)

    result = import_locations(staff_of(owner), csv_bytes(
        ["Books on Main Street", "books@example.com", "MS-1", "", "", "", "", "", "", ""]), filename="shops.csv")

    assert (result.ok, result.imported, result.updated) == (True, True, 1)
    assert [change.column for change in result.rows[0].changes] == ["name"]  # nothing else would change
    assert payout_of(location.id) == (*before[:-1], "Books on Main Street")
    assert before[:6] == ("US", "011401533", "99887766", "7766", "checking", 250)


def test_staff_import_with_filled_payout_columns_is_refused_cell_by_cell_and_changes_nothing(make_operator):
    owner = make_operator(currency="USD")
    location = paid_location(owner)
    before = payout_of(location.id)
    attack = csv_bytes(
        ["Books on Main", "books@example.com", "MS-1", "0", "US", "021000021", "", "", "12345678", "savings"],
        ["New Kiosk", "kiosk@example.com", "MS-2", "9000", "", "", "", "", "", ""])

    for dry_run in (True, False):
        result = import_locations(staff_of(owner) if not dry_run else Actor(owner.operator.id, role="staff"),
                                  attack, filename="shops.csv", dry_run=dry_run)
        assert (result.ok, result.imported) == (False, False)
        errors = [(row.row, error["column"]) for row in result.rows for error in row.errors]
        assert errors == [(2, "commission_bps"), (2, "bank_country"), (2, "routing_number"), (2, "account_number"),
                          (2, "account_type"), (3, "commission_bps")]
        assert all("Only an owner can set a location's bank details or commission" in error["message"]
                   and error["column"] in error["message"] for row in result.rows for error in row.errors)
    assert payout_of(location.id) == before
    with read_session() as session:
        assert session.query(Location).filter(Location.operator_id == owner.operator.id).count() == 1


def test_an_owner_import_with_empty_payout_columns_keeps_them_and_filled_ones_change_them(make_operator):
    owner = make_operator(currency="USD")
    location = paid_location(owner)
    before = payout_of(location.id)

    kept = import_locations(owner.actor, csv_bytes(
        ["Books on Main", "books@example.com", "MS-1", "", "", "", "", "", "", ""]), filename="shops.csv")
    assert (kept.ok, kept.imported, kept.unchanged) == (True, True, 1)
    assert payout_of(location.id) == before

    changed = import_locations(owner.actor, csv_bytes(
        ["Books on Main", "books@example.com", "MS-1", "300", "US", "021000021", "", "", "12345678", "savings"]))
    assert changed.imported
    assert payout_of(location.id) == ("US", "021000021", "12345678", "5678", "savings", 300, "Books on Main")


def test_a_half_filled_bank_row_is_still_checked_as_a_whole(make_operator):
    owner = make_operator(currency="USD")
    location = paid_location(owner)
    before = payout_of(location.id)

    result = import_locations(owner.actor, csv_bytes(
        ["Books on Main", "books@example.com", "MS-1", "", "", "", "", "", "12345678", ""]))

    assert not result.ok
    assert [(row.row, error["column"]) for row in result.rows for error in row.errors] == [(2, "bank_country")]
    assert payout_of(location.id) == before

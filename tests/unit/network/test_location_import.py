"""Importing the operator's file of businesses: every error named by row and column,
nothing written while any row is wrong, and a second import updates instead of duplicating."""

from __future__ import annotations

import csv
import io

import pytest

from app.services.core.errors import ErrorCode, GiftnetError
from app.services.network import location_import, locations
from app.services.network.location_import import MAX_FILE_BYTES, import_locations, template_csv

HEADER = ["name", "email", "external_id", "mode", "bank_country", "routing_number", "account_number"]
GOOD_ROWS = [
    ["Main Street Books", "books@example.com", "MS-001", "amount", "US", "011000015", "123456789"],
    ["Café du Coin", "cafe@example.com", "MS-002", "items", "", "", ""],
    ["Corner Hardware", "hardware@example.com", "MS-003", "pos", "", "", ""],
    ["River Bakery", "bakery@example.com", "MS-004", "amount", "", "", ""],
    ["Green Grocer", "grocer@example.com", "MS-005", "items", "", "", ""],
]


def csv_bytes(rows: list[list[str]], header: list[str] = HEADER) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def with_three_bad_rows() -> list[list[str]]:
    rows = [list(row) for row in GOOD_ROWS]
    rows[1][1] = "cafe.example.com"  # line 3: bad email
    rows[2][3] = "barter"  # line 4: unknown mode
    rows[4][5] = "011000016"  # line 6: bad routing check digit
    rows[4][4] = "US"
    return rows


def test_a_file_with_three_bad_rows_lists_all_three_errors_and_imports_nothing(make_operator):
    owner = make_operator()

    result = import_locations(owner.actor, csv_bytes(with_three_bad_rows()), filename="shops.csv")

    assert (result.ok, result.imported) == (False, False)
    errors = [(row.row, error["column"]) for row in result.rows for error in row.errors]
    assert errors == [(3, "email"), (4, "mode"), (6, "routing_number")]
    assert all(error["message"] for row in result.rows for error in row.errors)
    assert location_import.count_locations(owner.operator.id) == 0


def test_the_corrected_file_imports_every_row_and_a_second_import_updates_them(make_operator):
    owner = make_operator()
    content = csv_bytes(GOOD_ROWS)

    preview = import_locations(owner.actor, content, filename="shops.csv", dry_run=True)
    assert (preview.ok, preview.imported, preview.created, preview.updated) == (True, False, 5, 0)
    assert location_import.count_locations(owner.operator.id) == 0  # a preview writes nothing

    first = import_locations(owner.actor, content, filename="shops.csv")
    assert (first.ok, first.imported, first.created, first.updated) == (True, True, 5, 0)
    assert location_import.count_locations(owner.operator.id) == 5

    changed = [list(row) for row in GOOD_ROWS]
    changed[0][0] = "Main Street Books & Music"
    again = import_locations(owner.actor, csv_bytes(changed), filename="shops.csv")
    assert (again.created, again.updated, again.unchanged) == (0, 5, 4)  # only the renamed one is written
    assert location_import.count_locations(owner.operator.id) == 5
    found = locations.list_locations(owner.operator.id, query="MS-001").locations
    assert [location.name for location in found] == ["Main Street Books & Music"]
    assert found[0].account_last4 == "6789"


def test_rows_without_external_id_match_by_name_and_email(make_operator):
    owner = make_operator()
    content = csv_bytes([["Kiosk", "kiosk@example.com"]], header=["name", "email"])
    import_locations(owner.actor, content)
    assert import_locations(owner.actor, content).unchanged == 1
    assert location_import.count_locations(owner.operator.id) == 1


def test_a_duplicate_external_id_in_the_file_names_both_rows(make_operator):
    owner = make_operator()
    rows = [list(row) for row in GOOD_ROWS]
    rows[3][2] = "MS-001"
    result = import_locations(owner.actor, csv_bytes(rows))
    errors = [(row.row, error["column"], error["message"]) for row in result.rows for error in row.errors]
    assert errors == [(5, "external_id", "Duplicate external id: also on row 2.")]
    assert location_import.count_locations(owner.operator.id) == 0


def test_the_template_as_it_is_is_valid_and_its_sample_rows_are_skipped(make_operator):
    owner = make_operator()
    result = import_locations(owner.actor, template_csv().encode("utf-8"), filename="giftnet-locations-template.csv")
    assert (result.ok, result.created, result.updated, result.skipped) == (True, 0, 0, 2)
    assert [(row.action, row.external_id) for row in result.rows] == [("skip", "SAMPLE-1"), ("skip", "SAMPLE-2")]
    assert location_import.count_locations(owner.operator.id) == 0


def test_another_network_importing_the_same_external_ids_creates_its_own_locations(make_operator):
    first, second = make_operator("Downtown A"), make_operator("Uptown B")
    content = csv_bytes(GOOD_ROWS)
    import_locations(first.actor, content)
    result = import_locations(second.actor, content)
    assert (result.created, result.updated) == (5, 0)
    assert location_import.count_locations(first.operator.id) == 5
    assert locations.list_locations(first.operator.id, query="MS-001").locations[0].operator_id == first.operator.id


def test_progress_is_reported_up_to_the_end(make_operator):
    owner = make_operator()
    rows = [[f"Shop {n}", f"shop{n}@example.com", f"S-{n}", "amount", "", "", ""] for n in range(1200)]
    seen: list[tuple[int, int]] = []
    for dry_run in (True, False):
        seen.clear()
        import_locations(owner.actor, csv_bytes(rows), dry_run=dry_run, progress=lambda done, total: seen.append((done, total)))
        assert seen[-1][0] == seen[-1][1] == 2400
        assert [done for done, _ in seen] == sorted(done for done, _ in seen)
    assert location_import.count_locations(owner.operator.id) == 1200


@pytest.mark.parametrize(
    ("content", "filename", "says"),
    [
        (b"", "shops.csv", "empty"),
        (b"   \n\n", "shops.csv", "empty"),
        (b"PK\x03\x04\x00\x00binary spreadsheet", "shops.csv", "not a CSV"),
        (b"name,email\nShop,shop@example.com\n", "shops.xlsx", ".csv"),
        ("name,email\nCafé,cafe@example.com\n".encode("latin-1"), "shops.csv", "not UTF-8"),
        (b"name,email\n" + b"x" * (MAX_FILE_BYTES + 1), "shops.csv", "larger than"),
        (b"title,contact\nShop,shop@example.com\n", "shops.csv", "lacks the column"),
        (b"name,email\n", "shops.csv", "no rows"),
    ],
    ids=["empty", "blank", "binary", "not-csv-extension", "latin-1", "oversized", "wrong-header", "header-only"],
)
def test_files_that_are_not_our_csv_are_refused_clearly(make_operator, content, filename, says):
    owner = make_operator()
    with pytest.raises(GiftnetError) as refused:
        import_locations(owner.actor, content, filename=filename)
    assert (refused.value.code, refused.value.field) == (ErrorCode.invalid_input, "file")
    assert says in refused.value.message
    assert location_import.count_locations(owner.operator.id) == 0

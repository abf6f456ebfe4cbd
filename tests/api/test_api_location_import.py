"""Importing the operator's file of businesses through the API: every row checked and
named by row and column, nothing imported while a row is wrong, re-imports update."""

from __future__ import annotations

from tests.support.backend import Backend, Operator

HEADER = "name,email,external_id,mode,bank_country,routing_number,account_number,account_type"
GOOD_ROWS = [
    "Main Street Books,books@example.com,MS-001,items,US,011000015,123456789,checking",
    "Café du Coin,cafe@example.com,MS-002,amount,,,,",
    "Hardware Hank,hank@example.com,MS-003,pos,,,,",
    "Bakery,bakery@example.com,MS-004,amount,,,,",
]
BAD_ROWS = [
    "Main Street Books,books@example.com,MS-001,items,US,011000016,123456789,checking",  # check digit
    "Café du Coin,cafe-at-example.com,MS-002,amount,,,,",  # email
    "Hardware Hank,hank@example.com,MS-003,bicycle,,,,",  # mode
    "Bakery,bakery@example.com,MS-004,amount,,,,",
]


def csv_file(rows: list[str], header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


def upload(operator: Operator, content: bytes, filename: str = "locations.csv", **params):
    return operator.http.post("/locations/import", files={"file": (filename, content, "text/csv")}, params=params)


def location_count(operator: Operator) -> int:
    return len(operator.http.get("/locations", params={"limit": 100}).json()["data"])


def test_a_file_with_three_bad_rows_lists_the_three_errors_and_imports_nothing(backend: Backend):
    network = backend.new_operator("Import Network")
    answer = upload(network, csv_file(BAD_ROWS))
    assert answer.status_code == 422, answer.text
    report = answer.json()
    assert report["imported"] is False and report["error_count"] == 3 and report["created"] == 0
    assert report["error"]["code"] == "invalid_input" and report["error"]["field"] == "file"
    assert report["error"]["message"].startswith("3 rows have errors; nothing was imported.")
    problems = [(row["row"], error["column"]) for row in report["rows"] for error in row["errors"]]
    assert problems == [(2, "routing_number"), (3, "email"), (4, "mode")]
    assert [row["action"] for row in report["rows"]] == [None, None, None, None]
    assert report["rows"][3]["errors"] == []
    assert all(error["message"] for row in report["rows"] for error in row["errors"])
    assert location_count(network) == 0


def test_the_corrected_file_imports_every_row_and_emails_each_new_location(backend: Backend):
    network = backend.new_operator("Corrected Network")
    preview = upload(network, csv_file(GOOD_ROWS), dry_run="true")
    assert preview.status_code == 200, preview.text
    assert preview.json()["dry_run"] is True and preview.json()["imported"] is False
    assert preview.json()["created"] == 4 and preview.json()["activation_emails_sent"] == 0
    assert location_count(network) == 0  # a dry run writes nothing

    answer = upload(network, csv_file(GOOD_ROWS))
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert report["imported"] is True and report["dry_run"] is False and report["error"] is None
    assert (report["created"], report["updated"], report["error_count"]) == (4, 0, 0)
    assert report["activation_emails_sent"] == 4
    assert [(row["row"], row["action"], row["external_id"]) for row in report["rows"]] == [
        (2, "create", "MS-001"), (3, "create", "MS-002"), (4, "create", "MS-003"), (5, "create", "MS-004")]
    books = network.http.get(f"/locations/{report['rows'][0]['location_id']}").json()
    assert books["name"] == "Main Street Books" and books["account_last4"] == "6789" and books["mode"] == "items"
    assert "123456789" not in network.http.get("/locations").text


def test_importing_the_same_file_again_updates_instead_of_duplicating(backend: Backend):
    network = backend.new_operator("Reimport Network")
    first = upload(network, csv_file(GOOD_ROWS)).json()
    renamed = [GOOD_ROWS[0].replace("Main Street Books", "Main Street Books & Games"), *GOOD_ROWS[1:]]

    preview = upload(network, csv_file(renamed), dry_run="true").json()
    assert (preview["created"], preview["updated"]) == (0, 4)
    assert [row["location_id"] for row in preview["rows"]] == [row["location_id"] for row in first["rows"]]

    again = upload(network, csv_file(renamed))
    assert again.status_code == 200, again.text
    report = again.json()
    assert (report["created"], report["updated"], report["activation_emails_sent"]) == (0, 4, 0)
    assert [row["action"] for row in report["rows"]] == ["update"] * 4
    assert [row["location_id"] for row in report["rows"]] == [row["location_id"] for row in first["rows"]]
    assert location_count(network) == 4
    assert network.http.get(f"/locations/{first['rows'][0]['location_id']}").json()["name"] == "Main Street Books & Games"


def test_a_dry_run_of_a_bad_file_reports_its_errors_too(shop: Operator):
    answer = upload(shop, csv_file(BAD_ROWS), dry_run="true")
    assert answer.status_code == 422
    assert answer.json()["dry_run"] is True and answer.json()["error_count"] == 3


def test_a_duplicate_external_id_inside_the_file_names_both_rows(shop: Operator):
    rows = [GOOD_ROWS[0], GOOD_ROWS[1].replace("MS-002", "MS-001")]
    report = upload(shop, csv_file(rows), dry_run="true").json()
    assert report["rows"][1]["errors"] == [{"column": "external_id", "message": "Duplicate external id: also on row 2."}]


def test_files_that_are_not_our_csv_are_refused_with_a_clear_error(shop: Operator):
    before = location_count(shop)
    cases = [
        (b"", "locations.csv", 400, "The file is empty."),
        ("name,email\nCafé,cafe@example.com\n".encode("latin-1"), "locations.csv", 400, "not UTF-8"),
        (b"PK\x03\x04\x00\x00binary", "locations.csv", 400, "not a CSV file"),
        (csv_file(GOOD_ROWS * 40 + ["Late,late@example.com,\x00,amount,,,,"]), "locations.csv", 400, "not a CSV file"),
        (csv_file(GOOD_ROWS), "locations.xlsx", 400, "Upload a .csv file"),
        (b"name,phone\nBooks,555\n", "locations.csv", 400, "lacks the column(s) email"),
        (b"name,email,colour\nBooks,books@example.com,red\n", "locations.csv", 400, "Unknown column(s): colour"),
        (csv_file([]), "locations.csv", 400, "no rows"),
    ]
    for content, filename, status, words in cases:
        answer = upload(shop, content, filename)
        assert answer.status_code == status, (filename, answer.text)
        error = answer.json()["error"]
        assert error["code"] == "invalid_input" and error["field"] == "file" and words in error["message"], error
    assert location_count(shop) == before


def test_a_file_over_5_mb_is_refused_with_413(shop: Operator):
    row = "Main Street Books,books@example.com,,amount,,,,\n"
    just_over = csv_file([]) + (row * (5 * 1024 * 1024 // len(row) + 1)).encode()
    answer = upload(shop, just_over)
    assert answer.status_code == 413, answer.text
    assert answer.json()["error"]["code"] == "payload_too_large"
    far_over = csv_file([]) + b"x" * (6 * 1024 * 1024)
    refused = upload(shop, far_over)
    assert refused.status_code == 413 and refused.json()["error"]["code"] == "payload_too_large"
    # Only this upload may be that large: every other route keeps the 64 KB limit.
    big_json = shop.http.post("/locations", content=b'{"name": "' + b"x" * 70_000 + b'"}',
                              headers={"Content-Type": "application/json"})
    assert big_json.status_code == 413


def test_an_upload_without_its_file_field_is_refused(shop: Operator):
    for answer in (
        shop.http.post("/locations/import", files={"document": ("locations.csv", csv_file(GOOD_ROWS), "text/csv")}),
        shop.http.post("/locations/import", json={"file": "name,email"}),
        shop.http.post("/locations/import", data={"file": "name,email\nBooks,books@example.com"}),
    ):
        assert answer.status_code == 400, answer.text
        assert answer.json()["error"]["code"] == "invalid_input"

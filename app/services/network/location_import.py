"""Importing the operator's existing file of businesses (CSV).

Every row is validated first and each error is named by row and column; nothing is
written while any row is invalid. A valid file is written in one transaction, and
importing it again updates the same locations (matched by external id, or by name
and email when a row has none) instead of duplicating them.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from sqlalchemy import func
from sqlmodel import select

from app.db import read_session, write_session
from app.models import Location
from app.models.base import utcnow
from app.services.core import audit
from app.services.core.actor import Actor
from app.services.core.errors import ErrorCode, GiftnetError
from app.services.core.roles import require_owner
from app.services.network.locations import LOCATION_FIELDS, PAYOUT_DOING, clean_location_fields, payout_columns_set

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
REQUIRED_COLUMNS = ("name", "email")


def template_csv() -> str:
    """The downloadable template: every column, and one US and one Canadian example row."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(LOCATION_FIELDS)
    writer.writerow(["Main Street Books", "books@example.com", "555-0100", "12 Main St", "MS-001", "amount", "false",
                     "true", "false", "", "false", "", "", "US", "011000015", "", "", "123456789", "checking", "true"])
    writer.writerow(["Café du Coin", "cafe@example.com", "", "3 rue Principale", "MS-002", "items", "false",
                     "true", "true", "", "true", "", "250", "CA", "", "001", "00011", "1234567", "savings", "true"])
    return out.getvalue()


@dataclass
class RowOutcome:
    row: int  # the line number in the file (the header is line 1)
    action: str = ""  # create | update | (empty when invalid)
    name: str = ""
    external_id: str | None = None
    errors: list[dict] = field(default_factory=list)  # {"column", "message"}
    location_id: int | None = None


@dataclass
class ImportResult:
    ok: bool
    imported: bool
    rows: list[RowOutcome]
    created: int = 0
    updated: int = 0

    @property
    def error_count(self) -> int:
        return sum(len(row.errors) for row in self.rows)


def _decode(content: bytes, filename: str | None) -> str:
    if not content or not content.strip():
        raise GiftnetError(ErrorCode.invalid_input, "The file is empty.", field="file")
    if len(content) > MAX_FILE_BYTES:
        raise GiftnetError(
            ErrorCode.invalid_input, f"The file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB.", field="file"
        )
    if filename and not filename.lower().endswith((".csv", ".txt")):
        raise GiftnetError(ErrorCode.invalid_input, "Upload a .csv file (comma-separated values).", field="file")
    if b"\x00" in content:  # anywhere: PostgreSQL cannot store NUL in text, so a later row must not slip through
        raise GiftnetError(
            ErrorCode.invalid_input, "This is not a CSV file (it looks like a binary file, e.g. a spreadsheet).",
            field="file",
        )
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise GiftnetError(
            ErrorCode.invalid_input,
            f"The file is not UTF-8 text (byte {error.start + 1}). Save it as \"CSV UTF-8\" and try again.",
            field="file",
        ) from error


def parse_rows(content: bytes, filename: str | None = None) -> list[tuple[int, dict]]:
    """(line number, {column: value}) for each data row; refuses files that are not our CSV."""
    text = _decode(content, filename)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except (StopIteration, csv.Error) as error:
        raise GiftnetError(ErrorCode.invalid_input, "The file has no header row.", field="file") from error
    columns = [column.strip().lower() for column in header]
    missing = [column for column in REQUIRED_COLUMNS if column not in columns]
    if missing:
        raise GiftnetError(
            ErrorCode.invalid_input,
            f"The header row lacks the column(s) {', '.join(missing)}. Start from the template.",
            field="file",
        )
    unknown = [column for column in columns if column and column not in LOCATION_FIELDS]
    if unknown:
        raise GiftnetError(
            ErrorCode.invalid_input, f"Unknown column(s): {', '.join(unknown)}. Start from the template.", field="file"
        )
    rows: list[tuple[int, dict]] = []
    try:
        for values in reader:
            if not any(value.strip() for value in values):
                continue
            if len(rows) >= MAX_ROWS:
                raise GiftnetError(ErrorCode.invalid_input, f"The file has more than {MAX_ROWS} rows.", field="file")
            if len(values) > len(columns):
                rows.append((reader.line_num, {"__extra__": values[len(columns):], **dict(zip(columns, values, strict=False))}))
                continue
            rows.append((reader.line_num, {column: value for column, value in zip(columns, values, strict=False) if column}))
    except csv.Error as error:
        raise GiftnetError(ErrorCode.invalid_input, f"The CSV is malformed near line {reader.line_num}: {error}.",
                           field="file") from error
    if not rows:
        raise GiftnetError(ErrorCode.invalid_input, "The file has a header but no rows.", field="file")
    return rows


def _validate_row(values: dict) -> tuple[dict | None, list[dict]]:
    """Collect every error of a row (one per column), not just the first."""
    if "__extra__" in values:
        return None, [{"column": "", "message": "The row has more values than the header has columns."}]
    errors: list[dict] = []
    clean: dict = {}
    # Validate field by field so that one row can report all its problems.
    for group in (("name",), ("email",), ("phone",), ("address",), ("external_id",),
                  ("mode", "accepts_pos_payments", "accepts_typed_amounts", "accepts_items"),
                  ("item_webhook_url",), ("notify_items_email",), ("notify_webhook_url",), ("commission_bps",),
                  ("active",)):
        subset = {column: values.get(column) or None for column in group if column in values}
        if not subset and group[0] not in ("name", "email"):
            continue
        try:
            clean.update(clean_location_fields(subset or {group[0]: None}, partial=True))
        except GiftnetError as error:
            errors.append({"column": error.field or group[0], "message": error.message})
    bank = {column: values.get(column) or None for column in
            ("bank_country", "routing_number", "institution_number", "transit_number", "account_number", "account_type")
            if column in values}
    if bank:
        try:
            clean.update(clean_location_fields(bank, partial=True))
        except GiftnetError as error:
            errors.append({"column": error.field or "bank_country", "message": error.message})
    return (None if errors else clean), errors


def import_locations(actor: Actor, content: bytes, *, filename: str | None = None, dry_run: bool = False,
                     progress=None) -> ImportResult:  # noqa: ANN001
    """Validate every row; write all of them in one transaction only when none is invalid.

    `progress(done, total)` is called while validating and writing, for large files.
    """
    parsed = parse_rows(content, filename)
    total = len(parsed)
    outcomes: list[RowOutcome] = []
    cleaned: list[tuple[RowOutcome, dict]] = []
    seen_external: dict[str, int] = {}
    for index, (line, values) in enumerate(parsed, start=1):
        clean, errors = _validate_row(values)
        outcome = RowOutcome(row=line, name=(values.get("name") or "").strip(),
                             external_id=(values.get("external_id") or "").strip() or None, errors=errors)
        if outcome.external_id:
            if outcome.external_id in seen_external:
                outcome.errors.append({
                    "column": "external_id",
                    "message": f"Duplicate external id: also on row {seen_external[outcome.external_id]}.",
                })
            else:
                seen_external[outcome.external_id] = line
        outcomes.append(outcome)
        if not outcome.errors and clean is not None:
            cleaned.append((outcome, clean))
        if progress and index % 500 == 0:
            progress(index, total * 2)
    if any(outcome.errors for outcome in outcomes):
        return ImportResult(ok=False, imported=False, rows=outcomes)
    if any(payout_columns_set(clean) for _, clean in cleaned):
        require_owner(actor, PAYOUT_DOING + " (leave the bank and commission columns empty to import the rest)")

    created = updated = 0
    with write_session() as session:
        existing = list(session.exec(select(Location).where(Location.operator_id == actor.operator_id)).all())
        by_external = {location.external_id: location for location in existing if location.external_id}
        by_name_email = {(location.name.lower(), location.email): location for location in existing}
        now = utcnow()
        written: list[tuple[RowOutcome, Location]] = []
        for index, (outcome, clean) in enumerate(cleaned, start=1):
            match = (by_external.get(outcome.external_id) if outcome.external_id
                     else by_name_email.get((clean["name"].lower(), clean["email"])))
            outcome.action = "create" if match is None else "update"
            if progress and index % 500 == 0:
                progress(total + index, total * 2)
            if dry_run:
                outcome.location_id = match.id if match else None
                continue
            if match is None:
                location = Location(operator_id=actor.operator_id, created_at=now, updated_at=now, **clean)
                created += 1
            else:
                location = match
                for column, value in clean.items():
                    setattr(location, column, value)
                location.updated_at = now
                updated += 1
            session.add(location)
            written.append((outcome, location))
        session.flush()
        for outcome, location in written:
            outcome.location_id = location.id
        if not dry_run:
            audit.record(session, actor, "location.imported", target_type="location_import",
                         target_id=(filename or "")[:64],
                         summary=f"Locations imported from {filename or 'a CSV file'}: {created} created, "
                                 f"{updated} updated ({total} row(s))",
                         changes={"created": [None, created], "updated": [None, updated], "rows": [None, total]})
    if progress:
        progress(total * 2, total * 2)
    if dry_run:
        planned_creates = sum(1 for outcome, _clean in cleaned if outcome.action == "create")
        return ImportResult(ok=True, imported=False, rows=outcomes, created=planned_creates,
                            updated=len(cleaned) - planned_creates)
    return ImportResult(ok=True, imported=True, rows=outcomes, created=created, updated=updated)


def count_locations(operator_id: int) -> int:
    with read_session() as session:
        return session.exec(select(func.count(Location.id)).where(Location.operator_id == operator_id)).one()

"""Importing the operator's existing file of businesses (CSV).

Every row is validated first and each error is named by row and column; nothing is
written while any row is invalid. A valid file is written in one transaction, and
importing it again updates the same locations (matched by external id, or by name
and email when a row has none) instead of duplicating them.

Rules this module keeps:
- the template's example rows are samples, marked by their external id (`SAMPLE-1`,
  `SAMPLE-2`): any row whose external id starts with `SAMPLE-` is skipped, never
  written, and says why; the template imported unchanged changes nothing;
- each row matching a location (`update`) says what it would change, field by field, bank
  details included (an account number by its last 4 only); a match that changes nothing
  is counted `unchanged` (among the updates, as the API always counted them) and is not
  written at all.
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
from app.services.core import audit, codes, crypto
from app.services.core.actor import Actor
from app.services.core.errors import ErrorCode, GiftnetError
from app.services.core.i18n import N_
from app.services.core.roles import require_owner
from app.services.core.validation import field_label
from app.services.network import counter_modes
from app.services.network.locations import LOCATION_FIELDS, PAYOUT_DOING, clean_location_fields, payout_columns_set

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
REQUIRED_COLUMNS = ("name", "email")


SAMPLE_PREFIX = "SAMPLE-"
SAMPLE_SKIPPED = ("A sample row of the template (external id {external_id}): it is skipped. Replace it with one of "
                  "your businesses, with your own external id, or delete it.")


def template_csv() -> str:
    """The downloadable template: every column, and one US and one Canadian sample row,
    marked as samples (external ids SAMPLE-1, SAMPLE-2: an import skips them)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(LOCATION_FIELDS)
    writer.writerow(["Sample US shop (replace this row)", "sample-us@example.com", "555-0100", "1 Sample St",
                     f"{SAMPLE_PREFIX}1", "amount", "false", "true", "false", "", "false", "", "", "US", "011000015",
                     "", "", "000123456789", "checking", "true"])
    writer.writerow(["Sample Canadian shop (replace this row)", "sample-ca@example.com", "", "2 rue Exemple",
                     f"{SAMPLE_PREFIX}2", "items", "false", "true", "true", "", "true", "", "250", "CA", "", "001",
                     "00011", "0001234567", "savings", "true"])
    return out.getvalue()


def is_sample(external_id: str | None) -> bool:
    """A template sample row: its external id starts with SAMPLE- (any case)."""
    return bool(external_id) and external_id.upper().startswith(SAMPLE_PREFIX)


@dataclass(frozen=True)
class FieldChange:
    """One field an import would change (did change) on an existing location, as shown."""

    column: str  # the CSV column: routing_number
    label: str  # how screens name it: Routing number
    before: str
    after: str


@dataclass
class RowOutcome:
    row: int  # the line number in the file (the header is line 1)
    action: str = ""  # create | update | skip | (empty when invalid)
    name: str = ""
    external_id: str | None = None
    errors: list[dict] = field(default_factory=list)  # {"column", "message"}
    location_id: int | None = None
    changes: list[FieldChange] = field(default_factory=list)  # an update's fields, before and after (none: unchanged)
    location_name: str = ""  # the existing location an update (or unchanged row) matched, by its current name
    skip_reason: str = ""


def _shown(column: str, value: object) -> str:
    if value is None or value == "":
        return "(empty)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if column == "commission_bps":
        return f"{value} bps ({int(value) / 100:g} %)"
    return str(value)


def _account(encrypted: str | None) -> str | None:
    return crypto.decrypt(encrypted) if encrypted else None


def field_changes(location: Location, clean: dict) -> list[FieldChange]:
    """What writing `clean` would change on `location`, field by field in the template's order;
    the account number compared in full but shown by its last 4 only."""
    changes = []
    for column in LOCATION_FIELDS:
        if column == "account_number":
            if "account_number_encrypted" not in clean:
                continue
            before, after = _account(location.account_number_encrypted), _account(clean["account_number_encrypted"])
            if before != after:
                changes.append(FieldChange(column, field_label(column),
                                           codes.mask(before[-4:]) if before else "(empty)",
                                           codes.mask(after[-4:]) if after else "(empty)"))
            continue
        if column not in clean:
            continue
        before, after = getattr(location, column), clean[column]
        if before != after and not (before in (None, "") and after in (None, "")):
            changes.append(FieldChange(column, field_label(column), _shown(column, before), _shown(column, after)))
    return changes


@dataclass
class ImportResult:
    ok: bool
    imported: bool
    rows: list[RowOutcome]
    created: int = 0
    updated: int = 0  # rows matching an existing location (by external id, or name and email)
    unchanged: int = 0  # of those, the ones that would change nothing (not written)
    skipped: int = 0  # the template's sample rows

    @property
    def error_count(self) -> int:
        return sum(len(row.errors) for row in self.rows)


def _decode(content: bytes, filename: str | None) -> str:
    if not content or not content.strip():
        raise GiftnetError(ErrorCode.invalid_input, N_("The file is empty."), field="file")
    if len(content) > MAX_FILE_BYTES:
        raise GiftnetError(
            ErrorCode.invalid_input, N_("The file is larger than {value} MB."), field="file", params={"value": MAX_FILE_BYTES // (1024 * 1024)}
        )
    if filename and not filename.lower().endswith((".csv", ".txt")):
        raise GiftnetError(ErrorCode.invalid_input, N_("Upload a .csv file (comma-separated values)."), field="file")
    if b"\x00" in content:  # anywhere: PostgreSQL cannot store NUL in text, so a later row must not slip through
        raise GiftnetError(
            ErrorCode.invalid_input, N_("This is not a CSV file (it looks like a binary file, e.g. a spreadsheet)."),
            field="file",
        )
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise GiftnetError(
            ErrorCode.invalid_input,
            N_("The file is not UTF-8 text (byte {value}). Save it as \"CSV UTF-8\" and try again."),
            field="file", params={"value": error.start + 1},
        ) from error


def parse_rows(content: bytes, filename: str | None = None) -> list[tuple[int, dict]]:
    """(line number, {column: value}) for each data row; refuses files that are not our CSV."""
    text = _decode(content, filename)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except (StopIteration, csv.Error) as error:
        raise GiftnetError(ErrorCode.invalid_input, N_("The file has no header row."), field="file") from error
    columns = [column.strip().lower() for column in header]
    missing = [column for column in REQUIRED_COLUMNS if column not in columns]
    if missing:
        raise GiftnetError(
            ErrorCode.invalid_input,
            N_("The header row lacks the column(s) {join}. Start from the template."),
            field="file", params={"join": ', '.join(missing)},
        )
    unknown = [column for column in columns if column and column not in LOCATION_FIELDS]
    if unknown:
        raise GiftnetError(
            ErrorCode.invalid_input, N_("Unknown column(s): {join}. Start from the template."), field="file", params={"join": ', '.join(unknown)}
        )
    rows: list[tuple[int, dict]] = []
    try:
        for values in reader:
            if not any(value.strip() for value in values):
                continue
            if len(rows) >= MAX_ROWS:
                raise GiftnetError(ErrorCode.invalid_input, N_("The file has more than {max_rows} rows."), field="file", params={"max_rows": MAX_ROWS})
            if len(values) > len(columns):
                rows.append((reader.line_num, {"__extra__": values[len(columns):], **dict(zip(columns, values, strict=False))}))
                continue
            rows.append((reader.line_num, {column: value for column, value in zip(columns, values, strict=False) if column}))
    except csv.Error as error:
        raise GiftnetError(ErrorCode.invalid_input, N_("The CSV is malformed near line {line_num}: {error}."),
                           field="file", params={"line_num": reader.line_num, "error": error}) from error
    if not rows:
        raise GiftnetError(ErrorCode.invalid_input, N_("The file has a header but no rows."), field="file")
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
        external_id = (values.get("external_id") or "").strip() or None
        if is_sample(external_id):
            outcomes.append(RowOutcome(row=line, action="skip", name=(values.get("name") or "").strip(),
                                       external_id=external_id,
                                       skip_reason=SAMPLE_SKIPPED.format(external_id=external_id)))
            continue
        clean, errors = _validate_row(values)
        outcome = RowOutcome(row=line, name=(values.get("name") or "").strip(), external_id=external_id, errors=errors)
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
    skipped = sum(1 for outcome in outcomes if outcome.action == "skip")
    with write_session() as session:
        existing = list(session.exec(select(Location).where(Location.operator_id == actor.operator_id)).all())
        by_external = {location.external_id: location for location in existing if location.external_id}
        by_name_email = {(location.name.lower(), location.email): location for location in existing}
        now = utcnow()
        written: list[tuple[RowOutcome, Location]] = []
        for index, (outcome, clean) in enumerate(cleaned, start=1):
            match = (by_external.get(outcome.external_id) if outcome.external_id
                     else by_name_email.get((clean["name"].lower(), clean["email"])))
            if match is not None:
                outcome.changes, outcome.location_name = field_changes(match, clean), match.name
            outcome.action = "create" if match is None else "update"
            if progress and index % 500 == 0:
                progress(total + index, total * 2)
            if dry_run or (match is not None and not outcome.changes):
                outcome.location_id = match.id if match else None
                if match is not None and not dry_run:
                    updated += 1  # matched, and nothing to write
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
                                 f"{updated - unchanged_rows(outcomes)} changed, {unchanged_rows(outcomes)} unchanged, "
                                 f"{skipped} sample row(s) skipped ({total} row(s))",
                         changes={"created": [None, created], "updated": [None, updated], "rows": [None, total]})
    if progress:
        progress(total * 2, total * 2)
    if dry_run:
        planned = [outcome.action for outcome, _clean in cleaned]
        return ImportResult(ok=True, imported=False, rows=outcomes, created=planned.count("create"),
                            updated=planned.count("update"), unchanged=unchanged_rows(outcomes), skipped=skipped)
    for outcome, _location in written:  # committed: open counters of changed locations refresh
        if outcome.action == "update":
            counter_modes.publish_location_updated(actor.operator_id, outcome.location_id,
                                                   [change.column for change in outcome.changes])
    return ImportResult(ok=True, imported=True, rows=outcomes, created=created, updated=updated,
                        unchanged=unchanged_rows(outcomes), skipped=skipped)


def unchanged_rows(outcomes: list[RowOutcome]) -> int:
    """Rows matching a location they would not change."""
    return sum(1 for outcome in outcomes if outcome.action == "update" and not outcome.changes)


def count_locations(operator_id: int) -> int:
    with read_session() as session:
        return session.exec(select(func.count(Location.id)).where(Location.operator_id == operator_id)).one()

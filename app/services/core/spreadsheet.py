"""CSV cells a spreadsheet opens as text, never as a formula, and the one CSV writer.

Excel, LibreOffice and Google Sheets run a cell that starts with = + - @ (or a tab or
carriage return before one) as a formula, so a location called `=HYPERLINK(...)` could
run in an owner's spreadsheet. Every CSV the app writes goes through `writer` (or
`csv_text`), which passes each cell through `safe_cell`: numbers stay numbers (ints,
and text that is a plain decimal such as -0.05, which a spreadsheet reads as a number,
never as a formula), everything else that starts like a formula gets a leading quote,
and a carriage return inside a cell is written as a line feed (always quoted, so it
cannot start a row of its own).
tests/unit/core/test_csv_exports.py checks that no module writes CSV another way.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TextIO

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"-?\d+(\.\d+)?\Z")


def text_cell(text: object) -> str:
    """`text` as a CSV cell: a leading quote keeps one that starts like a formula as text."""
    value = "" if text is None else str(text)
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def safe_cell(value: object) -> object:
    """One cell as it may go out: numbers as they are, any other text through `text_cell`."""
    if value is None:
        return ""
    if isinstance(value, (bool, int, float, Decimal)):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    text = str(value)
    if PLAIN_NUMBER.match(text):
        return text
    # A lone carriage return is not quoted by the csv module when the file's lines end in
    # "\n", so a reader would start a new row (and a new first cell) there: line breaks
    # inside a cell are written as "\n", which is always quoted.
    return text_cell(text).replace("\r\n", "\n").replace("\r", "\n")


class SafeWriter:
    """`csv.writer` whose every cell goes through `safe_cell`."""

    def __init__(self, buffer: TextIO, **options: Any) -> None:
        self._writer = csv.writer(buffer, **options)

    def writerow(self, row: Iterable[object]) -> None:
        self._writer.writerow([safe_cell(cell) for cell in row])

    def writerows(self, rows: Iterable[Iterable[object]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(buffer: TextIO, **options: Any) -> SafeWriter:
    """The CSV writer every export uses (options as for `csv.writer`)."""
    return SafeWriter(buffer, **options)


def csv_text(header: Iterable[object], rows: Iterable[Iterable[object]], *, lineterminator: str = "\n") -> str:
    """A whole CSV file: the header, then the rows, every cell made safe."""
    import io

    out = io.StringIO()
    safe = writer(out, lineterminator=lineterminator)
    safe.writerow(header)
    safe.writerows(rows)
    return out.getvalue()

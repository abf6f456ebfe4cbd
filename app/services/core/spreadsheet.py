"""CSV cells a spreadsheet opens as text, never as a formula.

Excel, LibreOffice and Google Sheets run a cell that starts with = + - @ (or a tab or
carriage return before one) as a formula, so a location called `=HYPERLINK(...)` could
run in an owner's spreadsheet. Every export that writes text a person typed (names,
emails, summaries) passes it through `text_cell`; numbers the app formats itself
(amounts such as -0.05, ids, dates) are written as they are.
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def text_cell(text: object) -> str:
    """`text` as a CSV cell: a leading quote keeps one that starts like a formula as text."""
    value = "" if text is None else str(text)
    return "'" + value if value.startswith(FORMULA_STARTS) else value

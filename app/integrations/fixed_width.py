"""Fixed-width fields as bank files want them (NACHA and CPA-005 share these rules).

Text fields are upper-case ASCII, left-justified and blank-filled: "Café Société"
becomes "CAFE SOCIETE", since the banks' systems read ASCII (or EBCDIC) only.
Numeric fields are right-justified and zero-filled, and never silently cut: a value
too wide for its field is a `BankFileError`, because a truncated amount or account
number would pay the wrong sum to the wrong account.
"""

from __future__ import annotations

import re
import unicodedata


class BankFileError(ValueError):
    """The data cannot be written into this bank file format; the message says why."""


_NOT_PRINTABLE = re.compile(r"[^\x20-\x7e]")


def bank_ascii(text: str | None) -> str:
    """Upper-case printable ASCII: accents dropped, other characters left out."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return _NOT_PRINTABLE.sub("", plain).upper()


def alpha(text: str | None, width: int) -> str:
    """A text field: left-justified, blank-filled, cut to `width` (names may be shortened)."""
    return bank_ascii(text)[:width].ljust(width)


def numeric(value: int | str, width: int, *, what: str) -> str:
    """A numeric field: right-justified, zero-filled; refuses negatives and values too wide."""
    digits = str(value)
    if not (digits.isascii() and digits.isdigit()):
        raise BankFileError(f"{what} must be a whole, non-negative number, not {value!r}.")
    if len(digits) > width:
        raise BankFileError(f"{what} ({value}) does not fit in {width} digits.")
    return digits.rjust(width, "0")


def exact(text: str, width: int, *, what: str) -> str:
    """A field whose value must already have exactly `width` characters (routing numbers, ids)."""
    if len(text) != width:
        raise BankFileError(f"{what} must have exactly {width} characters, not {text!r}.")
    return text

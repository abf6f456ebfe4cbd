"""Fixed-width fields as bank files want them (NACHA and CPA-005 share these rules).

Text fields are left-justified and blank-filled, and carry only what every bank's
system accepts (some read EBCDIC, some refuse signs others allow): upper-case letters,
digits, the space and `& - . , /`. Accents are folded ("Café Crème & Co." becomes
"CAFE CREME & CO."), apostrophes dropped ("Joe's" -> "JOES"), any other sign or emoji
becomes a space, and runs of spaces are one. The full name stays in our records and
statements; only the bank file carries the reduced one.
Numeric fields are right-justified and zero-filled, and never silently cut: a value
too wide for its field is a `BankFileError`, because a truncated amount or account
number would pay the wrong sum to the wrong account.
"""

from __future__ import annotations

import re
import unicodedata


class BankFileError(ValueError):
    """The data cannot be written into this bank file format; the message says why."""


BANK_SAFE_SIGNS = "&-.,/"
_NOT_SAFE = re.compile(r"[^A-Z0-9 &\-.,/]")
_SPACES = re.compile(r" {2,}")
_DROPPED = str.maketrans("", "", "'\u2019\u2018`\u00b4")  # apostrophes join the word: JOE'S -> JOES
# Letters that Unicode does not decompose into a base letter and an accent.
_FOLDED = str.maketrans({"ß": "SS", "Æ": "AE", "æ": "AE", "Œ": "OE", "œ": "OE", "Ø": "O", "ø": "O", "Ł": "L",
                         "ł": "L", "Đ": "D", "đ": "D", "Þ": "TH", "þ": "TH", "ı": "I",
                         "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-"})


def bank_ascii(text: str | None) -> str:
    """`text` as every bank accepts it: A-Z, 0-9, the space and `& - . , /` (see above),
    without leading or trailing spaces. May be empty (a name of emoji only)."""
    decomposed = unicodedata.normalize("NFKD", (text or "").translate(_DROPPED).translate(_FOLDED))
    plain = "".join(char for char in decomposed if not unicodedata.combining(char)).upper()
    return _SPACES.sub(" ", _NOT_SAFE.sub(" ", plain)).strip()


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

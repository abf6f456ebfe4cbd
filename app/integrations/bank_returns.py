"""What the bank sends back: a file of returned payments, read into one shape whatever its
format (`nacha_returns`: a NACHA return file; `cpa005_returns`: CPA-005 returned items).

A pure reader: bytes in, returned items out, or a `ReturnFileError` naming the line
(1-based, as an editor shows it) and what is wrong with it. Nothing here knows payout
batches; matching an item to the payment it returns is `services/settlement/payout_returns.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

RETURN_FILE_FORMATS = ("nacha", "cpa005")


class ReturnFileError(ValueError):
    """The file cannot be read as returned payments: `line_number` says where, `reason` why."""

    def __init__(self, line_number: int | None, reason: str) -> None:
        self.line_number = line_number
        self.reason = reason
        super().__init__(f"Line {line_number}: {reason}" if line_number else reason)


@dataclass(frozen=True)
class ReturnedItem:
    """One payment the receiving bank gave back."""

    file_format: str  # nacha | cpa005
    line_number: int  # where the item is in the file (NACHA: its entry detail record; CPA-005: its record)
    reference: str  # how we named the payment: NACHA its trace number, CPA-005 its cross-reference
    amount_cents: int
    reason_code: str  # R03 (NACHA) or 905 (CPA-005)
    reason: str  # the reason in plain words
    account_data: bool  # the reason says the account details are wrong: they must be corrected before paying again
    receiving_bank: str  # where the payment went: NACHA the RDFI's 8 digits, CPA-005 institution + transit
    payee_name: str
    return_trace_number: str  # the returning bank's own number for this return
    entry_key: str  # the same return read from the same file again has the same key
    date_of_death: date | None = None
    addenda_information: str = ""


@dataclass(frozen=True)
class ReturnFile:
    file_format: str
    created_at: datetime | None  # as the file's header says (its sender's clock), when it says
    items: list[ReturnedItem]


def text_lines(content: bytes, *, ending: str) -> list[str]:
    """The file's lines without their ends (CR LF or LF), ASCII only; trailing empty lines
    (a last newline, an editor's extra one) are dropped. `ending` names the usual end in errors."""
    for number, raw in enumerate(content.split(b"\n"), start=1):
        try:
            raw.decode("ascii")
        except UnicodeDecodeError:
            raise ReturnFileError(number, "the line has characters that are not plain ASCII; a bank file is "
                                          f"ASCII text with {ending} line ends") from None
    lines = content.decode("ascii").split("\n")
    lines = [line[:-1] if line.endswith("\r") else line for line in lines]
    while lines and not lines[-1].strip():
        lines.pop()
    return lines


def read_return_file(content: bytes) -> ReturnFile:
    """NACHA (94-character records starting with a file header `1`) or CPA-005 (1464-byte
    records starting with a header `A`), told apart by the first record. Refuses anything
    else with `ReturnFileError`."""
    from app.integrations import cpa005_returns, nacha_returns

    if not content.strip():
        raise ReturnFileError(None, "The file is empty.")
    first = content.split(b"\n", 1)[0].rstrip(b"\r")
    if first[:1] == b"1" and len(first) == nacha_returns.RECORD_LENGTH:
        return nacha_returns.read_nacha_returns(content)
    if first[:1] == b"A" and len(first) == cpa005_returns.RECORD_LENGTH:
        return cpa005_returns.read_cpa005_returns(content)
    raise ReturnFileError(1, "this is neither a NACHA return file (94-character records, the first a file header "
                             "starting with 1) nor CPA-005 returned items (1464-character records, the first a header "
                             "starting with A)")


__all__ = ["RETURN_FILE_FORMATS", "ReturnFile", "ReturnFileError", "ReturnedItem", "read_return_file", "text_lines"]

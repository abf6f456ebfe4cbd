"""CPA-005 returned items: the payments a Canadian bank gave back, in the 1464-byte
records of Payments Canada Standard 005.

What is established (the same layout `cpa005.py` writes): records of 1464 bytes ending
CR LF (LF alone is accepted); every record starts with the logical record type, the
logical record count (its place in the file), the originator id and the file creation
number; the file is one header `A`, detail records, one trailer `Z`; a detail record
carries up to six 240-byte segments (unused ones blank), and a segment is laid out as
the payment was sent: transaction type (1-3), amount (4-13), due date `0YYDDD` (14-19),
institution id `0IIITTTTT` (20-28), account (29-40), item trace number (41-62), a
3-digit field (63-65), the originator's short name, the payee's name, the long name,
the originating direct clearer's user id, the originator's cross-reference (151-169,
where `bank_files.py` writes `B<batch>L<location>`), the return institution and
account, sundry information, filler, settlement code and invalid data element id.

What is assumed, because the standard's text on returns cannot be consulted here:
- returned items come in detail records of logical record type `I` (the standard's
  returned credits) or `J` (its returned debits); both are read, since this network
  sends credits only and the cross-reference tells which of its payments came back.
  A `C` or `D` record (a payment, not a return) is refused;
- the returned item's reason is the 3-digit Payments Canada return reason code
  (900-990) in positions 63-65 of its segment, the field that is zero when sending;
- the item trace number (41-62) is the returning institution's number for the item,
  and the trailer's credit count and value are the file's items (its debit count and
  value the `J` items), as in a payment file.
If a bank writes the reason elsewhere, the file is refused naming the line and the
position read, never half-applied.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from app.integrations.bank_returns import ReturnedItem, ReturnFile, ReturnFileError, text_lines

RECORD_LENGTH = 1464
SEGMENT_LENGTH = 240
PREFIX_LENGTH = 24
RETURN_RECORD_TYPES = ("I", "J")

# Payments Canada's return reason codes (Rule H1), in plain words.
REASONS = {
    "900": "Edit reject: the item could not be processed",
    "901": "Insufficient funds",
    "902": "Account not found",
    "903": "Payment stopped or recalled",
    "904": "Post-dated or stale-dated",
    "905": "Account closed",
    "907": "No debits allowed on the account",
    "908": "Funds not cleared",
    "909": "Currency does not match the account",
    "910": "The payor or payee died",
    "911": "Account frozen",
    "912": "Invalid or incorrect account number",
    "914": "Incorrect payor or payee name",
    "915": "Refused: no agreement existed",
    "916": "Not in accordance with the agreement (personal)",
    "917": "Agreement revoked (personal)",
    "918": "No confirmation or pre-notification (personal)",
    "919": "Not in accordance with the agreement (business)",
    "920": "Agreement revoked (business)",
    "921": "No confirmation or pre-notification (business)",
    "922": "Returned at the customer's request",
    "990": "The receiving institution is in default",
}
# Reasons that say the account details are wrong: they must be corrected before paying again.
ACCOUNT_DATA_REASONS = frozenset({"902", "905", "909", "910", "911", "912", "914"})


def reason_words(code: str) -> str:
    """The plain words of a CPA-005 return reason code (KeyError for an unknown code)."""
    return REASONS[code]


def _julian(text: str, line_number: int, what: str) -> date:
    if not re.fullmatch(r"0[0-9]{5}", text) or not 1 <= int(text[3:]) <= 366:
        raise ReturnFileError(line_number, f"{what} {text!r} is not a date 0YYDDD")
    return date(2000 + int(text[1:3]), 1, 1) + timedelta(days=int(text[3:]) - 1)


def _number(text: str, line_number: int, what: str) -> int:
    if not (text.isascii() and text.isdigit()):
        raise ReturnFileError(line_number, f"{what} must be digits, not {text!r}")
    return int(text)


def read_cpa005_returns(content: bytes) -> ReturnFile:
    """The returned items of a CPA-005 file, in file order. Refuses (`ReturnFileError`,
    with the line) records that are not 1464 bytes, a file that is not A, returned-item
    records (I or J), Z in that order with consecutive record counts and one originator
    and file creation number, a segment whose fields cannot be read, an unknown reason
    code, and a trailer whose counts or values differ from the items."""
    lines = text_lines(content, ending="CR LF")
    for number, line in enumerate(lines, start=1):
        if len(line) != RECORD_LENGTH:
            raise ReturnFileError(number, f"the record has {len(line)} characters, not {RECORD_LENGTH}")
    if len(lines) < 3:
        raise ReturnFileError(len(lines), "a returned-items file has a header (A), at least one returned-item "
                                          "record (I or J) and a trailer (Z)")
    header = lines[0]
    if header[0] != "A":
        raise ReturnFileError(1, f"the file starts with record type {header[0]!r}, not the header A")
    if lines[-1][0] != "Z":
        raise ReturnFileError(len(lines), f"the file ends with record type {lines[-1][0]!r}, not the trailer Z")
    created = _julian(header[24:30], 1, "The file creation date")
    for number, line in enumerate(lines, start=1):
        if _number(line[1:10], number, "The logical record count") != number:
            raise ReturnFileError(number, f"the logical record count is {int(line[1:10])}, but this is record "
                                          f"{number} of the file")
        if line[10:24] != header[10:24]:
            raise ReturnFileError(number, "the originator id or file creation number differs from the header's")
        if 1 < number < len(lines) and line[0] not in RETURN_RECORD_TYPES:
            kind = {"C": "a credit payment", "D": "a debit payment"}.get(line[0], f"record type {line[0]!r}")
            raise ReturnFileError(number, f"this is {kind}, not a returned item (record type I or J); upload the "
                                          "returned-items file the bank sent, not a payment file")
    items: list[ReturnedItem] = []
    totals = {"I": [0, 0], "J": [0, 0]}
    for number in range(2, len(lines)):
        line = lines[number - 1]
        segments = [line[start:start + SEGMENT_LENGTH]
                    for start in range(PREFIX_LENGTH, RECORD_LENGTH, SEGMENT_LENGTH)]
        used = [segment for segment in segments if segment.strip()]
        if segments[:len(used)] != used:
            raise ReturnFileError(number, "a blank segment comes before a used one")
        if not used:
            raise ReturnFileError(number, "the record has no returned item")
        for segment in used:
            item = _returned_item(segment, number, line[0])
            items.append(item)
            totals[line[0]][0] += 1
            totals[line[0]][1] += item.amount_cents
    trailer = lines[-1]
    checks = (
        (trailer[24:38], totals["J"][1], "the total value of returned debits (J)"),
        (trailer[38:46], totals["J"][0], "the number of returned debits (J)"),
        (trailer[46:60], totals["I"][1], "the total value of returned credits (I)"),
        (trailer[60:68], totals["I"][0], "the number of returned credits (I)"),
    )
    for text, expected, what in checks:
        if _number(text, len(lines), what.capitalize()) != expected:
            raise ReturnFileError(len(lines), f"{what} in the trailer is {int(text)}, but the file has {expected}")
    return ReturnFile(file_format="cpa005", created_at=datetime(created.year, created.month, created.day),
                      items=items)


def _returned_item(segment: str, line_number: int, record_type: str) -> ReturnedItem:
    amount = _number(segment[3:13], line_number, "The amount")
    _julian(segment[13:19], line_number, "The due date")
    institution_id = segment[19:28]
    if not re.fullmatch(r"0[0-9]{8}", institution_id):
        raise ReturnFileError(line_number, f"the institution id {institution_id!r} is not 0 + 3-digit institution "
                                           "+ 5-digit transit")
    reason_code = segment[62:65]
    if reason_code not in REASONS:
        raise ReturnFileError(line_number, f"{reason_code!r} (positions 63-65 of the item) is not a Payments Canada "
                                           "return reason code (900 to 990)")
    cross_reference = segment[150:169].rstrip()
    if not cross_reference:
        raise ReturnFileError(line_number, "the item has no originator's cross-reference, so it cannot name the "
                                           "payment it returns")
    item_trace = segment[40:62]
    return ReturnedItem(
        file_format="cpa005", line_number=line_number, reference=cross_reference, amount_cents=amount,
        reason_code=reason_code, reason=REASONS[reason_code], account_data=reason_code in ACCOUNT_DATA_REASONS,
        receiving_bank=institution_id[1:], payee_name=segment[80:110].rstrip(), return_trace_number=item_trace,
        entry_key=f"{record_type}:{cross_reference}:{item_trace}:{reason_code}:{amount}",
    )


__all__ = ["ACCOUNT_DATA_REASONS", "REASONS", "RECORD_LENGTH", "read_cpa005_returns", "reason_words"]

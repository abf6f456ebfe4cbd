"""A NACHA return file: the entries the receiving banks gave back, each with its return
addenda (record type 7, addenda type code 99).

Layout read (NACHA Operating Rules, Appendix Three and Four; 94-character records):
- 1 file header: creation date (24-29, YYMMDD) and time (30-33, HHMM);
- per batch, 5 batch header, then each return entry:
  - 6 entry detail: transaction code (2-3; 21 and 31 return credits to checking and
    savings), receiving DFI (4-11, here the originator's bank the return goes back to),
    account (13-29), amount (30-39), individual id (40-54), name (55-76), addenda
    indicator (79, must be 1), the return's own trace number (80-94);
  - 7 addenda with addenda type code 99 (2-3): return reason code (4-6, R01-R85),
    original entry trace number (7-21), date of death (22-27, YYMMDD or blank),
    original receiving DFI identification (28-35), addenda information (36-79), trace
    number (80-94, the entry's);
  - 8 batch control: entry/addenda count, entry hash, debit and credit totals;
- 9 file control, then any padding records of `9`.
Every count, hash and total is checked; a file that does not add up is refused with the
line and the reason, since a file that lost or gained a record must not half-apply.
A notification of change (addenda 98) or a returned debit is refused too: this network
sends credits only and corrects bank details by hand.
"""

from __future__ import annotations

from datetime import date, datetime

from app.integrations.bank_returns import ReturnedItem, ReturnFile, ReturnFileError, text_lines

RECORD_LENGTH = 94
RETURNED_CREDIT_CODES = {"21": "checking", "31": "savings"}

# The return reason codes of the NACHA Operating Rules, in plain words.
REASONS = {
    "R01": "Insufficient funds",
    "R02": "Account closed",
    "R03": "No account, or the account could not be found",
    "R04": "Invalid account number",
    "R05": "Unauthorized debit to a consumer account (corporate entry class)",
    "R06": "Returned at the originating bank's request",
    "R07": "Authorization revoked by the customer",
    "R08": "Payment stopped",
    "R09": "Uncollected funds",
    "R10": "The customer says the originator is not known or not authorized",
    "R11": "The customer says the entry does not match the authorization",
    "R12": "The account was sold to another bank",
    "R13": "Invalid ACH routing number (the bank does not take ACH entries)",
    "R14": "The representative payee died or can no longer act",
    "R15": "The beneficiary or account holder died",
    "R16": "Account frozen",
    "R17": "The bank could not process the entry (or an invalid account number in questionable circumstances)",
    "R18": "Improper effective entry date",
    "R19": "Amount field error",
    "R20": "The account cannot receive payments (non-transaction account)",
    "R21": "Invalid company identification",
    "R22": "Invalid individual identification number",
    "R23": "The receiver refused the credit",
    "R24": "Duplicate entry",
    "R25": "Addenda error",
    "R26": "Mandatory field error",
    "R27": "Trace number error",
    "R28": "Routing number check digit error",
    "R29": "The business says the entry is not authorized",
    "R30": "The bank does not take part in check truncation",
    "R31": "Permissible return entry (CCD and CTX)",
    "R32": "The receiving bank cannot settle",
    "R33": "Return of an XCK entry",
    "R34": "The receiving bank's participation is limited",
    "R35": "Return of an improper debit entry",
    "R36": "Return of an improper credit entry",
    "R37": "The source document was presented for payment",
    "R38": "Stop payment on the source document",
    "R39": "Improper source document",
    "R40": "Return of an ENR entry by a federal government agency",
    "R41": "Invalid transaction code (ENR)",
    "R42": "Routing number or check digit error (ENR)",
    "R43": "Invalid account number (ENR)",
    "R44": "Invalid individual identification number (ENR)",
    "R45": "Invalid individual or company name (ENR)",
    "R46": "Invalid representative payee indicator (ENR)",
    "R47": "Duplicate enrollment (ENR)",
    "R50": "State law affects acceptance of RCK entries",
    "R51": "The item of the RCK entry is ineligible, or the RCK entry is improper",
    "R52": "Stop payment on the item of the RCK entry",
    "R53": "Both the item and the RCK entry were presented for payment",
    "R61": "Misrouted return",
    "R62": "Return of an erroneous or reversing debit",
    "R67": "Duplicate return",
    "R68": "Untimely return",
    "R69": "Field errors in the return",
    "R70": "Permissible return not accepted, or return not requested by the originating bank",
    "R71": "Misrouted dishonored return",
    "R72": "Untimely dishonored return",
    "R73": "Timely original return",
    "R74": "Corrected return",
    "R75": "The return was not a duplicate",
    "R76": "No errors found in the original return",
    "R77": "Non-acceptance of an R62 dishonored return",
    "R80": "IAT entry coding error",
    "R81": "The gateway does not take part in IAT",
    "R82": "Invalid foreign receiving bank identification",
    "R83": "The foreign receiving bank cannot settle",
    "R84": "The gateway did not process the entry",
    "R85": "Outbound international payment coded incorrectly",
}
# Reasons that say the account details themselves are wrong: paying again to the same
# details would come back the same way, so the location must correct them first.
ACCOUNT_DATA_REASONS = frozenset({
    "R02", "R03", "R04", "R12", "R13", "R14", "R15", "R16", "R17", "R20", "R28",
})


def reason_words(code: str) -> str:
    """The plain words of a NACHA return reason code (KeyError for an unknown code)."""
    return REASONS[code]


def _digits(text: str, line_number: int, what: str) -> int:
    if not (text.isascii() and text.isdigit()):
        raise ReturnFileError(line_number, f"{what} must be digits, not {text!r}")
    return int(text)


def _yymmdd(text: str, line_number: int, what: str) -> date:
    try:
        return datetime.strptime(text, "%y%m%d").date()
    except ValueError:
        raise ReturnFileError(line_number, f"{what} {text!r} is not a date YYMMDD") from None


def _is_credit(code: str) -> bool | None:
    """True for a credit transaction code, False for a debit, None for neither."""
    if len(code) != 2 or code[0] not in "2345":
        return None
    return True if code[1] in "1234" else False if code[1] in "6789" else None


def read_nacha_returns(content: bytes) -> ReturnFile:
    """The returned credits of a NACHA return file, in file order. Refuses
    (`ReturnFileError`, with the line) a file that is not 94-character records in the
    order 1, (5, (6, 7)..., 8)..., 9 with padding; counts, entry hashes or totals that do
    not add up; an entry without its addenda 99; an unknown return reason code; a
    returned debit; a notification of change; a file with no returns at all."""
    lines = text_lines(content, ending="LF")
    for number, line in enumerate(lines, start=1):
        if len(line) != RECORD_LENGTH:
            raise ReturnFileError(number, f"the record has {len(line)} characters, not {RECORD_LENGTH}")
    if not lines or lines[0][0] != "1":
        raise ReturnFileError(1, "the file does not start with a file header (record type 1)")
    header = lines[0]
    created_at = None
    try:
        created_at = datetime.strptime(header[23:33], "%y%m%d%H%M")
    except ValueError:
        raise ReturnFileError(1, f"the file creation date and time {header[23:33]!r} are not YYMMDDHHMM") from None

    items: list[ReturnedItem] = []
    batch_count = entry_addenda_total = 0
    hash_total = debit_total = credit_total = 0
    index = 1
    file_control_line = None
    while index < len(lines):
        line, number = lines[index], index + 1
        kind = line[0]
        if kind == "9" and file_control_line is None:
            file_control_line = number
            index += 1
            break
        if kind != "5":
            raise ReturnFileError(number, f"expected a batch header (record type 5) or the file control (9), "
                                          f"found record type {kind!r}")
        batch_items, figures, index = _batch(lines, index)
        items += batch_items
        batch_count += 1
        entry_addenda_total += figures["count"]
        hash_total += figures["hash"]
        debit_total += figures["debit"]
        credit_total += figures["credit"]
    if file_control_line is None:
        raise ReturnFileError(len(lines), "the file ends without its file control record (record type 9)")
    for number in range(index + 1, len(lines) + 1):
        if lines[number - 1] != "9" * RECORD_LENGTH:
            raise ReturnFileError(number, "only padding records of 9s may follow the file control record")
    control = lines[file_control_line - 1]
    checks = (
        (control[1:7], batch_count, "the batch count"),
        (control[13:21], entry_addenda_total, "the entry and addenda count"),
        (control[21:31], hash_total % 10**10, "the entry hash"),
        (control[31:43], debit_total, "the total debit amount"),
        (control[43:55], credit_total, "the total credit amount"),
        (control[7:13], -(-file_control_line // 10), "the block count"),
    )
    for text, expected, what in checks:
        if _digits(text, file_control_line, what.capitalize()) != expected:
            raise ReturnFileError(file_control_line, f"{what} of the file control is {int(text)}, but the file "
                                                     f"has {expected}")
    if not items:
        raise ReturnFileError(file_control_line, "the file has no returned entries")
    return ReturnFile(file_format="nacha", created_at=created_at, items=items)


def _batch(lines: list[str], index: int) -> tuple[list[ReturnedItem], dict, int]:
    """The returns of the batch whose header is at `lines[index]`, its figures, and the
    index after its control record."""
    header_line = index + 1
    header = lines[index]
    index += 1
    items: list[ReturnedItem] = []
    count = entry_hash = debit = credit = 0
    while True:
        if index >= len(lines):
            raise ReturnFileError(len(lines), f"the batch that starts on line {header_line} has no batch control "
                                              "record (record type 8)")
        line, number = lines[index], index + 1
        if line[0] == "8":
            break
        if line[0] != "6":
            raise ReturnFileError(number, f"expected an entry detail (record type 6) or the batch control (8), "
                                          f"found record type {line[0]!r}")
        addenda_number = number + 1
        if index + 1 >= len(lines) or lines[index + 1][0] != "7":
            raise ReturnFileError(number, "the entry has no return addenda record after it (record type 7, "
                                          "addenda type code 99)")
        items.append(_returned_item(line, number, lines[index + 1], addenda_number))
        code = line[1:3]
        amount = _digits(line[29:39], number, "The amount")
        is_credit = _is_credit(code)
        if is_credit is None:
            raise ReturnFileError(number, f"{code!r} is not an ACH transaction code")
        credit += amount if is_credit else 0
        debit += 0 if is_credit else amount
        entry_hash += _digits(line[3:11], number, "The receiving DFI identification")
        count += 2
        index += 2
    control = lines[index]
    control_line = index + 1
    checks = (
        (control[4:10], count, "the entry and addenda count"),
        (control[10:20], entry_hash % 10**10, "the entry hash"),
        (control[20:32], debit, "the total debit amount"),
        (control[32:44], credit, "the total credit amount"),
    )
    for text, expected, what in checks:
        if _digits(text, control_line, what.capitalize()) != expected:
            raise ReturnFileError(control_line, f"{what} of the batch control is {int(text)}, but its batch has "
                                                f"{expected}")
    if control[1:4] != header[1:4] or control[87:94] != header[87:94]:
        raise ReturnFileError(control_line, "the batch control's service class or batch number differs from its "
                                            f"batch header on line {header_line}")
    return items, {"count": count, "hash": entry_hash, "debit": debit, "credit": credit}, index + 1


def _returned_item(entry: str, entry_line: int, addenda: str, addenda_line: int) -> ReturnedItem:
    code = entry[1:3]
    if addenda[1:3] == "98":
        raise ReturnFileError(addenda_line, "this is a notification of change (addenda type 98), not a return; "
                                            "correct the location's bank details by hand and upload only returns")
    if addenda[1:3] != "99":
        raise ReturnFileError(addenda_line, f"the addenda type code is {addenda[1:3]!r}; a return's is 99")
    if entry[78] != "1":
        raise ReturnFileError(entry_line, "the entry's addenda record indicator is not 1, yet a return addenda follows")
    if code not in RETURNED_CREDIT_CODES:
        if _is_credit(code) is False:
            raise ReturnFileError(entry_line, f"transaction code {code} is a returned debit; this network sends "
                                              "credits only, so it cannot be one of its payouts")
        raise ReturnFileError(entry_line, f"transaction code {code} is not a returned credit (21 checking, "
                                          "31 savings)")
    reason_code = addenda[3:6]
    if reason_code not in REASONS:
        raise ReturnFileError(addenda_line, f"{reason_code!r} is not a NACHA return reason code (R01 to R85)")
    original_trace = addenda[6:21]
    _digits(original_trace, addenda_line, "The original entry trace number")
    death_text = addenda[21:27]
    date_of_death = None if not death_text.strip() else _yymmdd(death_text, addenda_line, "The date of death")
    original_rdfi = addenda[27:35]
    _digits(original_rdfi, addenda_line, "The original receiving DFI identification")
    trace = entry[79:94]
    _digits(trace, entry_line, "The trace number")
    if addenda[79:94] != trace:
        raise ReturnFileError(addenda_line, f"the addenda's trace number {addenda[79:94]} is not its entry's ({trace})")
    amount = _digits(entry[29:39], entry_line, "The amount")
    return ReturnedItem(
        file_format="nacha", line_number=entry_line, reference=original_trace, amount_cents=amount,
        reason_code=reason_code, reason=REASONS[reason_code], account_data=reason_code in ACCOUNT_DATA_REASONS,
        receiving_bank=original_rdfi, payee_name=entry[54:76].rstrip(), return_trace_number=trace,
        entry_key=f"{original_trace}:{trace}:{reason_code}:{amount}", date_of_death=date_of_death,
        addenda_information=addenda[35:79].rstrip(),
    )


__all__ = ["ACCOUNT_DATA_REASONS", "REASONS", "RECORD_LENGTH", "read_nacha_returns", "reason_words"]

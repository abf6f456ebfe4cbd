"""NACHA ACH files (US): what the operator uploads to its bank to pay the locations.

A pure writer: the same arguments always give the same bytes (the creation date and
time come from the caller, never from the clock), so a stored file can be proven
to be the one the batch describes.

Layout (94-character records, each ending with a newline):
- 1 file header: immediate destination and origin, creation date/time, file id modifier;
- per effective entry date, one CCD batch: 5 batch header, 6 entries (22 checking
  credit, 32 savings credit, 23 / 33 their zero-dollar prenotes, and with an offset
  account one 27 checking debit that balances the batch's credits), 8 batch control
  (entry count, entry hash, debit and credit totals);
- 9 file control (batch, block and entry counts, entry hash, totals);
- lines of `9` up to a multiple of 10 records (blocking factor 10).
The entry hash is the sum of the 8-digit receiving DFI routing prefixes, keeping the
rightmost 10 digits. No addenda records are written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from app.integrations.fixed_width import BankFileError, alpha, exact, numeric

RECORD_LENGTH = 94
BLOCKING_FACTOR = 10
RECORD_END = "\n"
PADDING_RECORD = "9" * RECORD_LENGTH

CHECKING_CREDIT = "22"
SAVINGS_CREDIT = "32"
CHECKING_PRENOTE = "23"  # a zero-dollar credit that lets the receiving bank check the account first
SAVINGS_PRENOTE = "33"
CHECKING_DEBIT = "27"
CREDITS_ONLY = "220"
MIXED_DEBITS_AND_CREDITS = "200"
SEC_CODE = "CCD"  # corporate credit or debit: payments between businesses
ENTRY_DESCRIPTION = "GIFT CARDS"  # shown on the location's bank statement
FILE_ID_MODIFIERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
MAX_ENTRY_CENTS = 9_999_999_999  # 10 digits
MAX_TOTAL_CENTS = 999_999_999_999  # 12 digits


@dataclass(frozen=True)
class Originator:
    """The operator as its bank knows it (from Settings -> Payouts -> NACHA)."""

    immediate_destination: str  # 9-digit routing number of the bank receiving the file
    immediate_origin: str  # 9 or 10 characters given by that bank
    destination_name: str
    origin_name: str
    company_name: str
    company_id: str  # up to 10 characters, often "1" + the EIN
    odfi_routing: str  # 9-digit routing number of the operator's bank (the file carries its first 8)
    offset_routing_number: str | None = None  # with an offset account, each batch is balanced by a debit to it
    offset_account_number: str | None = None

    @property
    def balanced(self) -> bool:
        return bool(self.offset_routing_number and self.offset_account_number)


@dataclass(frozen=True)
class Credit:
    """One payment to one location's account."""

    routing_number: str  # 9 digits
    account_number: str
    account_type: str  # checking | savings
    amount_cents: int
    receiver_name: str  # the location's name (22 characters are kept)
    receiver_id: str  # identifies the location to its bank (15 characters)
    effective_date: date
    prenote: bool = False  # a prenote: amount 0, codes 23 / 33


def file_id_modifier(sequence: int) -> str:
    """A..Z then 0..9: distinguishes the files one originator sends on the same day."""
    return FILE_ID_MODIFIERS[(sequence - 1) % len(FILE_ID_MODIFIERS)]


def _routing(routing_number: str, what: str) -> str:
    if len(routing_number or "") != 9 or not (routing_number.isascii() and routing_number.isdigit()):
        raise BankFileError(f"{what} must be a 9-digit routing number, not {routing_number!r}.")
    return routing_number


def _account(account_number: str, what: str) -> str:
    if not account_number or len(account_number) > 17 or not account_number.isalnum():
        raise BankFileError(f"{what} must have 1 to 17 letters or digits.")
    return account_number.ljust(17)


def _immediate_origin(origin: str) -> str:
    origin = origin.strip()
    if not 1 <= len(origin) <= 10:
        raise BankFileError("The immediate origin has 9 or 10 characters.")
    return origin.rjust(10)


def _record(*fields: str) -> str:
    record = "".join(fields)
    if len(record) != RECORD_LENGTH:  # a programming error, never a user's
        raise AssertionError(f"NACHA record of {len(record)} characters: {record!r}")
    return record


def _file_header(originator: Originator, created_at: datetime, modifier: str) -> str:
    return _record(
        "1",
        "01",  # priority code
        " " + _routing(originator.immediate_destination, "The immediate destination"),
        _immediate_origin(originator.immediate_origin),
        created_at.strftime("%y%m%d"),
        created_at.strftime("%H%M"),
        exact(modifier, 1, what="The file id modifier"),
        "094",  # record size
        f"{BLOCKING_FACTOR:02d}",
        "1",  # format code
        alpha(originator.destination_name, 23),
        alpha(originator.origin_name, 23),
        alpha("", 8),  # reference code
    )


def _entry(transaction_code: str, routing_number: str, account_number: str, amount_cents: int,
           receiver_id: str, receiver_name: str, trace: str, what: str) -> str:
    routing = _routing(routing_number, f"The routing number of {what}")
    if amount_cents > MAX_ENTRY_CENTS:
        raise BankFileError(f"The amount for {what} is more than a NACHA entry can carry.")
    return _record(
        "6",
        transaction_code,
        routing[:8],  # receiving DFI identification
        routing[8],  # its check digit
        _account(account_number, f"The account number of {what}"),
        numeric(amount_cents, 10, what=f"The amount for {what}"),
        alpha(receiver_id, 15),
        alpha(receiver_name, 22),
        "  ",  # discretionary data
        "0",  # no addenda record
        trace,
    )


def _batch(originator: Originator, number: int, effective_date: date, credits: Sequence[Credit],
           next_trace: int, traces: list[str]) -> tuple[list[str], dict]:
    """The records of one batch, and its figures for the file control; each credit's trace
    number is appended to `traces` (in the order of `credits`)."""
    odfi = _routing(originator.odfi_routing, "The ODFI routing number")[:8]
    entries: list[str] = []
    entry_hash = 0
    credit_total = 0
    for credit in credits:
        if credit.prenote and credit.amount_cents != 0:
            raise BankFileError(f"The prenote to {credit.receiver_name} must be for zero.")
        if not credit.prenote and credit.amount_cents <= 0:
            raise BankFileError(f"The credit to {credit.receiver_name} must be more than zero.")
        if credit.account_type not in ("checking", "savings"):
            raise BankFileError(f"The account of {credit.receiver_name} must be checking or savings.")
        if credit.prenote:
            code = CHECKING_PRENOTE if credit.account_type == "checking" else SAVINGS_PRENOTE
        else:
            code = CHECKING_CREDIT if credit.account_type == "checking" else SAVINGS_CREDIT
        trace = odfi + numeric(next_trace, 7, what="The trace sequence")
        traces.append(trace)
        entries.append(_entry(code, credit.routing_number, credit.account_number, credit.amount_cents,
                              credit.receiver_id, credit.receiver_name, trace, credit.receiver_name))
        next_trace += 1
        entry_hash += int(credit.routing_number[:8])
        credit_total += credit.amount_cents
    debit_total = 0
    if originator.balanced and credit_total > 0:  # a batch of prenotes only moves no money to balance
        trace = odfi + numeric(next_trace, 7, what="The trace sequence")
        entries.append(_entry(CHECKING_DEBIT, originator.offset_routing_number, originator.offset_account_number,
                              credit_total, "OFFSET", originator.company_name, trace, "the offset account"))
        next_trace += 1
        entry_hash += int(originator.offset_routing_number[:8])
        debit_total = credit_total
    if credit_total > MAX_TOTAL_CENTS:
        raise BankFileError("The batch total is more than a NACHA file can carry; split the payout.")
    service_class = MIXED_DEBITS_AND_CREDITS if debit_total else CREDITS_ONLY
    company_id = alpha(originator.company_id, 10)
    batch_number = numeric(number, 7, what="The batch number")
    header = _record(
        "5",
        service_class,
        alpha(originator.company_name, 16),
        alpha("", 20),  # company discretionary data
        company_id,
        SEC_CODE,
        alpha(ENTRY_DESCRIPTION, 10),
        alpha("", 6),  # company descriptive date
        effective_date.strftime("%y%m%d"),
        "   ",  # settlement date: the ACH operator fills it in
        "1",  # originator status code
        odfi,
        batch_number,
    )
    entry_hash %= 10**10
    control = _record(
        "8",
        service_class,
        numeric(len(entries), 6, what="The batch entry count"),
        numeric(entry_hash, 10, what="The entry hash"),
        numeric(debit_total, 12, what="The batch debit total"),
        numeric(credit_total, 12, what="The batch credit total"),
        company_id,
        alpha("", 19),  # message authentication code
        alpha("", 6),  # reserved
        odfi,
        batch_number,
    )
    figures = {"entries": len(entries), "entry_hash": entry_hash, "debit": debit_total, "credit": credit_total,
               "next_trace": next_trace}
    return [header, *entries, control], figures


def write_nacha(originator: Originator, credits: Sequence[Credit], *, created_at: datetime,
                file_id_modifier: str = "A") -> str:
    """The whole file as text (see `write_nacha_with_traces`)."""
    return write_nacha_with_traces(originator, credits, created_at=created_at, file_id_modifier=file_id_modifier)[0]


def write_nacha_with_traces(originator: Originator, credits: Sequence[Credit], *, created_at: datetime,
                            file_id_modifier: str = "A") -> tuple[str, list[str]]:
    """The whole file as text: one CCD batch per effective date (earliest first), credits
    in the order given. `created_at` is the file's creation moment in the operator's zone.
    With it, the 15-digit trace number of each credit, in the order given (a return
    entry names the payment it returns by this number).

    Refuses (BankFileError) an empty payment list, zero or negative amounts (but for
    prenotes, which must be zero), routing
    numbers that are not 9 digits, and amounts too large for their fields.
    """
    if not credits:
        raise BankFileError("There is nothing to pay: a NACHA file needs at least one credit.")
    by_date: dict[date, list[Credit]] = {}
    for credit in credits:
        by_date.setdefault(credit.effective_date, []).append(credit)
    traces_by_date: dict[date, list[str]] = {effective_date: [] for effective_date in by_date}
    records = [_file_header(originator, created_at, file_id_modifier)]
    entry_count = entry_hash = debit_total = credit_total = 0
    next_trace = 1
    for number, effective_date in enumerate(sorted(by_date), start=1):
        batch_records, figures = _batch(originator, number, effective_date, by_date[effective_date], next_trace,
                                        traces_by_date[effective_date])
        records += batch_records
        next_trace = figures["next_trace"]
        entry_count += figures["entries"]
        entry_hash += figures["entry_hash"]
        debit_total += figures["debit"]
        credit_total += figures["credit"]
    if credit_total > MAX_TOTAL_CENTS:
        raise BankFileError("The file total is more than a NACHA file can carry; split the payout.")
    record_count = len(records) + 1  # with the file control
    block_count = -(-record_count // BLOCKING_FACTOR)
    records.append(_record(
        "9",
        numeric(len(by_date), 6, what="The batch count"),
        numeric(block_count, 6, what="The block count"),
        numeric(entry_count, 8, what="The entry count"),
        numeric(entry_hash % 10**10, 10, what="The entry hash"),
        numeric(debit_total, 12, what="The file debit total"),
        numeric(credit_total, 12, what="The file credit total"),
        alpha("", 39),  # reserved
    ))
    records += [PADDING_RECORD] * (block_count * BLOCKING_FACTOR - record_count)
    unread = {effective_date: iter(traces) for effective_date, traces in traces_by_date.items()}
    traces = [next(unread[credit.effective_date]) for credit in credits]
    return "".join(record + RECORD_END for record in records), traces


__all__ = ["BankFileError", "Credit", "Originator", "file_id_modifier", "write_nacha", "write_nacha_with_traces"]

"""CPA-005 EFT files (Canada): what the operator uploads to its bank to pay the locations.

A pure writer: the same arguments always give the same bytes (the creation date and
the file creation number come from the caller).

Layout (Payments Canada Standard 005; 1464-byte records, each ending with CR LF):
- A header: record count 1, originator id, file creation number (4 digits), creation
  date `0YYDDD`, destination data centre, currency;
- C credit records: the same 24-byte prefix, then up to six 240-byte segments, one
  payment each (unused segments blank); a record with fewer than six is the last;
- Z trailer: totals and counts of debits (none here) and credits; the counts are
  segments (payments), not records.
Every record carries its sequence number in the file (`logical record count`); the
trailer's is the number of records in the file.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from app.integrations.fixed_width import BankFileError, alpha, numeric

RECORD_LENGTH = 1464
SEGMENT_LENGTH = 240
SEGMENTS_PER_RECORD = 6
RECORD_END = "\r\n"
ACCOUNTS_PAYABLE = "460"  # CPA transaction code: the network pays what it owes the business
MAX_AMOUNT_CENTS = 9_999_999_999  # 10 digits
MAX_TOTAL_CENTS = 99_999_999_999_999  # 14 digits
MAX_FILE_CREATION_NUMBER = 9999


@dataclass(frozen=True)
class Originator:
    """The operator as its bank knows it (from Settings -> Payouts -> CPA-005)."""

    originator_id: str  # up to 10 characters, given by the bank
    data_centre: str  # 5 digits: the bank's data centre receiving the file
    short_name: str  # 15 characters, on the payee's statement
    long_name: str  # 30 characters
    return_institution_number: str  # where returned payments go: 3 digits
    return_transit_number: str  # 5 digits
    return_account_number: str  # up to 12 digits


@dataclass(frozen=True)
class Credit:
    """One payment to one location's account."""

    institution_number: str  # 3 digits
    transit_number: str  # 5 digits
    account_number: str  # up to 12 digits
    amount_cents: int
    payee_name: str  # the location's name (30 characters are kept)
    cross_reference: str  # the originator's reference for this payment (19 characters)
    due_date: date  # the date the funds are available to the payee


def julian(day: date) -> str:
    """`0YYDDD`: a zero, the year's last two digits, the day of the year."""
    return f"0{day:%y}{day.timetuple().tm_yday:03d}"


def institution_id(institution_number: str, transit_number: str, what: str) -> str:
    """`0IIITTTTT`: a zero, the 3-digit institution number, the 5-digit transit number."""
    if len(institution_number or "") != 3 or not (institution_number.isascii() and institution_number.isdigit()):
        raise BankFileError(f"The institution number of {what} must have 3 digits.")
    if len(transit_number or "") != 5 or not (transit_number.isascii() and transit_number.isdigit()):
        raise BankFileError(f"The transit number of {what} must have 5 digits.")
    return f"0{institution_number}{transit_number}"


def _account(account_number: str, what: str) -> str:
    if not account_number or len(account_number) > 12 or not (account_number.isascii() and account_number.isdigit()):
        raise BankFileError(f"The account number of {what} must have 1 to 12 digits.")
    return account_number.ljust(12)


def _prefix(record_type: str, sequence: int, originator: Originator, file_number: str) -> str:
    return record_type + numeric(sequence, 9, what="The record count") + alpha(originator.originator_id, 10) + file_number


def _segment(originator: Originator, credit: Credit) -> str:
    if credit.amount_cents <= 0:
        raise BankFileError(f"The credit to {credit.payee_name} must be more than zero.")
    if credit.amount_cents > MAX_AMOUNT_CENTS:
        raise BankFileError(f"The amount for {credit.payee_name} is more than a CPA-005 payment can carry.")
    segment = "".join((
        ACCOUNTS_PAYABLE,
        numeric(credit.amount_cents, 10, what=f"The amount for {credit.payee_name}"),
        julian(credit.due_date),
        institution_id(credit.institution_number, credit.transit_number, credit.payee_name),
        _account(credit.account_number, credit.payee_name),
        "0" * 22,  # item trace number: the bank assigns it
        "0" * 3,  # stored transaction type
        alpha(originator.short_name, 15),
        alpha(credit.payee_name, 30),
        alpha(originator.long_name, 30),
        alpha(originator.originator_id, 10),  # originating direct clearer's user id
        alpha(credit.cross_reference, 19),
        institution_id(originator.return_institution_number, originator.return_transit_number, "the return account"),
        _account(originator.return_account_number, "the return account"),
        alpha("", 15),  # originator's sundry information
        alpha("", 22),  # filler
        alpha("", 2),  # originator-direct clearer settlement code
        "0" * 11,  # invalid data element id
    ))
    if len(segment) != SEGMENT_LENGTH:  # a programming error, never a user's
        raise AssertionError(f"CPA-005 segment of {len(segment)} characters")
    return segment


def write_cpa005(originator: Originator, credits: Sequence[Credit], *, file_creation_number: int,
                 created_on: date, currency: str = "CAD") -> str:
    """The whole file as text, credits in the order given, six to a C record.

    Refuses (BankFileError) an empty payment list, a file creation number outside
    1..9999, zero or negative amounts, wrong institution/transit/account numbers and
    amounts too large for their fields.
    """
    if not credits:
        raise BankFileError("There is nothing to pay: a CPA-005 file needs at least one credit.")
    if not 1 <= file_creation_number <= MAX_FILE_CREATION_NUMBER:
        raise BankFileError("The file creation number must be from 1 to 9999.")
    if len(originator.data_centre or "") != 5 or not (originator.data_centre.isascii() and originator.data_centre.isdigit()):
        raise BankFileError("The destination data centre must have 5 digits.")
    if currency not in ("CAD", "USD"):
        raise BankFileError("A CPA-005 file is in CAD or USD.")
    file_number = numeric(file_creation_number, 4, what="The file creation number")
    records = [
        _prefix("A", 1, originator, file_number)
        + julian(created_on)
        + originator.data_centre
        + alpha("", 20)  # reserved customer - direct clearer communication area
        + currency
        + alpha("", 1406)
    ]
    for start in range(0, len(credits), SEGMENTS_PER_RECORD):
        segments = [_segment(originator, credit) for credit in credits[start:start + SEGMENTS_PER_RECORD]]
        body = "".join(segments).ljust(SEGMENT_LENGTH * SEGMENTS_PER_RECORD)
        records.append(_prefix("C", len(records) + 1, originator, file_number) + body)
    credit_total = sum(credit.amount_cents for credit in credits)
    if credit_total > MAX_TOTAL_CENTS:
        raise BankFileError("The file total is more than a CPA-005 file can carry; split the payout.")
    records.append(
        _prefix("Z", len(records) + 1, originator, file_number)
        + numeric(0, 14, what="The debit total") + numeric(0, 8, what="The debit count")
        + numeric(credit_total, 14, what="The credit total") + numeric(len(credits), 8, what="The credit count")
        + "0" * 14 + "0" * 8  # error corrections "E": value, count
        + "0" * 14 + "0" * 8  # error corrections "F": value, count
        + alpha("", 1352)
    )
    for record in records:
        if len(record) != RECORD_LENGTH:  # a programming error, never a user's
            raise AssertionError(f"CPA-005 record of {len(record)} characters")
    return "".join(record + RECORD_END for record in records)


__all__ = ["BankFileError", "Credit", "Originator", "institution_id", "julian", "write_cpa005"]

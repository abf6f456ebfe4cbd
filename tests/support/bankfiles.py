"""Independent readers for the bank files, written from the published record layouts
(NACHA Operating Rules, Appendix Three; Payments Canada Standard 005), NOT from the
writers in app/integrations. Field positions below are the 1-based, inclusive
positions of those layouts, so a reviewer can hold them against the spec line by line.

Each parser checks the structure it reads (record lengths, record order, counts,
hashes, totals, blocking) and raises `Malformed` with the first problem found; the
tests then compare the parsed fields with the payout batch.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta


class Malformed(AssertionError):
    """The file breaks its format."""


def _fields(record: str, layout: list[tuple[str, int, int]]) -> dict[str, str]:
    """Cut one record by a layout of (name, first position, last position), 1-based inclusive."""
    return {name: record[first - 1:last] for name, first, last in layout}


def _check_layout(layout: list[tuple[str, int, int]], length: int) -> None:
    """A layout covers every position exactly once (guards typos in the tables below)."""
    position = 1
    for name, first, last in layout:
        if first != position or last < first:
            raise AssertionError(f"layout gap or overlap at {name}")
        position = last + 1
    if position != length + 1:
        raise AssertionError(f"layout covers {position - 1} of {length} positions")


def _number(text: str, what: str) -> int:
    if not re.fullmatch(r"[0-9]+", text):
        raise Malformed(f"{what} is not numeric: {text!r}")
    return int(text)


def _blank(text: str, what: str) -> None:
    if text.strip(" "):
        raise Malformed(f"{what} should be blank: {text!r}")


def _aba_check_digit_ok(routing9: str) -> bool:
    weights = (3, 7, 1, 3, 7, 1, 3, 7, 1)
    return sum(int(digit) * weight for digit, weight in zip(routing9, weights, strict=True)) % 10 == 0


# --- NACHA ----------------------------------------------------------------------------

NACHA_FILE_HEADER = [
    ("record_type", 1, 1), ("priority_code", 2, 3), ("immediate_destination", 4, 13),
    ("immediate_origin", 14, 23), ("file_creation_date", 24, 29), ("file_creation_time", 30, 33),
    ("file_id_modifier", 34, 34), ("record_size", 35, 37), ("blocking_factor", 38, 39), ("format_code", 40, 40),
    ("immediate_destination_name", 41, 63), ("immediate_origin_name", 64, 86), ("reference_code", 87, 94),
]
NACHA_BATCH_HEADER = [
    ("record_type", 1, 1), ("service_class_code", 2, 4), ("company_name", 5, 20),
    ("company_discretionary_data", 21, 40), ("company_identification", 41, 50), ("standard_entry_class", 51, 53),
    ("company_entry_description", 54, 63), ("company_descriptive_date", 64, 69), ("effective_entry_date", 70, 75),
    ("settlement_date", 76, 78), ("originator_status_code", 79, 79), ("originating_dfi", 80, 87),
    ("batch_number", 88, 94),
]
NACHA_ENTRY = [
    ("record_type", 1, 1), ("transaction_code", 2, 3), ("receiving_dfi", 4, 11), ("check_digit", 12, 12),
    ("dfi_account_number", 13, 29), ("amount", 30, 39), ("identification_number", 40, 54),
    ("receiving_company_name", 55, 76), ("discretionary_data", 77, 78), ("addenda_indicator", 79, 79),
    ("trace_number", 80, 94),
]
NACHA_BATCH_CONTROL = [
    ("record_type", 1, 1), ("service_class_code", 2, 4), ("entry_addenda_count", 5, 10), ("entry_hash", 11, 20),
    ("total_debit", 21, 32), ("total_credit", 33, 44), ("company_identification", 45, 54),
    ("message_authentication_code", 55, 73), ("reserved", 74, 79), ("originating_dfi", 80, 87),
    ("batch_number", 88, 94),
]
NACHA_FILE_CONTROL = [
    ("record_type", 1, 1), ("batch_count", 2, 7), ("block_count", 8, 13), ("entry_addenda_count", 14, 21),
    ("entry_hash", 22, 31), ("total_debit", 32, 43), ("total_credit", 44, 55), ("reserved", 56, 94),
]
for _layout in (NACHA_FILE_HEADER, NACHA_BATCH_HEADER, NACHA_ENTRY, NACHA_BATCH_CONTROL, NACHA_FILE_CONTROL):
    _check_layout(_layout, 94)

CREDIT_CODES = {"22": "checking", "32": "savings"}
DEBIT_CODES = {"27": "checking", "37": "savings"}
# Prenotification credits (zero-dollar entries that test an account before live credits).
PRENOTE_CODES = {"23": "checking", "33": "savings"}


@dataclass
class NachaEntry:
    transaction_code: str
    routing_number: str  # the 8-digit DFI id and its check digit, joined
    account_number: str
    amount_cents: int
    identification_number: str
    receiver_name: str
    trace_number: str

    @property
    def is_credit(self) -> bool:
        return self.transaction_code in CREDIT_CODES or self.is_prenote

    @property
    def is_prenote(self) -> bool:
        return self.transaction_code in PRENOTE_CODES


@dataclass
class NachaBatch:
    header: dict[str, str]
    control: dict[str, str]
    entries: list[NachaEntry] = field(default_factory=list)

    @property
    def effective_date(self) -> date:
        return datetime.strptime(self.header["effective_entry_date"], "%y%m%d").date()

    @property
    def credits(self) -> list[NachaEntry]:
        return [entry for entry in self.entries if entry.is_credit]

    @property
    def debits(self) -> list[NachaEntry]:
        return [entry for entry in self.entries if not entry.is_credit]


@dataclass
class NachaFile:
    header: dict[str, str]
    control: dict[str, str]
    batches: list[NachaBatch]
    record_count: int  # including padding
    padding_count: int

    @property
    def entries(self) -> list[NachaEntry]:
        return [entry for batch in self.batches for entry in batch.entries]


def parse_nacha(text: str) -> NachaFile:
    """Read a NACHA file; raises Malformed on any structural error."""
    if "\r" in text:
        records = text.split("\r\n")
    else:
        records = text.split("\n")
    if records and records[-1] == "":
        records.pop()
    for number, record in enumerate(records, start=1):
        if len(record) != 94:
            raise Malformed(f"record {number} has {len(record)} characters, not 94")
        if not record.isascii():
            raise Malformed(f"record {number} is not ASCII")
    if len(records) % 10:
        raise Malformed(f"{len(records)} records: not a multiple of the blocking factor 10")
    position = 0

    def next_record() -> str:
        nonlocal position
        if position >= len(records):
            raise Malformed("file ends early")
        position += 1
        return records[position - 1]

    header = _fields(next_record(), NACHA_FILE_HEADER)
    if header["record_type"] != "1" or header["priority_code"] != "01":
        raise Malformed("the first record is not a file header")
    if header["record_size"] != "094" or header["blocking_factor"] != "10" or header["format_code"] != "1":
        raise Malformed("file header: record size, blocking factor or format code is wrong")
    if not re.fullmatch(r" [0-9]{9}", header["immediate_destination"]):
        raise Malformed("immediate destination is not a blank and 9 digits")
    if not re.fullmatch(r"[A-Z0-9]", header["file_id_modifier"]):
        raise Malformed("file id modifier is not A-Z or 0-9")
    datetime.strptime(header["file_creation_date"] + header["file_creation_time"], "%y%m%d%H%M")

    batches: list[NachaBatch] = []
    while records[position][0] == "5":
        batch_header = _fields(next_record(), NACHA_BATCH_HEADER)
        if batch_header["standard_entry_class"] != "CCD":
            raise Malformed("not a CCD batch")
        datetime.strptime(batch_header["effective_entry_date"], "%y%m%d")
        _blank(batch_header["settlement_date"], "settlement date")
        entries = []
        while records[position][0] == "6":
            raw = _fields(next_record(), NACHA_ENTRY)
            code = raw["transaction_code"]
            if code not in CREDIT_CODES and code not in DEBIT_CODES and code not in PRENOTE_CODES:
                raise Malformed(f"transaction code {code} is neither a live credit, a live debit nor a prenote")
            if code in PRENOTE_CODES and raw["amount"] != "0" * 10:
                raise Malformed(f"prenote entry with amount {raw['amount']}: a prenote carries zero")
            routing = raw["receiving_dfi"] + raw["check_digit"]
            if not routing.isdigit() or not _aba_check_digit_ok(routing):
                raise Malformed(f"RDFI routing {routing} fails the ABA check digit")
            if raw["addenda_indicator"] != "0":
                raise Malformed("addenda indicated but not expected")
            if raw["trace_number"][:8] != batch_header["originating_dfi"]:
                raise Malformed("trace number does not start with the ODFI")
            entries.append(NachaEntry(
                transaction_code=code, routing_number=routing, account_number=raw["dfi_account_number"].rstrip(),
                amount_cents=_number(raw["amount"], "entry amount"),
                identification_number=raw["identification_number"].rstrip(),
                receiver_name=raw["receiving_company_name"].rstrip(), trace_number=raw["trace_number"],
            ))
        control = _fields(next_record(), NACHA_BATCH_CONTROL)
        if control["record_type"] != "8":
            raise Malformed("batch does not end with a batch control")
        batch = NachaBatch(batch_header, control, entries)
        _check_nacha_batch(batch)
        batches.append(batch)
    file_control = _fields(next_record(), NACHA_FILE_CONTROL)
    if file_control["record_type"] != "9":
        raise Malformed("batches are not followed by the file control")
    padding = records[position:]
    if any(record != "9" * 94 for record in padding):
        raise Malformed("records after the file control are not all 9s")
    parsed = NachaFile(header, file_control, batches, len(records), len(padding))
    _check_nacha_file(parsed)
    return parsed


def _check_nacha_batch(batch: NachaBatch) -> None:
    header, control = batch.header, batch.control
    if header["service_class_code"] != control["service_class_code"]:
        raise Malformed("batch header and control disagree on the service class")
    expected_class = "200" if batch.debits and batch.credits else "220" if batch.credits else "225"
    if header["service_class_code"] != expected_class:
        raise Malformed(f"service class {header['service_class_code']} but entries call for {expected_class}")
    if header["batch_number"] != control["batch_number"] or header["originating_dfi"] != control["originating_dfi"]:
        raise Malformed("batch header and control disagree on batch number or ODFI")
    if header["company_identification"] != control["company_identification"]:
        raise Malformed("batch header and control disagree on the company id")
    if _number(control["entry_addenda_count"], "entry count") != len(batch.entries):
        raise Malformed("batch entry count is wrong")
    entry_hash = sum(int(entry.routing_number[:8]) for entry in batch.entries)
    if _number(control["entry_hash"], "entry hash") != entry_hash % 10_000_000_000:
        raise Malformed("batch entry hash is wrong")
    if _number(control["total_credit"], "credit total") != sum(entry.amount_cents for entry in batch.credits):
        raise Malformed("batch credit total is wrong")
    if _number(control["total_debit"], "debit total") != sum(entry.amount_cents for entry in batch.debits):
        raise Malformed("batch debit total is wrong")
    traces = [entry.trace_number for entry in batch.entries]
    if traces != sorted(traces) or len(set(traces)) != len(traces):
        raise Malformed("trace numbers are not unique and ascending")


def _check_nacha_file(parsed: NachaFile) -> None:
    control = parsed.control
    if _number(control["batch_count"], "batch count") != len(parsed.batches):
        raise Malformed("file batch count is wrong")
    if _number(control["block_count"], "block count") * 10 != parsed.record_count:
        raise Malformed("file block count is wrong")
    if _number(control["entry_addenda_count"], "file entry count") != len(parsed.entries):
        raise Malformed("file entry count is wrong")
    entry_hash = sum(_number(batch.control["entry_hash"], "entry hash") for batch in parsed.batches)
    if _number(control["entry_hash"], "file entry hash") != entry_hash % 10_000_000_000:
        raise Malformed("file entry hash is wrong")
    if _number(control["total_credit"], "file credit") != sum(_number(b.control["total_credit"], "c") for b in parsed.batches):
        raise Malformed("file credit total is wrong")
    if _number(control["total_debit"], "file debit") != sum(_number(b.control["total_debit"], "d") for b in parsed.batches):
        raise Malformed("file debit total is wrong")
    _blank(control["reserved"], "file control reserved")
    numbers = [_number(batch.header["batch_number"], "batch number") for batch in parsed.batches]
    if numbers != list(range(1, len(numbers) + 1)):
        raise Malformed("batch numbers are not 1, 2, 3 ...")


# --- CPA-005 -----------------------------------------------------------------------------

CPA_COMMON = [("record_type", 1, 1), ("logical_record_count", 2, 10), ("originator_id", 11, 20),
              ("file_creation_number", 21, 24)]
CPA_HEADER = CPA_COMMON + [
    ("creation_date", 25, 30), ("destination_data_centre", 31, 35), ("communication_area", 36, 55),
    ("currency", 56, 58), ("filler", 59, 1464),
]
CPA_SEGMENT = [  # positions within a 240-byte segment
    ("transaction_type", 1, 3), ("amount", 4, 13), ("due_date", 14, 19), ("institution_id", 20, 28),
    ("payee_account", 29, 40), ("item_trace", 41, 62), ("stored_transaction_type", 63, 65),
    ("originator_short_name", 66, 80), ("payee_name", 81, 110), ("originator_long_name", 111, 140),
    ("originating_user_id", 141, 150), ("cross_reference", 151, 169), ("return_institution_id", 170, 178),
    ("return_account", 179, 190), ("sundry", 191, 205), ("filler", 206, 227), ("settlement_code", 228, 229),
    ("invalid_data_element", 230, 240),
]
CPA_TRAILER = CPA_COMMON + [
    ("total_debit_value", 25, 38), ("total_debit_count", 39, 46), ("total_credit_value", 47, 60),
    ("total_credit_count", 61, 68), ("error_e_value", 69, 82), ("error_e_count", 83, 90),
    ("error_f_value", 91, 104), ("error_f_count", 105, 112), ("filler", 113, 1464),
]
_check_layout(CPA_HEADER, 1464)
_check_layout(CPA_SEGMENT, 240)
_check_layout(CPA_TRAILER, 1464)


def from_julian(text: str) -> date:
    """`0YYDDD` -> a date (years 2000-2099)."""
    if not re.fullmatch(r"0[0-9]{5}", text):
        raise Malformed(f"{text!r} is not a 0YYDDD date")
    return date(2000 + int(text[1:3]), 1, 1) + timedelta(days=int(text[3:]) - 1)


@dataclass
class CpaPayment:
    transaction_type: str
    amount_cents: int
    due_date: date
    institution_number: str
    transit_number: str
    account_number: str
    payee_name: str
    originator_short_name: str
    originator_long_name: str
    originating_user_id: str
    cross_reference: str
    return_institution_number: str
    return_transit_number: str
    return_account_number: str
    record_number: int  # which record of the file holds it


@dataclass
class CpaFile:
    header: dict[str, str]
    trailer: dict[str, str]
    payments: list[CpaPayment]
    record_count: int
    detail_record_count: int

    @property
    def file_creation_number(self) -> int:
        return int(self.header["file_creation_number"])

    @property
    def creation_date(self) -> date:
        return from_julian(self.header["creation_date"])


def _split_institution(text: str, what: str) -> tuple[str, str]:
    if not re.fullmatch(r"0[0-9]{8}", text):
        raise Malformed(f"{what} {text!r} is not 0IIITTTTT")
    return text[1:4], text[4:9]


def parse_cpa005(text: str) -> CpaFile:
    """Read a CPA-005 credit file; raises Malformed on any structural error."""
    records = text.split("\r\n")
    if records[-1] != "":
        raise Malformed("the last record is not followed by CR LF")
    records.pop()
    for number, record in enumerate(records, start=1):
        if len(record) != 1464:
            raise Malformed(f"record {number} has {len(record)} bytes, not 1464")
        if not record.isascii() or "\n" in record:
            raise Malformed(f"record {number} is not plain ASCII")
    if len(records) < 3:
        raise Malformed("a file needs a header, at least one detail record and a trailer")
    header = _fields(records[0], CPA_HEADER)
    trailer = _fields(records[-1], CPA_TRAILER)
    if header["record_type"] != "A" or trailer["record_type"] != "Z":
        raise Malformed("the file does not start with A and end with Z")
    for number, record in enumerate(records, start=1):
        common = _fields(record, CPA_COMMON)
        if _number(common["logical_record_count"], "record count") != number:
            raise Malformed(f"record {number} carries the count {common['logical_record_count']}")
        if common["originator_id"] != header["originator_id"] or \
                common["file_creation_number"] != header["file_creation_number"]:
            raise Malformed(f"record {number} names another originator or file creation number")
        if 1 < number < len(records) and common["record_type"] != "C":
            raise Malformed(f"record {number} is {common['record_type']!r}, expected a C (credit) record")
    if not re.fullmatch(r"[0-9]{4}", header["file_creation_number"]) or header["file_creation_number"] == "0000":
        raise Malformed("file creation number is not 0001-9999")
    from_julian(header["creation_date"])
    _number(header["destination_data_centre"], "data centre")
    if header["currency"] not in ("CAD", "USD"):
        raise Malformed("currency is not CAD or USD")
    _blank(header["filler"], "header filler")
    _blank(header["communication_area"], "communication area")

    payments = []
    details = records[1:-1]
    for index, record in enumerate(details, start=2):
        body = record[24:]
        segments = [body[offset:offset + 240] for offset in range(0, 1440, 240)]
        used = [segment for segment in segments if segment.strip(" ")]
        if segments[:len(used)] != used:
            raise Malformed(f"record {index}: a blank segment comes before a used one")
        if len(used) < 6 and index != len(records) - 1:
            raise Malformed(f"record {index} has {len(used)} segments but is not the last detail record")
        for segment in used:
            raw = _fields(segment, CPA_SEGMENT)
            institution, transit = _split_institution(raw["institution_id"], "payee institution")
            return_institution, return_transit = _split_institution(raw["return_institution_id"], "return institution")
            if raw["item_trace"] != "0" * 22 or raw["stored_transaction_type"] != "000":
                raise Malformed("item trace / stored transaction type must be zero when sending")
            if raw["invalid_data_element"] != "0" * 11:
                raise Malformed("invalid data element id must be zero")
            if raw["originating_user_id"] != header["originator_id"]:
                raise Malformed("segment names another originator")
            account = raw["payee_account"].rstrip()
            if not account.isdigit():
                raise Malformed(f"payee account {account!r} is not digits")
            payments.append(CpaPayment(
                transaction_type=raw["transaction_type"], amount_cents=_number(raw["amount"], "amount"),
                due_date=from_julian(raw["due_date"]), institution_number=institution, transit_number=transit,
                account_number=account, payee_name=raw["payee_name"].rstrip(),
                originator_short_name=raw["originator_short_name"].rstrip(),
                originator_long_name=raw["originator_long_name"].rstrip(),
                originating_user_id=raw["originating_user_id"].rstrip(),
                cross_reference=raw["cross_reference"].rstrip(), return_institution_number=return_institution,
                return_transit_number=return_transit, return_account_number=raw["return_account"].rstrip(),
                record_number=index,
            ))
    if _number(trailer["total_credit_count"], "credit count") != len(payments):
        raise Malformed("trailer credit count differs from the payments")
    if _number(trailer["total_credit_value"], "credit value") != sum(payment.amount_cents for payment in payments):
        raise Malformed("trailer credit value differs from the payments")
    if _number(trailer["total_debit_count"], "debit count") or _number(trailer["total_debit_value"], "debit value"):
        raise Malformed("a credit file has no debits")
    for name in ("error_e_value", "error_e_count", "error_f_value", "error_f_count"):
        if _number(trailer[name], name):
            raise Malformed(f"{name} must be zero")
    _blank(trailer["filler"], "trailer filler")
    return CpaFile(header, trailer, payments, len(records), len(details))

"""Return files as a bank would send them back, built WITHOUT the app's writers.

NACHA: the third-party `carta-ach` library (pinned in requirements.txt) writes the file
header, the return batch's header and control, the entry detail records, the file
control and the blocking. It knows one addenda layout only (type 05, payment related
information), so each entry is given one addenda there (which makes its counts right)
and that addenda object is then replaced by `ReturnAddenda`, a subclass of the
library's own record class laying out addenda type 99 as the NACHA rules do: reason code
(4-6), original entry trace number (7-21), date of death (22-27), original receiving
DFI (28-35), addenda information (36-79), trace number (80-94). The library counts only
transaction codes 22/32/23/33 as credits, so the batch control's credit total is set for
the return codes 21/31 and the file control recomputed by the library (`set_control`).

CPA-005: returned items are composed field by field from the payment file the app
wrote (read back by the independent parser in tests/support/bankfiles.py), with the
layout `app/integrations/cpa005_returns.py` documents: record type I, the reason code
in positions 63-65 of the segment, the returning institution's item trace number.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from ach.builder import AchFile
from ach.data_types import AddendaRecord

from tests.support.bankfiles import CpaPayment, NachaEntry, parse_cpa005, parse_nacha

RDFI_ROUTING = "091000019"  # the bank sending the returns back


class ReturnAddenda(AddendaRecord):
    """The library's addenda record, laid out as a return (addenda type code 99)."""

    addenda_type_code = "99"

    def __init__(self, reason_code: str, original_trace: str, original_rdfi: str, trace_number: str,
                 date_of_death: str = "", information: str = "") -> None:
        object.__setattr__(self, "std_ent_cls_code", "CCD")
        object.__setattr__(self, "return_fields", (
            self._alpha(reason_code, 3),
            self.validate_numeric_field(original_trace, 15),
            self._alpha(date_of_death, 6),
            self.validate_numeric_field(original_rdfi, 8),
            self._alpha(information, 44),
            self.validate_numeric_field(trace_number, 15),
        ))

    def _alpha(self, text: str, length: int) -> str:
        return self.validate_alpha_numeric_field(text, length) if text else self.make_space(length)

    def get_row(self) -> str:
        return self.record_type_code + self.addenda_type_code + "".join(self.return_fields)


@dataclass
class NachaReturn:
    """One entry of our payment file to send back, and why."""

    original: NachaEntry
    reason_code: str
    amount_cents: int | None = None  # another amount than the original's (a bad return)
    original_trace: str | None = None  # another trace number than the original's
    date_of_death: str = ""


def nacha_return_file(payment_file: str, returns: list[NachaReturn], *, company_name: str = "Downtown Assoc",
                      company_id: str = "1234567890", created: datetime | None = None) -> bytes:
    """A return file sending `returns` back to the originator of `payment_file`."""
    parsed = parse_nacha(payment_file)
    prefix8 = parsed.batches[0].header["originating_dfi"]  # the originator's bank: the returns go back to it
    odfi = prefix8 + _check_digit(prefix8)
    ach_file = AchFile("A", {
        "immediate_dest": odfi, "immediate_org": RDFI_ROUTING, "immediate_dest_name": "ORIGINATOR BANK",
        "immediate_org_name": "RETURNING BANK", "company_id": company_id, "company_name": company_name,
    })
    if created is not None:
        ach_file.header.file_crt_date = created.strftime("%y%m%d")
        ach_file.header.file_crt_time = created.strftime("%H%M")
    entries = [{
        "type": "21" if item.original.transaction_code == "22" else "31",
        "routing_number": odfi, "account_number": item.original.account_number,
        "amount": f"{(item.original.amount_cents if item.amount_cents is None else item.amount_cents) / 100:.2f}",
        "name": item.original.receiver_name, "id_number": item.original.identification_number,
        "addenda": [{"payment_related_info": "RETURN"}],  # replaced below by the 99 record
    } for item in returns]
    ach_file.add_batch("CCD", entries, credits=True, debits=False, eff_ent_date=date(2026, 12, 2),
                       company_id=company_id, entry_desc="GIFT CARDS", company_name=company_name)
    [batch] = ach_file.batches
    for sequence, (file_entry, item) in enumerate(zip(batch.entries, returns, strict=True), start=1):
        trace = RDFI_ROUTING[:8] + f"{sequence:07d}"
        file_entry.entry_detail.trace_num = trace
        file_entry.addenda_record = [ReturnAddenda(
            item.reason_code, item.original_trace or item.original.trace_number, item.original.routing_number[:8],
            trace, item.date_of_death)]
    batch.batch_control.credit_amount = sum(int(file_entry.entry_detail.amount) for file_entry in batch.entries)
    ach_file.set_control()
    return ach_file.render_to_string().encode("ascii")


def _check_digit(prefix8: str) -> str:
    weights = (3, 7, 1, 3, 7, 1, 3, 7)
    return str((10 - sum(int(digit) * weight for digit, weight in zip(prefix8, weights, strict=True)) % 10) % 10)


@dataclass
class CpaReturn:
    original: CpaPayment
    reason_code: str
    amount_cents: int | None = None
    cross_reference: str | None = None


def cpa005_returns_file(payment_file: str, returns: list[CpaReturn], *, file_number: int = 1,
                        record_type: str = "I") -> bytes:
    """A returned-items file (records I, six items to a record) for payments of `payment_file`."""
    parsed = parse_cpa005(payment_file)
    originator = parsed.header["originator_id"]
    number = f"{file_number:04d}"

    def prefix(kind: str, sequence: int) -> str:
        return kind + f"{sequence:09d}" + originator.ljust(10)[:10] + number

    records = [prefix("A", 1) + "0" + "26336" + "00310" + " " * 20 + parsed.header["currency"] + " " * 1406]
    segments = []
    for index, item in enumerate(returns, start=1):
        payment = item.original
        amount = payment.amount_cents if item.amount_cents is None else item.amount_cents
        segment = "".join((
            payment.transaction_type, f"{amount:010d}", "026336",
            f"0{payment.institution_number}{payment.transit_number}", payment.account_number.ljust(12),
            f"{index:022d}", item.reason_code, payment.originator_short_name.ljust(15),
            payment.payee_name.ljust(30), payment.originator_long_name.ljust(30), originator.ljust(10),
            (item.cross_reference or payment.cross_reference).ljust(19),
            f"0{payment.return_institution_number}{payment.return_transit_number}",
            payment.return_account_number.ljust(12), " " * 15, " " * 22, "  ", "0" * 11,
        ))
        assert len(segment) == 240
        segments.append(segment)
    for start in range(0, len(segments), 6):
        records.append(prefix(record_type, len(records) + 1) + "".join(segments[start:start + 6]).ljust(1440))
    total = sum(int(segment[3:13]) for segment in segments)
    debit, credit = ((total, len(segments)), (0, 0)) if record_type == "J" else ((0, 0), (total, len(segments)))
    records.append(prefix("Z", len(records) + 1) + f"{debit[0]:014d}{debit[1]:08d}{credit[0]:014d}{credit[1]:08d}"
                   + "0" * 44 + " " * 1352)
    assert all(len(record) == 1464 for record in records)
    return "".join(record + "\r\n" for record in records).encode("ascii")

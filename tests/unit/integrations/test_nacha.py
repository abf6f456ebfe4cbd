"""The NACHA writer on its own (no database): every file it writes is read back by the
independent parser in tests/support/bankfiles.py, which checks lengths, order, counts,
entry hash, totals and blocking; the tests compare each field with what was asked."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from app.integrations import nacha
from app.integrations.fixed_width import BankFileError
from tests.support.bankfiles import Malformed, parse_nacha

CREATED = datetime(2026, 3, 4, 9, 7, tzinfo=ZoneInfo("America/New_York"))
PAYDAY = date(2026, 3, 5)
ORIGINATOR = nacha.Originator(
    immediate_destination="011000015",
    immediate_origin="1234567890",
    destination_name="Federal Reserve Bank",
    origin_name="Downtown Association",
    company_name="Downtown Assoc",
    company_id="1234567890",
    odfi_routing="021000021",
)


def with_check_digit(prefix8: str) -> str:
    """A 9-digit ABA routing number: the 8 digits given and their check digit."""
    weights = (3, 7, 1, 3, 7, 1, 3, 7)
    total = sum(int(digit) * weight for digit, weight in zip(prefix8, weights, strict=True))
    return prefix8 + str((10 - total % 10) % 10)


def credit(amount_cents: int, *, routing: str = "011401533", account: str = "123456789", kind: str = "checking",
           name: str = "Main Street Books", receiver_id: str = "LOC1", effective: date = PAYDAY) -> nacha.Credit:
    return nacha.Credit(routing_number=routing, account_number=account, account_type=kind, amount_cents=amount_cents,
                        receiver_name=name, receiver_id=receiver_id, effective_date=effective)


def test_a_file_of_checking_and_savings_credits_reads_back_field_by_field():
    credits = [
        credit(12_345, routing="011401533", account="123456789", kind="checking", name="Main Street Books",
               receiver_id="LOC1"),
        credit(999, routing="121000358", account="00099887766", kind="savings", name="Corner Cafe", receiver_id="LOC2"),
    ]

    text = nacha.write_nacha(ORIGINATOR, credits, created_at=CREATED, file_id_modifier="B")
    parsed = parse_nacha(text)

    header = parsed.header
    assert header["immediate_destination"] == " 011000015"
    assert header["immediate_origin"] == "1234567890"
    assert (header["file_creation_date"], header["file_creation_time"]) == ("260304", "0907")
    assert header["file_id_modifier"] == "B"
    assert header["immediate_destination_name"] == "FEDERAL RESERVE BANK".ljust(23)
    assert header["immediate_origin_name"] == "DOWNTOWN ASSOCIATION".ljust(23)
    [batch] = parsed.batches
    assert batch.header["service_class_code"] == "220"  # credits only
    assert batch.header["company_name"] == "DOWNTOWN ASSOC".ljust(16)
    assert batch.header["company_identification"] == "1234567890"
    assert batch.header["company_entry_description"] == "GIFT CARDS"
    assert batch.header["originating_dfi"] == "02100002"
    assert batch.effective_date == PAYDAY
    assert [(entry.transaction_code, entry.routing_number, entry.account_number, entry.amount_cents,
             entry.identification_number, entry.receiver_name) for entry in batch.entries] == [
        ("22", "011401533", "123456789", 12_345, "LOC1", "MAIN STREET BOOKS"),
        ("32", "121000358", "00099887766", 999, "LOC2", "CORNER CAFE"),
    ]
    assert [entry.trace_number for entry in batch.entries] == ["021000020000001", "021000020000002"]
    assert batch.control["entry_hash"] == f"{1140153 + 12100035:010d}"
    assert (int(batch.control["total_credit"]), int(batch.control["total_debit"])) == (13_344, 0)
    assert (int(parsed.control["batch_count"]), int(parsed.control["entry_addenda_count"])) == (1, 2)
    assert int(parsed.control["total_credit"]) == 13_344
    # 1 header + 1 batch header + 2 entries + 1 batch control + 1 file control = 6, padded to 10
    assert (parsed.record_count, parsed.padding_count, int(parsed.control["block_count"])) == (10, 4, 1)
    assert text.endswith(("9" * 94 + "\n") * 4)


def test_an_offset_account_balances_each_batch_with_one_checking_debit():
    originator = nacha.Originator(**{**ORIGINATOR.__dict__, "offset_routing_number": "091000019",
                                     "offset_account_number": "5550001111"})
    credits = [credit(10_000), credit(2_500, routing="322271627", kind="savings")]

    parsed = parse_nacha(nacha.write_nacha(originator, credits, created_at=CREATED))

    [batch] = parsed.batches
    assert batch.header["service_class_code"] == "200"  # mixed debits and credits
    [offset] = batch.debits
    assert (offset.transaction_code, offset.routing_number, offset.account_number, offset.amount_cents) == \
        ("27", "091000019", "5550001111", 12_500)
    assert int(batch.control["total_debit"]) == int(batch.control["total_credit"]) == 12_500
    assert int(batch.control["entry_hash"]) == 1140153 + 32227162 + 9100001
    assert int(parsed.control["entry_addenda_count"]) == 3


def test_each_effective_date_gets_its_own_ccd_batch_in_date_order():
    credits = [credit(100, effective=date(2026, 3, 9)), credit(200, effective=PAYDAY), credit(300, effective=PAYDAY)]

    parsed = parse_nacha(nacha.write_nacha(ORIGINATOR, credits, created_at=CREATED))

    assert [batch.effective_date for batch in parsed.batches] == [PAYDAY, date(2026, 3, 9)]
    assert [[entry.amount_cents for entry in batch.entries] for batch in parsed.batches] == [[200, 300], [100]]
    assert [batch.header["batch_number"] for batch in parsed.batches] == ["0000001", "0000002"]
    assert [entry.trace_number[-7:] for entry in parsed.entries] == ["0000001", "0000002", "0000003"]
    assert int(parsed.control["batch_count"]) == 2


@pytest.mark.parametrize("credit_count", [1, 5, 6, 7, 16, 25])
def test_every_file_is_blocked_to_a_multiple_of_ten_records_padded_with_nines(credit_count):
    credits = [credit(100 + index) for index in range(credit_count)]

    parsed = parse_nacha(nacha.write_nacha(ORIGINATOR, credits, created_at=CREATED))

    records_before_padding = credit_count + 4
    assert parsed.record_count == -(-records_before_padding // 10) * 10
    assert parsed.padding_count == parsed.record_count - records_before_padding
    assert int(parsed.control["block_count"]) == parsed.record_count // 10


def test_the_entry_hash_keeps_only_its_rightmost_ten_digits():
    routing = with_check_digit("80000000")
    credits = [credit(1, routing=routing) for _ in range(130)]  # 130 x 80,000,000 = 10,400,000,000

    parsed = parse_nacha(nacha.write_nacha(ORIGINATOR, credits, created_at=CREATED))

    assert parsed.batches[0].control["entry_hash"] == "0400000000"
    assert parsed.control["entry_hash"] == "0400000000"


def test_the_same_payments_always_give_the_same_bytes():
    credits = [credit(1_000), credit(2_000, routing="121000358", kind="savings")]

    first = nacha.write_nacha(ORIGINATOR, credits, created_at=CREATED, file_id_modifier="C")
    again = nacha.write_nacha(ORIGINATOR, list(credits), created_at=CREATED, file_id_modifier="C")
    later = nacha.write_nacha(ORIGINATOR, credits, created_at=CREATED.replace(minute=8), file_id_modifier="C")

    assert first == again
    assert first.splitlines()[1:] == later.splitlines()[1:]  # only the header's creation time moved


def test_names_become_upper_case_ascii_and_are_cut_to_their_field():
    parsed = parse_nacha(nacha.write_nacha(
        ORIGINATOR, [credit(500, name="Café Société du Vieux-Port de Montréal")], created_at=CREATED))

    assert parsed.entries[0].receiver_name == "CAFE SOCIETE DU VIEUX-"


def test_the_file_id_modifier_runs_a_to_z_then_0_to_9_and_wraps():
    assert [nacha.file_id_modifier(number) for number in (1, 2, 26, 27, 36, 37)] == ["A", "B", "Z", "0", "9", "A"]


@pytest.mark.parametrize(
    ("credits", "complaint"),
    [
        ([], "nothing to pay"),
        ([credit(0)], "more than zero"),
        ([credit(10_000_000_000)], "more than a nacha entry"),
        ([credit(100, routing="01140153")], "9-digit routing"),
        ([credit(100, account="1" * 18)], "1 to 17"),
        ([credit(100, kind="loan")], "checking or savings"),
    ],
)
def test_payments_a_nacha_file_cannot_carry_are_refused_with_the_reason(credits, complaint):
    with pytest.raises(BankFileError) as refused:
        nacha.write_nacha(ORIGINATOR, credits, created_at=CREATED)

    assert complaint in str(refused.value).lower()


def test_the_parser_notices_a_damaged_file():
    text = nacha.write_nacha(ORIGINATOR, [credit(1_000), credit(2_000)], created_at=CREATED)
    records = text.splitlines()

    tampered_amount = records[:2] + [records[2][:29] + "0000001001" + records[2][39:]] + records[3:]
    with pytest.raises(Malformed, match="credit total"):
        parse_nacha("\n".join(tampered_amount) + "\n")
    with pytest.raises(Malformed, match="multiple of the blocking factor"):
        parse_nacha("\n".join(records[:-1]) + "\n")
    with pytest.raises(Malformed, match="94"):
        parse_nacha("\n".join([records[0] + " "] + records[1:]) + "\n")

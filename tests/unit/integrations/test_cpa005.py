"""The CPA-005 writer on its own (no database): every file it writes is read back by the
independent parser in tests/support/bankfiles.py, which checks record lengths, record
counts, segments, totals and counts; the tests compare each field with what was asked."""

from __future__ import annotations

from datetime import date

import pytest

from app.integrations import cpa005
from app.integrations.fixed_width import BankFileError
from tests.support.bankfiles import Malformed, from_julian, parse_cpa005

CREATED_ON = date(2026, 2, 3)
DUE = date(2026, 2, 4)
ORIGINATOR = cpa005.Originator(
    originator_id="GIFTNET001",
    data_centre="00310",
    short_name="Downtown Assoc",
    long_name="Downtown Business Association",
    return_institution_number="003",
    return_transit_number="00012",
    return_account_number="7654321",
)


def credit(amount_cents: int, *, institution: str = "001", transit: str = "00011", account: str = "1234567",
           name: str = "Librairie du Centre", reference: str = "B1L1", due: date = DUE) -> cpa005.Credit:
    return cpa005.Credit(institution_number=institution, transit_number=transit, account_number=account,
                         amount_cents=amount_cents, payee_name=name, cross_reference=reference, due_date=due)


def test_a_file_of_three_credits_reads_back_field_by_field():
    credits = [
        credit(12_345, institution="001", transit="00011", account="1234567", name="Librairie du Centre",
               reference="B7L1"),
        credit(999, institution="004", transit="12345", account="987654321012", name="Café Rouge", reference="B7L2"),
        credit(50_000, institution="815", transit="30000", account="5550000", name="Hardware & Co", reference="B7L3"),
    ]

    text = cpa005.write_cpa005(ORIGINATOR, credits, file_creation_number=42, created_on=CREATED_ON)
    parsed = parse_cpa005(text)

    assert parsed.header["originator_id"] == "GIFTNET001"
    assert parsed.file_creation_number == 42
    assert parsed.header["file_creation_number"] == "0042"
    assert parsed.header["creation_date"] == "026034"  # 3 February 2026 is day 34
    assert parsed.creation_date == CREATED_ON
    assert parsed.header["destination_data_centre"] == "00310"
    assert parsed.header["currency"] == "CAD"
    assert (parsed.record_count, parsed.detail_record_count) == (3, 1)  # A, one C with 3 of 6 segments, Z
    assert [(payment.transaction_type, payment.amount_cents, payment.due_date, payment.institution_number,
             payment.transit_number, payment.account_number, payment.payee_name, payment.cross_reference)
            for payment in parsed.payments] == [
        ("460", 12_345, DUE, "001", "00011", "1234567", "LIBRAIRIE DU CENTRE", "B7L1"),
        ("460", 999, DUE, "004", "12345", "987654321012", "CAFE ROUGE", "B7L2"),
        ("460", 50_000, DUE, "815", "30000", "5550000", "HARDWARE & CO", "B7L3"),
    ]
    first = parsed.payments[0]
    assert (first.originator_short_name, first.originator_long_name, first.originating_user_id) == \
        ("DOWNTOWN ASSOC", "DOWNTOWN BUSINESS ASSOCIATION", "GIFTNET001")
    assert (first.return_institution_number, first.return_transit_number, first.return_account_number) == \
        ("003", "00012", "7654321")
    assert (int(parsed.trailer["total_credit_value"]), int(parsed.trailer["total_credit_count"])) == (63_344, 3)
    assert (int(parsed.trailer["total_debit_value"]), int(parsed.trailer["total_debit_count"])) == (0, 0)
    assert all(len(record) == 1464 for record in text.split("\r\n")[:-1])


def test_credits_fill_six_segments_per_record_and_every_record_carries_its_number():
    credits = [credit(100 + index, reference=f"B1L{index}") for index in range(13)]

    text = cpa005.write_cpa005(ORIGINATOR, credits, file_creation_number=1, created_on=CREATED_ON)
    parsed = parse_cpa005(text)

    assert (parsed.record_count, parsed.detail_record_count) == (5, 3)  # A, C(6), C(6), C(1), Z
    assert [payment.record_number for payment in parsed.payments] == [2] * 6 + [3] * 6 + [4]
    assert [payment.cross_reference for payment in parsed.payments] == [f"B1L{index}" for index in range(13)]
    assert parsed.trailer["logical_record_count"] == "000000005"
    assert int(parsed.trailer["total_credit_count"]) == 13
    assert int(parsed.trailer["total_credit_value"]) == sum(100 + index for index in range(13))


@pytest.mark.parametrize(
    ("day", "julian"),
    [(date(2026, 1, 1), "026001"), (date(2026, 2, 1), "026032"), (date(2024, 12, 31), "024366"),
     (date(2025, 12, 31), "025365")],
)
def test_dates_are_written_as_zero_year_day_of_year(day, julian):
    assert cpa005.julian(day) == julian
    assert from_julian(julian) == day


def test_institutions_are_written_zero_institution_transit():
    assert cpa005.institution_id("001", "00011", "a payee") == "000100011"


def test_the_same_payments_always_give_the_same_bytes():
    credits = [credit(1_000), credit(2_000, account="7777777")]

    first = cpa005.write_cpa005(ORIGINATOR, credits, file_creation_number=7, created_on=CREATED_ON)

    assert first == cpa005.write_cpa005(ORIGINATOR, list(credits), file_creation_number=7, created_on=CREATED_ON)
    assert first != cpa005.write_cpa005(ORIGINATOR, credits, file_creation_number=8, created_on=CREATED_ON)


def test_a_usd_file_says_so_in_its_header():
    parsed = parse_cpa005(cpa005.write_cpa005(ORIGINATOR, [credit(100)], file_creation_number=3,
                                              created_on=CREATED_ON, currency="USD"))

    assert parsed.header["currency"] == "USD"


@pytest.mark.parametrize(
    ("credits", "arguments", "complaint"),
    [
        ([], {}, "nothing to pay"),
        ([credit(100)], {"file_creation_number": 0}, "1 to 9999"),
        ([credit(100)], {"file_creation_number": 10_000}, "1 to 9999"),
        ([credit(0)], {}, "more than zero"),
        ([credit(10_000_000_000)], {}, "more than a cpa-005 payment"),
        ([credit(100, account="1234567890123")], {}, "1 to 12 digits"),
        ([credit(100, institution="01")], {}, "institution number"),
        ([credit(100, transit="1234")], {}, "transit number"),
        ([credit(100)], {"currency": "EUR"}, "cad or usd"),
    ],
)
def test_payments_a_cpa005_file_cannot_carry_are_refused_with_the_reason(credits, arguments, complaint):
    with pytest.raises(BankFileError) as refused:
        cpa005.write_cpa005(ORIGINATOR, credits, **{"file_creation_number": 1, "created_on": CREATED_ON, **arguments})

    assert complaint in str(refused.value).lower()


def test_the_parser_notices_a_damaged_file():
    text = cpa005.write_cpa005(ORIGINATOR, [credit(1_000), credit(2_000)], file_creation_number=5,
                               created_on=CREATED_ON)
    records = text.split("\r\n")

    wrong_total = records[:2] + [records[2][:46] + "00000000009999" + records[2][60:]] + records[3:]
    with pytest.raises(Malformed, match="credit value"):
        parse_cpa005("\r\n".join(wrong_total))
    with pytest.raises(Malformed, match="1464"):
        parse_cpa005("\r\n".join([records[0][:-1]] + records[1:]))
    with pytest.raises(Malformed, match="count"):
        parse_cpa005("\r\n".join([records[0], records[1], "Z000000004" + records[2][10:], ""]))

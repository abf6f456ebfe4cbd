"""Reading the bank's return files on their own (no database): NACHA returns written by the
third-party carta-ach library (tests/support/bank_returns.py), CPA-005 returned items,
and every way a file can be wrong refused with its line and the reason."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from app.integrations import cpa005, cpa005_returns, nacha, nacha_returns
from app.integrations.bank_returns import ReturnFileError, read_return_file
from tests.support.bank_returns import CpaReturn, NachaReturn, cpa005_returns_file, nacha_return_file
from tests.support.bankfiles import parse_cpa005, parse_nacha

ORIGINATOR = nacha.Originator(immediate_destination="011000015", immediate_origin="1234567890",
                              destination_name="Federal Reserve Bank", origin_name="Downtown Association",
                              company_name="Downtown Assoc", company_id="1234567890", odfi_routing="021000021")
CREDITS = [
    nacha.Credit(routing_number="011401533", account_number="123456789", account_type="checking", amount_cents=3_500,
                 receiver_name="Books on Main", receiver_id="LOC1", effective_date=date(2026, 12, 1)),
    nacha.Credit(routing_number="121000358", account_number="00099887766", account_type="savings",
                 amount_cents=4_000, receiver_name="Corner Cafe", receiver_id="LOC2", effective_date=date(2026, 12, 1)),
]


def payment_file() -> tuple[str, list[str]]:
    return nacha.write_nacha_with_traces(ORIGINATOR, CREDITS, created_at=datetime(2026, 11, 30, 10, 0))


def refusal(content: bytes) -> ReturnFileError:
    with pytest.raises(ReturnFileError) as caught:
        read_return_file(content)
    return caught.value


def replace_line(content: bytes, number: int, record: str) -> bytes:
    lines = content.decode().split("\n")
    lines[number - 1] = record
    return "\n".join(lines).encode()


def test_the_writer_names_each_credit_by_the_trace_number_in_its_file_and_writes_the_same_bytes():
    content, traces = payment_file()
    assert content == nacha.write_nacha(ORIGINATOR, CREDITS, created_at=datetime(2026, 11, 30, 10, 0))
    assert traces == [entry.trace_number for entry in parse_nacha(content).entries] == [
        "021000020000001", "021000020000002"]


def test_a_nacha_return_file_from_a_third_party_library_is_read_with_every_addenda_field():
    content, traces = payment_file()
    entries = parse_nacha(content).entries
    returns = nacha_return_file(content, [NachaReturn(entries[0], "R15", date_of_death="261120"),
                                          NachaReturn(entries[1], "R01")], created=datetime(2026, 12, 3, 8, 15))

    parsed = read_return_file(returns)

    assert (parsed.file_format, parsed.created_at) == ("nacha", datetime(2026, 12, 3, 8, 15))
    assert [(item.line_number, item.reference, item.amount_cents, item.reason_code, item.reason, item.account_data,
             item.receiving_bank, item.payee_name, item.date_of_death) for item in parsed.items] == [
        (3, traces[0], 3_500, "R15", "The beneficiary or account holder died", True, "01140153", "BOOKS ON MAIN",
         date(2026, 11, 20)),
        (5, traces[1], 4_000, "R01", "Insufficient funds", False, "12100035", "CORNER CAFE", None),
    ]
    assert parsed.items[0].return_trace_number == "091000010000001"


def test_every_nacha_reason_code_has_plain_words_and_the_account_reasons_are_listed():
    assert set(nacha_returns.REASONS) >= {f"R{number:02d}" for number in range(1, 48)} | {"R61", "R85"}
    assert nacha_returns.REASONS["R02"] == "Account closed"
    assert nacha_returns.REASONS["R04"] == "Invalid account number"
    assert {"R02", "R03", "R04", "R20"} <= nacha_returns.ACCOUNT_DATA_REASONS
    assert "R01" not in nacha_returns.ACCOUNT_DATA_REASONS
    assert all(words and words[0].isupper() for words in nacha_returns.REASONS.values())


@pytest.mark.parametrize(("line", "change", "expected"), [
    (4, lambda record: record[:3] + "R55" + record[6:], "Line 4: 'R55' is not a NACHA return reason code"),
    (4, lambda record: record[:1] + "98" + record[3:], "Line 4: this is a notification of change"),
    (3, lambda record: record[:1] + "26" + record[3:], "Line 3: transaction code 26 is a returned debit"),
    (3, lambda record: record[:1] + "22" + record[3:], "Line 3: transaction code 22 is not a returned credit"),
    (7, lambda record: record[:32] + "000000000001" + record[44:], "Line 7: the total credit amount of the batch "
                                                                    "control is 1, but its batch has 7500"),
    (8, lambda record: record[:1] + "000002" + record[7:], "Line 8: the batch count of the file control is 2"),
    (4, lambda record: record[:79] + "091000019999999", "Line 4: the addenda's trace number 091000019999999 is not"),
])
def test_a_nacha_return_file_that_does_not_add_up_is_refused_with_the_line(line, change, expected):
    content, _traces = payment_file()
    entries = parse_nacha(content).entries
    returns = nacha_return_file(content, [NachaReturn(entries[0], "R03"), NachaReturn(entries[1], "R01")])
    record = returns.decode().split("\n")[line - 1]

    error = refusal(replace_line(returns, line, change(record)))

    assert str(error).startswith(expected), str(error)


def test_an_entry_without_its_return_addenda_and_a_payment_file_are_refused():
    content, _traces = payment_file()
    assert str(refusal(content.encode())).startswith("Line 3: the entry has no return addenda record")
    assert refusal(b"\xff\xfe not a bank file\n").line_number == 1
    assert refusal(b"   \n").line_number is None


def cpa_payment_file() -> str:
    originator = cpa005.Originator(originator_id="GIFTNET001", data_centre="00310", short_name="Centre-ville",
                                   long_name="Association du centre-ville", return_institution_number="003",
                                   return_transit_number="00012", return_account_number="7654321")
    credits = [cpa005.Credit(institution_number="001", transit_number="00011", account_number="1234567",
                             amount_cents=5_000 + index, payee_name=f"Payee {index}",
                             cross_reference=f"B7L{index}", due_date=date(2026, 12, 1)) for index in range(1, 9)]
    return cpa005.write_cpa005(originator, credits, file_creation_number=3, created_on=date(2026, 11, 30))


def test_cpa005_returned_items_are_read_across_records_with_their_reasons():
    content = cpa_payment_file()
    payments = parse_cpa005(content).payments
    returns = cpa005_returns_file(content, [CpaReturn(payment, "912" if index % 2 else "901")
                                            for index, payment in enumerate(payments)])

    parsed = read_return_file(returns)

    assert parsed.file_format == "cpa005"
    assert [(item.line_number, item.reference, item.amount_cents, item.reason_code) for item in parsed.items][:2] == [
        (2, "B7L1", 5_001, "901"), (2, "B7L2", 5_002, "912")]
    assert [item.line_number for item in parsed.items] == [2] * 6 + [3] * 2  # six items to a record
    assert parsed.items[1].reason == "Invalid or incorrect account number" and parsed.items[1].account_data
    assert parsed.items[0].receiving_bank == "00100011"
    assert read_return_file(cpa005_returns_file(content, [CpaReturn(payments[0], "905")], record_type="J")).items


@pytest.mark.parametrize(("change", "expected"), [
    (lambda lines: lines[:1] + [lines[1][:24 + 62] + "999" + lines[1][24 + 65:]] + lines[2:],
     "Line 2: '999' (positions 63-65 of the item) is not a Payments Canada return reason code"),
    (lambda lines: lines[:2] + [lines[2][:46] + "00000000000001" + lines[2][60:]],
     "Line 3: the total value of returned credits (I) in the trailer is 1, but the file has 5001"),
    (lambda lines: lines[:1] + [lines[1][:1] + "000000009" + lines[1][10:]] + lines[2:],
     "Line 2: the logical record count is 9"),
    (lambda lines: lines[:1] + [lines[1][:100]] + lines[2:], "Line 2: the record has 100 characters, not 1464"),
])
def test_cpa005_returned_items_that_do_not_fit_are_refused_with_the_line(change, expected):
    content = cpa_payment_file()
    returns = cpa005_returns_file(content, [CpaReturn(parse_cpa005(content).payments[0], "905")])
    lines = returns.decode().split("\r\n")[:-1]

    error = refusal("".join(line + "\r\n" for line in change(lines)).encode())

    assert str(error).startswith(expected), str(error)


def test_every_cpa005_reason_code_has_plain_words():
    assert cpa005_returns.REASONS["905"] == "Account closed"
    assert {"902", "905", "912"} <= cpa005_returns.ACCOUNT_DATA_REASONS
    assert "901" not in cpa005_returns.ACCOUNT_DATA_REASONS

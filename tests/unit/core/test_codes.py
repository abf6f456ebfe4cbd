"""Card codes: what a shopper reads off a card and what a merchant types back in."""

from __future__ import annotations

import pytest

from app.services.core import codes
from app.services.core.errors import ErrorCode, GiftnetError

MISREADABLE = set("0O1IL")


def test_a_new_code_has_sixteen_characters_nobody_can_misread():
    for _ in range(200):
        code = codes.generate_code()
        assert len(code) == 16
        assert set(code) <= set(codes.ALPHABET)
        assert not set(code) & MISREADABLE


def test_the_alphabet_leaves_out_every_look_alike():
    assert not set(codes.ALPHABET) & MISREADABLE
    assert codes.ALPHABET == codes.ALPHABET.upper()
    assert len(set(codes.ALPHABET)) == len(codes.ALPHABET)


def test_two_cards_never_get_the_same_code():
    generated = {codes.generate_code() for _ in range(2000)}
    assert len(generated) == 2000


@pytest.mark.parametrize(
    "typed",
    [
        "ABCD-EFGH-JKMN-PQRS",
        "abcd-efgh-jkmn-pqrs",
        "AbCd EfGh JkMn PqRs",
        "ABCDEFGHJKMNPQRS",
        "  abcdefghjkmnpqrs  ",
        "abcd efgh-jkmn_pqrs",
        "abcd.efgh.jkmn.pqrs",
    ],
)
def test_a_code_is_accepted_in_any_case_with_or_without_dashes_or_spaces(typed):
    assert codes.normalize_code(typed) == "ABCDEFGHJKMNPQRS"


def test_a_printed_code_reads_back_as_the_same_code():
    code = codes.generate_code()
    assert codes.normalize_code(codes.format_code(code)) == code
    assert codes.normalize_code(codes.format_code(code).lower()) == code


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "ABCD-EFGH-JKMN",  # too short
        "ABCD-EFGH-JKMN-PQRST",  # too long
        "ABCD-EFGH-JKMN-PQR0",  # zero is not in the alphabet
        "ABCD-EFGH-JKMN-PQRO",  # nor O
        "ABCD-EFGH-JKMN-PQR1",  # nor 1
        "ABCD-EFGH-JKMN-PQRI",  # nor I
        "ABCD-EFGH-JKMN-PQRL",  # nor L
        "ABCD-EFGH-JKMN-PQRU",  # nor U
        "ABCD/EFGH/JKMN/PQRS",  # not a separator
        "ÀBCD-EFGH-JKMN-PQRS",
        "ABCD-EFGH-JKMN-PQR%",
        None,
        1234567890123456,
    ],
)
def test_something_that_cannot_be_a_card_code_is_refused_with_one_clear_message(typed):
    with pytest.raises(GiftnetError) as refused:
        codes.normalize_code(typed)
    assert refused.value.code == ErrorCode.invalid_card_code
    assert refused.value.field == "code"
    assert "16" in refused.value.message


def test_a_code_is_printed_in_four_groups_of_four():
    assert codes.format_code("ABCDEFGHJKMNPQRS") == "ABCD-EFGH-JKMN-PQRS"


def test_screens_show_only_the_last_four_characters():
    code = "ABCDEFGHJKMNPQRS"
    assert codes.last4(code) == "PQRS"
    assert codes.mask(codes.last4(code)) == "•••• PQRS"
    assert "ABCD" not in codes.mask(codes.last4(code))


@pytest.mark.parametrize(
    ("typed", "fragment"),
    [("pqrs", "PQRS"), ("•••• PQRS", "PQRS"), ("jkmn-pqrs", "JKMNPQRS"), ("abc", None), ("0000", None), ("", None)],
)
def test_a_search_for_the_last_four_understands_what_screens_show(typed, fragment):
    assert codes.normalize_fragment(typed) == fragment

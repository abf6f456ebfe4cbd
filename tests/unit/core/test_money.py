"""Amounts: whole cents inside, dollars and cents on screen, nothing in between."""

from __future__ import annotations

import pytest

from app.services.core.errors import ErrorCode, GiftnetError
from app.services.core.money import format_cents, parse_amount, require_positive_cents


@pytest.mark.parametrize(
    ("typed", "cents"),
    [
        ("25", 2500),
        ("25.5", 2550),
        ("25.50", 2550),
        ("$25.50", 2550),
        ("$ 25", 2500),
        ("  25.05  ", 2505),
        ("25,50", 2550),  # a decimal comma, as typed in Quebec
        ("0.01", 1),
        ("0", 0),
        ("999999999.99", 99_999_999_999),
    ],
)
def test_an_amount_typed_in_dollars_becomes_exact_cents(typed, cents):
    assert parse_amount(typed) == cents


@pytest.mark.parametrize(
    "typed",
    [
        "",
        None,
        "abc",
        "-5",
        "+5",
        "25.505",  # fractions of a cent
        "25.",
        ".50",
        "1,500",  # a thousands separator is not read as $1.50
        "1e3",
        "25 CAD",
        "$$25",
        "1234567890",  # more than a billion dollars
    ],
)
def test_an_amount_that_is_not_dollars_and_cents_is_refused_with_a_hint(typed):
    with pytest.raises(GiftnetError) as refused:
        parse_amount(typed, field="amount")
    assert refused.value.code == ErrorCode.invalid_amount
    assert refused.value.field == "amount"
    assert "like 25 or 25.50" in refused.value.message


@pytest.mark.parametrize(
    ("cents", "currency", "shown"),
    [
        (0, None, "$0.00"),
        (5, None, "$0.05"),
        (99, None, "$0.99"),
        (100, None, "$1.00"),
        (2550, None, "$25.50"),
        (123_456_789, None, "$1,234,567.89"),
        (-1234, None, "-$12.34"),
        (-5, None, "-$0.05"),
        (2550, "CAD", "$25.50 CAD"),
        (2550, "USD", "$25.50 USD"),
    ],
)
def test_cents_are_shown_as_dollars_with_two_decimals(cents, currency, shown):
    assert format_cents(cents, currency) == shown


def test_what_is_shown_parses_back_to_the_same_cents():
    for cents in (1, 10, 99, 100, 2505, 99_999):
        assert parse_amount(format_cents(cents)) == cents


def test_a_positive_whole_number_of_cents_is_accepted():
    assert require_positive_cents(1) == 1
    assert require_positive_cents(100_000) == 100_000


@pytest.mark.parametrize(
    ("amount", "says"),
    [
        (0, "more than zero"),
        (-1, "more than zero"),
        (-2500, "more than zero"),
        (12.5, "whole number of cents"),
        (10.0, "whole number of cents"),
        (True, "whole number of cents"),
        (False, "whole number of cents"),
        ("2500", "whole number of cents"),
        (None, "whole number of cents"),
    ],
)
def test_zero_negative_fractional_and_non_numbers_are_refused(amount, says):
    with pytest.raises(GiftnetError) as refused:
        require_positive_cents(amount, field="amount_cents")
    assert refused.value.code == ErrorCode.invalid_amount
    assert refused.value.field == "amount_cents"
    assert says in refused.value.message

"""Cents in, cents out. The one place that turns cents into text and back."""

from __future__ import annotations

import re

from app.services.core.errors import ErrorCode, GiftnetError
from app.services.core.i18n import N_

CURRENCIES = ("CAD", "USD")
_AMOUNT = re.compile(r"^\s*\$?\s*(\d{1,9})(?:[.,](\d{1,2}))?\s*$")


def format_cents(amount_cents: int, currency: str | None = None) -> str:
    """1234 -> '$12.34' (with ' CAD' when a currency is given); negatives as '-$12.34'."""
    sign = "-" if amount_cents < 0 else ""
    dollars, cents = divmod(abs(int(amount_cents)), 100)
    text = f"{sign}${dollars:,}.{cents:02d}"
    return f"{text} {currency}" if currency else text


def parse_amount(text: str, *, field: str = "amount") -> int:
    """'12.5' / '$12.50' / '12' -> cents; refuses anything else with a clear message."""
    match = _AMOUNT.match(text or "")
    if not match:
        raise GiftnetError(
            ErrorCode.invalid_amount, N_("Enter an amount in dollars and cents, like 25 or 25.50."), field=field
        )
    whole, fraction = match.group(1), (match.group(2) or "0").ljust(2, "0")
    return int(whole) * 100 + int(fraction)


def require_positive_cents(amount_cents: object, *, field: str = "amount_cents") -> int:
    """An amount must be a whole, positive number of cents (bools are not numbers)."""
    if isinstance(amount_cents, bool) or not isinstance(amount_cents, int):
        raise GiftnetError(ErrorCode.invalid_amount, N_("The amount must be a whole number of cents."), field=field)
    if amount_cents <= 0:
        raise GiftnetError(ErrorCode.invalid_amount, N_("The amount must be more than zero."), field=field)
    return amount_cents

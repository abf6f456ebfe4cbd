"""What the fake gateways' stand-in browser scripts share: the files under tests/fakes/static/,
served uncached (a test run never meets an old copy), and the card checks their token
endpoints make."""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path

from fastapi.responses import PlainTextResponse, Response

STATIC = Path(__file__).parent / "static"
NO_STORE = {"Cache-Control": "no-store"}


async def static_file(name: str, media_type: str, *, fail_status: int | None = None,
                      delay_seconds: float = 0.0) -> Response:
    """A stand-in file, read on each request; `fail_status` answers that status instead (a
    script that cannot be loaded), `delay_seconds` answers late."""
    if delay_seconds:
        await asyncio.sleep(delay_seconds)
    if fail_status:
        return PlainTextResponse(f"stand-in answered {fail_status}", status_code=fail_status, headers=NO_STORE)
    return Response((STATIC / name).read_text(encoding="utf-8"), media_type=media_type, headers=NO_STORE)


def luhn_ok(number: str) -> bool:
    if not number.isdigit() or not 12 <= len(number) <= 19:
        return False
    total = 0
    for index, char in enumerate(reversed(number)):
        digit = int(char)
        if index % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def expiry_ok(month: str, year: str, *, today: date | None = None) -> bool:
    """MM and YY or YYYY, this month or later."""
    month, year = str(month).strip(), str(year).strip()
    if not (month.isdigit() and year.isdigit() and len(month) in (1, 2) and len(year) in (2, 4)):
        return False
    m, y = int(month), int(year) + (2000 if len(year) == 2 else 0)
    today = today or date.today()
    return 1 <= m <= 12 and (y, m) >= (today.year, today.month)


def cvv_ok(cvv: str) -> bool:
    cvv = str(cvv).strip()
    return cvv.isdigit() and len(cvv) in (3, 4)


def card_brand(number: str) -> str:
    """Forte's card_type names: visa, mast, amex, disc, dine, jcb."""
    if number.startswith(("34", "37")):
        return "amex"
    if number.startswith("4"):
        return "visa"
    if number[:2] in {"51", "52", "53", "54", "55"} or "2221" <= number[:4] <= "2720":
        return "mast"
    if number.startswith(("6011", "65", "644", "645", "646", "647", "648", "649")):
        return "disc"
    if number.startswith(("36", "38", "300", "301", "302", "303", "304", "305")):
        return "dine"
    if number.startswith("35"):
        return "jcb"
    return "unknown"

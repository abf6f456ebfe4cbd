"""Field rules shared by every way data comes in (API, dashboard forms, CSV files)."""

from __future__ import annotations

import re
from urllib.parse import urlparse

from app.services.core.errors import ErrorCode, GiftnetError

EMAIL = re.compile(r"^[^@\s,;]{1,64}@[^@\s,;]+\.[^@\s,;]{2,}$")


def normalize_email(raw: str, *, field: str = "email") -> str:
    email = (raw or "").strip().lower()
    if not EMAIL.match(email) or len(email) > 254:
        raise GiftnetError(ErrorCode.invalid_email, "Enter a valid email address, like name@example.com.", field=field)
    return email


def optional_text(raw: object, *, field: str, max_length: int) -> str | None:
    if raw is None:
        return None
    if not isinstance(raw, str):
        raise GiftnetError(ErrorCode.invalid_input, f"{field} must be text.", field=field)
    text = raw.strip()
    if len(text) > max_length:
        raise GiftnetError(ErrorCode.invalid_input, f"{field} has more than {max_length} characters.", field=field)
    return text or None


def required_text(raw: object, *, field: str, max_length: int, label: str | None = None) -> str:
    text = optional_text(raw, field=field, max_length=max_length)
    if not text:
        raise GiftnetError(ErrorCode.invalid_input, f"{label or field} is required.", field=field)
    return text


def optional_http_url(raw: object, *, field: str) -> str | None:
    url = optional_text(raw, field=field, max_length=500)
    if url is None:
        return None
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise GiftnetError(ErrorCode.invalid_input, f"{field} must be an http(s) URL.", field=field)
    return url


def aba_routing_is_valid(routing: str) -> bool:
    """ABA check digit: 3·(d1+d4+d7) + 7·(d2+d5+d8) + (d3+d6+d9) is a multiple of 10."""
    if not re.fullmatch(r"\d{9}", routing or ""):
        return False
    d = [int(char) for char in routing]
    total = 3 * (d[0] + d[3] + d[6]) + 7 * (d[1] + d[4] + d[7]) + (d[2] + d[5] + d[8])
    return total % 10 == 0

"""Field rules shared by every way data comes in (API, dashboard forms, CSV files)."""

from __future__ import annotations

import json
import re
from urllib.parse import urlparse

from app.integrations import outbound
from app.services.core.errors import ErrorCode, GiftnetError
from app.services.core.i18n import N_

EMAIL = re.compile(r"^[^@\s,;]{1,64}@[^@\s,;]+\.[^@\s,;]{2,}$")

# How messages name a field a person fills in: its label on the screens, never its code
# name (`routing_number`). The API keeps the code name in the error's `field`.
FIELD_LABELS = {
    "bank_country": "Bank country",
    "routing_number": "Routing number",
    "institution_number": "Institution number",
    "transit_number": "Transit number",
    "account_number": "Account number",
    "account_type": "Account type",
    "external_id": "External id",
    "item_webhook_url": "Item webhook URL",
    "notify_webhook_url": "Notification webhook URL",
    "notify_items_email": "Email the redeemed items",
    "commission_bps": "Commission",
    "mode": "Redemption mode",
    "active": "Active",
    "sku": "SKU",
    "url": "URL",
    "logo_url": "Logo URL",
    "terminal_id": "Terminal id",
}


def field_label(field: str) -> str:
    """`routing_number` -> "Routing number": the words a message names a field by."""
    name = field.rsplit(".", 1)[-1]
    if name in FIELD_LABELS:
        return FIELD_LABELS[name]
    words = name.replace("_", " ").strip()
    return words[:1].upper() + words[1:] if words else field


def normalize_email(raw: str, *, field: str = "email") -> str:
    email = (raw or "").strip().lower()
    if not EMAIL.match(email) or len(email) > 254:
        raise GiftnetError(ErrorCode.invalid_email, N_("Enter a valid email address, like name@example.com."), field=field)
    return email


def optional_text(raw: object, *, field: str, max_length: int) -> str | None:
    if raw is None:
        return None
    if not isinstance(raw, str):
        raise GiftnetError(ErrorCode.invalid_input, N_("{field_label} must be text."), field=field, params={"field_label": field_label(field)})
    if "\x00" in raw:  # PostgreSQL cannot store it and no screen shows it: refused on every database alike
        raise GiftnetError(ErrorCode.invalid_input, N_("{field_label} contains a NUL character."), field=field,
                           params={"field_label": field_label(field)})
    text = raw.strip()
    if len(text) > max_length:
        raise GiftnetError(ErrorCode.invalid_input, N_("{field_label} has more than {max_length} characters."),
                           field=field, params={"field_label": field_label(field), "max_length": max_length})
    return text or None


def required_text(raw: object, *, field: str, max_length: int, label: str | None = None) -> str:
    text = optional_text(raw, field=field, max_length=max_length)
    if not text:
        raise GiftnetError(ErrorCode.invalid_input, N_("{value} is required."), field=field, params={"value": label or field_label(field)})
    return text


def optional_http_url(raw: object, *, field: str) -> str | None:
    url = optional_text(raw, field=field, max_length=500)
    if url is None:
        return None
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise GiftnetError(ErrorCode.invalid_input, N_("{field_label} must be an http(s) URL, like https://example.com/hook."), field=field, params={"field_label": field_label(field)})
    return url


def optional_outbound_url(raw: object, *, field: str) -> str | None:
    """A URL the app itself will send requests to (a webhook, an API address): http(s), its
    host found now and on the public internet only (checked again at every connection, see
    app/integrations/outbound.py). Refuses `invalid_input` naming the field."""
    url = optional_http_url(raw, field=field)
    if url is None:
        return None
    try:
        outbound.check_url(url)
    except outbound.OutboundRefused as refused:
        raise GiftnetError(ErrorCode.invalid_input, N_("{field_label} must point to a server on the public internet: "
                                                       "{reason}."),
                           field=field, params={"field_label": field_label(field), "reason": refused.reason}) from None
    return url


MAX_JSON_DEPTH = 64
_JSON_SIGNIFICANT = re.compile(rb'[\\"\[\]{}]')


def check_json_body(body: bytes) -> None:
    """Refuse (`invalid_input`) a JSON body nested deeper than MAX_JSON_DEPTH arrays and
    objects, or holding a NUL character (raw or escaped as \\u0000) in any string, before
    anything parses it: a parser would overflow its stack on the first, and no field of
    ours takes the second. One pass over the bytes, jumping from one quote or bracket to the
    next; a body that is not JSON at all is left to its parser."""
    if b"\x00" in body:
        raise GiftnetError(ErrorCode.invalid_input, N_("The request body contains a NUL character, which no field "
                                                       "accepts."))
    if b"\\" not in body and body.count(b"[") + body.count(b"{") <= MAX_JSON_DEPTH:
        return  # no escape to hide a NUL, and too few brackets to nest too deep (a typical API body)
    depth, in_string, skip_until, escaped_nul = 0, False, -1, False
    for match in _JSON_SIGNIFICANT.finditer(body):
        position = match.start()
        if position < skip_until:
            continue  # the character after a backslash
        char = body[position]
        if in_string:
            if char == 0x5C:  # backslash
                escaped_nul = escaped_nul or body[position + 1:position + 6].lower() == b"u0000"
                skip_until = position + 2
            elif char == 0x22:  # quote
                in_string = False
        elif char == 0x22:
            in_string = True
        elif char in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > MAX_JSON_DEPTH:
                raise GiftnetError(ErrorCode.invalid_input, N_("The request body nests arrays and objects more than "
                                                               "{max_depth} levels deep."),
                                   params={"max_depth": MAX_JSON_DEPTH})
        elif char in (0x5D, 0x7D):  # ] }
            depth -= 1
    if escaped_nul:
        field = _field_holding_nul(body)
        if field is None:
            raise GiftnetError(ErrorCode.invalid_input, N_("The request body contains a NUL character (\\u0000), "
                                                           "which no field accepts."))
        raise GiftnetError(ErrorCode.invalid_input, N_("{field_label} contains a NUL character (\\u0000), which no "
                                                       "field accepts."), field=field,
                           params={"field_label": field_label(field)})


def _field_holding_nul(body: bytes) -> str | None:
    """The dotted path of the first field whose name or text holds NUL (the body is known to be
    shallow enough to parse), or None when it cannot be read."""
    try:
        stack: list[tuple[str, object]] = [("", json.loads(body))]
    except ValueError:
        return None
    while stack:
        path, value = stack.pop(0)
        if isinstance(value, str) and "\x00" in value:
            return path or None
        items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
        for key, child in items:
            child_path = f"{path}.{key}" if path else str(key)
            if "\x00" in str(key):
                return child_path
            stack.append((child_path, child))
    return None


def aba_routing_is_valid(routing: str) -> bool:
    """ABA check digit: 3·(d1+d4+d7) + 7·(d2+d5+d8) + (d3+d6+d9) is a multiple of 10."""
    if not re.fullmatch(r"\d{9}", routing or ""):
        return False
    d = [int(char) for char in routing]
    total = 3 * (d[0] + d[3] + d[6]) + 7 * (d[1] + d[4] + d[7]) + (d[2] + d[5] + d[8])
    return total % 10 == 0

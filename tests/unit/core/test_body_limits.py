"""Bodies an attacker shapes to break the parser or the database: JSON nested past
MAX_JSON_DEPTH levels (a recursive parser overflows its stack; the API once answered 500)
and NUL characters (PostgreSQL cannot store them in text), refused with `invalid_input`
before anything reads them, and NUL or line breaks in the payout settings' free text
(the screens' path) refused with nothing changed."""

from __future__ import annotations

import json

import pytest

from app.services.core.errors import ErrorCode, GiftnetError
from app.services.core.validation import MAX_JSON_DEPTH, check_json_body, optional_text
from app.services.settlement import payout_settings
from tests.support.services import refused

NACHA = {"immediate_destination": "011000015", "immediate_origin": "1234567890", "destination_name": "FED",
         "origin_name": "EDGE NETWORK", "company_name": "EDGE NET", "company_id": "1234567890",
         "odfi_routing": "011000015"}


def _refusal(body: bytes) -> GiftnetError:
    with pytest.raises(GiftnetError) as refusal:
        check_json_body(body)
    assert refusal.value.code == ErrorCode.invalid_input
    return refusal.value


def test_twenty_thousand_levels_are_refused_before_any_parser_sees_them():
    deep = b'{"data": ' + b"[" * 20_000 + b"]" * 20_000 + b"}"
    with pytest.raises(RecursionError):
        json.loads(deep)  # what the receivers used to do with it

    assert "more than 64 levels deep" in _refusal(deep).message
    assert "more than 64 levels deep" in _refusal(b'{"a":' * (MAX_JSON_DEPTH + 1) + b"1" + b"}" * 65).message


def test_exactly_the_limit_and_brackets_inside_strings_are_taken():
    check_json_body(b"[" * MAX_JSON_DEPTH + b"]" * MAX_JSON_DEPTH)
    check_json_body(json.dumps({"note": "[" * 500 + '\\" {{{'}).encode())
    check_json_body(b'{"path": "C:\\\\u0000 is a folder"}')  # an escaped backslash, then text: no NUL


def test_nul_is_refused_raw_or_escaped_naming_the_field():
    escaped = _refusal(b'{"payouts": {"nacha": {"company_name": "EDGE\\u0000NET"}}}')
    assert escaped.field == "payouts.nacha.company_name"
    assert escaped.message == "Company name contains a NUL character (\\u0000), which no field accepts."
    assert _refusal(b'{"message": "a\x00b"}').field is None
    assert _refusal(b'{"na\\u0000me": "x"}').field == "na\x00me"


def test_every_text_field_refuses_nul():
    with pytest.raises(GiftnetError) as refusal:
        optional_text("Main\x00Street", field="address", max_length=255)
    assert refusal.value.field == "address" and "NUL" in refusal.value.message


@pytest.mark.parametrize("text", ["EDGE\x00NET", "EDGE\nNET", "EDGE\x7fNET"])
def test_the_payout_settings_free_text_refuses_control_characters_and_keeps_what_was_saved(make_operator, text):
    owner = make_operator(currency="USD")
    payout_settings.update_settings(owner.actor, {"payouts": {"nacha": NACHA}})
    before = payout_settings.get_settings(owner.operator.id)

    error = refused(payout_settings.update_settings, owner.actor, {"payouts": {"nacha": {"company_name": text}}})

    assert error.code == ErrorCode.invalid_input and error.field == "payouts.nacha.company_name"
    assert "control characters" in error.message
    assert payout_settings.get_settings(owner.operator.id) == before

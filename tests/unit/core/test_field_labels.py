"""Refusals name a field by its label, as the screens do ("Routing number"), never by its
code name (`routing_number`); the API keeps the code name in the error's `field`."""

from __future__ import annotations

import pytest

from app.services.core.errors import GiftnetError
from app.services.core.validation import field_label, optional_http_url, optional_text
from app.services.network import locations
from app.services.settlement import payout_settings


def test_field_code_names_read_as_labels():
    assert field_label("routing_number") == "Routing number"
    assert field_label("item_webhook_url") == "Item webhook URL"
    assert field_label("payouts.nacha.company_name") == "Company name"
    assert field_label("phone") == "Phone"


def test_the_shared_text_rules_name_the_field_in_words():
    with pytest.raises(GiftnetError) as too_long:
        optional_text("x" * 41, field="terminal_id", max_length=40)
    assert (too_long.value.field, too_long.value.message) == ("terminal_id", "Terminal id has more than 40 characters.")
    with pytest.raises(GiftnetError) as not_a_url:
        optional_http_url("ftp://example.com", field="notify_webhook_url")
    assert not_a_url.value.message.startswith("Notification webhook URL must be an http(s) URL")


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"bank_country": "US", "routing_number": "011000016", "account_number": "123456789"}, "routing_number",
     "Routing number must be a 9-digit ABA routing number with a valid check digit."),
    ({"bank_country": "CA", "institution_number": "01", "transit_number": "00011", "account_number": "1234567"},
     "institution_number", "Institution number has 3 digits."),
    ({"bank_country": "US", "routing_number": "011000015", "account_number": "12"}, "account_number",
     "Account number has 4 to 17 digits."),
    ({"bank_country": "FR"}, "bank_country", "Bank country must be US or CA."),
    ({"commission_bps": "lots"}, "commission_bps", "Commission is a whole number of basis points from 0 to 10000 (250 = 2.5 %)."),
    ({"mode": "barter"}, "mode", "Redemption mode must be pos, items or amount."),
    ({"account_number": "12a"}, "account_number", "Account number may contain digits only."),
])
def test_a_location_refusal_names_the_field_by_its_label(fields, field, message):
    with pytest.raises(GiftnetError) as refused:
        locations.clean_location_fields({"name": "Books", "email": "books@example.com", **fields})
    assert (refused.value.field, refused.value.message) == (field, message)


def test_settings_refusals_name_their_field_in_words(make_operator):
    owner = make_operator()
    with pytest.raises(GiftnetError) as commission:
        payout_settings.update_settings(owner.actor, {"commission_bps": -1})
    assert commission.value.message.startswith("Commission is a whole number")
    with pytest.raises(GiftnetError) as smallest:
        payout_settings.update_settings(owner.actor, {"card_min_cents": 0})
    assert (smallest.value.field, smallest.value.message) == (
        "card_min_cents", f"The smallest card is a whole number of cents from 1 to {payout_settings.MAX_CARD_CENTS}.")

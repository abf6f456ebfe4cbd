"""Which bank file settings a network is offered, and the limits each field shows before
it is saved: a US-only network sets up NACHA alone, a Canadian-only one CPA-005 alone."""

from __future__ import annotations

import pytest

from app.services.network import locations
from app.services.settlement import payout_settings, readiness
from tests.support.settlement import US_NACHA_SETTINGS

US_BANK = {"bank_country": "US", "routing_number": "011000015", "account_number": "123456789"}
CA_BANK = {"bank_country": "CA", "institution_number": "001", "transit_number": "00011", "account_number": "1234567"}


def _location(owner, name: str, **bank) -> None:
    locations.create_location(owner.actor, {"name": name, "email": f"{name.lower()}@example.com", **bank})


def test_a_us_only_network_is_offered_nacha_and_not_cpa005(make_operator):
    owner = make_operator(currency="USD")
    _location(owner, "Books", **US_BANK)
    _location(owner, "Stand")  # no bank details yet: needs nothing more
    assert readiness.settings_formats(owner.operator.id) == ("nacha",)


def test_a_canadian_only_network_is_offered_cpa005_and_not_nacha(make_operator):
    owner = make_operator(currency="CAD")
    _location(owner, "Cafe", **CA_BANK)
    assert readiness.settings_formats(owner.operator.id) == ("cpa005",)


@pytest.mark.parametrize(("currency", "bank"), [("USD", CA_BANK), ("CAD", US_BANK)])
def test_a_network_paying_both_countries_is_offered_both(make_operator, currency, bank):
    owner = make_operator(currency=currency)
    _location(owner, "Across", **bank)
    assert readiness.settings_formats(owner.operator.id) == ("nacha", "cpa005")


def test_settings_already_saved_stay_offered(make_operator):
    owner = make_operator(currency="CAD")
    payout_settings.update_settings(owner.actor, {"payouts": {"nacha": {"company_name": "OLD NACHA CO"}}})
    assert readiness.settings_formats(owner.operator.id) == ("nacha", "cpa005")


def test_each_bank_file_field_says_its_limits_before_it_is_saved():
    rules = payout_settings.NACHA_RULES
    assert rules["company_name"].limits == "up to 16 characters"
    assert rules["immediate_destination"].limits == "exactly 9 digits, an ABA routing number (its check digit is verified)"
    assert rules["company_id"].limits == "up to 10 letters or digits"
    assert rules["offset_account_number"].limits == "4 to 17 digits"
    assert payout_settings.CPA005_RULES["data_centre"].limits == "exactly 5 digits"
    assert set(US_NACHA_SETTINGS) <= set(rules)


def test_the_settings_screen_shows_the_limits_as_hints_and_stops_inputs_at_their_longest():
    from app.state.settings import CPA005_FIELDS, NACHA_FIELDS

    fields = {key: (label, hint, room) for key, label, hint, room in NACHA_FIELDS + CPA005_FIELDS}
    assert fields["nacha.company_name"] == ("Company name", "Up to 16 characters.", 16)
    assert fields["nacha.destination_name"][1:] == ("Up to 23 characters.", 23)
    assert fields["cpa005.originator_short_name"][1:] == ("Up to 15 characters.", 15)
    assert fields["nacha.offset_account_number"][1] == "4 to 17 digits; leave blank to keep it."

"""The operator's settings: card limits, commission and the bank file settings, with a
clear message naming each wrong field, and account numbers kept encrypted."""

from __future__ import annotations

import json

import pytest

from app.db import read_session
from app.models import Operator
from app.services.core import crypto
from app.services.core.errors import ErrorCode
from app.services.money import ledger
from app.services.settlement import payout_settings
from tests.support.services import refused
from tests.support.settlement import CA_CPA005_SETTINGS, US_NACHA_SETTINGS


@pytest.fixture
def owner(make_operator):
    return make_operator("Downtown Association", currency="USD")


def stored_json(operator_id: int) -> dict:
    with read_session() as session:
        return json.loads(session.get(Operator, operator_id).payout_settings)


def test_a_new_network_has_its_defaults_and_no_bank_file_settings(owner):
    settings = payout_settings.get_settings(owner.operator.id)

    assert (settings.currency, settings.commission_bps, settings.card_min_cents, settings.card_max_cents) == \
        ("USD", 0, 500, 100_000)
    assert settings.nacha == payout_settings.NachaSettings()
    assert settings.nacha_missing == payout_settings.NACHA_REQUIRED
    assert settings.as_dict()["payouts"]["cpa005"]["return_account_last4"] is None


def test_commission_and_card_limits_change_and_the_card_limits_apply_at_once(owner):
    settings = payout_settings.update_settings(owner.actor, {"commission_bps": "250", "card_min_cents": 1_000,
                                                             "card_max_cents": 20_000})

    assert (settings.commission_bps, settings.card_min_cents, settings.card_max_cents) == (250, 1_000, 20_000)
    assert refused(ledger.issue_card, owner.actor, 500).code == ErrorCode.amount_out_of_range
    assert ledger.issue_card(owner.actor, 1_000).card.balance_cents == 1_000


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"commission_bps": 10_001}, "commission_bps", "from 0 to 10000"),
        ({"commission_bps": 2.5}, "commission_bps", "whole number"),
        ({"commission_bps": True}, "commission_bps", "whole number"),
        ({"card_min_cents": 0}, "card_min_cents", "from 1"),
        ({"card_min_cents": 200_000}, "card_min_cents", "not be more than the largest card"),
        ({"card_max_cents": 100}, "card_max_cents", "not be more than the largest card"),
        ({"currency": "EUR"}, "currency", "Unknown field"),
        ({"payouts": {"sepa": {}}}, "payouts.sepa", "Unknown field"),
        ({"payouts": {"nacha": {"company_colour": "red"}}}, "payouts.nacha.company_colour", "Unknown field"),
        ({"payouts": {"nacha": {"odfi_routing": "021000022"}}}, "payouts.nacha.odfi_routing", "valid check digit"),
        ({"payouts": {"nacha": {"immediate_destination": "12345"}}}, "payouts.nacha.immediate_destination",
         "exactly 9 digits"),
        ({"payouts": {"nacha": {"immediate_origin": "12345"}}}, "payouts.nacha.immediate_origin", "9 to 10"),
        ({"payouts": {"nacha": {"company_id": "12-34"}}}, "payouts.nacha.company_id", "letters and digits only"),
        ({"payouts": {"nacha": {"company_name": "Downtown Association Inc"}}}, "payouts.nacha.company_name",
         "1 to 16 characters"),
        ({"payouts": {"nacha": {"offset_routing_number": "091000019"}}}, "payouts.nacha.offset_account_number",
         "both its routing number and its account number"),
        ({"payouts": {"nacha": {"offset_account_number": "12ab"}}}, "payouts.nacha.offset_account_number",
         "digits only"),
        ({"payouts": {"cpa005": {"data_centre": "310"}}}, "payouts.cpa005.data_centre", "exactly 5 digits"),
        ({"payouts": {"cpa005": {"return_transit_number": "123456"}}}, "payouts.cpa005.return_transit_number",
         "exactly 5 digits"),
        ({"payouts": {"cpa005": {"originator_long_name": "x" * 31}}}, "payouts.cpa005.originator_long_name",
         "1 to 30 characters"),
        ({"payouts": {"cpa005": "yes"}}, "payouts.cpa005", "must be an object"),
    ],
)
def test_a_wrong_setting_is_refused_naming_its_field_and_nothing_changes(owner, changes, field, message):
    payout_settings.update_settings(owner.actor, {"commission_bps": 100})

    error = refused(payout_settings.update_settings, owner.actor, {"commission_bps": 300, **changes})

    assert (error.code, error.field) == (ErrorCode.invalid_input, field)
    assert message in error.message
    assert payout_settings.get_settings(owner.operator.id).commission_bps == 100


def test_bank_file_settings_are_saved_and_their_account_numbers_are_stored_encrypted(owner):
    settings = payout_settings.update_settings(owner.actor, {"payouts": {
        "nacha": {**US_NACHA_SETTINGS, "offset_routing_number": "091000019", "offset_account_number": "5550001111"},
        "cpa005": CA_CPA005_SETTINGS,
    }})

    assert settings.nacha.company_id == "1234567890"
    assert settings.nacha.offset_account_last4 == "1111"
    assert settings.cpa005.return_account_last4 == "4321"
    assert (settings.nacha_missing, settings.cpa005_missing) == ((), ())
    raw = json.dumps(stored_json(owner.operator.id))
    assert "5550001111" not in raw and "7654321" not in raw
    assert crypto.decrypt(stored_json(owner.operator.id)["nacha"]["offset_account_number_encrypted"]) == "5550001111"
    assert "offset_account_number" not in settings.as_dict()["payouts"]["nacha"]
    with read_session() as session:
        originator = payout_settings.nacha_originator(session.get(Operator, owner.operator.id))
    assert (originator.offset_account_number, originator.odfi_routing) == ("5550001111", "021000021")


def test_a_change_is_partial_and_null_clears_a_field_or_a_section(owner):
    payout_settings.update_settings(owner.actor, {"payouts": {"nacha": US_NACHA_SETTINGS, "cpa005": CA_CPA005_SETTINGS}})

    payout_settings.update_settings(owner.actor, {"payouts": {"nacha": {"company_name": "Main St", "origin_name": None}}})
    settings = payout_settings.update_settings(owner.actor, {"payouts": {"cpa005": None}})

    assert (settings.nacha.company_name, settings.nacha.origin_name, settings.nacha.odfi_routing) == \
        ("Main St", None, "021000021")
    assert settings.nacha_missing == ("origin_name",)
    assert settings.cpa005 == payout_settings.Cpa005Settings()


def test_routing_numbers_may_be_typed_with_spaces_and_ids_in_lower_case(owner):
    settings = payout_settings.update_settings(owner.actor, {"payouts": {
        "nacha": {"odfi_routing": "0210 0002 1", "company_id": "abc1234567"},
        "cpa005": {"originator_id": "giftnet001", "return_account_number": "765-4321"},
    }})

    assert (settings.nacha.odfi_routing, settings.nacha.company_id) == ("021000021", "ABC1234567")
    assert (settings.cpa005.originator_id, settings.cpa005.return_account_last4) == ("GIFTNET001", "4321")


def test_settings_belong_to_one_network(owner, make_operator):
    other = make_operator("Other Town")

    payout_settings.update_settings(owner.actor, {"commission_bps": 700, "payouts": {"nacha": US_NACHA_SETTINGS}})

    theirs = payout_settings.get_settings(other.operator.id)
    assert (theirs.commission_bps, theirs.nacha.company_id) == (0, None)

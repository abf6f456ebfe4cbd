"""Before the first batch the operator sees what a bank file still needs (its settings, the
locations it cannot pay), by the same rules the files are written with: the checklist and the
download never disagree."""

from __future__ import annotations

import json

import pytest

from app.db import write_session
from app.models import Operator
from app.models.base import utcnow
from app.services.network import locations
from app.services.settlement import bank_files, batches, payout_settings, readiness
from tests.support.services import refused
from tests.support.settlement import CA_CPA005_SETTINGS, US_NACHA_SETTINGS, open_location, redeem_at, us_network

NACHA_LABELS = ["immediate destination", "immediate origin", "destination name", "origin name", "company name",
                "company ID", "ODFI routing number"]


def _problems(operator_id: int) -> list[tuple[str, str, str, str]]:
    return [(item.kind, item.subject, item.problem, item.fix_path)
            for item in readiness.bank_file_readiness(operator_id).items]


def test_a_new_us_network_is_told_each_missing_nacha_setting_and_each_location_without_bank_details(make_operator):
    owner = make_operator("Harbour Town", currency="USD")
    books = open_location(owner, "Books on Main", bank_country="US", routing_number="011401533",
                          account_number="123456789", account_type="checking")
    flowers = open_location(owner, "Flower Stand")

    checklist = readiness.bank_file_readiness(owner.operator.id)

    assert not checklist.ready and checklist.formats == ("nacha",)
    assert _problems(owner.operator.id) == [
        *[("setting", "NACHA settings", f"The NACHA {label} is missing.", "/settings") for label in NACHA_LABELS],
        ("location", "Flower Stand", "No bank details", f"/locations/{flowers.id}/edit"),
    ]
    assert [item.field for item in checklist.items][:2] == ["payouts.nacha.immediate_destination",
                                                            "payouts.nacha.immediate_origin"]
    # What the checklist says is what the download says.
    redeem_at(owner, books, 1_000)
    payout = batches.create_payout(owner.actor, through=utcnow())
    error = refused(bank_files.export_bank_file, owner.actor, payout.batch.id, "nacha")
    assert error.message == f"Complete the NACHA settings first (Settings, Payouts); missing: {', '.join(NACHA_LABELS)}."


def test_the_checklist_empties_as_things_are_fixed_and_the_file_is_then_written(make_operator):
    us = us_network(make_operator)  # NACHA settings complete; "Flower Stand" has no bank details
    assert _problems(us.owner.operator.id) == [
        ("location", "Flower Stand", "No bank details", f"/locations/{us.unbanked.id}/edit")]

    payout_settings.update_settings(us.owner.actor, {"payouts": {"nacha": {"company_id": None}}})
    assert _problems(us.owner.operator.id)[0] == ("setting", "NACHA settings", "The NACHA company ID is missing.",
                                                  "/settings")
    payout_settings.update_settings(us.owner.actor, {"payouts": {"nacha": {"company_id": "1234567890"}}})
    locations.update_location(us.owner.actor, us.unbanked.id, {"bank_country": "US", "routing_number": "011401533",
                                                               "account_number": "44445555", "account_type": "savings"})

    assert readiness.bank_file_readiness(us.owner.operator.id).ready
    redeem_at(us.owner, us.unbanked, 1_000)
    payout = batches.create_payout(us.owner.actor, through=utcnow())
    assert bank_files.export_bank_file(us.owner.actor, payout.batch.id, "nacha").content.startswith("101")


def test_an_unreadable_account_number_is_named_on_the_checklist_and_by_the_writer(make_operator):
    owner = make_operator("Centre-ville", currency="CAD")
    payout_settings.update_settings(owner.actor, {"payouts": {"cpa005": CA_CPA005_SETTINGS}})
    cafe = open_location(owner, "Cafe Rouge", bank_country="CA", institution_number="004", transit_number="12345",
                         account_number="987654321012", account_type="savings")
    with write_session() as session:  # as if the secret key had changed since it was entered
        operator = session.get(Operator, owner.operator.id)
        stored = json.loads(operator.payout_settings)
        stored["cpa005"]["return_account_number_encrypted"] = "not-our-ciphertext"
        operator.payout_settings = json.dumps(stored)

    [item] = readiness.bank_file_readiness(owner.operator.id).items
    assert (item.subject, item.field) == ("CPA-005 settings", "payouts.cpa005.return_account_number")
    assert "cannot be read" in item.problem
    redeem_at(owner, cafe, 1_000)
    payout = batches.create_payout(owner.actor, through=utcnow())
    assert refused(bank_files.export_bank_file, owner.actor, payout.batch.id, "cpa005").message == item.problem


def test_a_canadian_network_with_a_us_account_is_told_that_location_cannot_be_paid_by_file(make_operator):
    owner = make_operator("Centre-ville", currency="CAD")
    payout_settings.update_settings(owner.actor, {"payouts": {"cpa005": CA_CPA005_SETTINGS}})
    open_location(owner, "Librairie", bank_country="CA", institution_number="001", transit_number="00011",
                  account_number="1234567", account_type="checking")
    border = open_location(owner, "Border Books", bank_country="US", routing_number="011401533",
                           account_number="123456789", account_type="checking")

    checklist = readiness.bank_file_readiness(owner.operator.id)

    assert checklist.formats == ("nacha", "cpa005")
    assert [(item.subject, item.location_id) for item in checklist.items if item.kind == "location"] == [
        ("Border Books", border.id)]
    assert any("this network's currency is CAD" in item.problem for item in checklist.items)
    assert [item.subject for item in checklist.items if item.kind == "setting"] == ["NACHA settings"] * 7


@pytest.mark.parametrize("currency", ["USD", "CAD"])
def test_a_network_without_any_bank_details_needs_its_currency_s_format(make_operator, currency):
    owner = make_operator("New Town", currency=currency)
    checklist = readiness.bank_file_readiness(owner.operator.id)
    assert checklist.formats == (("nacha",) if currency == "USD" else ("cpa005",))
    assert {item.subject for item in checklist.items} == {"NACHA settings" if currency == "USD" else "CPA-005 settings"}


def test_another_operator_s_locations_and_settings_never_show(make_operator):
    us = us_network(make_operator)
    other = make_operator("Elsewhere", currency="USD")
    payout_settings.update_settings(other.actor, {"payouts": {"nacha": US_NACHA_SETTINGS}})
    open_location(other, "Their Shop")
    assert _problems(us.owner.operator.id) == [
        ("location", "Flower Stand", "No bank details", f"/locations/{us.unbanked.id}/edit")]
    assert [subject for _, subject, _, _ in _problems(other.operator.id)] == ["Their Shop"]

"""A new network's first steps: each is ticked by what the network really holds (its
businesses, their devices, its shop and gateway, its bank file settings, its cards), links
to the screen where it is done, and the list is gone once all are done. Staff see only the
steps they can do; one network's progress never shows in another's."""

from __future__ import annotations

from app.services.core.actor import Actor
from app.services.money import ledger
from app.services.network import devices, locations
from app.services.onboarding.first_steps import first_steps
from app.services.settlement import payout_settings
from app.services.shop import orders, shop_settings
from tests.support.settlement import CA_CPA005_SETTINGS, open_location
from tests.support.shop import two_cards_order

BANKED = {"bank_country": "CA", "institution_number": "001", "transit_number": "00011", "account_number": "1234567",
          "account_type": "checking"}


def _ticks(actor: Actor) -> dict[str, bool]:
    return {step.key: step.done for step in first_steps(actor).steps}


def _step(actor: Actor, key: str):
    return next(step for step in first_steps(actor).steps if step.key == key)


def _activate(owner, location_id: int, name: str = "Front counter"):
    return devices.activate_device(devices.create_activation_link(owner.actor, location_id).token, name).device


def _use_bambora(owner, fake_bambora, monkeypatch) -> None:
    monkeypatch.setattr(shop_settings, "GATEWAY_TIMEOUT_SECONDS", 5.0)
    shop_settings.update_gateway_settings(owner.actor, "bambora", {
        "merchant_id": fake_bambora.merchant_id, "payments_passcode": fake_bambora.passcode,
        "reporting_passcode": fake_bambora.reporting_passcode, "base_url": fake_bambora.base_url,
    })


def test_a_new_network_has_five_steps_none_done_each_linking_to_its_screen(make_operator):
    owner = make_operator("Harbour Town")

    checklist = first_steps(owner.actor)

    assert [(step.key, step.done, step.link) for step in checklist.steps] == [
        ("businesses", False, "/locations/new"),
        ("devices", False, "/locations"),
        ("shop", False, "/widget"),
        ("bank", False, "/settings"),
        ("first_card", False, "/cards"),
    ]
    assert (checklist.done_count, checklist.total, checklist.all_done) == (0, 5, False)
    assert _step(owner.actor, "bank").detail == "The CPA-005 originator ID is missing (and 6 more to fix)."


def test_each_step_is_ticked_as_the_network_really_does_it_and_then_the_list_is_done(make_operator, fake_bambora,
                                                                                    monkeypatch):
    owner = make_operator("Centre-ville")

    cafe = open_location(owner, "Cafe Rouge", **BANKED)
    books = open_location(owner, "Librairie")
    assert _ticks(owner.actor) == {"businesses": True, "devices": False, "shop": False, "bank": False,
                                   "first_card": False}
    assert _step(owner.actor, "businesses").detail == "2 businesses in the network."

    _activate(owner, cafe.id)
    devices_step = _step(owner.actor, "devices")
    assert not devices_step.done
    assert devices_step.detail.startswith("No active device yet at Librairie")
    assert (devices_step.link, devices_step.link_label) == (f"/locations/{books.id}", "Open Librairie")
    _activate(owner, books.id)
    assert _ticks(owner.actor)["devices"]

    shop_settings.update_shop_settings(owner.actor, {"preset_amounts_cents": [2500, 5000]})
    assert not _ticks(owner.actor)["shop"]  # the sandbox charges no real card
    _use_bambora(owner, fake_bambora, monkeypatch)
    shop = _step(owner.actor, "shop")
    assert shop.done and shop.detail.startswith("The shop takes cards through Bambora (test mode")

    payout_settings.update_settings(owner.actor, {"payouts": {"cpa005": CA_CPA005_SETTINGS}})
    bank = _step(owner.actor, "bank")
    assert not bank.done  # the settings are complete, Librairie has no bank details
    assert (bank.detail, bank.link) == ("Librairie: No bank details.", f"/locations/{books.id}/edit")
    locations.update_location(owner.actor, books.id, BANKED)
    assert _step(owner.actor, "bank").done

    assert not first_steps(owner.actor).all_done
    ledger.issue_card(owner.actor, 2500)
    checklist = first_steps(owner.actor)
    assert checklist.all_done and checklist.done_count == checklist.total == 5


def test_a_revoked_device_or_a_new_business_without_one_unticks_the_devices_step(make_operator):
    owner = make_operator()
    cafe = open_location(owner, "Cafe Rouge")
    device = _activate(owner, cafe.id)
    assert _ticks(owner.actor)["devices"]

    devices.revoke_device(owner.actor, device.id)
    assert not _ticks(owner.actor)["devices"]
    _activate(owner, cafe.id, "Tablet")
    open_location(owner, "Fleuriste")
    assert _step(owner.actor, "devices").detail.startswith("No active device yet at Fleuriste")


def test_complete_bank_settings_without_a_business_leave_the_bank_step_open(make_operator):
    owner = make_operator()
    payout_settings.update_settings(owner.actor, {"payouts": {"cpa005": CA_CPA005_SETTINGS}})

    bank = _step(owner.actor, "bank")

    assert not bank.done and bank.link == "/locations/new"


def test_a_card_sold_in_the_shop_ticks_the_first_card_step(make_operator, fake_bambora, monkeypatch):
    owner = make_operator()
    _use_bambora(owner, fake_bambora, monkeypatch)
    order = two_cards_order(owner)
    assert not _ticks(owner.actor)["first_card"]
    orders.pay_order(owner.operator.id, order.id, fake_bambora.token_for("4030000010001234"), "click-1")

    assert _step(owner.actor, "first_card").detail == "2 cards issued or sold."


def test_staff_see_only_the_steps_they_can_do(make_operator):
    owner = make_operator()
    staff = Actor(owner.operator.id, role="staff")
    cafe = open_location(owner, "Cafe Rouge")
    _activate(owner, cafe.id)
    ledger.issue_card(owner.actor, 2500)

    checklist = first_steps(staff)

    assert [step.key for step in checklist.steps] == ["businesses", "devices", "first_card"]
    assert not any(step.owner_only for step in checklist.steps)
    assert checklist.all_done  # what is left (shop, bank) is an owner's, and the owner still sees it
    assert not first_steps(owner.actor).all_done


def test_one_networks_steps_never_count_another_networks_businesses_devices_or_cards(make_operator):
    busy = make_operator("Busy Town")
    cafe = open_location(busy, "Cafe Rouge")
    _activate(busy, cafe.id)
    ledger.issue_card(busy.actor, 2500)
    new = make_operator("New Town")

    assert _ticks(new.actor) == {"businesses": False, "devices": False, "shop": False, "bank": False,
                                 "first_card": False}
    mine = open_location(new, "Bakery")
    devices_step = _step(new.actor, "devices")
    assert not devices_step.done and devices_step.link == f"/locations/{mine.id}"

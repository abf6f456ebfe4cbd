"""What the screens read through the services instead of querying the database themselves:
where a card's ledger rows happened (the card screen's "who" column), the zone an
operator's times are shown in (the activity feed, the counter's receipts) and the address
of its shop (the shop settings screen). Another network's rows are never named."""

from __future__ import annotations

import pytest

from app.services.access import accounts
from app.services.core.actor import Actor
from app.services.core.errors import ErrorCode, GiftnetError
from app.services.money import cards, ledger
from app.services.network import devices, locations
from app.services.shop import shop_settings


def _counter(owner, location_id: int, name: str) -> devices.DeviceContext:
    """A device activated through the location's link, as the counter screen resolves it."""
    secret = devices.activate_device(devices.create_activation_link(owner.actor, location_id).token, name).secret
    return devices.resolve_device(secret)


def test_a_cards_ledger_names_the_location_and_device_where_it_was_spent(make_operator):
    owner = make_operator("Downtown A")
    books = locations.create_location(owner.actor, {"name": "Main Street Books", "email": "books@example.com"})
    cafe = locations.create_location(owner.actor, {"name": "Corner Cafe", "email": "cafe@example.com"})
    front, _back = _counter(owner, books.id, "Front counter"), _counter(owner, books.id, "Back office")
    card = ledger.issue_card(owner.actor, 5000).card
    ledger.debit_card(Actor(owner.operator.id, location_id=books.id, device_id=front.device_id, channel="device"),
                      card.id, 1000)
    ledger.debit_card(Actor(owner.operator.id, location_id=cafe.id, user_id=owner.user.id), card.id, 500)

    places = cards.ledger_places(owner.operator.id, cards.card_ledger(owner.operator.id, card.id))

    assert places.location_names == {books.id: "Main Street Books", cafe.id: "Corner Cafe"}
    assert places.device_codes == {front.device_id: front.code}  # only the devices the ledger mentions


def test_a_ledger_without_places_needs_no_lookup(make_operator):
    owner = make_operator()
    card = ledger.issue_card(owner.actor, 2000).card
    assert cards.ledger_places(owner.operator.id, cards.card_ledger(owner.operator.id, card.id)) == \
        cards.LedgerPlaces({}, {})


def test_another_networks_locations_and_devices_are_never_named(make_operator):
    first, second = make_operator("Downtown A"), make_operator("Uptown B")
    theirs = locations.create_location(second.actor, {"name": "Their Shop", "email": "theirs@example.com"})
    counter = _counter(second, theirs.id, "Till")
    card = ledger.issue_card(second.actor, 3000).card
    ledger.debit_card(Actor(second.operator.id, location_id=theirs.id, device_id=counter.device_id,
                            channel="device"), card.id, 1000)
    entries = cards.card_ledger(second.operator.id, card.id)

    assert cards.ledger_places(first.operator.id, entries) == cards.LedgerPlaces({}, {})
    assert cards.ledger_places(second.operator.id, entries).location_names == {theirs.id: "Their Shop"}


def test_an_operators_times_are_shown_in_its_own_zone(database):
    operator, _owner = accounts.sign_up(operator_name="Harbour Front", email="owner@harbour.example",
                                        password="correct horse battery", timezone="America/Vancouver")
    assert accounts.operator_timezone(operator.id) == "America/Vancouver"
    assert accounts.operator_timezone(operator.id + 1000) == "UTC"


def test_the_shop_settings_screen_shows_the_shops_own_address(make_operator):
    first, second = make_operator("Downtown Association"), make_operator("Downtown Association")
    assert shop_settings.shop_slug(first.operator.id) == first.operator.slug
    assert shop_settings.shop_slug(second.operator.id) == second.operator.slug != first.operator.slug
    assert shop_settings.shop_by_slug(shop_settings.shop_slug(first.operator.id)).operator_id == first.operator.id
    with pytest.raises(GiftnetError) as refused:
        shop_settings.shop_slug(second.operator.id + 1000)
    assert refused.value.code == ErrorCode.not_found

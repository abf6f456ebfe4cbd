"""Locations, their payout details, activation links, devices, POS keys and items:
the rules as a network operator and a counter device meet them."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlmodel import select

from app.db import read_session, write_session
from app.models import ActivationLink, Device, Location, OutboxMessage
from app.models.base import utcnow
from app.services.core.errors import ErrorCode, GiftnetError
from app.services.messaging import outbox
from app.services.network import device_emails, devices, items, locations, pos_keys

US_ROUTING = "011000015"  # a real-format ABA number with a valid check digit
CA_BANK = {"bank_country": "CA", "institution_number": "001", "transit_number": "00011", "account_number": "1234567"}


def shop(**fields) -> dict:
    return {"name": "Main Street Books", "email": "books@example.com", **fields}


def refused(call, *args, **kwargs) -> GiftnetError:
    with pytest.raises(GiftnetError) as error:
        call(*args, **kwargs)
    return error.value


# --------------------------------------------------------------------------- fields


def test_a_location_keeps_every_field_and_shows_its_account_masked(make_operator):
    owner = make_operator()
    location = locations.create_location(
        owner.actor,
        shop(
            phone="555-0100", address="12 Main St", external_id="MS-001", mode="items",
            item_webhook_url="https://books.example.com/items", notify_items_email="true",
            notify_webhook_url="https://books.example.com/hook", commission_bps="250",
            bank_country="us", routing_number=US_ROUTING, account_number="12-3456-789", account_type="savings",
        ),
    )
    stored = locations.get_location(owner.operator.id, location.id)
    assert (stored.mode, stored.notify_items_email, stored.commission_bps) == ("items", True, 250)
    assert (stored.bank_country, stored.routing_number, stored.account_type) == ("US", US_ROUTING, "savings")
    assert stored.account_last4 == "6789"
    assert "123456789" not in stored.account_number_encrypted  # encrypted at rest
    assert locations.account_number(stored) == "123456789"
    assert locations.bank_summary(stored) == f"US savings •••• 6789 (routing {US_ROUTING})"
    assert "123456789" not in locations.bank_summary(stored)


def test_an_aba_routing_number_with_a_wrong_check_digit_is_refused(make_operator):
    owner = make_operator()
    error = refused(locations.create_location, owner.actor,
                    shop(bank_country="US", routing_number="011000016", account_number="123456789"))
    assert (error.code, error.field) == (ErrorCode.invalid_input, "routing_number")
    assert "check digit" in error.message
    assert locations.list_locations(owner.operator.id).locations == []


def test_canadian_bank_numbers_have_3_digit_institution_and_5_digit_transit(make_operator):
    owner = make_operator()
    assert refused(locations.create_location, owner.actor, shop(**{**CA_BANK, "institution_number": "01"})).field == (
        "institution_number")
    assert refused(locations.create_location, owner.actor, shop(**{**CA_BANK, "transit_number": "0011"})).field == (
        "transit_number")
    assert refused(locations.create_location, owner.actor,
                   shop(**{**CA_BANK, "routing_number": US_ROUTING})).field == "routing_number"
    location = locations.create_location(owner.actor, shop(**CA_BANK))
    assert locations.bank_summary(location) == "CA checking •••• 4567 (institution 001, transit 00011)"


def test_bank_details_are_checked_together(make_operator):
    owner = make_operator()
    # A routing number means nothing without its account number, nor an account without a country.
    assert refused(locations.create_location, owner.actor,
                   shop(bank_country="US", routing_number=US_ROUTING)).field == "account_number"
    assert refused(locations.create_location, owner.actor, shop(account_number="123456789")).field == "bank_country"
    location = locations.create_location(owner.actor, shop())
    assert locations.bank_summary(location) == "No bank details"
    # Changing only the routing number later is refused too: the account comes with it.
    assert refused(locations.update_location, owner.actor, location.id,
                   {"routing_number": US_ROUTING}).field == "bank_country"


@pytest.mark.parametrize(
    ("fields", "field", "code"),
    [
        ({"email": "books.example.com"}, "email", ErrorCode.invalid_email),
        ({"email": ""}, "email", ErrorCode.invalid_email),
        ({"name": "  "}, "name", ErrorCode.invalid_input),
        ({"mode": "barter"}, "mode", ErrorCode.invalid_input),
        ({"commission_bps": "12.5"}, "commission_bps", ErrorCode.invalid_input),
        ({"item_webhook_url": "ftp://books.example.com"}, "item_webhook_url", ErrorCode.invalid_input),
        ({"colour": "red"}, "colour", ErrorCode.invalid_input),
    ],
)
def test_a_wrong_field_is_refused_with_its_name(make_operator, fields, field, code):
    owner = make_operator()
    error = refused(locations.create_location, owner.actor, shop(**fields))
    assert (error.code, error.field) == (code, field)
    assert error.message


def test_two_locations_cannot_share_an_external_id(make_operator):
    owner = make_operator()
    locations.create_location(owner.actor, shop(external_id="MS-001"))
    error = refused(locations.create_location, owner.actor, shop(name="Other", external_id="MS-001"))
    assert (error.code, error.field) == (ErrorCode.conflict, "external_id")


def test_the_list_searches_filters_and_pages(make_operator):
    owner = make_operator()
    for number in range(5):
        locations.create_location(owner.actor, shop(name=f"Bakery {number}", email=f"bakery{number}@example.com",
                                                     external_id=f"BK-{number}", mode="items" if number % 2 else "pos"))
    locations.create_location(owner.actor, shop(name="Closed Shop", email="closed@example.com", active="false"))

    assert len(locations.list_locations(owner.operator.id, query="bakery").locations) == 5
    assert [loc.name for loc in locations.list_locations(owner.operator.id, query="BK-3").locations] == ["Bakery 3"]
    assert [loc.name for loc in locations.list_locations(owner.operator.id, query="closed@").locations] == ["Closed Shop"]
    assert len(locations.list_locations(owner.operator.id, mode="items").locations) == 2
    assert [loc.name for loc in locations.list_locations(owner.operator.id, active=False).locations] == ["Closed Shop"]
    first = locations.list_locations(owner.operator.id, limit=4)
    second = locations.list_locations(owner.operator.id, limit=4, cursor=first.next_cursor)
    assert len(first.locations) == 4 and len(second.locations) == 2 and second.next_cursor is None
    assert {loc.id for loc in first.locations}.isdisjoint({loc.id for loc in second.locations})


# --------------------------------------------------------------------------- tenancy


@pytest.fixture
def two_networks(make_operator):
    """Operator A with a location, a device, an item and a POS key; operator B, a stranger."""
    first, second = make_operator("Downtown A"), make_operator("Uptown B")
    location = locations.create_location(first.actor, shop(external_id="A-1"))
    sent = devices.create_activation_link(first.actor, location.id)
    device = devices.activate_device(sent.token, "Front counter").device
    item = items.create_item(first.actor, location.id, name="Coffee", price_cents=350, sku="COF")
    key = pos_keys.create_pos_key(first.actor, location.id, "Till 1").pos_key
    return first, second, location, device, item, key


def test_another_operator_cannot_see_my_locations_or_what_they_hold(two_networks):
    first, second, location, device, item, key = two_networks
    other = second.operator.id

    assert refused(locations.get_location, other, location.id).code == ErrorCode.not_found
    assert locations.list_locations(other).locations == []
    assert locations.list_locations(other, query="books").locations == []
    assert refused(devices.list_devices, other, location.id).code == ErrorCode.not_found
    assert refused(items.list_items, other, location.id).code == ErrorCode.not_found
    assert pos_keys.list_pos_keys(other, location.id) == []

    # The owner still sees everything.
    assert [d.id for d in devices.list_devices(first.operator.id, location.id)] == [device.id]
    assert [i.id for i in items.list_items(first.operator.id, location.id)] == [item.id]
    assert [k.id for k in pos_keys.list_pos_keys(first.operator.id, location.id)] == [key.id]


def test_another_operator_cannot_change_my_locations_or_what_they_hold(two_networks):
    first, second, location, device, item, key = two_networks
    stranger = second.actor

    assert refused(locations.update_location, stranger, location.id, {"name": "Taken"}).code == ErrorCode.not_found
    assert refused(device_emails.send_activation_email, stranger, location.id).code == ErrorCode.not_found
    assert refused(devices.create_activation_link, stranger, location.id).code == ErrorCode.not_found
    assert refused(devices.revoke_device, stranger, device.id).code == ErrorCode.not_found
    assert refused(items.create_item, stranger, location.id, name="Tea", price_cents=300).code == ErrorCode.not_found
    assert refused(items.set_item_active, stranger, item.id, False).code == ErrorCode.not_found
    assert refused(pos_keys.create_pos_key, stranger, location.id, "Mine").code == ErrorCode.not_found
    assert refused(pos_keys.revoke_pos_key, stranger, key.id).code == ErrorCode.not_found
    # The same external id is free in another network (it is the operator's own numbering).
    assert locations.create_location(stranger, shop(external_id="A-1")).operator_id == second.operator.id

    owner = first.operator.id
    assert locations.get_location(owner, location.id).name == "Main Street Books"
    assert devices.list_devices(owner, location.id)[0].revoked_at is None
    assert items.list_items(owner, location.id)[0].active is True
    assert pos_keys.list_pos_keys(owner, location.id)[0].revoked_at is None
    with read_session() as session:
        assert session.exec(select(OutboxMessage)).all() == []


# --------------------------------------------------------------------------- activation


def _latest_email(to_address: str):
    with read_session() as session:
        message = session.exec(
            select(OutboxMessage).where(OutboxMessage.to_address == to_address).order_by(OutboxMessage.id.desc())
        ).first()
    return message, outbox.read_email(message)


def test_the_activation_email_carries_the_link_its_validity_and_what_a_device_code_is(make_operator):
    owner = make_operator("Downtown <Merchants>")
    location = locations.create_location(owner.actor, shop(name="Books & <Co>"))

    sent = device_emails.send_activation_email(owner.actor, location.id)

    message, email = _latest_email("books@example.com")
    assert (message.kind, message.operator_id) == (device_emails.KIND, owner.operator.id)
    assert sent.url.endswith(f"/activate/{sent.token}")
    assert sent.url in email.text_body and sent.url in email.html_body
    assert "3 days" in email.text_body and "3 days" in email.html_body
    assert "device code" in email.text_body and "DV-" in email.text_body
    assert "Books &amp; &lt;Co&gt;" in email.html_body and "<Co>" not in email.html_body
    assert "Downtown &lt;Merchants&gt;" in email.html_body
    assert sent.token not in message.text_body  # bodies are encrypted at rest
    assert devices.check_activation_link(sent.token).ok


def test_an_inactive_location_gets_no_activation_link(make_operator):
    owner = make_operator()
    location = locations.create_location(owner.actor, shop(active="false"))
    error = refused(device_emails.send_activation_email, owner.actor, location.id)
    assert error.code == ErrorCode.invalid_input and "inactive" in error.message
    with read_session() as session:
        assert session.exec(select(ActivationLink)).all() == []
        assert session.exec(select(OutboxMessage)).all() == []


def test_a_device_activates_with_a_unique_code_and_a_secret_only_its_browser_keeps(make_operator):
    owner = make_operator()
    location = locations.create_location(owner.actor, shop())
    sent = device_emails.send_activation_email(owner.actor, location.id)

    check = devices.check_activation_link(sent.token)
    assert (check.location_name, check.operator_name) == ("Main Street Books", owner.operator.name)
    first = devices.activate_device(sent.token, "Front counter")
    second = devices.activate_device(sent.token, "Back office")  # one link, every device of the location

    assert re.fullmatch(r"DV-[A-Z2-9]{4}-[A-Z2-9]{2}", first.device.code)
    assert first.device.code != second.device.code
    context = devices.resolve_device(first.secret)
    assert (context.code, context.location_name, context.operator_id) == (
        first.device.code, "Main Street Books", owner.operator.id)
    # Neither the link nor the secret is stored as such.
    with read_session() as session:
        link = session.exec(select(ActivationLink)).one()
        stored = session.exec(select(Device).where(Device.id == first.device.id)).one()
    assert sent.token not in link.token_hash and len(link.token_hash) == 64
    assert first.secret not in stored.secret_hash and len(stored.secret_hash) == 64
    assert stored.last_seen_at is not None  # resolving it counted as a visit


def test_a_device_name_is_required(make_operator):
    owner = make_operator()
    location = locations.create_location(owner.actor, shop())
    sent = devices.create_activation_link(owner.actor, location.id)
    assert refused(devices.activate_device, sent.token, "   ").field == "device_name"


def test_expired_activation_link_is_refused(make_operator):
    owner = make_operator()
    location = locations.create_location(owner.actor, shop())
    sent = device_emails.send_activation_email(owner.actor, location.id)
    with write_session() as session:
        session.execute(update(ActivationLink).values(expires_at=utcnow() - timedelta(minutes=1)))

    assert devices.check_activation_link(sent.token).reason == "expired"
    error = refused(devices.activate_device, sent.token, "Front counter")
    assert (error.code, error.message) == (ErrorCode.forbidden, devices.LINK_REFUSALS["expired"])
    with read_session() as session:
        assert session.exec(select(Device)).all() == []


def test_a_newer_link_revokes_the_older_one(make_operator):
    owner = make_operator()
    location = locations.create_location(owner.actor, shop())
    older = device_emails.send_activation_email(owner.actor, location.id)
    newer = device_emails.send_activation_email(owner.actor, location.id)

    assert devices.check_activation_link(older.token).reason == "revoked"
    assert refused(devices.activate_device, older.token, "Counter").message == devices.LINK_REFUSALS["revoked"]
    assert devices.activate_device(newer.token, "Counter").device.location_id == location.id


def test_a_tampered_or_unknown_link_is_refused(make_operator):
    owner = make_operator()
    location = locations.create_location(owner.actor, shop())
    sent = devices.create_activation_link(owner.actor, location.id)
    tampered = sent.token[:-1] + ("A" if sent.token[-1] != "A" else "B")

    for token in (tampered, "", None, "x" * 500):
        assert devices.check_activation_link(token).reason == "unknown"
    assert refused(devices.activate_device, tampered, "Counter").message == devices.LINK_REFUSALS["unknown"]


def test_a_link_of_an_inactive_location_is_refused(make_operator):
    owner = make_operator()
    location = locations.create_location(owner.actor, shop())
    sent = devices.create_activation_link(owner.actor, location.id)
    locations.update_location(owner.actor, location.id, {"active": False})
    assert devices.check_activation_link(sent.token).reason == "location_inactive"
    assert refused(devices.activate_device, sent.token, "Counter").message == devices.LINK_REFUSALS["location_inactive"]


def test_a_revoked_device_is_refused_on_its_next_request(make_operator):
    owner = make_operator()
    location = locations.create_location(owner.actor, shop())
    sent = devices.create_activation_link(owner.actor, location.id)
    kept = devices.activate_device(sent.token, "Front counter")
    lost = devices.activate_device(sent.token, "Lost tablet")

    devices.revoke_device(owner.actor, lost.device.id)

    assert devices.resolve_device(lost.secret) is None
    assert devices.device_is_revoked(lost.secret) is True
    assert devices.resolve_device(kept.secret) is not None  # the others carry on
    assert devices.device_is_revoked(kept.secret) is False
    assert devices.device_is_revoked("gkdev_never-issued") is False
    assert devices.resolve_device("gkdev_never-issued") is None


# --------------------------------------------------------------------------- POS keys and items


def test_a_pos_key_is_shown_once_stored_hashed_and_revocable(make_operator):
    owner = make_operator()
    location = locations.create_location(owner.actor, shop(mode="pos"))
    created = pos_keys.create_pos_key(owner.actor, location.id, "Till 1")

    assert created.plaintext.startswith("gkpos_")
    assert created.plaintext not in created.pos_key.key_hash
    assert pos_keys.resolve_pos_key(created.plaintext).id == created.pos_key.id
    pos_keys.revoke_pos_key(owner.actor, created.pos_key.id)
    assert pos_keys.resolve_pos_key(created.plaintext) is None


def test_items_are_added_and_deactivated(make_operator):
    owner = make_operator()
    location = locations.create_location(owner.actor, shop(mode="items"))
    coffee = items.create_item(owner.actor, location.id, name="Coffee", price_cents=350, sku="COF")
    items.create_item(owner.actor, location.id, name="Muffin", price_cents=425)
    assert refused(items.create_item, owner.actor, location.id, name="Latte", price_cents=500, sku="COF").field == "sku"
    assert refused(items.create_item, owner.actor, location.id, name="Free", price_cents=0).code == ErrorCode.invalid_amount

    items.set_item_active(owner.actor, coffee.id, False)
    assert [item.name for item in items.list_items(owner.operator.id, location.id)] == ["Muffin"]
    assert len(items.list_items(owner.operator.id, location.id, include_inactive=True)) == 2


def test_recent_redemptions_of_a_location_start_empty(make_operator):
    owner = make_operator()
    location = locations.create_location(owner.actor, shop())
    assert locations.recent_redemptions(owner.operator.id, location.id) == []
    with read_session() as session:
        assert session.get(Location, location.id) is not None


def test_new_locations_of_an_import_are_emailed_their_links_except_inactive_ones(make_operator):
    owner, stranger = make_operator(), make_operator()
    open_ids = [locations.create_location(owner.actor, shop(name=f"Shop {n}", email=f"shop{n}@example.com")).id
                for n in range(3)]
    closed = locations.create_location(owner.actor, shop(name="Closed", email="closed@example.com", active="false"))
    foreign = locations.create_location(stranger.actor, shop(name="Theirs", email="theirs@example.com"))
    seen: list[tuple[int, int]] = []

    queued = device_emails.send_activation_emails(owner.actor, [*open_ids, closed.id, foreign.id],
                                                  progress=lambda done, total: seen.append((done, total)))

    assert (queued.queued, queued.held) == (3, 0) and seen[-1] == (5, 5)
    with read_session() as session:
        sent_to = sorted(session.exec(select(OutboxMessage.to_address)).all())
        links = session.exec(select(ActivationLink.location_id)).all()
    assert sent_to == ["shop0@example.com", "shop1@example.com", "shop2@example.com"]
    assert sorted(links) == sorted(open_ids)


# --------------------------------------------------------------------------- the demo network


def test_the_demo_network_has_a_location_per_mode_and_prints_a_working_link(database, capsys):
    from app import cli, demo

    assert cli.main(["seed-demo"]) == 0
    first_output = capsys.readouterr().out
    assert cli.main(["seed-demo"]) == 0  # idempotent: nothing twice
    second_output = capsys.readouterr().out

    actor = demo._demo_actor()
    found = locations.list_locations(actor.operator_id).locations
    assert sorted(location.mode for location in found) == ["amount", "items", "pos"]
    cafe = next(location for location in found if location.mode == "items")
    assert [item.name for item in items.list_items(actor.operator_id, cafe.id)] == ["Coffee", "Croissant", "Lunch special"]
    first_url, second_url = (re.search(r"http\S+/activate/\S+", out).group(0) for out in (first_output, second_output))
    assert "already present" in second_output
    # Each run prints a fresh link; only the newest one works.
    assert devices.check_activation_link(first_url.rsplit("/", 1)[1]).reason == "revoked"
    check = devices.check_activation_link(second_url.rsplit("/", 1)[1])
    assert (check.ok, check.location_name) == (True, cafe.name)

    assert cli.main(["activation-link", "--location-id", str(cafe.id)]) == 0
    printed = capsys.readouterr().out.strip()
    assert devices.check_activation_link(printed.rsplit("/", 1)[1]).ok
    assert cli.main(["activation-link", "--location-id", "999999"]) == 2

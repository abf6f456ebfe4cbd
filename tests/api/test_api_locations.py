"""Locations through the API: what an operator's own system sees when it builds its network,
sends activation links, reads devices, makes POS keys and fills a location's catalog."""

from __future__ import annotations

import uuid

import pytest
from sqlmodel import select

from tests.support.backend import Backend, Operator

US_BANK = {"bank_country": "US", "routing_number": "011000015", "account_number": "123456789", "account_type": "checking"}
CA_BANK = {"bank_country": "CA", "institution_number": "001", "transit_number": "00011", "account_number": "7654321",
           "account_type": "savings"}


def activation_emails_to(address: str) -> list:
    from app.db import read_session
    from app.models import OutboxMessage
    from app.services.messaging.outbox import read_email

    with read_session() as session:
        messages = session.exec(
            select(OutboxMessage).where(OutboxMessage.to_address == address, OutboxMessage.kind == "device_activation")
        ).all()
    return [read_email(message) for message in messages]


def test_creating_a_location_emails_its_activation_link_and_shows_only_the_last_4_of_the_account(
    shop: Operator, on_backend_db: Backend
):
    email = f"Books-{uuid.uuid4().hex[:6]}@Example.com"
    answer = shop.http.post(
        "/locations",
        json={"name": "Main Street Books", "email": email, "phone": "555-0100", "address": "12 Main St",
              "external_id": f"MS-{uuid.uuid4().hex[:6]}", "mode": "items", "commission_bps": 250, **US_BANK},
    )
    assert answer.status_code == 201, answer.text
    location = answer.json()
    assert location["activation_email_sent"] is True
    assert location["email"] == email.lower() and location["mode"] == "items" and location["active"] is True
    assert location["bank_country"] == "US" and location["routing_number"] == "011000015"
    assert location["account_last4"] == "6789" and location["account_type"] == "checking"
    assert location["commission_bps"] == 250 and location["created_at"].endswith("Z")
    assert "123456789" not in answer.text and "account_number" not in location

    again = shop.http.get(f"/locations/{location['id']}")
    assert again.status_code == 200
    assert again.json()["account_last4"] == "6789" and "123456789" not in again.text
    assert "activation_email_sent" not in again.json()

    emails = activation_emails_to(email.lower())
    assert len(emails) == 1 and "/activate/" in emails[0].text_body
    assert "Main Street Books" in emails[0].subject


def test_a_canadian_location_keeps_institution_and_transit_numbers(shop: Operator):
    location = shop.add_location("Café du Coin", mode="amount", **CA_BANK)
    assert (location["bank_country"], location["institution_number"], location["transit_number"]) == ("CA", "001", "00011")
    assert location["routing_number"] is None and location["account_last4"] == "4321"
    assert location["account_type"] == "savings"


def test_an_inactive_location_gets_no_activation_link(shop: Operator):
    location = shop.add_location("Closed for Winter", active=False)
    assert location["active"] is False and location["activation_email_sent"] is False
    refused = shop.http.post(f"/locations/{location['id']}/activation-email")
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "invalid_input"


@pytest.mark.parametrize(
    ("fields", "status", "code", "field"),
    [
        ({"name": "Books", "email": "books@example.com", "account": "1"}, 400, "invalid_input", "account"),
        ({"email": "books@example.com"}, 400, "invalid_input", "name"),
        ({"name": "Books"}, 400, "invalid_input", "email"),
        ({"name": "  ", "email": "books@example.com"}, 400, "invalid_input", "name"),
        ({"name": "Books", "email": "not-an-email"}, 422, "invalid_email", "email"),
        ({"name": "Books", "email": "books@example.com", "mode": "bike"}, 400, "invalid_input", "mode"),
        ({"name": "Books", "email": "books@example.com", "commission_bps": 10_001}, 400, "invalid_input", "commission_bps"),
        ({"name": "Books", "email": "books@example.com", "commission_bps": "250"}, 400, "invalid_input", "commission_bps"),
        ({"name": "Books", "email": "books@example.com", **US_BANK, "routing_number": "011000016"}, 400, "invalid_input",
         "routing_number"),
        ({"name": "Books", "email": "books@example.com", **US_BANK, "account_number": 123456789}, 400, "invalid_input",
         "account_number"),
        ({"name": "Books", "email": "books@example.com", **CA_BANK, "transit_number": "0001"}, 400, "invalid_input",
         "transit_number"),
        ({"name": "Books", "email": "books@example.com", "bank_country": "FR"}, 400, "invalid_input", "bank_country"),
        ({"name": "Books", "email": "books@example.com", "item_webhook_url": "ftp://x"}, 400, "invalid_input",
         "item_webhook_url"),
        ({"name": "B" * 121, "email": "books@example.com"}, 400, "invalid_input", "name"),
    ],
)
def test_a_location_with_a_wrong_field_is_refused_with_the_field_at_fault(shop: Operator, fields, status, code, field):
    before = len(shop.http.get("/locations", params={"limit": 100}).json()["data"])
    answer = shop.http.post("/locations", json=fields)
    assert answer.status_code == status, answer.text
    assert answer.json()["error"]["code"] == code
    assert answer.json()["error"].get("field") == field
    assert len(shop.http.get("/locations", params={"limit": 100}).json()["data"]) == before


def test_two_locations_cannot_share_an_external_id(shop: Operator):
    external_id = f"EXT-{uuid.uuid4().hex[:6]}"
    first = shop.add_location("First", external_id=external_id)
    second = shop.http.post("/locations", json={"name": "Second", "email": "second@example.com", "external_id": external_id})
    assert second.status_code == 409
    assert second.json()["error"] == {"code": "conflict", "message": "Another location already has this external id.",
                                      "field": "external_id"}
    other = shop.add_location("Other")
    taken = shop.http.patch(f"/locations/{other['id']}", json={"external_id": external_id})
    assert taken.status_code == 409
    assert shop.http.patch(f"/locations/{first['id']}", json={"external_id": external_id}).status_code == 200


def test_a_retried_create_answers_the_same_location_and_emails_once(backend: Backend, on_backend_db: Backend):
    network = backend.new_operator("Retry Locations")
    key = str(uuid.uuid4())
    body = {"name": "Retry Bakery", "email": "retry-bakery@example.com", "mode": "amount"}
    first = network.http.post("/locations", json=body, headers={"Idempotency-Key": key})
    again = network.http.post("/locations", json=body, headers={"Idempotency-Key": key})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    assert len(network.http.get("/locations").json()["data"]) == 1
    assert len(activation_emails_to("retry-bakery@example.com")) == 1
    other = network.http.post("/locations", json={**body, "name": "Other Bakery"}, headers={"Idempotency-Key": key})
    assert other.status_code == 422 and other.json()["error"]["code"] == "idempotency_key_reused"


def test_locations_are_listed_newest_first_filtered_and_paged(backend: Backend):
    network = backend.new_operator("Listing Network")
    books = network.add_location("Main Street Books", mode="items", external_id="MS-001")
    cafe = network.add_location("Café du Coin", mode="pos", email="cafe@example.com")
    closed = network.add_location("Closed Shop", mode="amount", active=False)
    bakery = network.add_location("Bakery", mode="amount", external_id="BK-9")

    first = network.http.get("/locations", params={"limit": 2}).json()
    second = network.http.get("/locations", params={"limit": 2, "cursor": first["next_cursor"]}).json()
    assert [row["id"] for row in first["data"] + second["data"]] == [bakery["id"], closed["id"], cafe["id"], books["id"]]
    assert second["next_cursor"] is None

    def ids(**params) -> list[int]:
        answer = network.http.get("/locations", params=params)
        assert answer.status_code == 200, answer.text
        return [row["id"] for row in answer.json()["data"]]

    assert ids(q="street") == [books["id"]]
    assert ids(q="cafe@") == [cafe["id"]]
    assert ids(q="bk-9") == [bakery["id"]]
    assert ids(mode="pos") == [cafe["id"]]
    assert ids(active="false") == [closed["id"]]
    assert ids(active="true", mode="amount") == [bakery["id"]]
    bad_mode = network.http.get("/locations", params={"mode": "bike"})
    assert bad_mode.status_code == 400 and bad_mode.json()["error"]["field"] == "mode"
    bad_cursor = network.http.get("/locations", params={"cursor": "abc"})
    assert bad_cursor.status_code == 400 and bad_cursor.json()["error"]["field"] == "cursor"
    nul = network.http.get("/locations", params={"q": "books\x00"})
    assert nul.status_code == 400 and nul.json()["error"]["field"] == "q"


def test_a_patch_changes_only_the_fields_sent(shop: Operator):
    location = shop.add_location("Patchable", phone="555-0100", **US_BANK)
    changed = shop.http.patch(f"/locations/{location['id']}", json={"mode": "pos", "phone": None, "notify_items_email": True})
    assert changed.status_code == 200, changed.text
    answer = changed.json()
    assert answer["mode"] == "pos" and answer["phone"] is None and answer["notify_items_email"] is True
    assert answer["name"] == "Patchable" and answer["account_last4"] == "6789"

    rebanked = shop.http.patch(f"/locations/{location['id']}", json=CA_BANK)
    assert rebanked.status_code == 200
    assert rebanked.json()["account_last4"] == "4321" and rebanked.json()["routing_number"] is None
    assert shop.http.get(f"/locations/{location['id']}").json()["bank_country"] == "CA"

    for body, field in (({"name": None}, "name"), ({"colour": "red"}, "colour"), ({"email": "nope"}, "email"),
                        ({"routing_number": "011000015"}, "bank_country")):
        refused = shop.http.patch(f"/locations/{location['id']}", json=body)
        assert 400 <= refused.status_code < 500 and refused.json()["error"]["field"] == field, (body, refused.text)
    assert shop.http.get(f"/locations/{location['id']}").json()["name"] == "Patchable"


def test_a_fresh_activation_link_replaces_the_older_ones(shop: Operator, on_backend_db: Backend):
    from app.db import read_session
    from app.models import ActivationLink

    location = shop.add_location("Relinked", email="relinked@example.com")
    sent = shop.http.post(f"/locations/{location['id']}/activation-email")
    assert sent.status_code == 200, sent.text
    assert sent.json()["activation_email_sent"] is True and sent.json()["email"] == "relinked@example.com"
    assert sent.json()["link_expires_at"].endswith("Z")
    assert len(activation_emails_to("relinked@example.com")) == 2
    with read_session() as session:
        links = session.exec(select(ActivationLink).where(ActivationLink.location_id == location["id"])
                             .order_by(ActivationLink.id)).all()
    assert [link.revoked_at is None for link in links] == [False, True]


def test_the_devices_of_a_location_show_their_code_and_revocation(shop: Operator, on_backend_db: Backend):
    from app.services.core.actor import Actor
    from app.services.network import devices

    location = shop.add_location("Two Tablets")
    assert shop.http.get(f"/locations/{location['id']}/devices").json() == {"data": [], "next_cursor": None}
    link = devices.create_activation_link(Actor(shop.id), location["id"])
    front = devices.activate_device(link.token, "Front counter").device
    back = devices.activate_device(link.token, "Back office").device
    devices.revoke_device(Actor(shop.id), back.id)

    listed = shop.http.get(f"/locations/{location['id']}/devices")
    assert listed.status_code == 200
    rows = listed.json()["data"]
    assert [(row["code"], row["name"]) for row in rows] == [(back.code, "Back office"), (front.code, "Front counter")]
    assert rows[0]["revoked_at"] is not None and rows[1]["revoked_at"] is None
    assert rows[1]["activated_at"].endswith("Z") and "secret" not in listed.text


def test_a_pos_key_is_shown_once(shop: Operator, on_backend_db: Backend):
    from app.services.network.pos_keys import resolve_pos_key

    location = shop.add_location("Keyed", mode="pos")
    created = shop.http.post(f"/locations/{location['id']}/pos-keys", json={"name": "Counter POS"})
    assert created.status_code == 201, created.text
    key = created.json()
    assert key["key"].startswith("gkpos_") and key["prefix"] == key["key"][:14]
    assert key["location_id"] == location["id"] and key["name"] == "Counter POS"
    assert resolve_pos_key(key["key"]).id == key["id"]
    assert key["key"] not in shop.http.get(f"/locations/{location['id']}").text
    for body in ({}, {"name": ""}, {"name": "x", "scope": "all"}):
        assert shop.http.post(f"/locations/{location['id']}/pos-keys", json=body).status_code == 400


def test_a_location_catalog_lists_its_items_by_name(shop: Operator):
    location = shop.add_location("Coffee Bar", mode="items")
    items_path = f"/locations/{location['id']}/items"
    assert shop.http.get(items_path).json() == {"data": [], "next_cursor": None}
    latte = shop.http.post(items_path, json={"name": "Latte", "price_cents": 450, "sku": "LAT-12"})
    assert latte.status_code == 201, latte.text
    assert latte.json()["price_cents"] == 450 and latte.json()["sku"] == "LAT-12" and latte.json()["active"] is True
    shop.http.post(items_path, json={"name": "Espresso", "price_cents": 300})
    listed = shop.http.get(items_path).json()["data"]
    assert [(item["name"], item["price_cents"], item["sku"]) for item in listed] == [
        ("Espresso", 300, None), ("Latte", 450, "LAT-12")]

    duplicate = shop.http.post(items_path, json={"name": "Big Latte", "price_cents": 550, "sku": "LAT-12"})
    assert duplicate.status_code == 409 and duplicate.json()["error"]["field"] == "sku"
    for body, status, code in (
        ({"name": "Free", "price_cents": 0}, 422, "invalid_amount"),
        ({"name": "Huge", "price_cents": 10**15}, 422, "amount_out_of_range"),
        ({"name": "Text", "price_cents": "450"}, 422, "invalid_amount"),
        ({"price_cents": 450}, 400, "invalid_input"),
        ({"name": "Tea", "price_cents": 300, "colour": "green"}, 400, "invalid_input"),
    ):
        refused = shop.http.post(items_path, json=body)
        assert (refused.status_code, refused.json()["error"]["code"]) == (status, code), body
    assert len(shop.http.get(items_path).json()["data"]) == 2


def test_another_operators_location_answers_not_found_everywhere(shop: Operator, rival: Operator):
    theirs = rival.add_location("Rival Books", mode="items")
    base = f"/locations/{theirs['id']}"
    for answer in (
        shop.http.get(base),
        shop.http.patch(base, json={"name": "Mine now"}),
        shop.http.post(f"{base}/activation-email"),
        shop.http.get(f"{base}/devices"),
        shop.http.post(f"{base}/pos-keys", json={"name": "Sneaky"}),
        shop.http.get(f"{base}/items"),
        shop.http.post(f"{base}/items", json={"name": "Latte", "price_cents": 450}),
    ):
        assert answer.status_code == 404, answer.text
        assert answer.json()["error"] == {"code": "not_found", "message": "No such location."}
    assert theirs["id"] not in [row["id"] for row in shop.http.get("/locations", params={"limit": 100}).json()["data"]]
    assert rival.http.get(base).json()["name"] == "Rival Books"
    for path in ("/locations/0", "/locations/abc", "/locations/99999999999"):
        assert shop.http.get(path).status_code == 404


def test_a_revoked_key_cannot_touch_locations(backend: Backend, on_backend_db: Backend):
    from app.services.access import api_keys

    network = backend.new_operator("Revoked Locations")
    created = api_keys.create_api_key(network.id, "Old integration")
    with backend.client(created.plaintext) as old:
        location = old.post("/locations", json={"name": "Before", "email": "before@example.com"}).json()
        api_keys.revoke_api_key(network.id, created.api_key.id)
        for answer in (old.get("/locations"), old.get(f"/locations/{location['id']}"),
                       old.post("/locations", json={"name": "After", "email": "after@example.com"})):
            assert answer.status_code == 401 and answer.json()["error"]["code"] == "unauthenticated"
    with backend.client() as anonymous:
        assert anonymous.get("/locations").status_code == 401


def test_a_large_catalog_and_many_devices_come_a_page_at_a_time(backend: Backend, on_backend_db: Backend):
    from app.services.core.actor import Actor
    from app.services.network import devices as device_service

    network = backend.new_operator("Paged Catalog")
    location = network.add_location("Big Deli", mode="items")
    names = ["Bagel", "Bagel", "Coffee", "Apple", "Danish"]  # two bagels: the name alone cannot be the cursor
    for n, name in enumerate(names):
        answer = network.http.post(f"/locations/{location['id']}/items", json={"name": name, "price_cents": 100 + n})
        assert answer.status_code == 201, answer.text
    seen, cursor = [], None
    while True:
        page = network.http.get(f"/locations/{location['id']}/items",
                                params={"limit": 2, **({"cursor": cursor} if cursor else {})}).json()
        seen += [(item["name"], item["price_cents"]) for item in page["data"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [("Apple", 103), ("Bagel", 100), ("Bagel", 101), ("Coffee", 102), ("Danish", 104)]
    bad = network.http.get(f"/locations/{location['id']}/items", params={"cursor": "999999"})
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "cursor"

    owner = Actor(network.id, role="owner")
    activated = [device_service.activate_device(device_service.create_activation_link(owner, location["id"]).token,
                                                f"Till {n}") for n in range(3)]
    listed, cursor = [], None
    while True:
        page = network.http.get(f"/locations/{location['id']}/devices",
                                params={"limit": 2, **({"cursor": cursor} if cursor else {})}).json()
        listed += [device["code"] for device in page["data"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert listed == [device.device.code for device in reversed(activated)]  # newest first, each once

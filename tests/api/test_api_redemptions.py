"""Redemptions through the API: a shop's system redeems cards at its locations by an amount
or by catalog items, reads the redemption, voids it; money moves once per request."""

from __future__ import annotations

import uuid

import pytest

from tests.support.backend import Backend, Operator


@pytest.fixture(scope="module")
def counter(shop: Operator) -> dict:
    """An items location of the shop, with a small catalog."""
    location = shop.add_location("Coffee Counter", mode="items")
    for item in ({"name": "Latte", "price_cents": 450, "sku": "LAT-12"}, {"name": "Muffin", "price_cents": 325}):
        assert shop.http.post(f"/locations/{location['id']}/items", json=item).status_code == 201
    return location


def balance(operator: Operator, card_id: int) -> int:
    return operator.http.get(f"/cards/{card_id}").json()["balance_cents"]


def test_redeeming_an_amount_takes_it_off_the_card_at_the_location(shop: Operator, counter: dict):
    card = shop.issue(5000)
    answer = shop.http.post("/redemptions", json={"card_id": card["id"], "location_id": counter["id"], "amount_cents": 1500})
    assert answer.status_code == 201, answer.text
    redemption = answer.json()
    assert redemption["amount_cents"] == 1500 and redemption["balance_after_cents"] == 3500
    assert (redemption["card_id"], redemption["location_id"]) == (card["id"], counter["id"])
    assert redemption["kind"] == "amount" and redemption["status"] == "completed"
    assert redemption["lines"] == [] and redemption["remaining_due_cents"] == 0
    assert redemption["card_last4"] == card["last4"] and redemption["created_at"].endswith("Z")
    assert balance(shop, card["id"]) == 3500
    ledger = shop.http.get(f"/cards/{card['id']}/transactions").json()["data"]
    assert [(row["kind"], row["amount_cents"], row["location_id"]) for row in ledger] == [
        ("issue", 5000, None), ("redeem", -1500, counter["id"])]
    assert shop.http.get(f"/redemptions/{redemption['id']}").json() == redemption


def test_a_card_is_found_by_its_code_in_any_case(shop: Operator, counter: dict):
    card = shop.issue(2000)
    answer = shop.http.post("/redemptions", json={"card_code": card["code"].lower().replace("-", ""),
                                                  "location_id": counter["id"], "amount_cents": 500})
    assert answer.status_code == 201 and answer.json()["card_id"] == card["id"]
    wrong = shop.http.post("/redemptions", json={"card_code": "ZZZZ-ZZZZ-ZZZZ-ZZZZ", "location_id": counter["id"],
                                                 "amount_cents": 500})
    assert wrong.status_code == 404 and wrong.json()["error"]["code"] == "card_not_found"


def test_redeeming_catalog_items_keeps_the_lines(shop: Operator, counter: dict):
    card = shop.issue(5000)
    answer = shop.http.post("/redemptions", json={
        "card_id": card["id"], "location_id": counter["id"],
        "items": [{"sku": "LAT-12", "price_cents": 450, "quantity": 2}, {"name": "muffin", "price_cents": 325}],
    })
    assert answer.status_code == 201, answer.text
    redemption = answer.json()
    assert redemption["kind"] == "items" and redemption["amount_cents"] == 1225
    assert redemption["balance_after_cents"] == 3775
    assert [(line["name"], line["sku"], line["quantity"], line["line_total_cents"]) for line in redemption["lines"]] == [
        ("Latte", "LAT-12", 2, 900), ("Muffin", None, 1, 325)]
    assert shop.http.get(f"/redemptions/{redemption['id']}").json()["lines"] == redemption["lines"]


@pytest.mark.parametrize(
    ("fields", "status", "code", "field"),
    [
        ({"amount_cents": 0}, 422, "invalid_amount", "amount_cents"),
        ({"amount_cents": -100}, 422, "invalid_amount", "amount_cents"),
        ({"amount_cents": "100"}, 422, "invalid_amount", "amount_cents"),
        ({"amount_cents": 2**31}, 422, "amount_out_of_range", "amount_cents"),
        ({"amount_cents": 10**30}, 422, "amount_out_of_range", "amount_cents"),
        ({}, 400, "invalid_input", "amount_cents"),
        ({"amount_cents": 100, "items": [{"sku": "LAT-12", "price_cents": 450}]}, 400, "invalid_input", "amount_cents"),
        ({"items": []}, 400, "invalid_input", "items"),
        ({"items": [{"sku": "TEA-1", "price_cents": 300}]}, 400, "invalid_input", "items[0].sku"),
        ({"items": [{"sku": "LAT-12", "price_cents": 400}]}, 400, "invalid_input", "items[0].price_cents"),
        ({"items": [{"sku": "LAT-12", "price_cents": 450, "quantity": 100}]}, 400, "invalid_input", "items[0].quantity"),
        ({"items": [{"sku": "LAT-12", "price_cents": 10**30}]}, 422, "amount_out_of_range", "items.0.price_cents"),
        ({"items": [{"sku": "LAT-12", "price_cents": 450, "colour": "red"}]}, 400, "invalid_input", "items.0.colour"),
        ({"amount_cents": 100, "tip_cents": 5}, 400, "invalid_input", "tip_cents"),
        ({"amount_cents": 100, "allow_partial": "yes"}, 400, "invalid_input", "allow_partial"),
    ],
)
def test_a_redemption_with_a_wrong_request_moves_nothing(shop: Operator, counter: dict, fields, status, code, field):
    card = shop.issue(5000)
    answer = shop.http.post("/redemptions", json={"card_id": card["id"], "location_id": counter["id"], **fields})
    assert answer.status_code == status, answer.text
    assert answer.json()["error"]["code"] == code
    assert answer.json()["error"].get("field") == field
    assert balance(shop, card["id"]) == 5000


def test_items_costing_more_than_any_card_holds_are_refused_before_anything_is_written(shop: Operator):
    location = shop.add_location("Jeweller", mode="items")
    price = 2**31 - 1  # the largest price a catalog item can have
    assert shop.http.post(f"/locations/{location['id']}/items", json={"name": "Crown", "price_cents": price}).status_code == 201
    too_dear = shop.http.post(f"/locations/{location['id']}/items", json={"name": "Tiara", "price_cents": price + 1})
    assert too_dear.status_code == 422 and too_dear.json()["error"]["code"] == "amount_out_of_range"
    card = shop.issue(5000)
    answer = shop.http.post("/redemptions", json={"card_id": card["id"], "location_id": location["id"],
                                                  "items": [{"name": "Crown", "price_cents": price, "quantity": 2}]})
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"] == {"code": "amount_out_of_range", "message": "These items cost more than any card can hold.",
                                      "field": "items"}
    assert balance(shop, card["id"]) == 5000


def test_a_card_is_named_exactly_once(shop: Operator, counter: dict):
    card = shop.issue(5000)
    for naming in ({}, {"card_id": card["id"], "card_code": card["code"]}):
        answer = shop.http.post("/redemptions", json={**naming, "location_id": counter["id"], "amount_cents": 100})
        assert answer.status_code == 400 and answer.json()["error"]["field"] == "card_id"
    assert shop.http.post("/redemptions", json={"card_id": card["id"], "amount_cents": 100}).json()["error"]["field"] == \
        "location_id"


def test_a_card_never_pays_more_than_it_holds_nor_while_frozen(shop: Operator, counter: dict):
    card = shop.issue(1000)
    too_much = shop.http.post("/redemptions", json={"card_id": card["id"], "location_id": counter["id"], "amount_cents": 1001})
    assert too_much.status_code == 409 and too_much.json()["error"]["code"] == "insufficient_funds"
    shop.http.post(f"/cards/{card['id']}/freeze")
    frozen = shop.http.post("/redemptions", json={"card_id": card["id"], "location_id": counter["id"], "amount_cents": 100})
    assert frozen.status_code == 409 and frozen.json()["error"]["code"] == "card_not_active"
    assert balance(shop, card["id"]) == 1000


def test_an_inactive_location_cannot_redeem(shop: Operator):
    closed = shop.add_location("Closed Counter", active=False)
    card = shop.issue(1000)
    answer = shop.http.post("/redemptions", json={"card_id": card["id"], "location_id": closed["id"], "amount_cents": 100})
    assert answer.status_code == 403 and answer.json()["error"]["code"] == "forbidden"
    assert balance(shop, card["id"]) == 1000


def test_a_retried_redemption_moves_the_money_once(shop: Operator, counter: dict):
    card = shop.issue(5000)
    key = str(uuid.uuid4())
    body = {"card_id": card["id"], "location_id": counter["id"], "amount_cents": 1200}
    answers = [shop.http.post("/redemptions", json=body, headers={"Idempotency-Key": key}) for _ in range(3)]
    assert {answer.status_code for answer in answers} == {201}
    assert len({answer.json()["id"] for answer in answers}) == 1
    assert [answer.headers.get("idempotent-replayed") for answer in answers] == [None, "true", "true"]
    assert balance(shop, card["id"]) == 3800
    other = shop.http.post("/redemptions", json={**body, "amount_cents": 1300}, headers={"Idempotency-Key": key})
    assert other.status_code == 422 and other.json()["error"]["code"] == "idempotency_key_reused"
    assert balance(shop, card["id"]) == 3800


def test_a_failed_redemption_can_be_retried_with_the_same_key(shop: Operator, counter: dict):
    card = shop.issue(1000)
    key = str(uuid.uuid4())
    body = {"card_id": card["id"], "location_id": counter["id"], "amount_cents": 1500}
    assert shop.http.post("/redemptions", json=body, headers={"Idempotency-Key": key}).status_code == 409
    shop.http.post(f"/cards/{card['id']}/topups", json={"amount_cents": 1000})
    retried = shop.http.post("/redemptions", json=body, headers={"Idempotency-Key": key})
    assert retried.status_code == 201 and retried.json()["balance_after_cents"] == 500


def test_voiding_puts_the_money_back_once(shop: Operator, counter: dict):
    card = shop.issue(5000)
    redemption = shop.http.post("/redemptions", json={"card_id": card["id"], "location_id": counter["id"],
                                                      "amount_cents": 2000}).json()
    key = str(uuid.uuid4())
    voided = shop.http.post(f"/redemptions/{redemption['id']}/void", headers={"Idempotency-Key": key})
    assert voided.status_code == 200, voided.text
    assert voided.json()["status"] == "voided" and voided.json()["voided_at"].endswith("Z")
    assert voided.json()["id"] == redemption["id"] and voided.json()["amount_cents"] == 2000
    assert balance(shop, card["id"]) == 5000

    replayed = shop.http.post(f"/redemptions/{redemption['id']}/void", headers={"Idempotency-Key": key})
    assert replayed.status_code == 200 and replayed.json() == voided.json()
    assert replayed.headers["idempotent-replayed"] == "true"
    twice = shop.http.post(f"/redemptions/{redemption['id']}/void")
    assert twice.status_code == 409 and twice.json()["error"]["code"] == "conflict"
    assert balance(shop, card["id"]) == 5000
    ledger = shop.http.get(f"/cards/{card['id']}/transactions").json()["data"]
    assert [row["kind"] for row in ledger] == ["issue", "redeem", "void"]
    assert shop.http.get(f"/redemptions/{redemption['id']}").json()["status"] == "voided"


def test_a_redemption_of_an_earlier_day_cannot_be_voided(shop: Operator, counter: dict, on_backend_db: Backend):
    from datetime import timedelta

    from app.db import write_session
    from app.models import Redemption

    card = shop.issue(5000)
    redemption = shop.http.post("/redemptions", json={"card_id": card["id"], "location_id": counter["id"],
                                                      "amount_cents": 700}).json()
    with write_session() as session:  # as if it had been redeemed two days ago
        row = session.get(Redemption, redemption["id"])
        row.created_at -= timedelta(days=2)
        session.add(row)
    refused = shop.http.post(f"/redemptions/{redemption['id']}/void")
    assert refused.status_code == 409 and "today" in refused.json()["error"]["message"]
    assert balance(shop, card["id"]) == 4300


def test_another_operators_cards_locations_and_redemptions_answer_not_found(shop: Operator, rival: Operator, counter: dict):
    their_location = rival.add_location("Rival Counter")
    their_card = rival.issue(5000)
    their_redemption = rival.http.post("/redemptions", json={"card_id": their_card["id"], "location_id": their_location["id"],
                                                             "amount_cents": 1000}).json()
    my_card = shop.issue(5000)

    on_their_card = shop.http.post("/redemptions", json={"card_id": their_card["id"], "location_id": counter["id"],
                                                         "amount_cents": 100})
    assert on_their_card.status_code == 404 and on_their_card.json()["error"]["code"] == "card_not_found"
    by_their_code = shop.http.post("/redemptions", json={"card_code": their_card["code"], "location_id": counter["id"],
                                                         "amount_cents": 100})
    assert by_their_code.status_code == 404 and by_their_code.json()["error"]["code"] == "card_not_found"
    at_their_location = shop.http.post("/redemptions", json={"card_id": my_card["id"], "location_id": their_location["id"],
                                                             "amount_cents": 100})
    assert at_their_location.status_code == 404 and at_their_location.json()["error"]["field"] == "location_id"
    for answer in (shop.http.get(f"/redemptions/{their_redemption['id']}"),
                   shop.http.post(f"/redemptions/{their_redemption['id']}/void")):
        assert answer.status_code == 404 and answer.json()["error"] == {"code": "not_found", "message": "No such redemption."}
    assert balance(rival, their_card["id"]) == 4000 and balance(shop, my_card["id"]) == 5000
    assert rival.http.get(f"/redemptions/{their_redemption['id']}").json()["status"] == "completed"
    assert shop.http.get("/redemptions/0").status_code == 404 and shop.http.get("/redemptions/x").status_code == 404


def test_a_revoked_key_cannot_redeem(backend: Backend, on_backend_db: Backend):
    from app.services.access import api_keys

    network = backend.new_operator("Revoked Redemptions")
    location = network.add_location("Counter")
    card = network.issue(5000)
    created = api_keys.create_api_key(network.id, "Old till")
    api_keys.revoke_api_key(network.id, created.api_key.id)
    with backend.client(created.plaintext) as old_till:
        refused = old_till.post("/redemptions", json={"card_id": card["id"], "location_id": location["id"], "amount_cents": 100})
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "unauthenticated"
    assert balance(network, card["id"]) == 5000

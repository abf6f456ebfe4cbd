"""Cards through the API: what a shop sees when it issues, reads, finds, tops up and freezes cards."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlmodel import select

from tests.support.backend import Backend, Operator

CODE_FORMAT = re.compile(r"^[2-9A-HJKMNP-TV-Z]{4}(-[2-9A-HJKMNP-TV-Z]{4}){3}$")


def test_issuing_a_card_answers_its_code_once_with_its_redeem_link(shop: Operator):
    answer = shop.http.post(
        "/cards",
        json={"amount_cents": 5000, "recipient_name": "Sam", "sender_name": "Alex", "message": "Happy birthday!",
              "send_email": False},
    )
    assert answer.status_code == 201
    card = answer.json()
    assert CODE_FORMAT.match(card["code"])
    assert card["last4"] == card["code"][-4:]
    assert card["balance_cents"] == card["initial_amount_cents"] == 5000
    assert card["currency"] == "CAD" and card["status"] == "active" and card["channel"] == "api"
    assert card["redeem_url"].startswith("https://gifts.example.test/c/")
    assert card["recipient_name"] == "Sam" and card["message"] == "Happy birthday!"
    assert card["created_at"].endswith("Z")

    again = shop.http.get(f"/cards/{card['id']}")
    assert again.status_code == 200
    assert "code" not in again.json()
    assert card["code"].replace("-", "") not in again.text
    assert again.json()["redeem_url"] == card["redeem_url"]


def test_issuing_with_a_recipient_email_queues_the_email_unless_asked_not_to(shop: Operator, on_backend_db: Backend):
    from app.db import read_session
    from app.models import OutboxMessage

    emailed = shop.issue(2500, recipient_email="Sam@Example.com", recipient_name="Sam")
    quiet = shop.issue(2500, recipient_email="quiet@example.com", send_email=False)
    assert emailed["email_queued"] is True and emailed["recipient_email"] == "sam@example.com"
    assert quiet["email_queued"] is False
    with read_session() as session:
        to_sam = session.exec(select(OutboxMessage).where(OutboxMessage.card_id == emailed["id"])).all()
        to_quiet = session.exec(select(OutboxMessage).where(OutboxMessage.card_id == quiet["id"])).all()
    assert [message.to_address for message in to_sam] == ["sam@example.com"]
    assert to_quiet == []


def test_another_operators_card_answers_not_found_everywhere(shop: Operator, rival: Operator):
    theirs = rival.issue(4000)
    for answer in (
        shop.http.get(f"/cards/{theirs['id']}"),
        shop.http.get(f"/cards/{theirs['id']}/transactions"),
        shop.http.post(f"/cards/{theirs['id']}/topups", json={"amount_cents": 100}),
        shop.http.post(f"/cards/{theirs['id']}/freeze"),
        shop.http.post(f"/cards/{theirs['id']}/unfreeze"),
    ):
        assert answer.status_code == 404, answer.text
        assert answer.json()["error"]["code"] == "card_not_found"
    looked_up = shop.http.post("/cards/lookup", json={"code": theirs["code"]})
    assert looked_up.status_code == 404
    assert looked_up.json()["error"] == {"code": "card_not_found", "message": "No card matches this code.", "field": "code"}
    assert rival.http.get(f"/cards/{theirs['id']}").json()["balance_cents"] == 4000
    listed = shop.http.get("/cards", params={"limit": 100}).json()["data"]
    assert theirs["id"] not in [card["id"] for card in listed]


def test_lookup_finds_a_card_by_its_code_in_any_case_with_or_without_dashes(shop: Operator):
    card = shop.issue(3000)
    for typed in (card["code"], card["code"].lower(), card["code"].replace("-", ""), " " + card["code"].replace("-", " ") + " "):
        answer = shop.http.post("/cards/lookup", json={"code": typed})
        assert answer.status_code == 200, typed
        assert answer.json()["id"] == card["id"]
        assert "code" not in answer.json()


def test_a_wrong_code_and_a_malformed_code_get_the_same_not_found(shop: Operator):
    wrong = shop.http.post("/cards/lookup", json={"code": "ZZZZ-ZZZZ-ZZZZ-ZZZZ"})
    malformed = shop.http.post("/cards/lookup", json={"code": "hello"})
    assert wrong.status_code == malformed.status_code == 404
    assert wrong.json() == malformed.json()


def test_cards_are_listed_newest_first_filtered_and_paged_with_a_cursor(backend: Backend):
    network = backend.new_operator("Paging Network")
    issued = [network.issue(1000 + index, recipient_email=f"person{index}@example.com", send_email=False) for index in range(5)]
    network.http.post(f"/cards/{issued[1]['id']}/freeze")

    first = network.http.get("/cards", params={"limit": 2}).json()
    assert [card["id"] for card in first["data"]] == [issued[4]["id"], issued[3]["id"]]
    second = network.http.get("/cards", params={"limit": 2, "cursor": first["next_cursor"]}).json()
    third = network.http.get("/cards", params={"limit": 2, "cursor": second["next_cursor"]}).json()
    assert [card["id"] for card in second["data"]] == [issued[2]["id"], issued[1]["id"]]
    assert [card["id"] for card in third["data"]] == [issued[0]["id"]]
    assert third["next_cursor"] is None

    frozen = network.http.get("/cards", params={"status": "frozen"}).json()["data"]
    assert [card["id"] for card in frozen] == [issued[1]["id"]]
    by_email = network.http.get("/cards", params={"q": "person3@"}).json()["data"]
    assert [card["id"] for card in by_email] == [issued[3]["id"]]
    by_last4 = network.http.get("/cards", params={"q": issued[2]["last4"].lower()}).json()["data"]
    assert issued[2]["id"] in [card["id"] for card in by_last4]


def test_a_top_up_grows_the_balance_and_the_ledger_reads_oldest_first(shop: Operator):
    card = shop.issue(5000)
    topped = shop.http.post(f"/cards/{card['id']}/topups", json={"amount_cents": 2000})
    assert topped.status_code == 201
    entry = topped.json()
    assert entry["kind"] == "topup" and entry["amount_cents"] == 2000 and entry["balance_after_cents"] == 7000
    assert shop.http.get(f"/cards/{card['id']}").json()["balance_cents"] == 7000
    shop.http.post(f"/cards/{card['id']}/topups", json={"amount_cents": 500})

    ledger = shop.http.get(f"/cards/{card['id']}/transactions").json()
    assert [(row["kind"], row["amount_cents"], row["balance_after_cents"]) for row in ledger["data"]] == [
        ("issue", 5000, 5000),
        ("topup", 2000, 7000),
        ("topup", 500, 7500),
    ]
    first_page = shop.http.get(f"/cards/{card['id']}/transactions", params={"limit": 2}).json()
    rest = shop.http.get(f"/cards/{card['id']}/transactions", params={"limit": 2, "cursor": first_page["next_cursor"]}).json()
    assert [row["id"] for row in first_page["data"] + rest["data"]] == [row["id"] for row in ledger["data"]]
    assert rest["next_cursor"] is None


def test_a_frozen_card_cannot_be_topped_up_until_unfrozen(shop: Operator):
    card = shop.issue(5000)
    frozen = shop.http.post(f"/cards/{card['id']}/freeze")
    assert frozen.status_code == 200 and frozen.json()["status"] == "frozen"
    assert shop.http.post(f"/cards/{card['id']}/freeze").json()["status"] == "frozen"  # freezing twice changes nothing
    refused = shop.http.post(f"/cards/{card['id']}/topups", json={"amount_cents": 1000})
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "card_not_active"
    assert shop.http.post(f"/cards/{card['id']}/unfreeze").json()["status"] == "active"
    assert shop.http.post(f"/cards/{card['id']}/topups", json={"amount_cents": 1000}).json()["balance_after_cents"] == 6000


def test_a_card_never_holds_more_than_the_operators_maximum(shop: Operator):
    card = shop.issue(90_000)
    refused = shop.http.post(f"/cards/{card['id']}/topups", json={"amount_cents": 20_000})
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "amount_out_of_range"
    assert shop.http.get(f"/cards/{card['id']}").json()["balance_cents"] == 90_000


def test_cards_are_filtered_by_status_balance_issue_day_and_channel(backend: Backend, on_backend_db: Backend):
    from sqlalchemy import update

    from app.db import write_session
    from app.models import Card

    network = backend.new_operator("Filter Network")
    small, big, frozen, spent = (network.issue(amount, send_email=False) for amount in (1500, 9000, 6000, 2000))
    network.http.post(f"/cards/{frozen['id']}/freeze")
    with write_session() as session:  # an older card (the API cannot backdate) and one spent to zero
        session.execute(update(Card).where(Card.id == small["id"]).values(created_at=datetime(2026, 1, 15, 17, 0, tzinfo=UTC)))
        session.execute(update(Card).where(Card.id == spent["id"]).values(balance_cents=0))

    def ids(**params) -> list[int]:
        answer = network.http.get("/cards", params=params)
        assert answer.status_code == 200, answer.text
        return [card["id"] for card in answer.json()["data"]]

    assert ids(status="frozen") == [frozen["id"]]
    assert ids(status="empty") == [spent["id"]]
    assert ids(min_balance_cents=5000) == [frozen["id"], big["id"]]
    assert ids(min_balance_cents=1000, max_balance_cents=6000, status="active") == [small["id"]]
    assert ids(issued_from="2026-01-15", issued_to="2026-01-15") == [small["id"]]
    assert ids(issued_to="2026-01-14") == []
    assert ids(channel="api", min_balance_cents=9000) == [big["id"]]
    assert ids(channel="shop") == []
    # Filters keep the cursor paging.
    first = network.http.get("/cards", params={"min_balance_cents": 1, "limit": 2}).json()
    rest = network.http.get("/cards", params={"min_balance_cents": 1, "limit": 2, "cursor": first["next_cursor"]}).json()
    assert [card["id"] for card in first["data"] + rest["data"]] == [frozen["id"], big["id"], small["id"]]
    assert rest["next_cursor"] is None


def test_a_bad_filter_is_a_400_naming_the_parameter(shop: Operator, rival: Operator):
    rival.issue(4000, send_email=False)
    for params, field in (
        ({"status": "lost"}, "status"),
        ({"channel": "fax"}, "channel"),
        ({"min_balance_cents": "abc"}, "min_balance_cents"),
        ({"max_balance_cents": -5}, "max_balance_cents"),
        ({"min_balance_cents": 5000, "max_balance_cents": 1000}, "min_balance_cents"),
        ({"issued_from": "yesterday"}, "issued_from"),
        ({"issued_to": "2026-02-30"}, "issued_to"),
        ({"issued_from": "2026-03-02", "issued_to": "2026-03-01"}, "issued_from"),
        ({"issued_to": "9999-12-31"}, "issued_to"),
    ):
        answer = shop.http.get("/cards", params=params)
        assert answer.status_code == 400, (params, answer.text)
        assert answer.json()["error"]["code"] == "invalid_input"
        assert answer.json()["error"]["field"] == field, (params, answer.json())
    # The rival's card never appears, whatever the filter.
    assert shop.http.get("/cards", params={"min_balance_cents": 4000, "max_balance_cents": 4000}).json()["data"] == []

"""Money attacks over real HTTP: a card bought with the sandbox's public test card spent at a real
counter and sent to a payout, simultaneous refunds of one order line, a void that would overfill a
card, and money requests nested 20,000 levels deep. Each is refused and nothing moves."""

from __future__ import annotations

import threading
import uuid

from app.services.shop import orders
from app.services.shop.orders import CartLine
from tests.support.backend import Backend, Operator

PUBLIC_TEST_CARD = "sbx_1234_approve"  # the sandbox's approved test card, as its card form tokenizes it
BANK = {"bank_country": "CA", "institution_number": "001", "transit_number": "00011", "account_number": "1234567",
        "account_type": "checking"}


def _bought_in_sandbox(network: Operator, *amounts_cents: int) -> orders.OrderView:
    order = orders.create_order(network.id, buyer_name="Mallory", buyer_email="mallory@example.com",
                                lines=[CartLine(kind="card", amount_cents=amount) for amount in amounts_cents])
    paid = orders.pay_order(network.id, order.id, PUBLIC_TEST_CARD, f"click-{uuid.uuid4().hex[:8]}")
    assert paid.status == "paid"
    return paid


def _transactions(network: Operator, card_id: int) -> list[tuple[str, int]]:
    rows = network.http.get(f"/cards/{card_id}/transactions").json()["data"]
    return [(row["kind"], row["amount_cents"]) for row in rows]


def test_a_sandbox_card_reads_as_test_is_refused_at_a_real_location_and_never_paid_out(
        backend: Backend, on_backend_db: Backend):
    network = backend.new_operator("Sandbox Spenders")
    card_id = _bought_in_sandbox(network, 5_000).lines[0].card_id
    real = network.issue(5_000)
    shop_floor = network.add_location("Real Shop Floor", **BANK)

    assert network.http.get(f"/cards/{card_id}").json()["test"] is True
    assert network.http.get(f"/cards/{real['id']}").json()["test"] is False and real["test"] is False
    listed = {card["id"]: card["test"] for card in network.http.get("/cards").json()["data"]}
    assert listed == {card_id: True, real["id"]: False}

    refused = network.http.post("/redemptions", json={"card_id": card_id, "location_id": shop_floor["id"],
                                                      "amount_cents": 1_000})

    assert refused.status_code == 409, refused.text
    assert refused.json()["error"]["code"] == "test_card" and "test location" in refused.json()["error"]["message"]
    assert network.http.get(f"/cards/{card_id}").json()["balance_cents"] == 5_000
    assert _transactions(network, card_id) == [("issue", 5_000)]

    # At a test location it can be tried, and the payout still leaves it out.
    lab = network.add_location("Test Lab", is_test=True, **BANK)  # bank details: only the rule keeps it out
    assert lab["is_test"] is True and shop_floor["is_test"] is False
    tried = network.http.post("/redemptions", json={"card_id": card_id, "location_id": lab["id"], "amount_cents": 1_000})
    assert tried.status_code == 201, tried.text
    nothing = network.http.post("/payouts", json={"through": "2999-01-01T00:00:00Z"})
    assert nothing.status_code == 409, nothing.text  # the only redemption is a test card's: nothing is payable
    assert nothing.json()["error"]["message"].startswith("Nothing to pay")
    sold = network.http.post("/redemptions", json={"card_id": real["id"], "location_id": shop_floor["id"],
                                                   "amount_cents": 700})
    assert sold.status_code == 201
    payout = network.http.post("/payouts", json={"through": "2999-01-01T00:00:00Z"})
    assert payout.status_code == 201, payout.text
    assert [(line["location_id"], line["gross_cents"]) for line in payout.json()["lines"]] == [(shop_floor["id"], 700)]


def test_four_simultaneous_refunds_of_one_line_answer_201_or_409_never_500(backend: Backend, on_backend_db: Backend):
    network = backend.new_operator("Refund Stampede")
    order = _bought_in_sandbox(network, 5_000)
    line = order.lines[0]
    path = f"/orders/{order.id}/lines/{line.id}/refunds"
    barrier, statuses = threading.Barrier(4), [0] * 4

    def refund(index: int) -> None:
        with backend.client(network.api_key) as client:
            barrier.wait()
            statuses[index] = client.post(path, json={"amount_cents": 3_000}).status_code

    threads = [threading.Thread(target=refund, args=(index,)) for index in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(statuses).count(201) == 1 and all(status in (201, 409, 422) for status in statuses), statuses
    assert network.http.get(f"/cards/{line.card_id}").json()["balance_cents"] == 2_000
    assert _transactions(network, line.card_id) == [("issue", 5_000), ("refund", -3_000)]
    assert network.http.get(f"/orders/{order.id}").json()["refunded_cents"] == 3_000


def test_a_void_after_a_top_up_to_the_maximum_answers_422(backend: Backend, on_backend_db: Backend):
    network = backend.new_operator("Void Overfill")
    maximum = network.http.get("/settings").json()["card_max_cents"]
    card = network.issue(maximum - 1_000)
    location = network.add_location("Overfill Books")
    sale = network.http.post("/redemptions", json={"card_id": card["id"], "location_id": location["id"],
                                                   "amount_cents": 3_000}).json()
    assert network.http.post(f"/cards/{card['id']}/topups", json={"amount_cents": 4_000}).status_code == 201

    refused = network.http.post(f"/redemptions/{sale['id']}/void")

    assert refused.status_code == 422, refused.text
    assert refused.json()["error"]["code"] == "amount_out_of_range"
    assert "giving back" in refused.json()["error"]["message"]
    assert network.http.get(f"/cards/{card['id']}").json()["balance_cents"] == maximum
    assert network.http.get(f"/redemptions/{sale['id']}").json()["status"] == "completed"


def test_money_requests_nested_20000_levels_deep_answer_400_and_move_nothing(backend: Backend, on_backend_db: Backend):
    network = backend.new_operator("Deep Nesters")
    card = network.issue(5_000)
    deep = ("[" * 20_000 + "]" * 20_000).encode()
    headers = {"Content-Type": "application/json"}

    order = _bought_in_sandbox(network, 3_000)
    refunds = f"/orders/{order.id}/lines/{order.lines[0].id}/refunds"
    for path in ("/redemptions", f"/cards/{card['id']}/topups", "/payouts", refunds):
        answer = network.http.post(path, content=b'{"amount_cents": ' + deep + b', "card_id": 1}', headers=headers)
        assert answer.status_code == 400, (path, answer.status_code, answer.text[:200])
        assert answer.json()["error"]["code"] == "invalid_input"

    assert network.http.get(f"/cards/{card['id']}").json()["balance_cents"] == 5_000
    assert _transactions(network, card["id"]) == [("issue", 5_000)]
    assert network.http.get(f"/orders/{order.id}").json()["refunded_cents"] == 0
    assert _transactions(network, order.lines[0].card_id) == [("issue", 3_000)]

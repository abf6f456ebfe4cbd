"""/api/v1/orders over real HTTP: the shop's orders, read and listed a page at a time, and
line refunds that take the value off the card once, however often they are retried."""

from __future__ import annotations

import uuid

from app.services.shop import orders
from app.services.shop.orders import CartLine
from tests.support.backend import Backend, Operator

APPROVED = "sbx_1234_approve"  # the sandbox gateway's approved test card, as the browser tokenizes it


def paid_order(operator: Operator, *amounts_cents: int, buyer_email: str = "ada@example.com") -> orders.OrderView:
    order = orders.create_order(operator.id, buyer_name="Ada Buyer", buyer_email=buyer_email,
                                lines=[CartLine(kind="card", amount_cents=amount) for amount in amounts_cents])
    return orders.pay_order(operator.id, order.id, APPROVED, f"click-{uuid.uuid4().hex[:8]}")


def test_an_order_reads_with_its_lines_and_cards(backend: Backend, on_backend_db: Backend):
    network = backend.new_operator("Order Readers")
    order = paid_order(network, 5000, 2500)

    answer = network.http.get(f"/orders/{order.id}")

    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["number"], body["status"], body["total_cents"], body["refunded_cents"]) == (order.number, "paid", 7500, 0)
    assert [(line["amount_cents"], line["refundable_cents"]) for line in body["lines"]] == [(5000, 5000), (2500, 2500)]
    card = network.http.get(f"/cards/{body['lines'][0]['card_id']}").json()
    assert (card["balance_cents"], card["last4"]) == (5000, body["lines"][0]["card_last4"])


def test_orders_list_newest_first_a_page_at_a_time_and_by_status(backend: Backend, on_backend_db: Backend):
    network = backend.new_operator("Order Listers")
    made = [paid_order(network, 1000 + n * 100) for n in range(5)]
    pending = orders.create_order(network.id, buyer_name="Bo", buyer_email="bo@example.com",
                                  lines=[CartLine(kind="card", amount_cents=900)])

    seen, cursor = [], None
    while True:
        page = network.http.get("/orders", params={"limit": 2, **({"cursor": cursor} if cursor else {})}).json()
        seen += [order["id"] for order in page["data"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [pending.id] + [order.id for order in reversed(made)]
    only_paid = network.http.get("/orders", params={"status": "paid", "limit": 100}).json()["data"]
    assert [order["id"] for order in only_paid] == [order.id for order in reversed(made)]
    bad = network.http.get("/orders", params={"status": "lost"})
    assert bad.status_code in (400, 422) and bad.json()["error"]["field"] == "status"


def test_a_line_refund_takes_the_value_off_the_card_once_even_when_retried(backend: Backend, on_backend_db: Backend):
    network = backend.new_operator("Order Refunders")
    order = paid_order(network, 5000)
    line = order.lines[0]
    path = f"/orders/{order.id}/lines/{line.id}/refunds"
    headers = {"Idempotency-Key": "refund-" + uuid.uuid4().hex}

    first = network.http.post(path, json={"amount_cents": 1500}, headers=headers)
    again = network.http.post(path, json={"amount_cents": 1500}, headers=headers)

    assert first.status_code == 201, first.text
    assert again.status_code == 201 and again.headers.get("Idempotent-Replayed") == "true"
    assert (first.json()["refunded_cents"], first.json()["lines"][0]["refundable_cents"]) == (1500, 3500)
    assert network.http.get(f"/cards/{line.card_id}").json()["balance_cents"] == 3500
    too_much = network.http.post(path, json={"amount_cents": 3501})
    assert too_much.status_code == 422 and "At most $35.00" in too_much.json()["error"]["message"]
    rest = network.http.post(path, json={})
    assert rest.status_code == 201 and rest.json()["status"] == "refunded"
    assert network.http.get(f"/cards/{line.card_id}").json()["balance_cents"] == 0
    kinds = [entry["kind"] for entry in network.http.get(f"/cards/{line.card_id}/transactions").json()["data"]]
    assert kinds == ["issue", "refund", "refund"]


def test_an_unpaid_order_cannot_be_refunded_and_bad_amounts_name_the_field(backend: Backend, on_backend_db: Backend):
    network = backend.new_operator("Order Refusals")
    pending = orders.create_order(network.id, buyer_name="Bo", buyer_email="bo@example.com",
                                  lines=[CartLine(kind="card", amount_cents=900)])
    refused = network.http.post(f"/orders/{pending.id}/lines/{pending.lines[0].id}/refunds", json={})
    assert refused.status_code == 409 and refused.json()["error"]["message"] == "Only a paid order can be refunded."
    order = paid_order(network, 2000)
    for body in ({"amount_cents": "ten"}, {"amount_cents": 0}, {"amount": 5}):
        answer = network.http.post(f"/orders/{order.id}/lines/{order.lines[0].id}/refunds", json=body)
        assert 400 <= answer.status_code < 500 and answer.status_code != 404, (body, answer.text)
        assert answer.json()["error"]["field"] in ("amount_cents", "amount"), answer.text


def test_another_operators_orders_are_not_found(backend: Backend, on_backend_db: Backend):
    mine, theirs = backend.new_operator("Order Mine"), backend.new_operator("Order Theirs")
    their_order = paid_order(theirs, 3000)

    assert mine.http.get(f"/orders/{their_order.id}").status_code == 404
    assert their_order.id not in [order["id"] for order in mine.http.get("/orders").json()["data"]]
    refund = mine.http.post(f"/orders/{their_order.id}/lines/{their_order.lines[0].id}/refunds", json={})
    assert refund.status_code == 404
    assert theirs.http.get(f"/cards/{their_order.lines[0].card_id}").json()["balance_cents"] == 3000

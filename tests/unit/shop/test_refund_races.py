"""Refunds of one order line race each other as an attacker (or a double-clicking clerk) would
make them: simultaneous partial refunds on SQLite and PostgreSQL. Exactly the refunds that
fit succeed; the others are told a concurrent refund won (409), never a 500; the card, the
line, the order and the ledger agree afterwards."""

from __future__ import annotations

import threading
import uuid

import pytest
from sqlmodel import select

from app.db import read_session
from app.models import Card, LedgerEntry, Order, OrderLine
from app.services.core.errors import HTTP_STATUS, ErrorCode, GiftnetError
from app.services.money import ledger
from app.services.shop import orders
from app.services.shop.orders import CartLine

APPROVED = "sbx_1234_approve"


def _paid_line(owner, amount_cents: int):
    order = orders.create_order(owner.operator.id, buyer_name="Ada Buyer", buyer_email="ada@example.com",
                                lines=[CartLine(kind="card", amount_cents=amount_cents)])
    paid = orders.pay_order(owner.operator.id, order.id, APPROVED, f"click-{uuid.uuid4().hex[:8]}")
    assert paid.status == "paid"
    return paid, paid.lines[0]


def _race(owner, order_id: int, line_id: int, amounts: list[int]) -> list[object]:
    """Each amount refunded by its own thread, all released at once; each answer or its refusal."""
    barrier, outcomes = threading.Barrier(len(amounts)), [None] * len(amounts)

    def refund(index: int, amount: int) -> None:
        barrier.wait()
        try:
            outcomes[index] = orders.refund_line(owner.actor, order_id, line_id, amount)
        except GiftnetError as refusal:
            outcomes[index] = refusal
        except Exception as crash:  # noqa: BLE001 - a crash is what this test must never see
            outcomes[index] = crash

    threads = [threading.Thread(target=refund, args=(index, amount)) for index, amount in enumerate(amounts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def _stored(order_id: int, line_id: int, card_id: int) -> tuple[int, int, int, list[int]]:
    with read_session() as session:
        line = session.get(OrderLine, line_id)
        order = session.get(Order, order_id)
        card = session.get(Card, card_id)
        refunds = [entry.amount_cents for entry in session.exec(
            select(LedgerEntry).where(LedgerEntry.card_id == card_id, LedgerEntry.kind == "refund"))]
        return line.refunded_cents, order.refunded_cents, card.balance_cents, refunds


def test_four_simultaneous_partial_refunds_that_cannot_all_fit_give_one_success_and_409s(make_operator):
    owner = make_operator("Refund Racers")
    order, line = _paid_line(owner, 5_000)

    outcomes = _race(owner, order.id, line.id, [3_000] * 4)

    crashes = [outcome for outcome in outcomes if not isinstance(outcome, (GiftnetError, orders.OrderView))]
    assert crashes == []
    won = [outcome for outcome in outcomes if isinstance(outcome, orders.OrderView)]
    lost = [outcome for outcome in outcomes if isinstance(outcome, GiftnetError)]
    assert len(won) == 1 and len(lost) == 3
    # The loser that waited on the winner's row is told a concurrent refund won (409); one that
    # started after the winner committed sees the smaller refundable amount (422 naming it).
    for refusal in lost:
        assert refusal.code in (ErrorCode.conflict, ErrorCode.amount_out_of_range), refusal
        assert HTTP_STATUS[refusal.code] in (409, 422)
        assert "refund" in refusal.message
    assert _stored(order.id, line.id, line.card_id) == (3_000, 3_000, 2_000, [-3_000])
    assert ledger.check_ledger(owner.operator.id) == []


def test_four_simultaneous_refunds_that_fit_all_succeed(make_operator):
    owner = make_operator("Refund Fitters")
    order, line = _paid_line(owner, 5_000)

    outcomes = _race(owner, order.id, line.id, [1_000] * 4)

    assert all(isinstance(outcome, orders.OrderView) for outcome in outcomes), outcomes
    assert _stored(order.id, line.id, line.card_id) == (4_000, 4_000, 1_000, [-1_000] * 4)
    assert orders.order_view(owner.operator.id, order.id).lines[0].refundable_cents == 1_000
    assert ledger.check_ledger(owner.operator.id) == []


@pytest.mark.parametrize("amounts", [[2_000, 2_000, 2_000, 2_000], [5_000, 1, 2_500, 4_999]])
def test_simultaneous_refunds_never_refund_more_than_the_line(make_operator, amounts):
    owner = make_operator("Refund Mixers")
    order, line = _paid_line(owner, 5_000)

    outcomes = _race(owner, order.id, line.id, amounts)

    assert all(isinstance(outcome, (GiftnetError, orders.OrderView)) for outcome in outcomes), outcomes
    refunded = sum(amount for amount, outcome in zip(amounts, outcomes, strict=True)
                   if isinstance(outcome, orders.OrderView))
    assert 0 < refunded <= 5_000
    line_refunded, order_refunded, balance, refunds = _stored(order.id, line.id, line.card_id)
    assert line_refunded == order_refunded == refunded == -sum(refunds)
    assert balance == 5_000 - refunded
    assert ledger.check_ledger(owner.operator.id) == []


def test_a_refund_after_an_undone_refund_at_the_same_total_is_not_a_duplicate(make_operator, monkeypatch):
    """The gateway refuses one refund (its value goes back); the next refund of the same amount
    must not collide with the first one's ledger key."""
    from app.integrations.payments import RefundResult
    from app.integrations.sandbox import SandboxGateway

    owner = make_operator("Refund Retriers")
    order, line = _paid_line(owner, 5_000)
    real_refund = SandboxGateway.refund
    monkeypatch.setattr(SandboxGateway, "refund", lambda self, reference, amount_cents, order_number="":
                        RefundResult(ok=False, message="The bank is closed."))
    with pytest.raises(GiftnetError) as refused:
        orders.refund_line(owner.actor, order.id, line.id, 1_000)
    assert refused.value.code == ErrorCode.conflict and "The bank is closed." in refused.value.message
    assert _stored(order.id, line.id, line.card_id)[:3] == (0, 0, 5_000)
    monkeypatch.setattr(SandboxGateway, "refund", real_refund)

    again = orders.refund_line(owner.actor, order.id, line.id, 1_000)

    assert again.refunded_cents == 1_000
    assert _stored(order.id, line.id, line.card_id) == (1_000, 1_000, 4_000, [-1_000, -1_000])
    assert ledger.check_ledger(owner.operator.id) == []

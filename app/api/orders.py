"""/api/v1/orders: the shop's orders (read, list) and refunds of their lines.

Orders are created by shoppers in the shop and its widget, not through this API; an
operator's back office reads them here and refunds a line when a buyer asks.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from app.api.auth import ApiCaller, api_caller
from app.api.errors import error_responses
from app.api.idempotent import IdempotentCall, idempotent_call
from app.api.params import id_in_path, next_page, page_cursor, page_size
from app.api.schemas import StrictRequest, answer_from, parse_cursor
from app.models.order import ORDER_STATUSES
from app.services.shop import orders
from app.services.shop.orders import OrderView

router = APIRouter(prefix="/orders", tags=["orders"])
OrderId = id_in_path("The order's id.", 7)
LineId = id_in_path("The order line's id.", 12)


class OrderLineAnswer(BaseModel):
    id: int
    kind: Literal["card", "topup"]
    amount_cents: int
    recipient: str = Field(description="`the buyer`, `Name <email>` or `card top-up`.")
    card_id: int | None = Field(description="The card issued or topped up, once the order is paid.")
    card_last4: str | None
    refunded_cents: int
    refundable_cents: int = Field(description="What can still be refunded: at most the value left on the card.")


class OrderAnswer(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": 7, "number": "GN-8K2P4QX7", "status": "paid", "buyer_name": "Ada", "buyer_email": "ada@example.com",
        "total_cents": 5000, "currency": "CAD", "gateway": "bambora", "gateway_reference": "10000123",
        "gateway_message": "Approved", "refunded_cents": 0, "created_at": "2026-11-28T15:00:00Z",
        "paid_at": "2026-11-28T15:00:03Z", "lines": [{"id": 12, "kind": "card", "amount_cents": 5000,
        "recipient": "the buyer", "card_id": 42, "card_last4": "QRST", "refunded_cents": 0,
        "refundable_cents": 5000}]}]})

    id: int
    number: str
    status: Literal[ORDER_STATUSES]  # type: ignore[valid-type]
    buyer_name: str
    buyer_email: str
    total_cents: int
    currency: str
    gateway: str
    gateway_reference: str | None
    gateway_message: str | None
    refunded_cents: int
    created_at: datetime
    paid_at: datetime | None
    lines: list[OrderLineAnswer]


class OrderList(BaseModel):
    data: list[OrderAnswer]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page.")


class RefundRequest(StrictRequest):
    model_config = ConfigDict(json_schema_extra={"examples": [{"amount_cents": 1500}, {}]})

    amount_cents: int | None = Field(default=None, json_schema_extra={"minimum": 1},
                                     description="Omit to refund all that is refundable on this line.")


def order_answer(order: OrderView) -> OrderAnswer:
    return answer_from(OrderAnswer, order, lines=[answer_from(OrderLineAnswer, line) for line in order.lines])


@router.get("", operation_id="list_orders", response_model=OrderList, summary="List shop orders",
            description="Newest first, a page at a time; `status` keeps orders in that state only.",
            responses=error_responses(400))
def list_orders(
    caller: ApiCaller = Depends(api_caller),
    status: Literal[ORDER_STATUSES] | None = Query(default=None, description="Only orders in this state."),  # type: ignore[valid-type]
    limit: int = page_size(25),
    cursor: str | None = page_cursor(),
) -> OrderList:
    rows = orders.list_orders(caller.operator_id, status=status, limit=limit + 1, before_id=parse_cursor(cursor))
    page, next_cursor = next_page(rows, limit)
    return OrderList(data=[order_answer(order) for order in page], next_cursor=next_cursor)


@router.get("/{order_id}", operation_id="get_order", response_model=OrderAnswer, summary="Read an order",
            responses=error_responses(404))
def get_order(order_id: int = OrderId, caller: ApiCaller = Depends(api_caller)) -> OrderAnswer:
    return order_answer(orders.order_view(caller.operator_id, order_id))


@router.post(
    "/{order_id}/lines/{line_id}/refunds",
    operation_id="refund_order_line",
    status_code=201,
    response_model=OrderAnswer,
    summary="Refund (part of) an order line",
    description="Takes the value off the line's card first, then the payment service gives the money back; "
    "at most what is still on the card. If the payment service refuses, the value goes back on the card and "
    "the answer is 409 with its message. Answers the order as it is after the refund.",
    responses=error_responses(400, 404, 409, 422, examples={
        409: [("conflict", "Only a paid order can be refunded.")],
        422: [("amount_out_of_range", "At most $15.00 of this line can be refunded: the value still on the card.")],
    }),
)
def refund_order_line(
    body: RefundRequest,
    order_id: int = OrderId,
    line_id: int = LineId,
    call: IdempotentCall = Depends(idempotent_call),
) -> Response:
    def work(_ledger_key: str | None) -> tuple[int, OrderAnswer]:
        return 201, order_answer(orders.refund_line(call.caller.actor, order_id, line_id, body.amount_cents))

    return call.answer(body, work)

"""Request and answer bodies of redemptions and POS payments (including Square's webhook).

Same rules as `schemas.py`: strict requests, answers built by the `*_answer` functions.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from app.api.location_schemas import MAX_CENTS
from app.api.schemas import MAX_ID, StrictRequest, answer_from
from app.models import PosPayment, RedemptionLine
from app.services.counter.redemptions import LineRequest, RedemptionResult
from app.services.counter.square_pos import SquareOutcome

LINE_EXAMPLE = {"name": "Latte", "sku": "LAT-12", "unit_price_cents": 450, "quantity": 2, "line_total_cents": 900}
REDEMPTION_EXAMPLE = {
    "id": 88,
    "card_id": 42,
    "card_last4": "PQRS",
    "location_id": 7,
    "device_code": None,
    "kind": "items",
    "status": "completed",
    "amount_cents": 900,
    "balance_after_cents": 4100,
    "remaining_due_cents": 0,
    "pos_payment_id": None,
    "lines": [LINE_EXAMPLE],
    "created_at": "2026-11-28T16:05:00Z",
    "voided_at": None,
}
PAYMENT_EXAMPLE = {
    "id": 501,
    "location_id": 7,
    "status": "pending",
    "amount_cents": 2350,
    "reference": "ORDER-1042",
    "terminal_id": "T2",
    "source": "api",
    "tip_cents": 0,
    "currency": "CAD",
    "applied_amount_cents": None,
    "redemption_id": None,
    "created_at": "2026-11-28T16:00:00Z",
    "expires_at": "2026-11-28T16:15:00Z",
    "applied_at": None,
}
SQUARE_EVENT_EXAMPLE = {
    "merchant_id": "ML8M1AQ1GQG2K",
    "type": "payment.created",
    "event_id": "13b867cf-db3d-4b1c-90b6-2f32a9d78124",
    "created_at": "2026-11-28T16:00:00Z",
    "data": {
        "type": "payment",
        "id": "KkAkhdMsgzn59SM8A89WgKwekxLZY",
        "object": {
            "payment": {
                "id": "KkAkhdMsgzn59SM8A89WgKwekxLZY",
                "amount_money": {"amount": 2000, "currency": "CAD"},
                "tip_money": {"amount": 350, "currency": "CAD"},
                "total_money": {"amount": 2350, "currency": "CAD"},
                "source_type": "EXTERNAL",
                "external_details": {"type": "OTHER_GIFT_CARD", "source": "Giftnet"},
                "reference_id": "ORDER-1042",
                "status": "COMPLETED",
            }
        },
    },
}

class RedemptionLineRequest(StrictRequest):
    sku: str | None = Field(default=None, max_length=64, description="The catalog item's SKU (or give its `name`).")
    name: str | None = Field(default=None, max_length=120)
    price_cents: int = Field(le=MAX_CENTS, json_schema_extra={"minimum": 1}, description="The unit price, as in the catalog.")
    quantity: int = Field(default=1, json_schema_extra={"minimum": 1, "maximum": 99})


class RedeemRequest(StrictRequest):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"card_code": "ABCD-EFGH-JKMN-PQRS", "location_id": 7, "amount_cents": 1500},
                {"card_id": 42, "location_id": 7, "items": [{"sku": "LAT-12", "price_cents": 450, "quantity": 2}]},
                {"card_id": 42, "location_id": 7, "pos_payment_id": 501, "allow_partial": True},
            ]
        }
    )

    card_id: int | None = Field(default=None, ge=1, le=MAX_ID, description="The card, by id (or give `card_code`).")
    card_code: str | None = Field(default=None, max_length=64, description="The card's code, any case, with or without dashes.")
    location_id: int = Field(ge=1, le=MAX_ID, description="Where the card is redeemed (an active location of yours).")
    amount_cents: int | None = Field(default=None, le=MAX_CENTS, json_schema_extra={"minimum": 1},
                                     description="A plain amount. Give exactly one of `amount_cents`, `items`, `pos_payment_id`.")
    items: list[RedemptionLineRequest] | None = Field(
        default=None, description="Items of the location's catalog (by SKU or name, at their stored price); at most 50 lines."
    )
    pos_payment_id: int | None = Field(default=None, ge=1, le=MAX_ID,
                                       description="A pending payment the location's POS pushed: the card pays it.")
    allow_partial: bool = Field(
        default=False,
        description="With `pos_payment_id`: when the balance is smaller than the payment, take the whole balance "
        "(`remaining_due_cents` says what the customer still owes) instead of refusing with `insufficient_funds`.",
    )

    def line_requests(self) -> list[LineRequest] | None:
        if self.items is None:
            return None
        return [LineRequest(price_cents=line.price_cents, quantity=line.quantity, sku=line.sku, name=line.name)
                for line in self.items]


class RedemptionLineAnswer(BaseModel):
    name: str
    sku: str | None
    unit_price_cents: int
    quantity: int
    line_total_cents: int


class RedemptionAnswer(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [REDEMPTION_EXAMPLE]})

    id: int
    card_id: int
    card_last4: str
    location_id: int
    device_code: str | None = Field(description="The device that redeemed; null through the API.")
    kind: Literal["amount", "items", "pos"]
    status: Literal["completed", "voided"]
    amount_cents: int = Field(description="Taken off the card.")
    balance_after_cents: int = Field(description="The card's balance right after this redemption.")
    remaining_due_cents: int = Field(description="A partial POS payment: what the customer still owes. Otherwise 0.")
    pos_payment_id: int | None
    lines: list[RedemptionLineAnswer] = Field(description="The items redeemed (empty for an amount or a POS payment).")
    created_at: datetime
    voided_at: datetime | None


class PushPaymentRequest(StrictRequest):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"amount_cents": 2350, "reference": "ORDER-1042", "terminal_id": "T2"}]}
    )

    amount_cents: int = Field(le=MAX_CENTS, json_schema_extra={"minimum": 1}, description="What the POS charged to the gift card.")
    reference: str = Field(max_length=120, description="The POS's own reference (order or receipt number), shown on screen.")
    terminal_id: str | None = Field(default=None, max_length=64)


class PosPaymentAnswer(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [PAYMENT_EXAMPLE]})

    id: int
    location_id: int
    status: Literal["pending", "applied", "expired", "cancelled"]
    amount_cents: int
    reference: str
    terminal_id: str | None
    source: Literal["api", "square", "clover", "shopify"]
    tip_cents: int = Field(description="Of amount_cents, the tip the POS reported (0 for a push).")
    currency: str | None = Field(description="The payment's currency: always the network's.")
    applied_amount_cents: int | None = Field(description="Once applied: what the card paid (less than the amount when partial).")
    redemption_id: int | None = Field(description="Once applied: the redemption.")
    created_at: datetime
    expires_at: datetime = Field(description="Unclaimed until then, the payment expires.")
    applied_at: datetime | None


class SquareAnswer(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"accepted": True, "reason": "created", "pos_payment_id": 501}]}
    )

    accepted: bool = Field(description="Whether the event was taken into account (it is, or changed, a POS payment).")
    reason: Literal["created", "duplicate", "cancelled", "withdrawn", "refund_owed", "refund_waiting",
                    "refund_not_owed", "other_currency", "not_completed", "ignored_event", "ignored_tender"] = Field(
        description="`created`: a new pending POS payment of the payment's `total_money` (tip included); "
        "`duplicate`: this Square payment (or refund) was received before (a redelivery, or another event of the "
        "same payment) and nothing changed; `cancelled`: Square cancelled the payment, it no longer waits on the "
        "screens (also when the cancel arrives before the payment); `withdrawn`: refunded before a screen applied "
        "it, taken off the screens (or lowered for a part refund); `refund_owed`: refunded or cancelled after a "
        "screen applied it: the counter gives the money back to the card; `refund_waiting`: a refund that arrived "
        "before its payment, deducted when the payment arrives; `refund_not_owed`: nothing left to give back; "
        "`other_currency`: not in the network's currency, refused (written in the location's POS log); "
        "`not_completed`: not captured yet; `ignored_*`: not a payment or refund event of the location's "
        "gift-card tender."
    )
    pos_payment_id: int | None


def _line_answer(line: RedemptionLine) -> RedemptionLineAnswer:
    return answer_from(RedemptionLineAnswer, line)


def redemption_answer(result: RedemptionResult) -> RedemptionAnswer:
    redemption = result.redemption
    return answer_from(
        RedemptionAnswer,
        redemption,
        card_last4=result.last4,
        device_code=result.device_code,
        remaining_due_cents=result.remaining_due_cents,
        lines=[_line_answer(line) for line in result.lines],
    )


def pos_payment_answer(payment: PosPayment) -> PosPaymentAnswer:
    return answer_from(PosPaymentAnswer, payment)


def square_answer(outcome: SquareOutcome) -> SquareAnswer:
    return SquareAnswer(
        accepted=outcome.accepted,
        reason=outcome.reason,
        pos_payment_id=outcome.payment.id if outcome.payment is not None else None,
    )

"""Shop orders: what a shopper bought (cards and top-ups) and how the payment went.

An order moves `pending -> charging -> paid | declined | error`; a refund later makes
it `refunded` (all of it) or leaves it `paid` with `refunded_cents` > 0. Only the
service in `app.services.shop.orders` writes these rows; the status change that starts a
charge is one conditional UPDATE, so one order is charged at most once at a time.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.models.base import utcnow


class OrderStatus(StrEnum):
    """`Order.status` (the moves are in the module docstring)."""

    pending = "pending"
    charging = "charging"
    paid = "paid"
    declined = "declined"
    error = "error"
    refunded = "refunded"


class OrderLineKind(StrEnum):
    """`OrderLine.kind`: a new card, or a top-up of an existing one."""

    card = "card"
    topup = "topup"


# The stored values as plain strings (API schemas).
ORDER_STATUSES = tuple(status.value for status in OrderStatus)
ORDER_LINE_KINDS = tuple(kind.value for kind in OrderLineKind)
GATEWAYS = ("sandbox", "bambora", "forte")


class Order(SQLModel, table=True):
    __tablename__ = "shop_order"  # "order" is an SQL keyword
    __table_args__ = (
        UniqueConstraint("operator_id", "number", name="uq_shop_order_operator_number"),
        Index("ix_shop_order_operator", "operator_id", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    operator_id: int = Field(foreign_key="operator.id")
    number: str = Field(max_length=24)  # shown to the shopper, sent to the gateway
    buyer_name: str = Field(max_length=120)
    buyer_email: str = Field(max_length=254)
    status: str = Field(default=OrderStatus.pending, max_length=12)
    total_cents: int
    currency: str = Field(max_length=3)
    gateway: str = Field(max_length=12)  # sandbox | bambora | forte, chosen when the order was made
    # Each charge attempt has its own order number at the gateway (`<number>-<attempt>`),
    # so that a look-up after a timeout finds that attempt and not an earlier decline.
    attempt_count: int = 0
    attempt_key: str | None = Field(default=None, max_length=64)  # the click that started the current attempt
    gateway_order_number: str | None = Field(default=None, max_length=32)
    gateway_reference: str | None = Field(default=None, max_length=64)
    gateway_message: str | None = Field(default=None, max_length=255)
    refunded_cents: int = 0
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    charging_started_at: datetime | None = None
    paid_at: datetime | None = None
    # The gateway's card form failed to load in the shopper's browser (the Orders screen says so).
    card_form_failed_at: datetime | None = None
    card_form_error: str | None = Field(default=None, max_length=255)
    # The shopper's language (en / fr, as the shop was shown): the order's cards write their emails in it.
    language: str = Field(default="en", max_length=2, sa_column_kwargs={"server_default": "en"})


class OrderLine(SQLModel, table=True):
    """One card bought (for the buyer or someone else) or one top-up of an existing card."""

    __tablename__ = "shop_order_line"
    __table_args__ = (Index("ix_shop_order_line_order", "order_id", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="shop_order.id")
    operator_id: int = Field(foreign_key="operator.id")
    position: int
    kind: str = Field(max_length=8)  # OrderLineKind
    amount_cents: int
    for_self: bool = True
    recipient_name: str | None = Field(default=None, max_length=120)
    recipient_email: str | None = Field(default=None, max_length=254)
    message: str | None = Field(default=None, max_length=1000)
    delivery_date: date | None = None
    target_card_id: int | None = Field(default=None, foreign_key="card.id")  # a top-up's card
    issued_card_id: int | None = Field(default=None, foreign_key="card.id")  # a card line's card, once paid
    refunded_cents: int = 0

"""Redemptions (value taken off a card at a location), their item lines, and the
payments a location's POS pushes for a device to SELECT."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from app.models.base import utcnow


class RedemptionKind(StrEnum):
    """`Redemption.kind`: what the counter redeemed."""

    amount = "amount"
    items = "items"
    pos = "pos"


class RedemptionStatus(StrEnum):
    """`Redemption.status`: a void keeps the redemption and marks it."""

    completed = "completed"
    voided = "voided"


class PosPaymentStatus(StrEnum):
    """`PosPayment.status`: `pending` until a screen applies it, the POS cancels it or it expires."""

    pending = "pending"
    applied = "applied"
    expired = "expired"
    cancelled = "cancelled"


class PosPaymentSource(StrEnum):
    """`PosPayment.source`: our own `POST /pos/payments`, or a POS partner's webhooks."""

    api = "api"
    square = "square"
    clover = "clover"
    shopify = "shopify"
    # "Send a test payment" in a location's POS setup guide: shown on its counters, marked
    # TEST, never applicable to a card (app/services/counter/test_payments.py).
    test = "test"


# The stored values as plain strings (API schemas, messages).
REDEMPTION_KINDS = tuple(kind.value for kind in RedemptionKind)
POS_PAYMENT_STATUSES = tuple(status.value for status in PosPaymentStatus)


class Redemption(SQLModel, table=True):
    __table_args__ = (
        Index("ix_redemption_operator_created", "operator_id", "created_at"),
        Index("ix_redemption_location_created", "location_id", "created_at"),
        Index("ix_redemption_card", "card_id"),
        # What a location is owed now: its unpaid redemptions only, not its whole history.
        Index("ix_redemption_location_unpaid", "location_id", "created_at", "amount_cents",
              sqlite_where=text("payout_batch_id IS NULL AND status = 'completed'"),
              postgresql_where=text("payout_batch_id IS NULL AND status = 'completed'")),
    )

    id: int | None = Field(default=None, primary_key=True)
    operator_id: int = Field(foreign_key="operator.id")
    card_id: int = Field(foreign_key="card.id")
    location_id: int = Field(foreign_key="location.id")
    device_id: int | None = Field(default=None, foreign_key="device.id")
    api_key_id: int | None = Field(default=None, foreign_key="api_key.id")
    kind: str = Field(max_length=8)  # RedemptionKind
    amount_cents: int
    balance_after_cents: int
    pos_payment_id: int | None = Field(default=None, foreign_key="pos_payment.id")
    status: str = Field(default=RedemptionStatus.completed, max_length=12)
    created_at: datetime = Field(default_factory=utcnow)
    voided_at: datetime | None = None
    voided_by_device_id: int | None = Field(default=None, foreign_key="device.id")
    voided_by_user_id: int | None = Field(default=None, foreign_key="user.id")
    # The payout batch that pays the location for this redemption (at most one live batch).
    payout_batch_id: int | None = Field(default=None, foreign_key="payout_batch.id", index=True)


class RedemptionLine(SQLModel, table=True):
    __tablename__ = "redemption_line"

    id: int | None = Field(default=None, primary_key=True)
    redemption_id: int = Field(foreign_key="redemption.id", index=True)
    item_id: int | None = Field(default=None, foreign_key="item.id")
    name: str = Field(max_length=120)
    sku: str | None = Field(default=None, max_length=64)
    unit_price_cents: int
    quantity: int
    line_total_cents: int


class PosPayment(SQLModel, table=True):
    """A payment the location's POS took with the gift card tender, waiting for SELECT."""

    __tablename__ = "pos_payment"
    __table_args__ = (
        Index("ix_pos_payment_location_status", "location_id", "status", "id"),
        UniqueConstraint("location_id", "source", "external_id", name="uq_pos_payment_external"),
        Index("ix_pos_payment_due", "status", "expires_at"),
        Index("ix_pos_payment_operator", "operator_id", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    operator_id: int = Field(foreign_key="operator.id")
    location_id: int = Field(foreign_key="location.id")
    pos_key_id: int | None = Field(default=None, foreign_key="pos_key.id")
    source: str = Field(default=PosPaymentSource.api, max_length=12)
    external_id: str | None = Field(default=None, max_length=128)  # Square event_id, or the POS idempotency key
    amount_cents: int  # what the card is asked for: the POS's total, tip included
    tip_cents: int = 0  # of amount_cents, the tip (as the partner reported it)
    currency: str | None = Field(default=None, max_length=3)  # the operator's (others are refused)
    reference: str = Field(max_length=120)
    terminal_id: str | None = Field(default=None, max_length=64)
    status: str = Field(default=PosPaymentStatus.pending, max_length=12)
    applied_amount_cents: int | None = None
    redemption_id: int | None = None
    applied_by_device_id: int | None = Field(default=None, foreign_key="device.id")
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    applied_at: datetime | None = None

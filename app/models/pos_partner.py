"""What a location's POS partners (Clover, Shopify POS) need from us, what they told us
(the POS log), and the refunds a partner made of payments already applied to a card.

Square's settings stay on `Location` (square_* columns), where they were first kept.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.models.base import utcnow


class PosPartner(StrEnum):
    """The POS systems whose webhooks turn gift-card payments into POS payments."""

    square = "square"
    clover = "clover"
    shopify = "shopify"


POS_PARTNERS = tuple(partner.value for partner in PosPartner)


class PosPartnerAccount(SQLModel, table=True):
    """A location's Clover or Shopify POS connection. Each column means, per partner:

    - `account_id`: Clover's merchant id; Shopify's shop domain (name.myshopify.com);
    - `secret_encrypted`: Clover's merchant API token (we read payments with it);
      Shopify's webhook signing secret;
    - `auth_code_encrypted`: Clover's "Clover Auth Code" (its `X-Clover-Auth` header);
    - `tender_name`: Clover's tender label; Shopify's payment method name;
    - `base_url`: Clover's REST API address;
    - `verification_code`: the code Clover's first POST carried, for the operator to paste in Clover.
    """

    __tablename__ = "pos_partner_account"
    __table_args__ = (UniqueConstraint("location_id", "partner", name="uq_pos_partner_account_location"),)

    id: int | None = Field(default=None, primary_key=True)
    operator_id: int = Field(foreign_key="operator.id", index=True)
    location_id: int = Field(foreign_key="location.id")
    partner: str = Field(max_length=12)  # PosPartner: clover | shopify
    account_id: str = Field(max_length=255)
    secret_encrypted: str = Field(max_length=500)
    auth_code_encrypted: str | None = Field(default=None, max_length=500)
    tender_name: str = Field(max_length=120)
    base_url: str | None = Field(default=None, max_length=500)
    verification_code: str | None = Field(default=None, max_length=120)
    verification_code_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class PosLogEntry(SQLModel, table=True):
    """One thing a POS partner told a location and what we made of it (the location's POS log).

    `delivery_id` is the partner's id of the delivery (Shopify's X-Shopify-Webhook-Id,
    Square's event_id): a delivery seen before is not worked again.
    """

    __tablename__ = "pos_log_entry"
    __table_args__ = (
        Index("ix_pos_log_entry_location", "location_id", "id"),
        UniqueConstraint("location_id", "source", "delivery_id", name="uq_pos_log_entry_delivery"),
    )

    id: int | None = Field(default=None, primary_key=True)
    operator_id: int = Field(foreign_key="operator.id")
    location_id: int = Field(foreign_key="location.id")
    source: str = Field(max_length=12)  # PosPaymentSource
    delivery_id: str | None = Field(default=None, max_length=128)
    event_type: str = Field(max_length=60)
    outcome: str = Field(max_length=30)  # created | refused_currency | refund_owed | ...
    message: str = Field(max_length=300)  # a sentence for the operator
    pos_payment_id: int | None = Field(default=None, foreign_key="pos_payment.id")
    created_at: datetime = Field(default_factory=utcnow)


class PosRefundStatus(StrEnum):
    """`PosRefund.status`.

    - `owed`: the payment was applied to a card: the counter gives the money back (one tap);
    - `applied`: given back, as a ledger credit tied to the redemption;
    - `withdrawn`: the payment was still waiting: it was taken off the counter (or lowered);
    - `waiting`: the refund arrived before its payment: it is withdrawn when the payment arrives;
    - `not_owed`: the card had already been given back as much as it paid.
    """

    owed = "owed"
    applied = "applied"
    withdrawn = "withdrawn"
    waiting = "waiting"
    not_owed = "not_owed"


class PosRefund(SQLModel, table=True):
    """A refund or cancellation the POS made of one of its gift-card payments."""

    __tablename__ = "pos_refund"
    __table_args__ = (
        UniqueConstraint("location_id", "source", "external_id", name="uq_pos_refund_external"),
        Index("ix_pos_refund_location_status", "location_id", "status", "id"),
        Index("ix_pos_refund_payment", "location_id", "source", "payment_external_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    operator_id: int = Field(foreign_key="operator.id")
    location_id: int = Field(foreign_key="location.id")
    source: str = Field(max_length=12)  # PosPaymentSource
    external_id: str = Field(max_length=140)  # the partner's refund id, or "void:<payment id>"
    payment_external_id: str = Field(max_length=128)  # the partner's id of the payment refunded
    pos_payment_id: int | None = Field(default=None, foreign_key="pos_payment.id")
    redemption_id: int | None = Field(default=None, foreign_key="redemption.id")
    refunded_cents: int  # what the partner refunded
    amount_cents: int  # what goes back on the card (status owed / applied)
    status: str = Field(max_length=12)  # PosRefundStatus
    ledger_entry_id: int | None = Field(default=None, foreign_key="ledger_entry.id")
    applied_by_device_id: int | None = Field(default=None, foreign_key="device.id")
    applied_by_user_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)
    applied_at: datetime | None = None

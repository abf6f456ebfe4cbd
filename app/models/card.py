"""A gift card and its append-only ledger.

`Card.balance_cents` is a cache of `sum(LedgerEntry.amount_cents)` written in the
same transaction as each ledger row; database triggers (see the first migration)
refuse any UPDATE or DELETE of a ledger row.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Index, UniqueConstraint, false
from sqlmodel import Field, SQLModel

from app.models.base import utcnow


class CardStatus(StrEnum):
    """`Card.status`. A card whose balance is zero is still `active` ("empty" is a filter, not a status)."""

    active = "active"
    frozen = "frozen"


class LedgerKind(StrEnum):
    """`LedgerEntry.kind`: what changed the card's value."""

    issue = "issue"
    topup = "topup"
    redeem = "redeem"
    void = "void"
    adjust = "adjust"
    expire = "expire"
    refund = "refund"


class CardChannel(StrEnum):
    """`Card.channel`: where the card was issued."""

    dashboard = "dashboard"
    api = "api"
    shop = "shop"


# The stored values as plain strings (API schemas, filters, messages).
CARD_STATUSES = tuple(status.value for status in CardStatus)
LEDGER_KINDS = tuple(kind.value for kind in LedgerKind)
CHANNELS = tuple(channel.value for channel in CardChannel)


class Card(SQLModel, table=True):
    __table_args__ = (
        CheckConstraint("balance_cents >= 0", name="card_balance_not_negative"),
        Index("ix_card_operator_created", "operator_id", "id"),
        Index("ix_card_operator_last4", "operator_id", "last4"),
        # Covering indexes for the dashboard: liability and breakage read only the index.
        Index("ix_card_operator_balance", "operator_id", "balance_cents"),
        Index("ix_card_operator_opened", "operator_id", "created_at", "balance_cents"),
        # The Cards screen's status and channel filters and their counts.
        Index("ix_card_operator_status", "operator_id", "status", "id"),
        Index("ix_card_operator_channel", "operator_id", "channel", "id"),
        # A print run's cards, in the order they were made.
        Index("ix_card_batch", "batch_id", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    operator_id: int = Field(foreign_key="operator.id")
    code_hash: str = Field(max_length=64, unique=True)
    code_encrypted: str = Field(max_length=255)  # only to resend the recipient email
    last4: str = Field(max_length=4)
    link_token_hash: str = Field(max_length=64, unique=True)
    link_token_encrypted: str = Field(max_length=255)
    currency: str = Field(max_length=3)
    status: str = Field(default=CardStatus.active, max_length=16)
    balance_cents: int = 0
    initial_amount_cents: int
    channel: str = Field(default=CardChannel.dashboard, max_length=16)
    recipient_email: str | None = Field(default=None, max_length=254, index=True)
    recipient_name: str | None = Field(default=None, max_length=120)
    sender_name: str | None = Field(default=None, max_length=120)
    message: str | None = Field(default=None, max_length=1000)
    # The language of the card's emails (en / fr), chosen when it was issued or bought.
    language: str = Field(default="en", max_length=2, sa_column_kwargs={"server_default": "en"})
    created_by_user_id: int | None = Field(default=None, foreign_key="user.id")
    api_key_id: int | None = Field(default=None, foreign_key="api_key.id")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime | None = None
    # The print run that made the card (app/models/card_batch.py), or None.
    batch_id: int | None = Field(default=None, foreign_key="card_batch.id")
    # Paid through a gateway in test mode (the sandbox, Bambora / Forte at a test address): a
    # test card redeems only at a test location and its redemptions are never paid out.
    is_test: bool = Field(default=False, sa_column_kwargs={"server_default": false()})


class LedgerEntry(SQLModel, table=True):
    """One change of a card's value. Never updated, never deleted."""

    __tablename__ = "ledger_entry"
    __table_args__ = (
        UniqueConstraint("operator_id", "idempotency_key", name="uq_ledger_operator_idempotency_key"),
        Index("ix_ledger_card", "card_id", "id"),
        # Covering index for every period figure and chart: sums by kind and location over
        # a time range read the index alone, never the table (1,000,000 rows and more).
        Index("ix_ledger_operator_period", "operator_id", "created_at", "kind", "location_id", "amount_cents"),
        # The activity feed: an operator's newest rows, without sorting the whole ledger.
        Index("ix_ledger_operator_id", "operator_id", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    operator_id: int = Field(foreign_key="operator.id")
    card_id: int = Field(foreign_key="card.id")
    kind: str = Field(max_length=16)  # LedgerKind
    amount_cents: int  # signed: credits positive, debits negative
    balance_after_cents: int
    idempotency_key: str | None = Field(default=None, max_length=255)
    memo: str | None = Field(default=None, max_length=255)
    # Who and where. Location, device, redemption and order rows arrive with their
    # capabilities; these columns hold their ids from the start.
    user_id: int | None = Field(default=None, foreign_key="user.id")
    api_key_id: int | None = Field(default=None, foreign_key="api_key.id")
    location_id: int | None = None
    device_id: int | None = None
    redemption_id: int | None = None
    order_id: int | None = None
    created_at: datetime = Field(default_factory=utcnow)

"""Settlement: payout batches (what each location is paid for its redemptions) and the
bank files (NACHA, CPA-005) written for them."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Index, Text, UniqueConstraint
from sqlmodel import Column, Field, SQLModel

from app.models.base import utcnow


class PayoutStatus(StrEnum):
    """`PayoutBatch.status`: draft -> exported (its bank file written) -> paid; draft or exported -> cancelled."""

    draft = "draft"
    exported = "exported"
    paid = "paid"
    cancelled = "cancelled"


PAYOUT_STATUSES = tuple(status.value for status in PayoutStatus)


class PayoutLineStatus(StrEnum):
    """`PayoutLine.status`: paid as the batch says, or given back by the receiving bank."""

    paid = "paid"
    returned = "returned"


class PayoutBatch(SQLModel, table=True):
    __tablename__ = "payout_batch"
    __table_args__ = (Index("ix_payout_batch_operator", "operator_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    operator_id: int = Field(foreign_key="operator.id")
    status: str = Field(default=PayoutStatus.draft, max_length=12)
    period_from: datetime | None = None
    period_through: datetime
    effective_date: date | None = None
    total_gross_cents: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    total_commission_cents: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    total_net_cents: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    redemption_count: int = 0
    created_by_user_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)
    exported_at: datetime | None = None
    paid_at: datetime | None = None
    cancelled_at: datetime | None = None


class PayoutLine(SQLModel, table=True):
    """What one location is paid in a batch, with the bank details as they were then."""

    __tablename__ = "payout_line"
    __table_args__ = (
        UniqueConstraint("batch_id", "location_id", name="uq_payout_line_batch_location"),
        Index("ix_payout_line_location", "location_id", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    batch_id: int = Field(foreign_key="payout_batch.id")
    operator_id: int = Field(foreign_key="operator.id")
    location_id: int = Field(foreign_key="location.id")
    redemption_count: int
    gross_cents: int = Field(sa_column=Column(BigInteger, nullable=False))
    commission_bps: int
    commission_cents: int = Field(sa_column=Column(BigInteger, nullable=False))
    net_cents: int = Field(sa_column=Column(BigInteger, nullable=False))
    bank_country: str | None = Field(default=None, max_length=2)
    routing_number: str | None = Field(default=None, max_length=9)
    institution_number: str | None = Field(default=None, max_length=3)
    transit_number: str | None = Field(default=None, max_length=5)
    account_number_encrypted: str | None = Field(default=None, max_length=255)
    account_last4: str | None = Field(default=None, max_length=4)
    account_type: str | None = Field(default=None, max_length=8)
    status: str = Field(default=PayoutLineStatus.paid, max_length=8, sa_column_kwargs={"server_default": "paid"})
    # How the bank file named this payment (a return names it the same way): the NACHA
    # entry's trace number, or the CPA-005 originator's cross-reference.
    nacha_trace_number: str | None = Field(default=None, max_length=15)
    cpa005_cross_reference: str | None = Field(default=None, max_length=19)
    # Net of earlier lines the bank returned, paid again in this line (part of net_cents).
    carried_cents: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, server_default="0"))
    # Refunds the location's POS made after the counter gave the money back to the card
    # (`settlement/payout_refunds.py`), deducted from this line (net_cents is after it).
    refunded_cents: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, server_default="0"))


class PayoutReturn(SQLModel, table=True):
    """A payment the receiving bank gave back: the line it returns, why, and the batch that
    pays it again (None while it is still owed).

    One per line (a payment comes back once); `entry_key` identifies the return in the
    file it came from, so the same file uploaded again finds it and changes nothing."""

    __tablename__ = "payout_return"
    __table_args__ = (
        UniqueConstraint("line_id", name="uq_payout_return_line"),
        UniqueConstraint("operator_id", "format", "entry_key", name="uq_payout_return_entry"),
        Index("ix_payout_return_owed", "operator_id", "repaid_batch_id", "location_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    operator_id: int = Field(foreign_key="operator.id")
    line_id: int = Field(foreign_key="payout_line.id")
    batch_id: int = Field(foreign_key="payout_batch.id")
    location_id: int = Field(foreign_key="location.id")
    net_cents: int = Field(sa_column=Column(BigInteger, nullable=False))
    format: str = Field(max_length=8)  # nacha | cpa005
    reason_code: str = Field(max_length=4)
    reason: str = Field(max_length=200)
    account_data: bool = False  # the reason says the bank details were wrong
    entry_key: str = Field(max_length=120)
    file_sha256: str = Field(max_length=64)
    filename: str = Field(max_length=200)
    file_line: int
    repaid_batch_id: int | None = Field(default=None, foreign_key="payout_batch.id")
    created_by_user_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)


class BankFile(SQLModel, table=True):
    """A bank file as written: downloading it again gives the same bytes."""

    __tablename__ = "bank_file"
    __table_args__ = (
        UniqueConstraint("batch_id", "format", name="uq_bank_file_batch_format"),
        UniqueConstraint("operator_id", "format", "file_creation_number", name="uq_bank_file_creation_number"),
    )

    id: int | None = Field(default=None, primary_key=True)
    operator_id: int = Field(foreign_key="operator.id")
    batch_id: int = Field(foreign_key="payout_batch.id")
    format: str = Field(max_length=8)  # nacha | cpa005
    filename: str = Field(max_length=120)
    content: str = Field(sa_column=Column(Text, nullable=False))
    sha256: str = Field(max_length=64)
    file_creation_number: int | None = None
    created_at: datetime = Field(default_factory=utcnow)

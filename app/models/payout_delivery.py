"""Delivery of a payout batch's bank file to the bank's SFTP server: one row per batch
sent that way (a batch without a row was never queued: its delivery is `none`)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.models.base import utcnow


class PayoutDeliveryStatus(StrEnum):
    """`PayoutDelivery.status`: pending (waiting, or being sent: `claimed_at`) -> delivered or
    failed; a failed one (or a delivered one never) is queued again by hand."""

    pending = "pending"
    delivered = "delivered"
    failed = "failed"


class PayoutDelivery(SQLModel, table=True):
    __tablename__ = "payout_delivery"
    __table_args__ = (
        UniqueConstraint("batch_id", name="uq_payout_delivery_batch"),
        Index("ix_payout_delivery_due", "status", "next_attempt_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    operator_id: int = Field(foreign_key="operator.id")
    batch_id: int = Field(foreign_key="payout_batch.id")
    bank_file_id: int = Field(foreign_key="bank_file.id")
    status: str = Field(default=PayoutDeliveryStatus.pending, max_length=12)
    attempts: int = 0  # since it was last queued
    next_attempt_at: datetime = Field(default_factory=utcnow)  # while claimed: when the claim expires
    claimed_at: datetime | None = None  # the current attempt's claim; only its holder records the outcome
    remote_path: str | None = Field(default=None, max_length=600)
    delivered_at: datetime | None = None
    last_error: str | None = Field(default=None, max_length=1000)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)

"""NACHA prenotes: a zero-dollar entry that lets a location's bank check new US bank
details before the first real payment is sent to them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from app.models.base import utcnow


class Prenote(SQLModel, table=True):
    """A prenote for one location's bank details as they were, carried by a batch's NACHA
    file. A prenote of a cancelled batch was never sent; the next batch sends a new one."""

    __tablename__ = "prenote"
    __table_args__ = (Index("ix_prenote_location", "location_id", "id"),
                      Index("ix_prenote_batch", "batch_id"))

    id: int | None = Field(default=None, primary_key=True)
    operator_id: int = Field(foreign_key="operator.id")
    location_id: int = Field(foreign_key="location.id")
    batch_id: int = Field(foreign_key="payout_batch.id")
    routing_number: str = Field(max_length=9)
    account_number_encrypted: str = Field(max_length=255)
    account_last4: str = Field(max_length=4)
    account_type: str = Field(max_length=8)  # checking (code 23) | savings (code 33)
    settlement_date: date  # the batch's effective date: when the prenote settles
    payable_from: date  # the first day a real payment to these details may be sent
    created_at: datetime = Field(default_factory=utcnow)

"""A print run: N cards made at once without recipients, for a print shop or a card printer.

Its cards point back at it (`Card.batch_id`); their codes leave only in the batch's files
(PDF sheets, the printer's CSV), which owners download.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from app.models.base import utcnow


class CardBatch(SQLModel, table=True):
    __tablename__ = "card_batch"
    __table_args__ = (
        # A retried creation (same key) answers the first batch instead of printing a second.
        UniqueConstraint("operator_id", "idempotency_key", name="uq_card_batch_operator_idempotency_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    operator_id: int = Field(foreign_key="operator.id", index=True)
    count: int
    amount_cents: int  # on every card; 0: loaded when sold (a top-up)
    currency: str = Field(max_length=3)
    idempotency_key: str | None = Field(default=None, max_length=255)
    created_by_user_id: int | None = Field(default=None, foreign_key="user.id")
    api_key_id: int | None = Field(default=None, foreign_key="api_key.id")
    created_at: datetime = Field(default_factory=utcnow)
    downloads: int = 0  # files downloaded (each one is in the audit trail too)

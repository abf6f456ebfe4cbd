"""Owners' opt-in daily summary email: one row per operator that turned it on."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Field, SQLModel

from app.models.base import utcnow


class DailySummary(SQLModel, table=True):
    __tablename__ = "daily_summary"

    operator_id: int = Field(foreign_key="operator.id", primary_key=True)
    enabled: bool = Field(default=False)
    # The operator's local day the last summary covered: the claim that makes it once a day.
    last_sent_for: date | None = None
    updated_at: datetime = Field(default_factory=utcnow)

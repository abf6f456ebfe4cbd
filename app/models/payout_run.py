"""Scheduled payout runs: one row per operator and scheduled day, the claim that makes each
due batch be created once however many job processes run (app/services/settlement/schedules.py)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Index, Text, UniqueConstraint
from sqlmodel import Column, Field, SQLModel

from app.models.base import utcnow


class RunOutcome(StrEnum):
    """`PayoutRun.outcome`: what the run's transaction did."""

    batch_created = "batch_created"
    nothing_to_pay = "nothing_to_pay"


class RunFileStatus(StrEnum):
    """`PayoutRun.file_status`: its batch's bank file. none (no batch) | pending -> written | failed."""

    none = "none"
    pending = "pending"
    written = "written"
    failed = "failed"


class PayoutRun(SQLModel, table=True):
    __tablename__ = "payout_run"
    __table_args__ = (
        # The claim: inserted in the transaction that creates the batch; a second worker's insert fails.
        UniqueConstraint("operator_id", "scheduled_on", name="uq_payout_run_operator_day"),
        Index("ix_payout_run_file_status", "file_status", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    operator_id: int = Field(foreign_key="operator.id")
    scheduled_on: date  # the operator's local day of the cut-off: the scheduled period
    cutoff_at: datetime  # UTC: the batch pays what was redeemed up to here
    frequency: str = Field(max_length=12)
    outcome: str = Field(max_length=16)
    batch_id: int | None = Field(default=None, foreign_key="payout_batch.id")
    total_net_cents: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, server_default="0"))
    # The locations left out (no usable bank details, net below the minimum) as JSON, with the reason.
    skipped: str = Field(default="[]", sa_column=Column(Text, nullable=False, server_default="[]"))
    file_status: str = Field(default=RunFileStatus.none, max_length=8)
    file_format: str | None = Field(default=None, max_length=8)
    bank_file_id: int | None = Field(default=None, foreign_key="bank_file.id")
    file_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: datetime = Field(default_factory=utcnow)
    file_written_at: datetime | None = None

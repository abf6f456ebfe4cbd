"""What the API remembers about calls: the access log and idempotency records."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Text, UniqueConstraint
from sqlmodel import Column, Field, SQLModel

from app.models.base import utcnow


class ApiRequestLog(SQLModel, table=True):
    """One API call. Never a card code, password or key: only what identifies the call."""

    __tablename__ = "api_request_log"
    __table_args__ = (Index("ix_api_request_log_operator", "operator_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    operator_id: int | None = Field(default=None, foreign_key="operator.id")
    api_key_id: int | None = Field(default=None, foreign_key="api_key.id")
    api_key_prefix: str | None = Field(default=None, max_length=16)
    method: str = Field(max_length=8)
    path: str = Field(max_length=255)
    status: int
    duration_ms: int
    ip: str = Field(default="", max_length=64)
    created_at: datetime = Field(default_factory=utcnow)


class IdempotencyRecord(SQLModel, table=True):
    """The stored answer to a POST with an `Idempotency-Key`, scoped by API key."""

    __tablename__ = "idempotency_record"
    __table_args__ = (UniqueConstraint("api_key_id", "key", name="uq_idempotency_api_key_key"),)

    id: int | None = Field(default=None, primary_key=True)
    api_key_id: int = Field(foreign_key="api_key.id")
    key: str = Field(max_length=255)
    method: str = Field(max_length=8)
    path: str = Field(max_length=255)
    request_hash: str = Field(max_length=64)
    state: str = Field(default="in_flight", max_length=16)  # in_flight | done
    response_status: int | None = None
    response_body: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime = Field(index=True)

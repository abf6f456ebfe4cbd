"""Outbound webhooks: what we owe a receiver, and every attempt to deliver it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, Text
from sqlmodel import Column, Field, SQLModel

from app.models.base import utcnow


class DeliveryStatus(StrEnum):
    """`WebhookDelivery.status`: `pending` until a sender claims it (`sending`), then
    `delivered`, back to `pending` for a retry, or `failed` when the retries are spent."""

    pending = "pending"
    sending = "sending"
    delivered = "delivered"
    failed = "failed"


class WebhookEndpoint(SQLModel, table=True):
    """An operator's subscription (`POST /webhook-endpoints`): a URL and the events it wants."""

    __tablename__ = "webhook_endpoint"

    id: int | None = Field(default=None, primary_key=True)
    operator_id: int = Field(foreign_key="operator.id", index=True)
    url: str = Field(max_length=500)
    event_types: str = Field(default="*", max_length=1000)  # comma-separated, or *
    secret_encrypted: str = Field(max_length=255)  # whsec_...
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow)


class WebhookDelivery(SQLModel, table=True):
    """One event owed to one URL (a location's notification URL or an endpoint)."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        Index("ix_webhook_delivery_due", "status", "next_attempt_at"),
        Index("ix_webhook_delivery_operator", "operator_id", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    operator_id: int = Field(foreign_key="operator.id")
    location_id: int | None = Field(default=None, foreign_key="location.id")
    endpoint_id: int | None = Field(default=None, foreign_key="webhook_endpoint.id")
    message_id: str = Field(max_length=64, unique=True)  # the webhook-id header, stable across retries
    event_type: str = Field(max_length=64)
    url: str = Field(max_length=500)
    payload: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(default=DeliveryStatus.pending, max_length=12)
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow)
    claimed_at: datetime | None = None
    last_status_code: int | None = None
    last_error: str | None = Field(default=None, max_length=500)
    delivered_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)


class WebhookAttempt(SQLModel, table=True):
    __tablename__ = "webhook_attempt"

    id: int | None = Field(default=None, primary_key=True)
    delivery_id: int = Field(foreign_key="webhook_delivery.id", index=True)
    attempted_at: datetime = Field(default_factory=utcnow)
    status_code: int | None = None
    error: str | None = Field(default=None, max_length=500)
    duration_ms: int = 0

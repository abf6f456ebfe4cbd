"""Emails waiting to go out. The embedded default keeps them here (the dashboard's
Outbox screen shows them); with SMTP_URL set a sender delivers them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, Text
from sqlmodel import Column, Field, SQLModel

from app.models.base import utcnow


class OutboxStatus(StrEnum):
    """`OutboxMessage.status`: `queued` until a sender claims it (`sending`), then `sent` or `failed`."""

    queued = "queued"
    sending = "sending"
    sent = "sent"
    failed = "failed"


class OutboxMessage(SQLModel, table=True):
    __tablename__ = "outbox_message"
    __table_args__ = (
        Index("ix_outbox_operator", "operator_id", "id"),
        Index("ix_outbox_due", "status", "next_attempt_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    operator_id: int | None = Field(default=None, foreign_key="operator.id")
    kind: str = Field(max_length=40)  # card_recipient, device_activation, ...
    to_address: str = Field(max_length=254)
    subject: str = Field(max_length=255)
    # The bodies carry card codes and links, so all three are stored encrypted
    # (app.services.messaging.outbox writes and reads them; never read these columns directly).
    text_body: str = Field(sa_column=Column(Text, nullable=False))
    html_body: str = Field(sa_column=Column(Text, nullable=False))
    # Inline images referenced from html_body as cid:<name>: JSON list of
    # {"cid", "content_type", "base64"} (the card's QR code), encrypted as a whole.
    inline_images: str = Field(default="[]", sa_column=Column(Text, nullable=False))
    # Files attached to the message (the printable card's PDF): JSON list of
    # {"filename", "content_type", "base64"}, encrypted as a whole; None: no attachment.
    attachments: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    card_id: int | None = Field(default=None, foreign_key="card.id")
    status: str = Field(default=OutboxStatus.queued, max_length=16)
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow)
    claimed_at: datetime | None = None
    last_error: str | None = Field(default=None, max_length=1000)
    sent_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)

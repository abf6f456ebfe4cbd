"""The audit trail: who did what, when, and what changed. Append-only like the ledger."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Text
from sqlmodel import Column, Field, SQLModel

from app.models.base import utcnow


class AuditEvent(SQLModel, table=True):
    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_event_operator", "operator_id", "id"),
        Index("ix_audit_event_operator_action", "operator_id", "action", "id"),
        Index("ix_audit_event_operator_created", "operator_id", "created_at"),  # the date filters
    )

    id: int | None = Field(default=None, primary_key=True)
    operator_id: int = Field(foreign_key="operator.id")
    created_at: datetime = Field(default_factory=utcnow)
    # Who: a signed-in user, an API key, a device, or the system; `actor` is readable as shown.
    user_id: int | None = Field(default=None, foreign_key="user.id")
    actor: str = Field(max_length=254)
    action: str = Field(max_length=64)  # user.signed_in, settings.changed, api_key.created, card.frozen, ...
    target_type: str = Field(default="", max_length=32)
    target_id: str = Field(default="", max_length=64)
    summary: str = Field(default="", max_length=255)
    # What changed, as JSON: {"field": [before, after], ...}; never a secret.
    changes: str = Field(default="{}", sa_column=Column(Text, nullable=False, server_default="{}"))
    ip: str = Field(default="", max_length=64)


class UserInvitation(SQLModel, table=True):
    """An emailed invitation to join an operator's team; the link carries a token we keep hashed."""

    __tablename__ = "user_invitation"
    __table_args__ = (Index("ix_user_invitation_operator", "operator_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    operator_id: int = Field(foreign_key="operator.id")
    email: str = Field(max_length=254)  # lower-case
    role: str = Field(default="staff", max_length=16)  # owner | staff
    token_hash: str = Field(max_length=64, unique=True)
    invited_by_user_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    accepted_at: datetime | None = None
    revoked_at: datetime | None = None

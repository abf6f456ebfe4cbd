"""An operator (the network that sells cards) and the people who sign in to it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Text, false
from sqlmodel import Column, Field, SQLModel

from app.models.base import utcnow


class Operator(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120)
    slug: str = Field(max_length=80, unique=True)
    currency: str = Field(max_length=3)  # CAD or USD
    timezone: str = Field(max_length=64)
    card_min_cents: int = Field(default=500)
    card_max_cents: int = Field(default=100_000)
    # The network's default language (en / fr): a card issued without one writes its emails in it.
    default_language: str = Field(default="en", max_length=2, sa_column_kwargs={"server_default": "en"})
    # The languages its screens and shop offer, comma-separated (`en,fr`); the default is among them.
    offered_languages: str = Field(default="en,fr", max_length=16, sa_column_kwargs={"server_default": "en,fr"})
    commission_bps: int = Field(default=0)
    # A new random number each time the operator's webhook endpoints change (0: they never did): each
    # process answers "which endpoints want this event" from its cache of this version (webhooks.py).
    webhook_endpoints_version: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, server_default="0"))
    # Bank file settings (NACHA and CPA-005) as JSON; account numbers inside are encrypted.
    payout_settings: str = Field(default="{}", sa_column=Column(Text, nullable=False, server_default="{}"))
    # CPA-005 file creation numbers increase per operator and never repeat.
    last_cpa005_file_number: int = Field(default=0)
    # NACHA prenotes: a zero-dollar entry for new or changed US bank details, the first payment held after it.
    nacha_prenotes: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    # The shop and its widget (presets, custom range, colours, logo, terms) as JSON.
    shop_settings: str = Field(default="{}", sa_column=Column(Text, nullable=False, server_default="{}"))
    # The payment gateway (sandbox | bambora | forte) and its credentials as JSON; secrets inside are encrypted.
    gateway_settings: str = Field(default="{}", sa_column=Column(Text, nullable=False, server_default="{}"))
    created_at: datetime = Field(default_factory=utcnow)


class User(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    operator_id: int = Field(foreign_key="operator.id", index=True)
    email: str = Field(max_length=254, unique=True)  # stored lower-case
    name: str = Field(default="", max_length=120)
    password_hash: str = Field(max_length=255)
    role: str = Field(default="owner", max_length=16)  # owner | staff
    # The dashboard's language for this person (en / fr); None reads the network's default.
    language: str | None = Field(default=None, max_length=2)
    created_at: datetime = Field(default_factory=utcnow)
    last_login_at: datetime | None = None


class UserSession(SQLModel, table=True):
    """A signed-in browser. The browser keeps the token; we keep its keyed hash."""

    __tablename__ = "user_session"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    operator_id: int = Field(foreign_key="operator.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    revoked_at: datetime | None = None


class LoginAttempt(SQLModel, table=True):
    """Every sign-in attempt, to rate-limit guessing per email and per address."""

    __tablename__ = "login_attempt"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, index=True)
    ip: str = Field(default="", max_length=64, index=True)
    succeeded: bool = False
    created_at: datetime = Field(default_factory=utcnow, index=True)

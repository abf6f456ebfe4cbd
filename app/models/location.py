"""The network's businesses (locations), their devices and the keys their POS uses."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, UniqueConstraint, false
from sqlmodel import Field, SQLModel

from app.models.base import utcnow


class RedemptionMode(StrEnum):
    """`Location.mode`, derived from what the counter accepts (kept for the API's `mode`)."""

    pos = "pos"
    items = "items"
    amount = "amount"


REDEMPTION_MODES = tuple(mode.value for mode in RedemptionMode)
ACCOUNT_TYPES = ("checking", "savings")
BANK_COUNTRIES = ("US", "CA")


class Location(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("operator_id", "external_id", name="uq_location_operator_external_id"),
        Index("ix_location_operator_name", "operator_id", "name"),
    )

    id: int | None = Field(default=None, primary_key=True)
    operator_id: int = Field(foreign_key="operator.id")
    name: str = Field(max_length=120)
    email: str = Field(max_length=254)
    phone: str | None = Field(default=None, max_length=40)
    address: str | None = Field(default=None, max_length=255)
    external_id: str | None = Field(default=None, max_length=64)
    # What the counter accepts, each on its own (app/services/network/counter_modes.py):
    # payments the POS pushes, an amount typed at the counter (a POS counter's fallback), items.
    accepts_pos_payments: bool = False
    accepts_typed_amounts: bool = True
    accepts_items: bool = False
    item_webhook_url: str | None = Field(default=None, max_length=500)
    notify_items_email: bool = False
    notify_webhook_url: str | None = Field(default=None, max_length=500)
    commission_bps: int | None = None  # overrides the operator's when set
    bank_country: str | None = Field(default=None, max_length=2)  # US | CA
    routing_number: str | None = Field(default=None, max_length=9)  # US ABA
    institution_number: str | None = Field(default=None, max_length=3)  # CA
    transit_number: str | None = Field(default=None, max_length=5)  # CA
    account_number_encrypted: str | None = Field(default=None, max_length=255)
    account_last4: str | None = Field(default=None, max_length=4)
    account_type: str | None = Field(default=None, max_length=8)  # checking | savings
    # A payment to these bank details came back for a reason about the account (closed,
    # not found...): the reason, and a fingerprint of the details it came back from. Any
    # change of the details changes the fingerprint, and the location is paid again.
    bank_fix_reason: str | None = Field(default=None, max_length=200)
    bank_fix_fingerprint: str | None = Field(default=None, max_length=64)
    active: bool = True
    # A place to try the shop's test cards (test mode): only here can a test card be redeemed.
    is_test: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    # Outbound webhooks to this location are signed with this whsec_ secret (encrypted).
    webhook_secret_encrypted: str | None = Field(default=None, max_length=255)
    # Square POS: the signature key of its webhook subscription (encrypted), the exact
    # notification URL Square signs, and which tender counts as "paid by gift card".
    square_signature_key_encrypted: str | None = Field(default=None, max_length=255)
    square_notification_url: str | None = Field(default=None, max_length=500)
    square_tender_type: str = Field(default="OTHER_GIFT_CARD", max_length=40)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)

    @property
    def mode(self) -> str:
        """The one-word `mode` older clients read: `pos` when it accepts POS payments, else
        `items` when it accepts items, else `amount`. Derived, never stored."""
        if self.accepts_pos_payments:
            return RedemptionMode.pos.value
        return RedemptionMode.items.value if self.accepts_items else RedemptionMode.amount.value


class ActivationLink(SQLModel, table=True):
    """A time-limited link emailed to a location; each device opening it is activated."""

    __tablename__ = "activation_link"

    id: int | None = Field(default=None, primary_key=True)
    operator_id: int = Field(foreign_key="operator.id")
    location_id: int = Field(foreign_key="location.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    revoked_at: datetime | None = None


class Device(SQLModel, table=True):
    """A counter device of a location: known by its human code, proven by its secret."""

    __table_args__ = (Index("ix_device_location", "location_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    operator_id: int = Field(foreign_key="operator.id", index=True)
    location_id: int = Field(foreign_key="location.id")
    activation_link_id: int | None = Field(default=None, foreign_key="activation_link.id")
    code: str = Field(max_length=16, unique=True)  # DV-7KQ2-M9
    name: str = Field(max_length=80)
    secret_hash: str = Field(max_length=64, unique=True)
    activated_at: datetime = Field(default_factory=utcnow)
    last_seen_at: datetime | None = None
    revoked_at: datetime | None = None
    # The counter screen's language on this device (en / fr), chosen on the device; None reads the network's default.
    language: str | None = Field(default=None, max_length=2)


class PosKey(SQLModel, table=True):
    """A location's POS key (`gkpos_...`): may only push and read that location's POS payments."""

    __tablename__ = "pos_key"

    id: int | None = Field(default=None, primary_key=True)
    operator_id: int = Field(foreign_key="operator.id")
    location_id: int = Field(foreign_key="location.id", index=True)
    name: str = Field(max_length=120)
    prefix: str = Field(max_length=16)
    key_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow)
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None


class Item(SQLModel, table=True):
    """A stored catalog item a location redeems cards against."""

    __table_args__ = (Index("ix_item_location", "location_id", "active"),)

    id: int | None = Field(default=None, primary_key=True)
    operator_id: int = Field(foreign_key="operator.id")
    location_id: int = Field(foreign_key="location.id")
    name: str = Field(max_length=120)
    sku: str | None = Field(default=None, max_length=64)
    price_cents: int
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow)

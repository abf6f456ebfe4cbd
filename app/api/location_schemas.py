"""Request and answer bodies of the location routes: locations, the CSV import, devices,
POS keys and the stored item catalog.

Same rules as `schemas.py`: strict requests (`extra="forbid"`, no coercion), and
answers built by the `*_answer` functions only. A location's bank account number
never leaves: answers carry `account_last4`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from app.api.errors import ErrorDetail
from app.api.schemas import StrictRequest, answer_from
from app.models import Device, Item, Location
from app.services.network.location_import import ImportResult
from app.services.network.pos_keys import CreatedPosKey

# Far above any card's balance, and what the amount columns hold (32-bit integers on PostgreSQL).
MAX_CENTS = 2**31 - 1

Mode = Literal["pos", "items", "amount"]

LOCATION_EXAMPLE = {
    "id": 7,
    "name": "Main Street Books",
    "email": "books@example.com",
    "phone": "555-0100",
    "address": "12 Main St",
    "external_id": "MS-001",
    "mode": "items",
    "accepts_pos_payments": False,
    "accepts_typed_amounts": True,
    "accepts_items": True,
    "item_webhook_url": None,
    "notify_items_email": True,
    "notify_webhook_url": None,
    "commission_bps": 250,
    "bank_country": "US",
    "routing_number": "011000015",
    "institution_number": None,
    "transit_number": None,
    "account_last4": "6789",
    "account_type": "checking",
    "active": True,
    "is_test": False,
    "created_at": "2026-11-28T14:03:12Z",
    "updated_at": "2026-11-28T14:03:12Z",
}
# The request that created LOCATION_EXAMPLE: the same values, and the account number in full.
CREATE_EXAMPLE = {
    **{name: LOCATION_EXAMPLE[name] for name in ("name", "email", "phone", "address", "external_id", "mode",
                                                 "notify_items_email", "commission_bps", "bank_country",
                                                 "routing_number")},
    "account_number": "123456789",
    "account_type": LOCATION_EXAMPLE["account_type"],
}
DEVICE_EXAMPLE = {
    "id": 12,
    "code": "DV-7KQ2-M9",
    "name": "Front counter",
    "activated_at": "2026-11-28T15:00:00Z",
    "last_seen_at": "2026-11-28T17:42:00Z",
    "revoked_at": None,
}
ITEM_EXAMPLE = {
    "id": 31,
    "location_id": 7,
    "name": "Latte",
    "price_cents": 450,
    "sku": "LAT-12",
    "active": True,
    "created_at": "2026-11-28T14:10:00Z",
}
IMPORT_EXAMPLE = {
    "dry_run": False,
    "imported": True,
    "created": 1,
    "updated": 1,
    "unchanged": 0,
    "skipped": 1,
    "error_count": 0,
    "activation_emails_sent": 1,
    "rows": [
        {"row": 2, "action": "create", "name": "Main Street Books", "external_id": "MS-001", "location_id": 7, "errors": []},
        {"row": 3, "action": "update", "name": "Café du Coin", "external_id": "MS-002", "location_id": 5, "errors": [],
         "location_name": "Cafe du Coin", "changes": [
             {"column": "name", "label": "Name", "before": "Cafe du Coin", "after": "Café du Coin"},
             {"column": "account_number", "label": "Account number", "before": "•••• 4567", "after": "•••• 9012"}],
         "skip_reason": None},
        {"row": 4, "action": "skip", "name": "Sample US shop (replace this row)", "external_id": "SAMPLE-1",
         "location_id": None, "errors": [], "location_name": None, "changes": [],
         "skip_reason": "A sample row of the template (external id SAMPLE-1): it is skipped. Replace it with one of "
                        "your businesses, with your own external id, or delete it."},
    ],
    "error": None,
}
IMPORT_REFUSED_EXAMPLE = {
    "dry_run": False,
    "imported": False,
    "created": 0,
    "updated": 0,
    "unchanged": 0,
    "skipped": 0,
    "error_count": 1,
    "activation_emails_sent": 0,
    "rows": [
        {"row": 2, "action": None, "name": "Main Street Books", "external_id": "MS-001", "location_id": None,
         "errors": [{"column": "routing_number",
                     "message": "Routing number must be a 9-digit ABA routing number with a valid check digit."}]},
        {"row": 3, "action": None, "name": "Café du Coin", "external_id": "MS-002", "location_id": None, "errors": []},
    ],
    "error": {"code": "invalid_input", "message": "1 row has errors; nothing was imported. Correct the file and upload it again.",
              "field": "file"},
}


class _LocationFields(StrictRequest):
    """Every field a location can be given; `app/services/network/locations.py` checks the values."""

    phone: str | None = Field(default=None, max_length=40)
    address: str | None = Field(default=None, max_length=255)
    external_id: str | None = Field(default=None, max_length=64, description="Your own id for it; unique in your network.")
    mode: Mode | None = Field(
        default=None,
        description="Older shorthand for the three `accepts_*` switches: `pos` turns on POS payments with the "
        "typed-amount fallback, `items` items and typed amounts, `amount` typed amounts only (the default). "
        "`accepts_*` fields sent beside it win.",
    )
    accepts_pos_payments: bool | None = Field(
        default=None, description="Its counter shows the payments its POS pushes (`POST /pos/payments`, Square...). "
        "Creating a POS key turns this on.")
    accepts_typed_amounts: bool | None = Field(
        default=None, description="Its counter may type an amount; with POS payments on, the fallback while the POS "
        "is down. Default true.")
    accepts_items: bool | None = Field(default=None, description="Its counter picks items from its catalog (or item "
                                       "webhook).")
    item_webhook_url: str | None = Field(default=None, max_length=500, description="Where its devices fetch items from.")
    notify_items_email: bool | None = Field(default=None, description="Email the location what was redeemed.")
    notify_webhook_url: str | None = Field(default=None, max_length=500, description="Signed `redemption.completed` POSTs.")
    commission_bps: int | None = Field(
        default=None, json_schema_extra={"minimum": 0, "maximum": 10_000},
        description="Overrides the network's commission, in basis points (250 = 2.5%).",
    )
    bank_country: Literal["US", "CA"] | None = Field(default=None, description="Country of the payout account.")
    routing_number: str | None = Field(default=None, max_length=40, description="US: 9-digit ABA routing number.")
    institution_number: str | None = Field(default=None, max_length=40, description="Canada: 3 digits.")
    transit_number: str | None = Field(default=None, max_length=40, description="Canada: 5 digits.")
    account_number: str | None = Field(
        default=None, max_length=40, description="Stored encrypted; answers show only `account_last4`."
    )
    account_type: Literal["checking", "savings"] | None = Field(default=None, description="Default checking.")
    active: bool | None = Field(default=None, description="An inactive location cannot redeem. Default true.")
    is_test: bool | None = Field(
        default=None, description="A test location: the only place where the shop's test cards (bought while its "
        "gateway is in test mode) can be redeemed; real cards redeem here too. Default false.")


class CreateLocationRequest(_LocationFields):
    model_config = ConfigDict(json_schema_extra={"examples": [CREATE_EXAMPLE]})

    name: str = Field(max_length=120, examples=["Main Street Books"])
    email: str = Field(max_length=254, description="Where its device activation links are sent.", examples=["books@example.com"])


class UpdateLocationRequest(_LocationFields):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"phone": "555-0199", "mode": "pos"}, {"active": False}]}
    )

    name: str | None = Field(default=None, max_length=120)
    email: str | None = Field(default=None, max_length=254)


class LocationAnswer(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [LOCATION_EXAMPLE]})

    id: int
    name: str
    email: str
    phone: str | None
    address: str | None
    external_id: str | None
    mode: Mode = Field(description="Derived from the switches, for older clients: `pos` when it accepts POS payments, "
                       "else `items` when it accepts items, else `amount`.")
    accepts_pos_payments: bool
    accepts_typed_amounts: bool
    accepts_items: bool
    item_webhook_url: str | None
    notify_items_email: bool
    notify_webhook_url: str | None
    commission_bps: int | None = Field(description="Null: the network's commission applies.")
    bank_country: Literal["US", "CA"] | None
    routing_number: str | None
    institution_number: str | None
    transit_number: str | None
    account_last4: str | None = Field(description="The last 4 digits of the payout account; the full number is never shown.")
    account_type: Literal["checking", "savings"] | None
    active: bool
    is_test: bool = Field(description="A test location: test cards can be redeemed here (and nowhere else).")
    created_at: datetime
    updated_at: datetime


class CreatedLocationAnswer(LocationAnswer):
    model_config = ConfigDict(json_schema_extra={"examples": [{**LOCATION_EXAMPLE, "activation_email_sent": True}]})

    activation_email_sent: bool = Field(
        description="Whether the device activation email was queued to the location (not for an inactive location)."
    )


class LocationList(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"data": [LOCATION_EXAMPLE], "next_cursor": "6"}]})

    data: list[LocationAnswer]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page.")


class ActivationEmailAnswer(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"location_id": 7, "email": "books@example.com", "activation_email_sent": True,
                          "link_expires_at": "2026-12-01T14:03:12Z"}]
        }
    )

    location_id: int
    email: str = Field(description="Where the link was sent.")
    activation_email_sent: bool
    link_expires_at: datetime = Field(description="The link works until then; older links stopped working.")


class DeviceAnswer(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [DEVICE_EXAMPLE]})

    id: int
    code: str = Field(description="The device's code, shown on its screen.")
    name: str
    activated_at: datetime
    last_seen_at: datetime | None
    revoked_at: datetime | None = Field(description="Set once revoked: the device is refused from then on.")


class DeviceList(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"data": [DEVICE_EXAMPLE], "next_cursor": None}]})

    data: list[DeviceAnswer] = Field(description="Every device of the location, newest first.")
    next_cursor: str | None = Field(description="Always null: one page holds them all.")


class CreatePosKeyRequest(StrictRequest):
    model_config = ConfigDict(json_schema_extra={"examples": [{"name": "Counter POS"}]})

    name: str = Field(max_length=120, description="What the key is for.")


class CreatedPosKeyAnswer(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"id": 4, "location_id": 7, "name": "Counter POS", "prefix": "gkpos_Ab12Cd34",
                          "key": "gkpos_Ab12Cd34Ef56Gh78Ij90Kl12Mn34Op56Qr78St90Uv1",
                          "created_at": "2026-11-28T14:20:00Z", "pos_payments_turned_on": True,
                          "notice": "POS payments are now on at Main Street Books: its counter screens show what the "
                                    "POS pushes. Typed amounts stay on as a fallback while the POS is down."}]
        }
    )

    id: int
    location_id: int
    name: str
    prefix: str = Field(description="The key's first characters, to recognize it later.")
    key: str = Field(description="The POS key, `gkpos_...`. Shown here only, once: configure it in the POS now.")
    created_at: datetime
    pos_payments_turned_on: bool = Field(
        description="True when the location did not accept POS payments and this key turned them on.")
    notice: str | None = Field(description="What changed at the location, in a sentence (null when nothing did).")


class CreateItemRequest(StrictRequest):
    model_config = ConfigDict(json_schema_extra={"examples": [{"name": "Latte", "price_cents": 450, "sku": "LAT-12"}]})

    name: str = Field(max_length=120)
    price_cents: int = Field(le=MAX_CENTS, json_schema_extra={"minimum": 1}, description="Whole cents, more than zero.")
    sku: str | None = Field(default=None, max_length=64, description="Unique among the location's active items.")


class ItemAnswer(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [ITEM_EXAMPLE]})

    id: int
    location_id: int
    name: str
    price_cents: int
    sku: str | None
    active: bool
    created_at: datetime


class ItemList(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"data": [ITEM_EXAMPLE], "next_cursor": None}]})

    data: list[ItemAnswer] = Field(description="The active items, by name.")
    next_cursor: str | None = Field(description="Always null: one page holds them all.")


class ImportRowError(BaseModel):
    column: str = Field(description="The column at fault; empty when the row as a whole is wrong.")
    message: str


class ImportFieldChange(BaseModel):
    column: str = Field(description="The CSV column, e.g. `routing_number`.")
    label: str = Field(description="How the screens name it, e.g. `Routing number`.")
    before: str = Field(description="The location's value now (an account number: its last 4 only).")
    after: str = Field(description="The value the row gives it (an account number: its last 4 only).")


class ImportRowAnswer(BaseModel):
    row: int = Field(description="The line in the file (the header is line 1).")
    action: Literal["create", "update", "skip"] | None = Field(
        description="What the row does (did): `create`, `update` (an existing location: `changes` lists what changes; "
        "none: it is left as it is, not written), `skip` (a sample row of the template, external id `SAMPLE-...`: "
        "never imported, `skip_reason` says why); null while any row is invalid.")
    name: str
    external_id: str | None
    location_id: int | None = Field(description="The location written (or, on a dry run, the one it would update).")
    errors: list[ImportRowError]
    location_name: str | None = Field(default=None, description="The existing location the row matched, by its name now.")
    changes: list[ImportFieldChange] = Field(default_factory=list,
                                             description="An update's changes, field by field, bank details included.")
    skip_reason: str | None = Field(default=None, description="Why a `skip` row is not imported.")


class LocationImportAnswer(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [IMPORT_EXAMPLE, IMPORT_REFUSED_EXAMPLE]})

    dry_run: bool
    imported: bool = Field(description="True only when every row was valid and this was not a dry run.")
    created: int = Field(description="Locations created (on a dry run: that would be created).")
    updated: int = Field(description="Locations updated, matched by external id (or name and email).")
    unchanged: int = Field(default=0, description="Of `updated`, the rows that change nothing (not written).")
    skipped: int = Field(default=0, description="Sample rows of the template (external id `SAMPLE-...`), never imported.")
    error_count: int
    activation_emails_sent: int = Field(description="New active locations emailed a device activation link.")
    activation_emails_held: int = Field(default=0, description="New active locations not emailed: the network "
                                        "reached its hourly quota of emails to addresses it chooses. Send those "
                                        "links later (`POST /locations/{id}/activation-email`).")
    rows: list[ImportRowAnswer] = Field(description="Every data row of the file, in order.")
    error: ErrorDetail | None = Field(description="With status 422: why nothing was imported.")


def location_answer(location: Location) -> LocationAnswer:
    return answer_from(LocationAnswer, location)


def created_location_answer(location: Location, *, activation_email_sent: bool) -> CreatedLocationAnswer:
    return CreatedLocationAnswer(**location_answer(location).model_dump(), activation_email_sent=activation_email_sent)


def device_answer(device: Device) -> DeviceAnswer:
    return answer_from(DeviceAnswer, device)


def created_pos_key_answer(created: CreatedPosKey) -> CreatedPosKeyAnswer:
    pos_key = created.pos_key
    return answer_from(CreatedPosKeyAnswer, pos_key, key=created.plaintext,
                       pos_payments_turned_on=created.pos_payments_turned_on, notice=created.notice)


def item_answer(item: Item) -> ItemAnswer:
    return answer_from(ItemAnswer, item)


def import_answer(
    result: ImportResult, *, dry_run: bool, activation_emails_sent: int, error: ErrorDetail | None,
    activation_emails_held: int = 0,
) -> LocationImportAnswer:
    return LocationImportAnswer(
        dry_run=dry_run,
        imported=result.imported,
        created=result.created,
        updated=result.updated,
        unchanged=result.unchanged,
        skipped=result.skipped,
        error_count=result.error_count,
        activation_emails_sent=activation_emails_sent,
        activation_emails_held=activation_emails_held,
        rows=[
            ImportRowAnswer(
                row=outcome.row,
                action=outcome.action or None,
                name=outcome.name,
                external_id=outcome.external_id,
                location_id=outcome.location_id,
                errors=[ImportRowError(column=problem["column"], message=problem["message"]) for problem in outcome.errors],
                location_name=outcome.location_name or None,
                changes=[ImportFieldChange(**vars(change)) for change in outcome.changes],
                skip_reason=outcome.skip_reason or None,
            )
            for outcome in result.rows
        ],
        error=error,
    )

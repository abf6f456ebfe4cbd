"""The network's businesses: create, change, list, and their payout bank details.

One set of rules (`clean_location_fields`) serves the API, the dashboard form and the
CSV import. Bank account numbers are kept encrypted; everything shows the last 4.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import and_, func, or_
from sqlmodel import Session, select

from app.db import read_session, write_session
from app.models import Card, Device, Location, Redemption
from app.models.base import utcnow
from app.models.location import ACCOUNT_TYPES, BANK_COUNTRIES
from app.services.core import audit, crypto, events
from app.services.core.actor import Actor
from app.services.core.errors import ErrorCode, GiftnetError
from app.services.core.i18n import N_
from app.services.core.paging import id_page
from app.services.core.roles import require_owner
from app.services.core.rows import owned_row
from app.services.core.validation import (
    aba_routing_is_valid,
    field_label,
    normalize_email,
    optional_outbound_url,
    optional_text,
    required_text,
)
from app.services.network import counter_modes

MAX_PAGE = 100
# Every field a location can be given, in the order of the CSV template.
LOCATION_FIELDS = (
    "name",
    "email",
    "phone",
    "address",
    "external_id",
    "mode",
    "accepts_pos_payments",
    "accepts_typed_amounts",
    "accepts_items",
    "item_webhook_url",
    "notify_items_email",
    "notify_webhook_url",
    "commission_bps",
    "bank_country",
    "routing_number",
    "institution_number",
    "transit_number",
    "account_number",
    "account_type",
    "active",
    "is_test",
)
BANK_FIELDS = ("bank_country", "routing_number", "institution_number", "transit_number", "account_number", "account_type")


def _bool(raw: object, *, field: str) -> bool:
    if raw is None:  # an empty CSV cell, or null: not ticked
        return False
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.strip().lower() in ("true", "yes", "1", "y"):
        return True
    if isinstance(raw, str) and raw.strip().lower() in ("false", "no", "0", "n", ""):
        return False
    raise GiftnetError(ErrorCode.invalid_input, N_("{field_label} must be true or false."), field=field, params={"field_label": field_label(field)})


def _commission(raw: object) -> int | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, str) and (raw.strip().isascii() and raw.strip().isdigit()):
        raw = int(raw.strip())
    if isinstance(raw, bool) or not isinstance(raw, int) or not 0 <= raw <= 10_000:
        raise GiftnetError(
            ErrorCode.invalid_input, N_("Commission is a whole number of basis points from 0 to 10000 (250 = 2.5 %)."),
            field="commission_bps",
        )
    return raw


def _digits(raw: object, *, field: str) -> str | None:
    text = optional_text(raw if raw is None or isinstance(raw, str) else str(raw), field=field, max_length=40)
    if text is None:
        return None
    text = re.sub(r"[\s-]", "", text)
    if not (text.isascii() and text.isdigit()):
        raise GiftnetError(ErrorCode.invalid_input, N_("{field_label} may contain digits only."), field=field, params={"field_label": field_label(field)})
    return text


def clean_bank_fields(raw: dict) -> dict:
    """Validate payout bank details as a whole; all empty means "no bank details yet"."""
    country = optional_text(raw.get("bank_country"), field="bank_country", max_length=2)
    routing = _digits(raw.get("routing_number"), field="routing_number")
    institution = _digits(raw.get("institution_number"), field="institution_number")
    transit = _digits(raw.get("transit_number"), field="transit_number")
    account = _digits(raw.get("account_number"), field="account_number")
    account_type = optional_text(raw.get("account_type"), field="account_type", max_length=10)
    if not any((country, routing, institution, transit, account, account_type)):
        return {field: None for field in ("bank_country", "routing_number", "institution_number", "transit_number",
                                          "account_number_encrypted", "account_last4", "account_type")}
    country = (country or "").upper()
    if country not in BANK_COUNTRIES:
        raise GiftnetError(ErrorCode.invalid_input, N_("Bank country must be US or CA."), field="bank_country")
    if country == "US":
        if not routing or not aba_routing_is_valid(routing):
            raise GiftnetError(
                ErrorCode.invalid_input,
                N_("Routing number must be a 9-digit ABA routing number with a valid check digit."),
                field="routing_number",
            )
        if institution or transit:
            raise GiftnetError(
                ErrorCode.invalid_input, N_("US accounts have a routing number, not an institution or transit number."),
                field="institution_number" if institution else "transit_number",
            )
        account_range = (4, 17)
    else:
        if not institution or len(institution) != 3:
            raise GiftnetError(ErrorCode.invalid_input, N_("Institution number has 3 digits."), field="institution_number")
        if not transit or len(transit) != 5:
            raise GiftnetError(ErrorCode.invalid_input, N_("Transit number has 5 digits."), field="transit_number")
        if routing:
            raise GiftnetError(
                ErrorCode.invalid_input, N_("Canadian accounts have institution and transit numbers, not a routing number."),
                field="routing_number",
            )
        account_range = (7, 12)
    if not account or not account_range[0] <= len(account) <= account_range[1]:
        raise GiftnetError(
            ErrorCode.invalid_input,
            N_("Account number has {value} to {value2} digits."),
            field="account_number", params={"value": account_range[0], "value2": account_range[1]},
        )
    account_type = (account_type or "checking").lower()
    if account_type not in ACCOUNT_TYPES:
        raise GiftnetError(ErrorCode.invalid_input, N_("Account type must be checking or savings."), field="account_type")
    return {
        "bank_country": country,
        "routing_number": routing if country == "US" else None,
        "institution_number": institution if country == "CA" else None,
        "transit_number": transit if country == "CA" else None,
        "account_number_encrypted": crypto.encrypt(account),
        "account_last4": account[-4:],
        "account_type": account_type,
    }


def clean_location_fields(raw: dict, *, partial: bool = False) -> dict:
    """The validated column values for `raw`; refuses the first wrong field with a clear message.

    With `partial`, only the fields present are checked (PATCH); bank fields are always
    checked together, since a routing number means nothing without its account.
    """
    unknown = set(raw) - set(LOCATION_FIELDS)
    if unknown:
        field = sorted(unknown)[0]
        raise GiftnetError(ErrorCode.invalid_input, N_("Unknown field: {field}."), field=field, params={"field": field})
    clean: dict = {}

    def present(field: str) -> bool:
        return not partial or field in raw

    if present("name"):
        clean["name"] = required_text(raw.get("name"), field="name", max_length=120, label="The name")
    if present("email"):
        if not isinstance(raw.get("email"), str) or not raw.get("email", "").strip():
            raise GiftnetError(ErrorCode.invalid_email, N_("The location's email is required."), field="email")
        clean["email"] = normalize_email(raw.get("email"), field="email")
    for field, max_length in (("phone", 40), ("address", 255), ("external_id", 64)):
        if present(field):
            clean[field] = optional_text(raw.get(field), field=field, max_length=max_length)
    clean.update(counter_modes.clean_counter_fields(raw, partial=partial))  # `mode` and the accepts_* switches
    for field in ("item_webhook_url", "notify_webhook_url"):
        if present(field):
            clean[field] = optional_outbound_url(raw.get(field), field=field)
    if present("notify_items_email"):
        clean["notify_items_email"] = _bool(raw.get("notify_items_email", False), field="notify_items_email")
    if present("active"):
        clean["active"] = _bool(raw.get("active", True) if raw.get("active") not in ("", None) else True, field="active")
    if present("is_test"):  # a test location: the shop's test cards can be tried here (test mode)
        clean["is_test"] = _bool(raw.get("is_test", False), field="is_test")
    if present("commission_bps"):
        clean["commission_bps"] = _commission(raw.get("commission_bps"))
    if not partial or any(field in raw for field in BANK_FIELDS):
        clean.update(clean_bank_fields(raw))
    return clean


def _external_id_taken(session: Session, operator_id: int, external_id: str | None, except_id: int | None) -> bool:
    if not external_id:
        return False
    statement = select(Location.id).where(Location.operator_id == operator_id, Location.external_id == external_id)
    if except_id is not None:
        statement = statement.where(Location.id != except_id)
    return session.exec(statement).first() is not None


# Where and how much a location is paid: owners only, so that no one else can send a
# location's payouts to another account or change what the network keeps.
PAYOUT_COLUMNS = ("bank_country", "routing_number", "institution_number", "transit_number",
                  "account_number_encrypted", "account_last4", "account_type", "commission_bps")
PAYOUT_DOING = "set a location's bank details or commission"


def payout_columns_set(clean: dict, current: Location | None = None) -> list[str]:
    """The payout columns `clean` would give a value (new location) or change (existing one)."""
    if current is None:
        return [column for column in PAYOUT_COLUMNS if clean.get(column) is not None]
    return [column for column in PAYOUT_COLUMNS if column in clean and (
        column == "account_number_encrypted" or getattr(current, column) != clean[column])]


def create_location(actor: Actor, raw: dict) -> Location:
    """A new location of the actor's operator. Its device activation link is sent by the caller."""
    clean = clean_location_fields(raw)
    with write_session() as session:
        if payout_columns_set(clean):
            require_owner(actor, PAYOUT_DOING, session=session)
        if _external_id_taken(session, actor.operator_id, clean.get("external_id"), None):
            raise GiftnetError(
                ErrorCode.conflict, N_("Another location already has this external id."), field="external_id"
            )
        location = Location(operator_id=actor.operator_id, **clean)
        session.add(location)
        session.flush()
        audit.record(session, actor, "location.created", target_type="location", target_id=location.id,
                     summary=f"Location “{location.name}” created", changes=audit.diff({}, _audited(clean)))
    events.publish(events.Event(actor.operator_id, "location.created", {"location_id": location.id, "name": location.name}))
    return location


def update_location(actor: Actor, location_id: int, raw: dict) -> Location:
    clean = clean_location_fields(raw, partial=True)
    with write_session() as session:
        location = _location_or_404(session, actor.operator_id, location_id)
        if payout_columns_set(clean, location):
            require_owner(actor, PAYOUT_DOING, session=session)
        if "external_id" in clean and _external_id_taken(session, actor.operator_id, clean["external_id"], location.id):
            raise GiftnetError(
                ErrorCode.conflict, N_("Another location already has this external id."), field="external_id"
            )
        before = _audited({field: getattr(location, field) for field in clean})
        for field, value in clean.items():
            setattr(location, field, value)
        counter_modes.require_a_way_to_redeem(location)
        location.updated_at = utcnow()
        session.add(location)
        changes = audit.diff(before, _audited(clean))
        if changes:
            audit.record(session, actor, "location.updated", target_type="location", target_id=location.id,
                         summary=f"Location “{location.name}” updated: {', '.join(changes)}", changes=changes)
    counter_modes.publish_location_updated(actor.operator_id, location.id, list(changes))
    return location


def _audited(values: dict) -> dict:
    """Location columns as the audit trail keeps them: the account by its last 4, never its ciphertext."""
    return {field: value for field, value in values.items() if field != "account_number_encrypted"}


def _location_or_404(session: Session, operator_id: int, location_id: int) -> Location:
    return owned_row(session, Location, location_id, operator_id, missing=N_("No such location."))


def location_or_404(session: Session, operator_id: int, location_id: int) -> Location:
    """The operator's location in the caller's session; another operator's: not_found."""
    return _location_or_404(session, operator_id, location_id)


def get_location(operator_id: int, location_id: int) -> Location:
    with read_session() as session:
        return _location_or_404(session, operator_id, location_id)


@dataclass(frozen=True)
class LocationPage:
    locations: list[Location]
    next_cursor: int | None


def list_locations(
    operator_id: int,
    *,
    query: str | None = None,
    mode: str | None = None,
    active: bool | None = None,
    limit: int = 25,
    cursor: int | None = None,
) -> LocationPage:
    """Newest first; `query` matches name, email or external id."""
    limit = max(1, min(int(limit), MAX_PAGE))
    statement = select(Location).where(Location.operator_id == operator_id)
    if query:
        needle = f"%{query.strip().lower()}%"
        statement = statement.where(
            or_(
                func.lower(Location.name).like(needle),
                Location.email.like(needle),
                func.lower(Location.external_id).like(needle),
            )
        )
    if mode:
        statement = statement.where(counter_modes.mode_condition(mode))
    if active is not None:
        statement = statement.where(Location.active.is_(active))
    rows, next_cursor = id_page(statement, Location, limit=limit, cursor=cursor)
    return LocationPage(locations=rows, next_cursor=next_cursor)


def bank_summary(location: Location) -> str:
    """How screens show payout details: never the account number, only its last 4."""
    if not location.bank_country:
        return "No bank details"
    if location.bank_country == "US":
        route = f"routing {location.routing_number}"
    else:
        route = f"institution {location.institution_number}, transit {location.transit_number}"
    return f"{location.bank_country} {location.account_type} •••• {location.account_last4} ({route})"


def account_number(location: Location) -> str | None:
    """The full account number, for bank files only."""
    if not location.account_number_encrypted:
        return None
    return crypto.decrypt(location.account_number_encrypted)


def recent_redemptions(operator_id: int, location_id: int, limit: int = 10) -> list[tuple[Redemption, str, str | None]]:
    """The location's newest redemptions, each with its card's last 4 and the device code (if any)."""
    with read_session() as session:
        _location_or_404(session, operator_id, location_id)
        return list(
            session.exec(
                select(Redemption, Card.last4, Device.code)
                .join(Card, Card.id == Redemption.card_id)
                .outerjoin(Device, Device.id == Redemption.device_id)
                .where(Redemption.operator_id == operator_id, Redemption.location_id == location_id)
                .order_by(Redemption.id.desc())
                .limit(max(1, min(int(limit), MAX_PAGE)))
            ).all()
        )


@dataclass(frozen=True)
class RedemptionPage:
    """A page of a location's redemptions, newest first: each with its card's last 4 and
    the device code (if any). `next_cursor` is the last redemption's id (None: last page)."""

    rows: list[tuple[Redemption, str, str | None]]
    next_cursor: int | None


def redemption_page(operator_id: int, location_id: int, *, limit: int = 10, cursor: int | None = None) -> RedemptionPage:
    """The location's redemptions, newest first, a page at a time. Ordered by (created_at,
    id) so that `ix_redemption_location_created` serves both the filter and the order; the
    cursor is a redemption id, whose time is looked up (another location's id: first page)."""
    limit = max(1, min(int(limit), MAX_PAGE))
    with read_session() as session:
        _location_or_404(session, operator_id, location_id)
        statement = (
            select(Redemption, Card.last4, Device.code)
            .join(Card, Card.id == Redemption.card_id)
            .outerjoin(Device, Device.id == Redemption.device_id)
            .where(Redemption.operator_id == operator_id, Redemption.location_id == location_id)
        )
        if cursor is not None:
            after = session.exec(select(Redemption.created_at).where(
                Redemption.id == cursor, Redemption.operator_id == operator_id,
                Redemption.location_id == location_id)).first()
            if after is not None:
                statement = statement.where(or_(Redemption.created_at < after,
                                                and_(Redemption.created_at == after, Redemption.id < cursor)))
        rows = list(session.exec(
            statement.order_by(Redemption.created_at.desc(), Redemption.id.desc()).limit(limit + 1)).all())
    has_more = len(rows) > limit
    rows = rows[:limit]
    return RedemptionPage(rows=rows, next_cursor=rows[-1][0].id if has_more else None)

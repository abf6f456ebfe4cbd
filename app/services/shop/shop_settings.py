"""The shop's settings (what the cart and the widget offer and look like) and the
payment gateway's settings, one set of rules for the dashboard and the shop.

Both live as JSON on the operator, like the bank file settings
(`app.services.settlement.payout_settings`): `Operator.shop_settings` holds preset amounts, the
custom range, colours, logo and terms; `Operator.gateway_settings` holds the gateway
(`sandbox` by default: test mode) and its credentials, secrets stored encrypted
(`*_encrypted`) with their last 4 beside them, never shown again.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from sqlmodel import Session, select

from app.db import read_session, write_session
from app.integrations import bambora, forte
from app.integrations.payments import PaymentGateway
from app.integrations.sandbox import SandboxGateway
from app.models import Operator
from app.models.order import GATEWAYS
from app.services.core import audit, crypto, i18n
from app.services.core.actor import Actor
from app.services.core.errors import ErrorCode, GiftnetError
from app.services.core.i18n import N_
from app.services.core.money import format_cents
from app.services.core.roles import require_owner
from app.services.core.validation import optional_http_url, optional_outbound_url, optional_text
from app.settings import get_settings

DEFAULT_PRESETS = (2500, 5000, 10000)
COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
# None: the GATEWAY_TIMEOUT_SECONDS setting; unit tests shorten it here to meet a fake gateway
# that answers late.
GATEWAY_TIMEOUT_SECONDS: float | None = None

# Each gateway's fields: name -> (label, secret)
GATEWAY_FIELDS: dict[str, dict[str, tuple[str, bool]]] = {
    "sandbox": {},
    "bambora": {
        "merchant_id": ("merchant ID", False),
        "payments_passcode": ("Payments API passcode", True),
        "reporting_passcode": ("Reporting API passcode", True),
        "base_url": ("API address", False),
    },
    "forte": {
        "organization_id": ("organization ID (org_...)", False),
        "location_id": ("location ID (loc_...)", False),
        "api_access_id": ("API access ID", False),
        "api_secure_key": ("API secure key", True),
        # Public: Forte.js sends it from the shopper's browser with the card to make the token.
        "api_login_id": ("API Login ID (for Forte.js)", False),
        "base_url": ("API address", False),
    },
}
GATEWAY_REQUIRED = {
    "sandbox": (),
    "bambora": ("merchant_id", "payments_passcode"),
    "forte": ("organization_id", "location_id", "api_access_id", "api_secure_key", "api_login_id"),
}
DEFAULT_BASE_URLS = {"bambora": bambora.LIVE_BASE_URL, "forte": forte.LIVE_BASE_URL}
# What each gateway can charge (its client's own list, so the two never disagree).
GATEWAY_CURRENCIES: dict[str, tuple[str, ...]] = {
    "sandbox": SandboxGateway.currencies,
    "bambora": bambora.BamboraGateway.currencies,
    "forte": forte.ForteGateway.currencies,
}


@dataclass(frozen=True)
class ShopSettings:
    preset_amounts_cents: tuple[int, ...]
    allow_custom: bool
    custom_min_cents: int
    custom_max_cents: int
    primary_colour: str = "#0f766e"  # white text on it reads 5.5:1
    background_colour: str = "#ffffff"
    logo_url: str | None = None
    terms: str | None = None


@dataclass(frozen=True)
class Shop:
    """What the public shop page needs to know about an operator."""

    operator_id: int
    slug: str
    name: str
    currency: str
    settings: ShopSettings
    gateway: str
    test_mode: bool
    # The network's languages: the shop speaks one of `offered_languages` (`default_language` first
    # when the shopper's browser asks for none of them).
    default_language: str = "en"
    offered_languages: tuple[str, ...] = ("en", "fr")


@dataclass(frozen=True)
class GatewaySettings:
    """What the dashboard shows: the gateway, its plain fields, and secrets by their last 4."""

    gateway: str
    fields: dict[str, str | None] = field(default_factory=dict)
    missing: tuple[str, ...] = ()
    modes: dict[str, str] = field(default_factory=dict)  # each gateway -> "test" | "live"

    @property
    def test_mode(self) -> bool:
        return self.modes.get(self.gateway, "test") == "test"


def _json(raw: str | None) -> dict:
    try:
        value = json.loads(raw or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _operator(session: Session, operator_id: int) -> Operator:
    operator = session.get(Operator, operator_id)
    if operator is None:
        raise GiftnetError(ErrorCode.not_found, N_("This operator does not exist."))
    return operator


# --- the shop -----------------------------------------------------------------------


def shop_settings_of(operator: Operator) -> ShopSettings:
    stored = _json(operator.shop_settings)
    low = max(int(stored.get("custom_min_cents") or operator.card_min_cents), operator.card_min_cents)
    high = min(int(stored.get("custom_max_cents") or operator.card_max_cents), operator.card_max_cents)
    presets = tuple(
        cents for cents in (stored.get("preset_amounts_cents") or DEFAULT_PRESETS)
        if operator.card_min_cents <= int(cents) <= operator.card_max_cents
    )
    return ShopSettings(
        preset_amounts_cents=presets,
        allow_custom=bool(stored.get("allow_custom", True)),
        custom_min_cents=low,
        custom_max_cents=max(low, high),
        primary_colour=stored.get("primary_colour") or "#0f766e",
        background_colour=stored.get("background_colour") or "#ffffff",
        logo_url=stored.get("logo_url") or None,
        terms=stored.get("terms") or None,
    )


def shop_by_slug(slug: str) -> Shop | None:
    """The operator's shop by its address, or None."""
    with read_session() as session:
        operator = session.exec(select(Operator).where(Operator.slug == (slug or "").strip().lower())).first()
        if operator is None:
            return None
        gateway = gateway_settings_of(operator).gateway
        return Shop(operator_id=operator.id, slug=operator.slug, name=operator.name, currency=operator.currency,
                    settings=shop_settings_of(operator), gateway=gateway, test_mode=gateway == "sandbox",
                    default_language=i18n.normalize(operator.default_language),
                    offered_languages=i18n.offered(operator.offered_languages))


def shop_slug(operator_id: int) -> str:
    """The address of the operator's shop (`/shop/<slug>`, and the embed's `data-shop`)."""
    with read_session() as session:
        return _operator(session, operator_id).slug


def get_shop_settings(operator_id: int) -> ShopSettings:
    with read_session() as session:
        return shop_settings_of(_operator(session, operator_id))


def _cents(raw: object, field_name: str, label: str) -> int:
    if isinstance(raw, str) and (raw.strip().isascii() and raw.strip().isdigit()):
        raw = int(raw.strip())
    if isinstance(raw, bool) or not isinstance(raw, int) or raw <= 0:
        raise GiftnetError(ErrorCode.invalid_amount, N_("The {label} must be a whole number of cents above zero."),
                           field=field_name, params={"label": label})
    return raw


def update_shop_settings(actor: Actor, changes: dict) -> ShopSettings:
    """Change the fields given: `preset_amounts_cents` (1 to 8 amounts within the card
    limits), `allow_custom`, `custom_min_cents` / `custom_max_cents` (within the card
    limits, min <= max), `primary_colour` / `background_colour` (#rrggbb), `logo_url`
    (http(s)), `terms` (up to 4000 characters). Refuses naming the field; nothing changes then.
    Owners only (`forbidden`)."""
    require_owner(actor, "change the shop settings")
    allowed = {"preset_amounts_cents", "allow_custom", "custom_min_cents", "custom_max_cents", "primary_colour",
               "background_colour", "logo_url", "terms"}
    unknown = sorted(set(changes) - allowed)
    if unknown:
        raise GiftnetError(ErrorCode.invalid_input, N_("Unknown field: {value}."), field=unknown[0], params={"value": unknown[0]})
    with write_session() as session:
        operator = _operator(session, actor.operator_id)
        stored = _json(operator.shop_settings)
        before = dict(stored)
        limits = f"between {format_cents(operator.card_min_cents)} and {format_cents(operator.card_max_cents)}"
        if "preset_amounts_cents" in changes:
            raw = changes["preset_amounts_cents"]
            if not isinstance(raw, list | tuple) or not 1 <= len(raw) <= 8:
                raise GiftnetError(ErrorCode.invalid_input, N_("Give 1 to 8 preset amounts."), field="preset_amounts_cents")
            presets = sorted({_cents(value, "preset_amounts_cents", "preset amount") for value in raw})
            if any(not operator.card_min_cents <= cents <= operator.card_max_cents for cents in presets):
                raise GiftnetError(ErrorCode.amount_out_of_range, N_("Preset amounts must be {limits}."),
                                   field="preset_amounts_cents", params={"limits": limits})
            stored["preset_amounts_cents"] = presets
        if "allow_custom" in changes:
            stored["allow_custom"] = bool(changes["allow_custom"])
        for name, label in (("custom_min_cents", "smallest custom amount"), ("custom_max_cents", "largest custom amount")):
            if name in changes:
                cents = _cents(changes[name], name, label)
                if not operator.card_min_cents <= cents <= operator.card_max_cents:
                    raise GiftnetError(ErrorCode.amount_out_of_range, N_("The {label} must be {limits}."), field=name, params={"label": label, "limits": limits})
                stored[name] = cents
        if int(stored.get("custom_min_cents") or 0) > int(stored.get("custom_max_cents") or 10**12):
            raise GiftnetError(ErrorCode.invalid_input, N_("The smallest custom amount is above the largest."),
                               field="custom_min_cents")
        for name in ("primary_colour", "background_colour"):
            if name in changes:
                colour = (changes[name] or "").strip()
                if not COLOUR.match(colour):
                    raise GiftnetError(ErrorCode.invalid_input, N_("A colour is written #rrggbb, like #0d9488."), field=name)
                stored[name] = colour.lower()
        if "logo_url" in changes:
            stored["logo_url"] = optional_http_url(changes["logo_url"], field="logo_url")
        if "terms" in changes:
            stored["terms"] = optional_text(changes["terms"], field="terms", max_length=4000)
        operator.shop_settings = json.dumps(stored, sort_keys=True)
        session.add(operator)
        session.flush()
        audit.record_settings_change(session, actor, "shop_settings.changed", audit.diff(before, stored),
                                     summary="Shop settings changed")
        return shop_settings_of(operator)


# --- the gateway --------------------------------------------------------------------
#
# Bambora and Forte credentials are tried before they are kept: one read-only call to the
# gateway (`check_credentials`) that moves no money. Saving is refused with the gateway's
# own words when it turns them away, and when it cannot be reached, so a stored setting
# always once worked; "Test connection" makes the same call without saving.


def gateway_mode(gateway: str, section: dict) -> str:
    """`test` or `live`: the sandbox is test mode; Bambora and Forte are live at their live
    API address and test anywhere else (Forte's sandbox, a local stand-in)."""
    if gateway == "sandbox":
        return "test"
    address = (section.get("base_url") or DEFAULT_BASE_URLS[gateway]).rstrip("/")
    return "live" if address == DEFAULT_BASE_URLS[gateway] else "test"


def order_test_mode(operator: Operator, gateway: str) -> bool:
    """Whether an order paid through `gateway` (with the operator's stored settings) moves no
    real money: its cards are test cards, and it may top up only test cards."""
    return gateway_mode(gateway, gateway_section(operator, gateway)) == "test"


def _missing(gateway: str, section: dict) -> tuple[str, ...]:
    return tuple(name for name in GATEWAY_REQUIRED[gateway]
                 if not section.get(f"{name}_encrypted" if GATEWAY_FIELDS[gateway][name][1] else name))


def gateway_settings_of(operator: Operator) -> GatewaySettings:
    stored = _json(operator.gateway_settings)
    gateway = stored.get("gateway") if stored.get("gateway") in GATEWAYS else "sandbox"
    section = stored.get(gateway) or {}
    shown: dict[str, str | None] = {}
    for name, (_label, secret) in GATEWAY_FIELDS[gateway].items():
        shown[name.replace("passcode", "passcode_last4").replace("secure_key", "secure_key_last4") if secret else name] = (
            section.get(f"{name}_last4") if secret else section.get(name)
        )
    modes = {name: gateway_mode(name, stored.get(name) or {}) for name in GATEWAY_FIELDS}
    return GatewaySettings(gateway=gateway, fields=shown, missing=_missing(gateway, section), modes=modes)


def get_gateway_settings(operator_id: int) -> GatewaySettings:
    with read_session() as session:
        return gateway_settings_of(_operator(session, operator_id))


def _proposed_section(actor: Actor, gateway: str, values: dict | None) -> dict:
    """The gateway's stored section with `values` applied (secrets encrypted; an empty
    secret keeps the stored one). Refuses an unknown gateway or field, a bad value, and
    required fields still missing. Writes nothing."""
    if gateway not in GATEWAYS:
        raise GiftnetError(ErrorCode.invalid_input, N_("Choose sandbox, bambora or forte."), field="gateway")
    values = values or {}
    fields = GATEWAY_FIELDS[gateway]
    unknown = sorted(set(values) - set(fields))
    if unknown:
        raise GiftnetError(ErrorCode.invalid_input, N_("Unknown field: {value}."), field=unknown[0], params={"value": unknown[0]})
    with read_session() as session:
        section = dict(_json(_operator(session, actor.operator_id).gateway_settings).get(gateway) or {})
    for name, raw in values.items():
        _label, secret = fields[name]
        if name == "base_url":
            section[name] = optional_outbound_url(raw, field=name)
            continue
        text = optional_text(raw, field=name, max_length=200)
        if secret:
            if text:  # empty: keep what is stored
                section[f"{name}_encrypted"] = crypto.encrypt(text)
                section[f"{name}_last4"] = text[-4:]
        else:
            section[name] = text
    missing = _missing(gateway, section)
    if missing:
        label = fields[missing[0]][0]
        raise GiftnetError(ErrorCode.invalid_input, N_("Enter the {title} {label}."), field=missing[0], params={"title": gateway.title(), "label": label})
    return section


def _require_accepted(gateway: str, section: dict, *, saving: bool) -> str:
    """Ask the gateway whether it takes these credentials; the sentence saying it does, or
    `invalid_input` with the gateway's own message (field: the credential it refused) or
    `unavailable` when it cannot be reached."""
    if gateway == "sandbox":
        return "The sandbox needs no credentials: TEST MODE, no real money moves."
    name = gateway.title()
    address = section.get("base_url") or DEFAULT_BASE_URLS[gateway]
    check = _client(gateway, section).check_credentials()
    if check.outcome == "unreachable":
        raise GiftnetError(ErrorCode.unavailable,
                           f"{name} could not be reached at {address}" + (", so nothing was saved" if saving else "")
                           + f". Check the API address or try again in a moment ({check.message})", field="base_url")
    if check.outcome == "refused":
        field_name = check.field if check.field in GATEWAY_FIELDS[gateway] else None
        advice = f" Check the {GATEWAY_FIELDS[gateway][field_name][0]}." if field_name else ""
        raise GiftnetError(ErrorCode.invalid_input,
                           f"{name} refused these credentials: {check.message.rstrip('.')}"
                           + ("; nothing was saved." if saving else ".") + advice, field=field_name)
    mode = "TEST MODE" if gateway_mode(gateway, section) == "test" else "LIVE: real cards are charged"
    return f"{name} accepted these credentials ({mode})."


def _require_currency(operator_id: int, gateway: str) -> None:
    """A gateway that cannot charge the network's currency is refused when it is chosen, not
    when the first shopper pays (Forte charges US dollars only)."""
    with read_session() as session:
        currency = _operator(session, operator_id).currency
    if currency not in GATEWAY_CURRENCIES[gateway]:
        raise GiftnetError(ErrorCode.invalid_currency,
                           N_("{title} charges {join} only, and this network sells its cards in {currency}: choose a gateway that charges {currency}."), field="gateway", params={"title": gateway.title(), "join": ' or '.join(GATEWAY_CURRENCIES[gateway]), "currency": currency})


def check_gateway_connection(actor: Actor, gateway: str, values: dict | None = None) -> str:
    """What "Test connection" says: the same check saving makes, on the fields given (empty
    secrets: the stored ones), without saving anything. Refuses as `update_gateway_settings`
    does. Owners only (`forbidden`)."""
    require_owner(actor, "test the payment gateway")
    return _require_accepted(gateway, _proposed_section(actor, gateway, values), saving=False)


def update_gateway_settings(actor: Actor, gateway: str, values: dict | None = None) -> GatewaySettings:
    """Choose the gateway and change its fields; a secret left empty keeps the stored one.
    Refuses a live gateway whose required fields are still missing (the shop keeps working),
    and Bambora or Forte credentials the gateway refuses (`invalid_input`, with its message)
    or cannot be asked about (`unavailable`): nothing is saved then. Owners only (`forbidden`)."""
    require_owner(actor, "change the payment gateway")
    section = _proposed_section(actor, gateway, values)
    _require_currency(actor.operator_id, gateway)
    # The gateway is asked outside the write transaction: a slow answer must not hold the database.
    _require_accepted(gateway, section, saving=True)
    with write_session() as session:
        operator = _operator(session, actor.operator_id)
        stored = _json(operator.gateway_settings)
        before = json.loads(json.dumps(stored))  # a deep copy, for the audit trail
        stored[gateway] = section
        stored["gateway"] = gateway
        operator.gateway_settings = json.dumps(stored, sort_keys=True)
        session.add(operator)
        session.flush()
        audit.record_settings_change(session, actor, "gateway_settings.changed", audit.diff_stored(before, stored),
                                     summary="Payment gateway settings changed")
        return gateway_settings_of(operator)


def gateway_section(operator: Operator, gateway: str) -> dict:
    """The stored fields of one gateway (secrets still encrypted)."""
    return _json(operator.gateway_settings).get(gateway) or {}


def _secret(section: dict, name: str) -> str:
    encrypted = section.get(f"{name}_encrypted")
    plain = crypto.decrypt(encrypted) if encrypted else None
    if encrypted and plain is None:
        raise GiftnetError(ErrorCode.conflict, N_("The gateway credentials cannot be read (the secret key changed); "
                           "enter them again in the Widget settings."), field=name)
    return plain or ""


def _client(gateway: str, section: dict) -> PaymentGateway:
    test_mode = gateway_mode(gateway, section) == "test"
    if gateway == "bambora":
        return bambora.BamboraGateway(
            merchant_id=section.get("merchant_id") or "",
            payments_passcode=_secret(section, "payments_passcode"),
            reporting_passcode=_secret(section, "reporting_passcode"),
            base_url=section.get("base_url") or DEFAULT_BASE_URLS["bambora"],
            timeout_seconds=GATEWAY_TIMEOUT_SECONDS or get_settings().gateway_timeout_seconds,
            test_mode=test_mode,
        )
    if gateway == "forte":
        return forte.ForteGateway(
            organization_id=section.get("organization_id") or "",
            location_id=section.get("location_id") or "",
            api_access_id=section.get("api_access_id") or "",
            api_secure_key=_secret(section, "api_secure_key"),
            base_url=section.get("base_url") or DEFAULT_BASE_URLS["forte"],
            timeout_seconds=GATEWAY_TIMEOUT_SECONDS or get_settings().gateway_timeout_seconds,
            test_mode=test_mode,
        )
    return SandboxGateway()


def gateway_named(operator: Operator, gateway: str) -> PaymentGateway:
    """The gateway client for `gateway` with the operator's credentials."""
    return _client(gateway, _json(operator.gateway_settings).get(gateway) or {})


__all__ = [
    "GatewaySettings",
    "Shop",
    "ShopSettings",
    "check_gateway_connection",
    "gateway_mode",
    "gateway_named",
    "order_test_mode",
    "gateway_section",
    "gateway_settings_of",
    "get_gateway_settings",
    "get_shop_settings",
    "shop_by_slug",
    "shop_settings_of",
    "update_gateway_settings",
    "update_shop_settings",
]

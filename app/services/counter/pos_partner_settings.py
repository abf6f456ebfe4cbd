"""A location's POS partner settings (Square, Clover, Shopify POS): what the operator pastes
from the partner, kept with its secrets encrypted (app/services/core/crypto.py) and never
shown again (the views say only whether each secret is on file).

Owners only (app/services/core/roles.py); another operator's location is not found. A
secret left empty keeps the one on file, so a form or a PUT can change the other fields
without the secret; the first setting needs it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlparse

from sqlmodel import Session, select

from app.db import read_session, write_session
from app.integrations import outbound
from app.models import Location, PosPartnerAccount
from app.models.base import utcnow
from app.models.pos_partner import PosPartner
from app.services.core import crypto
from app.services.core.actor import Actor
from app.services.core.errors import ErrorCode, GiftnetError
from app.services.core.i18n import N_
from app.services.core.roles import require_owner
from app.services.core.rows import owned_row
from app.services.core.validation import optional_text, required_text
from app.services.counter import square_pos
from app.services.network import counter_modes
from app.settings import get_settings

CLOVER_PRODUCTION_API = "https://api.clover.com"
_CLOVER_MERCHANT_ID = re.compile(r"^[A-Za-z0-9]{1,64}$")
_SHOP_DOMAIN = re.compile(r"^[a-z0-9][a-z0-9-]*(\.[a-z0-9][a-z0-9-]*)+$")


@dataclass(frozen=True)
class PartnerSettingsView:
    """One partner's settings as an answer shows them: no secret, only whether it is on file."""

    partner: str
    configured: bool
    receiver_url: str  # where the partner must send its webhooks
    settings: dict = field(default_factory=dict)  # the partner's plain fields
    secrets_on_file: dict = field(default_factory=dict)  # {"signature_key": True, ...}
    verification_code: str | None = None  # Clover: paste it in Clover's dashboard
    verification_code_at: datetime | None = None


def receiver_url(partner: str, location_id: int) -> str:
    return f"{get_settings().public_url}/api/v1/pos/{partner}/{location_id}"


def account_for(session: Session, location_id: int, partner: str) -> PosPartnerAccount | None:
    return session.exec(select(PosPartnerAccount).where(PosPartnerAccount.location_id == location_id,
                                                        PosPartnerAccount.partner == partner)).first()


def _http_url(raw: object, *, field_name: str, label: str) -> str:
    url = required_text(raw, field=field_name, max_length=500, label=label)
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise GiftnetError(ErrorCode.invalid_input, N_("{label} must be an http(s) URL."), field=field_name, params={"label": label})
    return url


def _api_address(raw: object) -> str:
    """Clover's API address, which this server calls: on the public internet only."""
    url = _http_url(raw, field_name="base_url", label="The Clover API address")
    try:
        outbound.check_url(url)
    except outbound.OutboundRefused as refused:
        raise GiftnetError(ErrorCode.invalid_input, N_("The Clover API address must point to a server on the public "
                                                       "internet: {reason}."),
                           field="base_url", params={"reason": refused.reason}) from None
    return url


def _secret(raw: object, on_file: str | None, *, field_name: str, label: str) -> str:
    """The encrypted secret to keep: the new one, or the one on file when none was sent."""
    text = optional_text(raw, field=field_name, max_length=300)
    if text:
        return crypto.encrypt(text)
    if on_file:
        return on_file
    raise GiftnetError(ErrorCode.invalid_input, N_("{label} is required."), field=field_name, params={"label": label})


def configure_partner(actor: Actor, location_id: int, partner: str, fields: dict) -> PartnerSettingsView:
    """Keep the location's settings for `partner` (square | clover | shopify) and answer them masked.

    square: `signature_key`, `notification_url`, `tender_type` (default OTHER_GIFT_CARD);
    clover: `merchant_id`, `api_token`, `tender_label`, optional `auth_code` (the Clover Auth
    Code Clover shows once the webhook is verified) and `base_url` (default Clover's production API);
    shopify: `shop_domain`, `webhook_secret`, `payment_method_name`.
    """
    require_owner(actor, "change a location's POS settings")
    if partner not in (PosPartner.square, PosPartner.clover, PosPartner.shopify):
        raise GiftnetError(ErrorCode.not_found, N_("No POS partner called {partner}."), field="partner", params={"partner": partner})
    with read_session() as session:
        owned_row(session, Location, location_id, actor.operator_id, missing=N_("No such location."))
    if partner == PosPartner.square:
        square_pos.configure_square(
            actor.operator_id, location_id, signature_key=optional_text(fields.get("signature_key"),
                                                                         field="signature_key", max_length=200),
            notification_url=_http_url(fields.get("notification_url"), field_name="notification_url",
                                       label="The notification URL"),
            tender_type=str(fields.get("tender_type") or square_pos.DEFAULT_TENDER),
        )
        return partner_settings(actor.operator_id, location_id)[partner]
    with write_session() as session:
        account = account_for(session, location_id, partner) or PosPartnerAccount(
            operator_id=actor.operator_id, location_id=location_id, partner=partner, account_id="",
            secret_encrypted="", tender_name="")
        if partner == PosPartner.clover:
            merchant_id = required_text(fields.get("merchant_id"), field="merchant_id", max_length=64,
                                        label="The Clover merchant id")
            if not _CLOVER_MERCHANT_ID.match(merchant_id):
                raise GiftnetError(ErrorCode.invalid_input, N_("The Clover merchant id is letters and digits only "
                                                            "(as Clover's dashboard shows it)."), field="merchant_id")
            account.account_id = merchant_id
            account.secret_encrypted = _secret(fields.get("api_token"), account.secret_encrypted or None,
                                               field_name="api_token", label="The Clover API token")
            account.tender_name = required_text(fields.get("tender_label"), field="tender_label", max_length=120,
                                                label="The tender label")
            auth_code = optional_text(fields.get("auth_code"), field="auth_code", max_length=200)
            if auth_code:
                account.auth_code_encrypted = crypto.encrypt(auth_code)
            account.base_url = (_api_address(fields["base_url"]) if fields.get("base_url")
                                else CLOVER_PRODUCTION_API).rstrip("/")
        else:
            domain = required_text(fields.get("shop_domain"), field="shop_domain", max_length=255,
                                   label="The shop domain").lower().removeprefix("https://").rstrip("/")
            if not _SHOP_DOMAIN.match(domain):
                raise GiftnetError(ErrorCode.invalid_input, N_("The shop domain looks like your-shop.myshopify.com."),
                                   field="shop_domain")
            account.account_id = domain
            account.secret_encrypted = _secret(fields.get("webhook_secret"), account.secret_encrypted or None,
                                               field_name="webhook_secret", label="The webhook secret")
            account.tender_name = required_text(fields.get("payment_method_name"), field="payment_method_name",
                                                max_length=120, label="The payment method name")
        account.updated_at = utcnow()
        session.add(account)
        # Connecting a partner turns POS payments on (recorded; the answer's settings say so).
        location = session.get(Location, location_id)
        turned_on = counter_modes.enable_pos_payments(session, location, f"{partner.title()} connected", actor=actor)
    if turned_on:
        counter_modes.publish_location_updated(actor.operator_id, location_id, ["accepts_pos_payments"])
    return partner_settings(actor.operator_id, location_id)[partner]


def partner_settings(operator_id: int, location_id: int) -> dict[str, PartnerSettingsView]:
    """Every partner's settings of the location, masked (another operator's location: not found)."""
    with read_session() as session:
        location = owned_row(session, Location, location_id, operator_id, missing=N_("No such location."))
        accounts = {account.partner: account for account in session.exec(
            select(PosPartnerAccount).where(PosPartnerAccount.location_id == location_id)).all()}
    views = {PosPartner.square.value: PartnerSettingsView(
        partner=PosPartner.square, receiver_url=receiver_url(PosPartner.square, location_id),
        configured=bool(location.square_signature_key_encrypted and location.square_notification_url),
        settings={"notification_url": location.square_notification_url,
                  "tender_type": location.square_tender_type or square_pos.DEFAULT_TENDER},
        secrets_on_file={"signature_key": bool(location.square_signature_key_encrypted)},
    )}
    clover = accounts.get(PosPartner.clover)
    views[PosPartner.clover.value] = PartnerSettingsView(
        partner=PosPartner.clover, receiver_url=receiver_url(PosPartner.clover, location_id),
        configured=clover is not None and bool(clover.auth_code_encrypted),
        settings={"merchant_id": clover.account_id if clover else None,
                  "tender_label": clover.tender_name if clover else None,
                  "base_url": clover.base_url if clover else CLOVER_PRODUCTION_API},
        secrets_on_file={"api_token": bool(clover and clover.secret_encrypted),
                         "auth_code": bool(clover and clover.auth_code_encrypted)},
        verification_code=clover.verification_code if clover else None,
        verification_code_at=clover.verification_code_at if clover else None,
    )
    shopify = accounts.get(PosPartner.shopify)
    views[PosPartner.shopify.value] = PartnerSettingsView(
        partner=PosPartner.shopify, receiver_url=receiver_url(PosPartner.shopify, location_id),
        configured=shopify is not None,
        settings={"shop_domain": shopify.account_id if shopify else None,
                  "payment_method_name": shopify.tender_name if shopify else None},
        secrets_on_file={"webhook_secret": bool(shopify and shopify.secret_encrypted)},
    )
    return views

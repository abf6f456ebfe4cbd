"""Square POS: its webhooks (`payment.created`, `payment.updated`, `refund.created`,
`refund.updated`) for payments taken with the tender the location set for gift cards.

Square signs each delivery with the subscription's signature key: `x-square-hmacsha256-
signature` is base64 HMAC-SHA256(key, notification URL + raw body). The payment's life
(created once, cancelled, refunded) is `partner_payments`; this module reads Square's shape:
- the amount is the payment's `total_money` (amount plus tip; `tip_money` is the tip),
  in the currency Square says; another currency than the operator's is refused;
- `COMPLETED`: paid; `CANCELED` / `FAILED`: voided; `APPROVED` / `PENDING`: nothing yet;
- a refund counts once `COMPLETED`, for the gift-card tender (`destination_details.
  external_details.type`) or for a payment we already hold.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

from sqlmodel import select

from app.db import read_session, write_session
from app.models import Location
from app.models.redemption import PosPaymentSource
from app.services.core import crypto
from app.services.core.errors import ErrorCode, GiftnetError
from app.services.core.i18n import N_
from app.services.core.validation import required_text
from app.services.counter import pos_log
from app.services.counter.partner_payments import (
    PartnerOutcome,
    PartnerPayment,
    find_payment,
    operator_currency,
    take_paid,
    take_refund,
    take_voided,
)
from app.services.network import counter_modes

# What the receiver answers: `partner_payments.PartnerOutcome`, under Square's older name.
SquareOutcome = PartnerOutcome

PAYMENT_EVENTS = ("payment.created", "payment.updated")
REFUND_EVENTS = ("refund.created", "refund.updated")
SQUARE_PAID = "COMPLETED"
SQUARE_VOIDED = ("CANCELED", "FAILED")
DEFAULT_TENDER = "OTHER_GIFT_CARD"
SOURCE = PosPaymentSource.square


def square_signature(signature_key: str, notification_url: str, raw_body: bytes) -> str:
    """Square's `x-square-hmacsha256-signature`: base64 HMAC-SHA256(key, notification_url + body)."""
    digest = hmac.new(signature_key.encode(), notification_url.encode() + raw_body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def configure_square(operator_id: int, location_id: int, *, signature_key: str | None, notification_url: str,
                     tender_type: str = DEFAULT_TENDER) -> Location:
    """Keep the location's Square settings; the signature key is encrypted, and an empty one keeps
    the key on file (refused when there is none). Who may do it is the caller's check
    (`pos_partner_settings.configure_partner` for the API)."""
    with write_session() as session:
        location = session.exec(select(Location).where(Location.id == location_id,
                                                       Location.operator_id == operator_id)).first()
        if location is None:
            raise GiftnetError(ErrorCode.not_found, N_("No such location."))
        if signature_key or not location.square_signature_key_encrypted:
            location.square_signature_key_encrypted = crypto.encrypt(
                required_text(signature_key, field="signature_key", max_length=200, label="The signature key"))
        location.square_notification_url = required_text(notification_url, field="notification_url", max_length=500,
                                                          label="The notification URL")
        location.square_tender_type = required_text(tender_type or DEFAULT_TENDER, field="tender_type", max_length=40)
        session.add(location)
        turned_on = counter_modes.enable_pos_payments(session, location, "Square connected")  # connecting turns them on
    if turned_on:
        counter_modes.publish_location_updated(operator_id, location_id, ["accepts_pos_payments"])
    return location


def _money(value: object, what: str) -> tuple[int, str | None]:
    amount = (value or {}).get("amount") if isinstance(value, dict) else None
    if isinstance(amount, bool) or not isinstance(amount, int) or amount < 0:
        raise GiftnetError(ErrorCode.invalid_input, N_("The Square {what} has no amount in the smallest unit."), params={"what": what})
    currency = value.get("currency")
    return amount, str(currency).upper() if currency else None


def receive_square_webhook(location_id: int, raw_body: bytes, signature: str | None) -> PartnerOutcome:
    """Check the signature, then follow a gift-card payment's life from Square's events.

    Refuses (401) a missing or wrong signature, 404 a location without Square settings, 400 a
    body that is not a Square event; a gift-card payment for a location that does not take
    POS payments is refused (403), as a push would be. Other events and tenders are
    acknowledged and ignored (`ignored_event`, `ignored_tender`).
    """
    with read_session() as session:
        location = session.get(Location, location_id)
    key = crypto.decrypt(location.square_signature_key_encrypted) if location and \
        location.square_signature_key_encrypted else None
    if location is None or not key or not location.square_notification_url:
        raise GiftnetError(ErrorCode.not_found, N_("No Square integration for this location."))
    expected = square_signature(key, location.square_notification_url, raw_body)
    if not signature or not hmac.compare_digest(expected, signature.strip()):
        raise GiftnetError(ErrorCode.unauthenticated, N_("The Square signature does not match."),
                           field="x-square-hmacsha256-signature")
    try:
        body = json.loads(raw_body)
        event_id = str(body["event_id"])
        event_type = body.get("type")
        found = body.get("data", {}).get("object", {})
        if not isinstance(found, dict):
            raise TypeError
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise GiftnetError(ErrorCode.invalid_input, N_("This is not a Square webhook event.")) from error
    if event_type in REFUND_EVENTS:
        return _refund(location, event_type, event_id, found.get("refund") or {})
    if event_type not in PAYMENT_EVENTS:
        return PartnerOutcome(accepted=False, reason="ignored_event")
    payment = found.get("payment") or {}
    if not isinstance(payment, dict):
        raise GiftnetError(ErrorCode.invalid_input, N_("This is not a Square webhook event."))
    payment_id = str(payment.get("id") or body["data"].get("id") or event_id)
    tender = (payment.get("external_details") or {}).get("type") or payment.get("source_type")
    if tender != location.square_tender_type:
        return PartnerOutcome(accepted=False, reason="ignored_tender")
    total, currency = _money(payment.get("total_money") or payment.get("amount_money"), "payment")
    tip = _money(payment["tip_money"], "tip")[0] if payment.get("tip_money") else 0
    if total <= 0:
        raise GiftnetError(ErrorCode.invalid_input, N_("The Square payment has no positive total_money.amount."))
    paid = PartnerPayment(
        source=SOURCE,
        # Rows stored before payments were keyed by their Square id carry the event id.
        known_as=(payment_id[:128], event_id[:128]),
        amount_cents=total, tip_cents=tip, currency=currency or operator_currency(location),
        reference=str(payment.get("reference_id") or payment.get("receipt_number") or payment_id)[:120],
        terminal_id=str((payment.get("device_details") or {}).get("device_id") or "")[:64] or None,
    )
    status = str(payment.get("status") or SQUARE_PAID).upper()
    if status in SQUARE_VOIDED:
        return take_voided(location, paid, event_type=event_type, delivery_id=None)
    if status != SQUARE_PAID:
        return PartnerOutcome(accepted=False, reason="not_completed")
    return take_paid(location, paid, event_type=event_type)


def _refund(location: Location, event_type: str, event_id: str, refund: dict) -> PartnerOutcome:
    """A Square refund of a payment: counted once COMPLETED, for the gift-card tender only."""
    if not isinstance(refund, dict) or not refund.get("id") or not refund.get("payment_id"):
        raise GiftnetError(ErrorCode.invalid_input, N_("This Square refund event names no refund or payment."))
    payment_id = str(refund["payment_id"])[:128]
    tender = ((refund.get("destination_details") or {}).get("external_details") or {}).get("type")
    known = find_payment(location.id, SOURCE, (payment_id,))
    if tender != location.square_tender_type and known is None:
        return PartnerOutcome(accepted=False, reason="ignored_tender")
    if str(refund.get("status") or "").upper() != "COMPLETED":
        return PartnerOutcome(accepted=False, reason="not_completed", payment=known)
    amount, currency = _money(refund.get("amount_money"), "refund")
    expected_currency = operator_currency(location)
    if currency and currency != expected_currency:
        pos_log.record(location, SOURCE, event_type=event_type, outcome="other_currency", delivery_id=event_id,
                       message=f"A refund of {amount} {currency} was refused: this network's cards are in "
                               f"{expected_currency}.")
        return PartnerOutcome(accepted=False, reason="other_currency", payment=known)
    return take_refund(location, SOURCE, refund_id=str(refund["id"]), payment_known_as=(payment_id,),
                       refunded_cents=amount, event_type=event_type)

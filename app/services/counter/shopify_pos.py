"""Shopify POS (a manual payment method named for the network): Shopify's `orders/create`
and `order_transactions/create` webhooks.

How Shopify talks to us (shopify.dev, "Deliver webhooks through HTTPS"): a POST whose
`X-Shopify-Hmac-Sha256` header is base64(HMAC-SHA256(the app's webhook secret, raw body)),
compared in constant time; `X-Shopify-Topic` names the event, `X-Shopify-Shop-Domain` the
shop and `X-Shopify-Webhook-Id` the delivery (a redelivery has the same one, and is not
worked again). Money is decimal text ("23.50") in the order's `currency`, turned into
cents without floats.

One POS payment per Shopify order (`order:<id>`):
- `orders/create` of a POS order (`source_name` "pos") paid only with the payment method
  (`payment_gateway_names`): its `total_price` (tip included; `total_tip_received`);
  an order split between tenders waits for its transaction, which alone says the amount;
- `order_transactions/create`: a successful `sale` / `capture` with the payment method
  (`gateway`) is the payment of its order; a successful `refund` with it is a refund of it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import re
from dataclasses import dataclass

from app.db import read_session
from app.models import Location
from app.models.pos_partner import PosPartner
from app.models.redemption import PosPaymentSource
from app.services.core import crypto
from app.services.core.errors import ErrorCode, GiftnetError
from app.services.core.i18n import N_
from app.services.counter import pos_log
from app.services.counter.partner_payments import PartnerOutcome, PartnerPayment, take_paid, take_refund
from app.services.counter.pos_partner_settings import account_for

log = logging.getLogger(__name__)

SOURCE = PosPaymentSource.shopify
TOPICS = ("orders/create", "order_transactions/create")
_DECIMAL = re.compile(r"^(\d{1,9})(?:\.(\d{1,2}))?$")


def shopify_signature(secret: str, raw_body: bytes) -> str:
    """`X-Shopify-Hmac-Sha256`: base64 HMAC-SHA256(secret, raw body)."""
    return base64.b64encode(hmac.new(secret.encode(), raw_body, hashlib.sha256).digest()).decode()


def decimal_cents(value: object, *, what: str) -> int:
    """Shopify's decimal text ("23.5", "23.50") as integer cents, never through a float."""
    match = _DECIMAL.match(str(value).strip()) if isinstance(value, str | int) and not isinstance(value, bool) else None
    if match is None:
        raise GiftnetError(ErrorCode.invalid_input, N_("The Shopify {what} is not an amount like 23.50."), params={"what": what})
    whole, fraction = match.groups()
    return int(whole) * 100 + int((fraction or "0").ljust(2, "0"))


@dataclass(frozen=True)
class ShopifyDelivery:
    """The headers of a Shopify webhook delivery that we read."""

    topic: str | None
    hmac_sha256: str | None
    webhook_id: str | None = None
    shop_domain: str | None = None


def _same_method(name: object, method: str) -> bool:
    return isinstance(name, str) and name.strip().casefold() == method.strip().casefold()


def receive_shopify_webhook(location_id: int, raw_body: bytes, delivery: ShopifyDelivery) -> PartnerOutcome:
    """Check the signature, then turn a POS order paid with the payment method into a POS payment.

    404 without Shopify settings for the location; 401 for a missing or wrong
    `X-Shopify-Hmac-Sha256`; 400 for a body that is not Shopify's. Other topics, online
    orders, other payment methods and other shops are acknowledged and ignored.
    """
    with read_session() as session:
        location = session.get(Location, location_id)
        account = account_for(session, location_id, PosPartner.shopify) if location else None
    if location is None or account is None:
        raise GiftnetError(ErrorCode.not_found, N_("No Shopify POS integration for this location."))
    expected = shopify_signature(crypto.decrypt(account.secret_encrypted) or "", raw_body)
    if not delivery.hmac_sha256 or not hmac.compare_digest(expected.encode(), delivery.hmac_sha256.strip().encode()):
        raise GiftnetError(ErrorCode.unauthenticated, N_("The Shopify signature does not match."),
                           field="X-Shopify-Hmac-Sha256")
    if delivery.topic not in TOPICS:
        return PartnerOutcome(accepted=False, reason="ignored_event")
    if delivery.shop_domain and delivery.shop_domain.strip().lower() != account.account_id:
        log.info("Shopify webhook for shop %s at location %s (set up for %s): ignored", delivery.shop_domain,
                 location_id, account.account_id)
        return PartnerOutcome(accepted=False, reason="ignored_shop")
    if pos_log.delivery_seen(location_id, SOURCE, delivery.webhook_id):
        return PartnerOutcome(accepted=True, reason="duplicate")
    try:
        body = json.loads(raw_body)
        if not isinstance(body, dict) or "id" not in body:
            raise TypeError
    except (ValueError, TypeError) as error:
        raise GiftnetError(ErrorCode.invalid_input, N_("This is not a Shopify webhook body.")) from error
    if delivery.topic == "orders/create":
        return _order(location, account.tender_name, body, delivery)
    return _transaction(location, account.tender_name, body, delivery)


def _ignored(location: Location, reason: str, what: str) -> PartnerOutcome:
    log.info("Shopify at location %s: %s (%s)", location.id, what, reason)
    return PartnerOutcome(accepted=False, reason=reason)


def _order(location: Location, method: str, order: dict, delivery: ShopifyDelivery) -> PartnerOutcome:
    if order.get("source_name") != "pos":
        return _ignored(location, "ignored_source", f"order {order.get('id')} is not a POS order")
    gateways = order.get("payment_gateway_names") or []
    if not isinstance(gateways, list) or not any(_same_method(name, method) for name in gateways):
        return _ignored(location, "ignored_tender", f"order {order.get('id')} was not paid with {method}")
    if not all(_same_method(name, method) for name in gateways):
        # Split between tenders: only the transaction says how much the gift card paid.
        return _ignored(location, "waits_for_transaction", f"order {order.get('id')} was split between tenders")
    total = decimal_cents(order.get("total_price"), what="total_price")
    tip = decimal_cents(order["total_tip_received"], what="total_tip_received") if order.get("total_tip_received") \
        else 0
    return _paid(location, order_id=order["id"], amount_cents=total, tip_cents=tip,
                 currency=str(order.get("currency") or ""), reference=str(order.get("name") or order["id"]),
                 terminal_id=order.get("device_id"), delivery=delivery)


def _transaction(location: Location, method: str, transaction: dict, delivery: ShopifyDelivery) -> PartnerOutcome:
    if not _same_method(transaction.get("gateway"), method):
        return _ignored(location, "ignored_tender", f"transaction {transaction.get('id')} is not {method}")
    if transaction.get("source_name") not in (None, "pos"):
        return _ignored(location, "ignored_source", f"transaction {transaction.get('id')} is not from the POS")
    if transaction.get("status") != "success":
        return PartnerOutcome(accepted=False, reason="not_completed")
    if not transaction.get("order_id"):
        raise GiftnetError(ErrorCode.invalid_input, N_("This Shopify transaction names no order."))
    amount = decimal_cents(transaction.get("amount"), what="transaction amount")
    kind = transaction.get("kind")
    if kind == "refund":
        return take_refund(location, SOURCE, refund_id=f"txn:{transaction['id']}",
                           payment_known_as=(f"order:{transaction['order_id']}",), refunded_cents=amount,
                           event_type=delivery.topic or "", delivery_id=delivery.webhook_id)
    if kind not in ("sale", "capture"):
        return PartnerOutcome(accepted=False, reason="not_completed")
    return _paid(location, order_id=transaction["order_id"], amount_cents=amount, tip_cents=0,
                 currency=str(transaction.get("currency") or ""), reference=f"Order {transaction['order_id']}",
                 terminal_id=transaction.get("device_id"), delivery=delivery)


def _paid(location: Location, *, order_id: object, amount_cents: int, tip_cents: int, currency: str, reference: str,
          terminal_id: object, delivery: ShopifyDelivery) -> PartnerOutcome:
    if amount_cents <= 0:
        return PartnerOutcome(accepted=False, reason="not_completed")
    paid = PartnerPayment(source=SOURCE, known_as=(f"order:{order_id}",), amount_cents=amount_cents,
                          tip_cents=tip_cents, currency=currency.upper(), reference=reference[:120],
                          terminal_id=str(terminal_id)[:64] if terminal_id else None)
    return take_paid(location, paid, event_type=delivery.topic or "", delivery_id=delivery.webhook_id)

"""Clover and Shopify POS as the tests play them: the webhook messages each sends, signed as
each signs them (Clover: its `X-Clover-Auth` code; Shopify: base64 HMAC-SHA256 of the raw
body), and POS-mode locations connected to each (the `clover_till` and `shopify_till`
fixtures, in tests/support/fixtures.py)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

from app.services.counter import clover_pos, shopify_pos

CLOVER_AUTH_CODE = "0307e264-b33a-4913-88aa-37b10014a0b8"
CLOVER_APP_ID = "DRKVJT2ZRRRSC"
SHOPIFY_SECRET = "8f14e45fceea167a5a36dedd4bea2543"
SHOPIFY_SHOP = "bean-there.myshopify.com"
SHOPIFY_METHOD = "Giftnet gift card"


# --- Clover ---------------------------------------------------------------------------


def clover_notification(merchant_id: str, *updates: tuple[str, str]) -> bytes:
    """Clover's webhook message: `updates` are (payment id, CREATE | UPDATE | DELETE)."""
    now = int(time.time() * 1000)
    return json.dumps({"appId": CLOVER_APP_ID, "merchants": {merchant_id: [
        {"objectId": f"P:{payment_id}", "type": kind, "ts": now + index} for index, (payment_id, kind)
        in enumerate(updates)]}}).encode()


def clover_verification(code: str = "ce7643c1-83ea-4218-abe6-da876c9c7a0a") -> bytes:
    """The first POST Clover sends to a webhook URL (no auth header yet)."""
    return json.dumps({"verificationCode": code}).encode()


def deliver_to_clover_receiver(location_id: int, body: bytes,
                               auth_code: str | None = CLOVER_AUTH_CODE) -> clover_pos.CloverOutcome:
    return clover_pos.receive_clover_webhook(location_id, body, auth_code)


# --- Shopify --------------------------------------------------------------------------


def signed_by_shopify(body: bytes, secret: str = SHOPIFY_SECRET) -> str:
    """`X-Shopify-Hmac-Sha256`, computed as Shopify's documentation shows it (Python example)."""
    return base64.b64encode(hmac.new(secret.encode("utf-8"), body, hashlib.sha256).digest()).decode()


def shopify_pos_order(*, order_id: int = 820982911946154508, total: str = "23.50", tip: str = "3.50",
                      currency: str = "CAD", gateways: tuple[str, ...] = (SHOPIFY_METHOD,),
                      source_name: str = "pos") -> bytes:
    """An `orders/create` body as Shopify sends it (fields we do not read included)."""
    return json.dumps({
        "id": order_id, "admin_graphql_api_id": f"gid://shopify/Order/{order_id}", "name": "#1042",
        "order_number": 1042, "source_name": source_name, "currency": currency, "presentment_currency": currency,
        "total_price": total, "subtotal_price": "20.00", "total_tax": "0.00", "total_tip_received": tip,
        "financial_status": "paid", "payment_gateway_names": list(gateways), "location_id": 655441491,
        "device_id": 4, "created_at": "2026-11-28T11:00:00-05:00", "cancelled_at": None,
        "line_items": [{"id": 466157049, "title": "Latte", "quantity": 2, "price": "10.00"}],
    }).encode()


def shopify_transaction(*, transaction_id: int = 389404469, order_id: int = 820982911946154508,
                        amount: str = "12.00", kind: str = "sale", gateway: str = SHOPIFY_METHOD,
                        status: str = "success", currency: str = "CAD") -> bytes:
    """An `order_transactions/create` body as Shopify sends it."""
    return json.dumps({
        "id": transaction_id, "order_id": order_id, "kind": kind, "gateway": gateway, "status": status,
        "amount": amount, "currency": currency, "source_name": "pos", "location_id": 655441491, "device_id": 4,
        "created_at": "2026-11-28T11:00:01-05:00", "test": False, "parent_id": None,
    }).encode()


def deliver_to_shopify_receiver(location_id: int, body: bytes, *, topic: str = "orders/create",
                                 webhook_id: str | None = "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
                                 signature: str | None = None) -> object:
    delivery = shopify_pos.ShopifyDelivery(
        topic=topic, hmac_sha256=signed_by_shopify(body) if signature is None else signature,
        webhook_id=webhook_id, shop_domain=SHOPIFY_SHOP)
    return shopify_pos.receive_shopify_webhook(location_id, body, delivery)

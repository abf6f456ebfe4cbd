"""Square as the tests play it: a `payment.created` event shaped as Square sends it, its
signature, and handing it to our receiver for a POS-mode location (the `square_till`
fixture, in tests/support/fixtures.py)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

from app.services.counter import pos_payments

SIGNATURE_KEY = "Zx3c9Qk1mS4pW7rT2vY8bN5h"
NOTIFICATION_URL = "https://giftnet.example.com/api/v1/pos/square/1"


def square_payment_created(*, event_id: str = "6a8f5f28-54a1-4eb0-a98a-3111513fd4fc", amount: int = 2500,
                           tender: str | None = "OTHER_GIFT_CARD", event_type: str = "payment.created",
                           reference_id: str = "Order 1001", payment_id: str = "hYy9pRFVxpDsO1FB05SunFWUe9JZY",
                           status: str = "COMPLETED", version: int = 1) -> bytes:
    """A Square webhook event as Square sends it (fields we do not read included)."""
    payment = {
        "id": payment_id,
        "created_at": "2024-05-01T17:45:12.000Z",
        "updated_at": "2024-05-01T17:45:13.000Z",
        "amount_money": {"amount": amount, "currency": "CAD"},
        "total_money": {"amount": amount, "currency": "CAD"},
        "status": status,
        "location_id": "L88917AVBK2S5",
        "order_id": "03O3USaPaAaFnI6kkwB1JxGgBsUZY",
        "reference_id": reference_id,
        "receipt_number": "hYy9",
        "device_details": {"device_id": "DEVICE_9fa747a2", "device_name": "Counter iPad"},
        "version": version,
    }
    if tender is None:  # a card payment: no external details
        payment |= {"source_type": "CARD", "card_details": {"status": "CAPTURED", "card": {"card_brand": "VISA",
                                                                                          "last_4": "1111"}}}
    else:
        payment |= {"source_type": "EXTERNAL", "external_details": {"type": tender, "source": "Giftnet gift card"}}
    return json.dumps({
        "merchant_id": "6SSW7HV8K2ST5",
        "type": event_type,
        "event_id": event_id,
        "created_at": "2024-05-01T17:45:13.000Z",
        "data": {"type": "payment", "id": payment["id"], "object": {"payment": payment}},
    }).encode()


def signed_by_square(body: bytes, *, key: str = SIGNATURE_KEY, url: str = NOTIFICATION_URL) -> str:
    """`x-square-hmacsha256-signature`: base64 HMAC-SHA256 of the notification URL then the raw body."""
    return base64.b64encode(hmac.new(key.encode(), url.encode() + body, hashlib.sha256).digest()).decode()


def deliver(square_till, body: bytes, signature: str | None = None) -> pos_payments.SquareOutcome:
    return pos_payments.receive_square_webhook(square_till.location.id, body,
                                               signed_by_square(body) if signature is None else signature)

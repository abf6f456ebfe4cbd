"""Square as the tests play it: `payment.*` and `refund.*` events shaped as Square sends them
(checked against the models of Square's own Python SDK, `squareup`), their signature
(checked against the SDK's `verify_signature`), and handing them to our receiver for a
POS-mode location (the `square_till` fixture, in tests/support/fixtures.py)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

from square.types.payment_created_event import PaymentCreatedEvent
from square.types.payment_updated_event import PaymentUpdatedEvent
from square.types.refund_created_event import RefundCreatedEvent
from square.types.refund_updated_event import RefundUpdatedEvent
from square.utils.webhooks_helper import verify_signature

from app.services.counter import square_pos

SIGNATURE_KEY = "Zx3c9Qk1mS4pW7rT2vY8bN5h"
NOTIFICATION_URL = "https://giftnet.example.com/api/v1/pos/square/1"
SDK_EVENT_MODELS = {"payment.created": PaymentCreatedEvent, "payment.updated": PaymentUpdatedEvent,
                    "refund.created": RefundCreatedEvent, "refund.updated": RefundUpdatedEvent}


def _as_square_sends(event: dict) -> bytes:
    """The event's JSON, after Square's SDK has read it as its own event model (a shape the SDK
    would not read fails the test here, not in production)."""
    model = SDK_EVENT_MODELS.get(event["type"])
    if model is not None:
        parsed = model.model_validate(event)
        assert parsed.event_id == event["event_id"] and parsed.data.object is not None
    return json.dumps(event).encode()


def square_payment_created(*, event_id: str = "6a8f5f28-54a1-4eb0-a98a-3111513fd4fc", amount: int = 2500,
                           tender: str | None = "OTHER_GIFT_CARD", event_type: str = "payment.created",
                           reference_id: str = "Order 1001", payment_id: str = "hYy9pRFVxpDsO1FB05SunFWUe9JZY",
                           status: str = "COMPLETED", version: int = 1, tip: int = 0,
                           currency: str = "CAD") -> bytes:
    """A Square webhook event as Square sends it (fields we do not read included): `amount` is the
    sale's `amount_money`, `tip` its `tip_money`, and `total_money` their sum."""
    payment = {
        "id": payment_id,
        "created_at": "2024-05-01T17:45:12.000Z",
        "updated_at": "2024-05-01T17:45:13.000Z",
        "amount_money": {"amount": amount, "currency": currency},
        "total_money": {"amount": amount + tip, "currency": currency},
        "approved_money": {"amount": amount + tip, "currency": currency},
        "status": status,
        "location_id": "L88917AVBK2S5",
        "order_id": "03O3USaPaAaFnI6kkwB1JxGgBsUZY",
        "reference_id": reference_id,
        "receipt_number": "hYy9",
        "device_details": {"device_id": "DEVICE_9fa747a2", "device_name": "Counter iPad"},
        "version": version,
    }
    if tip:
        payment["tip_money"] = {"amount": tip, "currency": currency}
    if tender is None:  # a card payment: no external details
        payment |= {"source_type": "CARD", "card_details": {"status": "CAPTURED", "card": {"card_brand": "VISA",
                                                                                          "last_4": "1111"}}}
    else:
        payment |= {"source_type": "EXTERNAL", "external_details": {"type": tender, "source": "Giftnet gift card"}}
    return _as_square_sends({
        "merchant_id": "6SSW7HV8K2ST5",
        "type": event_type,
        "event_id": event_id,
        "created_at": "2024-05-01T17:45:13.000Z",
        "data": {"type": "payment", "id": payment["id"], "object": {"payment": payment}},
    })


def square_refund(*, refund_id: str = "hYy9pRFVxpDsO1FB05SunFWUe9JZY_R1", amount: int = 2500,
                  payment_id: str = "hYy9pRFVxpDsO1FB05SunFWUe9JZY", status: str = "COMPLETED",
                  event_type: str = "refund.updated", event_id: str = "b3a8e6d4-7c1f-4c2e-9d8a-5e1f2a3b4c5d",
                  tender: str | None = "OTHER_GIFT_CARD", currency: str = "CAD") -> bytes:
    """A `refund.created` / `refund.updated` event as Square sends it (a refund to an external tender)."""
    refund = {
        "id": refund_id,
        "status": status,
        "amount_money": {"amount": amount, "currency": currency},
        "payment_id": payment_id,
        "order_id": "03O3USaPaAaFnI6kkwB1JxGgBsUZY",
        "location_id": "L88917AVBK2S5",
        "reason": "Returned goods",
        "created_at": "2024-05-02T10:00:00.000Z",
        "updated_at": "2024-05-02T10:00:02.000Z",
        "version": 2,
    }
    if tender is not None:
        refund |= {"destination_type": "EXTERNAL",
                   "destination_details": {"external_details": {"type": tender, "source": "Giftnet gift card"}}}
    return _as_square_sends({
        "merchant_id": "6SSW7HV8K2ST5",
        "type": event_type,
        "event_id": event_id,
        "created_at": "2024-05-02T10:00:02.000Z",
        "data": {"type": "refund", "id": refund_id, "object": {"refund": refund}},
    })


def signed_by_square(body: bytes, *, key: str = SIGNATURE_KEY, url: str = NOTIFICATION_URL) -> str:
    """`x-square-hmacsha256-signature`: base64 HMAC-SHA256 of the notification URL then the raw body.
    Square's SDK must accept it, so this is the signature Square itself sends."""
    signature = base64.b64encode(hmac.new(key.encode(), url.encode() + body, hashlib.sha256).digest()).decode()
    assert verify_signature(request_body=body.decode(), signature_header=signature, signature_key=key,
                            notification_url=url)
    return signature


def deliver(square_till, body: bytes, signature: str | None = None) -> square_pos.SquareOutcome:
    return square_pos.receive_square_webhook(square_till.location.id, body,
                                             signed_by_square(body) if signature is None else signature)

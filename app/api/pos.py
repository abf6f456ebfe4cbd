"""/api/v1/pos: what a location's POS system calls.

POST /pos/payments              the POS pushes a payment taken with the gift-card tender (POS key)
GET  /pos/payments/{id}         the POS (or the operator) reads whether it was applied
POST /pos/square/{location_id}  Square's payment.created / payment.updated webhooks (no key: Square's signature is the credential)

Thin: the rules live in app/services/counter/pos_payments.py. A POS key reads only its own
location's payments; anything else is "not found".
"""

from __future__ import annotations

import hashlib

from fastapi import APIRouter, Depends, Header, Request, Response

from app.api.auth import ApiCaller, PosCaller, pos_caller, pos_or_api_caller
from app.api.errors import error_responses
from app.api.idempotent import IdempotencyKeyHeader
from app.api.params import id_in_path
from app.api.redemption_schemas import (
    SQUARE_EVENT_EXAMPLE,
    PosPaymentAnswer,
    PushPaymentRequest,
    SquareAnswer,
    pos_payment_answer,
    square_answer,
)
from app.services.counter import pos_payments, square_pos
from app.services.money import idempotency

router = APIRouter(prefix="/pos", tags=["pos"])

PaymentId = id_in_path("The POS payment's id.", 501)


def _payment_key(caller: PosCaller, raw_key: str | None) -> str | None:
    """A POS retry is recognized by the payment's own key column (POS keys are not operator API
    keys, so there is no idempotency record): scoped by POS key, of fixed length."""
    key = idempotency.validated_key(raw_key, field="Idempotency-Key")
    if key is None:
        return None
    return f"pos-{caller.pos_key.id}-{hashlib.sha256(key.encode()).hexdigest()}"


@router.post(
    "/payments",
    status_code=201,
    response_model=PosPaymentAnswer,
    summary="Push a POS payment",
    description="With the location's POS key (`Authorization: Bearer gkpos_...`; an operator key is 403): a payment "
    "the POS took with the gift-card tender. It shows at once on the location's redemption screens, `pending` until "
    "a merchant applies it to a card (SELECT) or it expires. The location's mode must be `pos`. Send an "
    "`Idempotency-Key` (the POS retries): the same key answers the same payment (header `Idempotent-Replayed: true`) "
    "and pushes nothing; the same key with another amount, reference or terminal is 422.",
    responses=error_responses(
        400, 403, 422,
        examples={
            400: [("invalid_input", "The reference is required.")],
            403: [
                ("forbidden", "Only a location's POS key (gkpos_...) pushes POS payments, not an operator key."),
            ],
            422: [
                ("invalid_amount", "The amount must be more than zero."),
                ("idempotency_key_reused", "This Idempotency-Key was already used for a different payment."),
            ],
        },
    ),
)
def push_payment(
    body: PushPaymentRequest,
    caller: PosCaller = Depends(pos_caller),
    idempotency_key: str | None = IdempotencyKeyHeader,
) -> Response:
    pushed = pos_payments.push_payment(
        caller.pos_key,
        amount_cents=body.amount_cents,
        reference=body.reference,
        terminal_id=body.terminal_id,
        idempotency_key=_payment_key(caller, idempotency_key),
    )
    answer = pos_payment_answer(pushed.payment).model_dump_json()
    headers = {} if pushed.created else {"Idempotent-Replayed": "true"}
    return Response(answer, status_code=201, media_type="application/json", headers=headers)


@router.get(
    "/payments/{payment_id}",
    response_model=PosPaymentAnswer,
    summary="Read a POS payment",
    description="With the location's POS key (or an operator key): `status` is `pending`, `applied`, `expired` or "
    "`cancelled`; once applied, `applied_amount_cents` (less than the amount when the card paid part of it) and "
    "`redemption_id`. A POS key reads only its own location's payments.",
    responses=error_responses(404, examples={404: [("not_found", "No such POS payment.")]}),
)
def get_payment(
    payment_id: int = PaymentId, caller: PosCaller | ApiCaller = Depends(pos_or_api_caller)
) -> PosPaymentAnswer:
    location_id = caller.location_id if isinstance(caller, PosCaller) else None
    return pos_payment_answer(pos_payments.get_payment(caller.operator_id, payment_id, location_id=location_id))


async def _raw_body(request: Request) -> bytes:
    return await request.body()


@router.post(
    "/square/{location_id}",
    response_model=SquareAnswer,
    summary="Square webhook receiver",
    description="Point the location's Square webhook subscription (events `payment.created` and `payment.updated`) "
    "here. No API key: the `x-square-hmacsha256-signature` header (base64 HMAC-SHA256 of the notification URL and the "
    "raw body, with the subscription's signature key) is checked, 401 when it does not match. A `COMPLETED` payment "
    "paid with the tender configured for gift cards becomes a pending POS payment (`created`), once per Square "
    "payment id: a redelivery or another event of the same payment creates nothing (`duplicate`). A `CANCELED` or "
    "`FAILED` payment is taken off the screens (`cancelled`), even when the cancel arrives before the payment; "
    "events may arrive in any order and end in the same state. Other events and tenders are acknowledged and "
    "ignored. 404 when the location has no Square "
    "integration, 403 for a gift-card payment at a location that takes no POS payments (inactive, or not in `pos` "
    "mode).",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {"type": "object", "description": "A Square webhook event, as Square sends it."},
                    "example": SQUARE_EVENT_EXAMPLE,
                }
            },
        }
    },
    responses=error_responses(
        400, 401, 403, 404,
        examples={
            400: [("invalid_input", "This is not a Square webhook event.")],
            401: [("unauthenticated", "The Square signature does not match.")],
            403: [("forbidden", "This location does not take POS payments (its redemption mode is not pos).")],
            404: [("not_found", "No Square integration for this location.")],
        },
    ),
)
def receive_square_webhook(
    location_id: int = id_in_path("The location whose Square account sends the event.", 7),
    raw_body: bytes = Depends(_raw_body),
    signature: str | None = Header(default=None, alias="x-square-hmacsha256-signature", max_length=200,
                                   description="Square's signature of this delivery."),
) -> SquareAnswer:
    return square_answer(square_pos.receive_square_webhook(location_id, raw_body, signature))

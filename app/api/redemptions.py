"""/api/v1/redemptions: redeem a card at a location (an amount, items or a POS payment),
read a redemption, void it.

Thin: the rules live in app/services/counter/redemptions.py, whichever screen or API calls.
Another operator's card, location or redemption is "not found".
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response

from app.api.auth import ApiCaller, api_caller
from app.api.edge import client_ip
from app.api.errors import error_responses
from app.api.idempotent import IDEMPOTENCY_IN_FLIGHT, IDEMPOTENCY_KEY_REUSED, IdempotentCall, idempotent_call
from app.api.params import id_in_path
from app.api.redemption_schemas import RedeemRequest, RedemptionAnswer, redemption_answer
from app.services.counter import redemptions

router = APIRouter(prefix="/redemptions", tags=["redemptions"])

RedemptionId = id_in_path("The redemption's id.", 88)

_NO_SUCH_REDEMPTION = [("not_found", "No such redemption.")]


@router.post(
    "",
    status_code=201,
    response_model=RedemptionAnswer,
    summary="Redeem a card",
    description="Takes value off a card (by `card_code` or `card_id`) at one of your active locations, by exactly "
    "one of: `amount_cents`; `items` of the location's catalog (each by `sku` or `name` at its stored price, with "
    "a `quantity`); or `pos_payment_id`, a pending payment the location's POS pushed (with `allow_partial`, a "
    "payment larger than the balance takes the whole balance and `remaining_due_cents` says what is still owed). "
    "The card is debited once, never below zero. Send an `Idempotency-Key` so that a retry never redeems twice. "
    "Wrong card codes count like failed look-ups (`POST /cards/lookup`): past the limit, 429 with `Retry-After`.",
    responses=error_responses(
        400,
        403,
        404,
        409,
        422,
        429,
        examples={
            400: [("invalid_input", "Give exactly one of amount_cents, items or pos_payment_id.")],
            403: [("forbidden", "This location is not active and cannot redeem cards.")],
            404: [("card_not_found", "No card matches this code."), ("not_found", "No such location.")],
            409: [
                ("insufficient_funds", "The card holds $12.00, less than $15.00."),
                ("card_not_active", "This card is frozen and cannot be used."),
                ("conflict", "This payment was already applied (on another screen)."),
                IDEMPOTENCY_IN_FLIGHT,
            ],
            422: [("invalid_amount", "The amount must be more than zero."), IDEMPOTENCY_KEY_REUSED],
        },
    ),
)
def redeem(body: RedeemRequest, call: IdempotentCall = Depends(idempotent_call)) -> Response:
    def run(ledger_key: str | None) -> redemptions.RedemptionResult:
        return redemptions.redeem(
            call.caller.actor,
            location_id=body.location_id,
            card_id=body.card_id,
            card_code=body.card_code,
            amount_cents=body.amount_cents,
            items=body.line_requests(),
            pos_payment_id=body.pos_payment_id,
            allow_partial=body.allow_partial,
            idempotency_key=ledger_key,
            client_ip=client_ip(call.request),
        )

    # The idempotency record is claimed and answered in the redemption's own transaction.
    return call.answer_in_transaction(body, run, lambda result: (201, redemption_answer(result)))


@router.get(
    "/{redemption_id}",
    response_model=RedemptionAnswer,
    summary="Get a redemption",
    description="The redemption with its lines, and whether it was voided.",
    responses=error_responses(404, examples={404: _NO_SUCH_REDEMPTION}),
)
def get_redemption(redemption_id: int = RedemptionId, caller: ApiCaller = Depends(api_caller)) -> RedemptionAnswer:
    return redemption_answer(redemptions.get_redemption(caller.operator_id, redemption_id))


@router.post(
    "/{redemption_id}/void",
    response_model=RedemptionAnswer,
    summary="Void a redemption",
    description="Gives the money back on the card as a new ledger entry (the redemption is kept, marked `voided`). "
    "Only redemptions of the same business day (the network's time zone); voiding twice is refused. Send an "
    "`Idempotency-Key` so that a retry answers the first void.",
    responses=error_responses(
        400, 404, 409, 422,
        examples={
            404: _NO_SUCH_REDEMPTION,
            409: [("conflict", "This redemption was already voided."), IDEMPOTENCY_IN_FLIGHT],
            422: [IDEMPOTENCY_KEY_REUSED],
        },
    ),
)
def void_redemption(redemption_id: int = RedemptionId, call: IdempotentCall = Depends(idempotent_call)) -> Response:
    def work(ledger_key: str | None) -> tuple[int, RedemptionAnswer]:
        voided = redemptions.void_redemption(call.caller.actor, redemption_id, idempotency_key=ledger_key)
        return 200, redemption_answer(voided)

    return call.answer(None, work)

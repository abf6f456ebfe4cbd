"""/api/v1/cards: issue, read, list, look up by code, top up, ledger, freeze and unfreeze.

Thin: parse, authorize (the key's operator scopes every call), call a service,
translate its answer. Another operator's card is "not found", never "forbidden".
"""

from __future__ import annotations

import logging
from typing import Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from app.api.auth import ApiCaller, api_caller
from app.api.edge import client_ip
from app.api.errors import error_responses
from app.api.idempotent import IdempotencyKeyHeader, idempotent_answer
from app.api.schemas import (
    CardAnswer,
    CardList,
    IssueCardRequest,
    IssuedCardAnswer,
    LedgerEntryAnswer,
    LedgerEntryList,
    MAX_ID,
    LookupRequest,
    TopUpRequest,
    card_answer,
    cursor_text,
    entry_answer,
    issued_card_answer,
    parse_cursor,
)
from app.services.money import cards, ledger
from app.services.messaging.card_emails import queue_recipient_email
from app.services.money.card_lookup import lookup_card_by_code
from app.services.core.validation import normalize_email

log = logging.getLogger(__name__)
router = APIRouter(prefix="/cards", tags=["cards"])

CardId = Path(ge=1, le=MAX_ID, description="The card's id.", examples=[42])
# What a client (and the stateful fuzzing in tests/api) can do next with an issued card.
CARD_LINKS = {
    name: {"operationId": operation, "parameters": {"card_id": "$response.body#/id"}}
    for name, operation in (
        ("GetCard", "get_card"),
        ("TopUpCard", "top_up_card"),
        ("CardTransactions", "card_transactions"),
        ("FreezeCard", "freeze_card"),
        ("UnfreezeCard", "unfreeze_card"),
    )
}


def _queue_recipient_email(operator_id: int, card_id: int) -> bool:
    """Queue the recipient email of a committed card; a mail problem never fails the issue
    (the answer says `email_queued: false` and the dashboard can resend)."""
    try:
        return queue_recipient_email(operator_id, card_id) is not None
    except Exception:  # logged; the card exists and its code must reach the caller
        log.exception("could not queue the recipient email of card %s", card_id)
        return False


@router.post(
    "",
    operation_id="issue_card",
    status_code=201,
    response_model=IssuedCardAnswer,
    summary="Issue a card",
    description="Creates a card holding `amount_cents` and returns its code, **the only time the code is shown**. "
    "With `recipient_email` and `send_email` (default true), the recipient is emailed the code, a link to the "
    "card page and its QR code. Send an `Idempotency-Key` so that a retry never issues two cards.",
    responses={
        201: {"links": CARD_LINKS},
        **error_responses(
        400,
        409,
        422,
        examples={
            400: [("invalid_input", "Unknown field `amount`.")],
            409: [("idempotency_in_flight", "A request with this Idempotency-Key is still being processed.")],
            422: [
                ("invalid_amount", "The amount must be more than zero."),
                ("amount_out_of_range", "The amount must be between $5.00 and $1,000.00."),
                ("invalid_email", "Enter a valid email address, like name@example.com."),
                ("idempotency_key_reused", "This Idempotency-Key was already used for a different request."),
            ],
        },
        ),
    },
)
def issue_card(
    request: Request,
    body: IssueCardRequest,
    caller: ApiCaller = Depends(api_caller),
    idempotency_key: str | None = IdempotencyKeyHeader,
) -> Response:
    recipient_email = normalize_email(body.recipient_email, field="recipient_email") if body.recipient_email else None

    def work(ledger_key: str | None) -> tuple[int, IssuedCardAnswer]:
        issued = ledger.issue_card(
            caller.actor,
            body.amount_cents,
            recipient_email=recipient_email,
            recipient_name=body.recipient_name,
            sender_name=body.sender_name,
            message=body.message,
            idempotency_key=ledger_key,
        )
        email_queued = False
        if body.send_email and issued.card.recipient_email:
            email_queued = _queue_recipient_email(caller.operator_id, issued.card.id)
        return 201, issued_card_answer(issued.card, issued.code, email_queued=email_queued)

    return idempotent_answer(request, caller, idempotency_key, body, work)


@router.get(
    "",
    operation_id="list_cards",
    response_model=CardList,
    summary="List cards",
    description="Newest first, a page at a time. `q` matches the last 4 characters of the code or the "
    "recipient's email; `status` keeps active or frozen cards, or `empty` ones (balance zero, whatever their "
    "status); `min_balance_cents` / `max_balance_cents` bound the balance (both inclusive); `issued_from` / "
    "`issued_to` are days (YYYY-MM-DD, both inclusive) in the operator's time zone; `channel` is where the "
    "card was issued. Filters combine; a bad value is refused with 400 naming the parameter in `field`.",
    responses=error_responses(
        400,
        examples={400: [("invalid_input", "The minimum balance ($50.00) is above the maximum ($10.00).")]},
    ),
)
def list_cards(
    caller: ApiCaller = Depends(api_caller),
    status: Literal["active", "frozen", "empty"] | None = Query(
        default=None, description="Only cards with this status; `empty`: a zero balance."),
    q: str | None = Query(default=None, max_length=254, description="Last 4 of the code, or (part of) the recipient's email."),
    min_balance_cents: int | None = Query(default=None, ge=0, le=cards.MAX_BALANCE_CENTS,
                                          description="Only cards holding at least this much.", examples=[1000]),
    max_balance_cents: int | None = Query(default=None, ge=0, le=cards.MAX_BALANCE_CENTS,
                                          description="Only cards holding at most this much.", examples=[5000]),
    issued_from: str | None = Query(default=None, max_length=10, description="Issued on or after this day "
                                    "(YYYY-MM-DD, the operator's time zone).", examples=["2026-01-01"]),
    issued_to: str | None = Query(default=None, max_length=10, description="Issued on or before this day "
                                  "(YYYY-MM-DD, the operator's time zone).", examples=["2026-01-31"]),
    channel: Literal["dashboard", "api", "shop"] | None = Query(default=None, description="Where the card was issued."),
    limit: int = Query(default=25, ge=1, le=100),
    cursor: str | None = Query(default=None, max_length=32, description="`next_cursor` of the previous page."),
) -> CardList:
    filters = cards.card_filter_for(
        caller.operator_id, query=q, status=status, min_balance_cents=min_balance_cents,
        max_balance_cents=max_balance_cents, issued_from=issued_from, issued_to=issued_to, channel=channel,
    )
    page = cards.list_cards(caller.operator_id, filters=filters, limit=limit, cursor=parse_cursor(cursor))
    return CardList(data=[card_answer(card) for card in page.cards], next_cursor=cursor_text(page.next_cursor))


@router.post(
    "/lookup",
    operation_id="lookup_card",
    response_model=CardAnswer,
    summary="Find a card by its code",
    description="Any case, with or without dashes. Every code that does not open one of your cards gets the same "
    "404. Failed look-ups are limited per key and per client address: past the limit, 429 with `Retry-After`.",
    responses=error_responses(
        400,
        404,
        429,
        examples={404: [("card_not_found", "No card matches this code.")]},
    ),
)
def lookup_card(request: Request, body: LookupRequest, caller: ApiCaller = Depends(api_caller)) -> CardAnswer:
    card = lookup_card_by_code(caller.operator_id, body.code, caller=caller.lookup_caller, ip=client_ip(request))
    return card_answer(card)


@router.get(
    "/{card_id}",
    operation_id="get_card",
    response_model=CardAnswer,
    summary="Get a card",
    description="The card without its code.",
    responses=error_responses(404),
)
def get_card(card_id: int = CardId, caller: ApiCaller = Depends(api_caller)) -> CardAnswer:
    return card_answer(cards.get_card(caller.operator_id, card_id))


@router.post(
    "/{card_id}/topups",
    operation_id="top_up_card",
    status_code=201,
    response_model=LedgerEntryAnswer,
    summary="Top up a card",
    description="Adds `amount_cents` to an active card; the balance may not exceed the operator's card maximum. "
    "Answers the new ledger entry, with `balance_after_cents`.",
    responses=error_responses(
        400,
        404,
        409,
        422,
        examples={
            409: [
                ("card_not_active", "This card is frozen and cannot be used."),
                ("idempotency_in_flight", "A request with this Idempotency-Key is still being processed."),
            ],
            422: [
                ("invalid_amount", "The amount must be more than zero."),
                ("amount_out_of_range", "A card can hold at most $1,000.00; this top-up would exceed it."),
                ("idempotency_key_reused", "This Idempotency-Key was already used for a different request."),
            ],
        },
    ),
)
def top_up(
    request: Request,
    body: TopUpRequest,
    card_id: int = CardId,
    caller: ApiCaller = Depends(api_caller),
    idempotency_key: str | None = IdempotencyKeyHeader,
) -> Response:
    def work(ledger_key: str | None) -> tuple[int, LedgerEntryAnswer]:
        entry = ledger.top_up_card(caller.actor, card_id, body.amount_cents, idempotency_key=ledger_key)
        return 201, entry_answer(entry)

    return idempotent_answer(request, caller, idempotency_key, body, work)


@router.get(
    "/{card_id}/transactions",
    operation_id="card_transactions",
    response_model=LedgerEntryList,
    summary="A card's ledger",
    description="Every change of the card's value, oldest first, each with `balance_after_cents`.",
    responses=error_responses(400, 404),
)
def transactions(
    card_id: int = CardId,
    caller: ApiCaller = Depends(api_caller),
    limit: int = Query(default=50, ge=1, le=100),
    cursor: str | None = Query(default=None, max_length=32, description="`next_cursor` of the previous page."),
) -> LedgerEntryList:
    page = cards.card_ledger_page(caller.operator_id, card_id, limit=limit, cursor=parse_cursor(cursor))
    return LedgerEntryList(data=[entry_answer(entry) for entry in page.entries], next_cursor=cursor_text(page.next_cursor))


def _set_frozen(request: Request, caller: ApiCaller, card_id: int, idempotency_key: str | None, frozen: bool) -> Response:
    def work(_ledger_key: str | None) -> tuple[int, CardAnswer]:
        return 200, card_answer(ledger.set_card_frozen(caller.actor, card_id, frozen))

    return idempotent_answer(request, caller, idempotency_key, None, work)


_FREEZE_ERRORS = error_responses(
    400,
    404,
    409,
    422,
    examples={
        409: [("idempotency_in_flight", "A request with this Idempotency-Key is still being processed.")],
        422: [("idempotency_key_reused", "This Idempotency-Key was already used for a different request.")],
    },
)


@router.post(
    "/{card_id}/freeze",
    operation_id="freeze_card",
    response_model=CardAnswer,
    summary="Freeze a card",
    description="A frozen card can neither be spent nor topped up; its value stays. Freezing a frozen card changes nothing.",
    responses=_FREEZE_ERRORS,
)
def freeze(
    request: Request,
    card_id: int = CardId,
    caller: ApiCaller = Depends(api_caller),
    idempotency_key: str | None = IdempotencyKeyHeader,
) -> Response:
    return _set_frozen(request, caller, card_id, idempotency_key, True)


@router.post(
    "/{card_id}/unfreeze",
    operation_id="unfreeze_card",
    response_model=CardAnswer,
    summary="Unfreeze a card",
    description="The card can be used again. Unfreezing an active card changes nothing.",
    responses=_FREEZE_ERRORS,
)
def unfreeze(
    request: Request,
    card_id: int = CardId,
    caller: ApiCaller = Depends(api_caller),
    idempotency_key: str | None = IdempotencyKeyHeader,
) -> Response:
    return _set_frozen(request, caller, card_id, idempotency_key, False)

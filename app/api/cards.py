"""/api/v1/cards: issue, read, list, look up by code, top up, ledger, freeze and unfreeze.

Thin: parse, authorize (the key's operator scopes every call), call a service,
translate its answer. Another operator's card is "not found", never "forbidden".
"""

from __future__ import annotations

import logging
from typing import Literal

from fastapi import APIRouter, Depends, Query, Request, Response

from app.api.auth import ApiCaller, api_caller
from app.api.edge import client_ip
from app.api.errors import error_responses
from app.api.idempotent import (
    IDEMPOTENCY_ERRORS,
    IDEMPOTENCY_IN_FLIGHT,
    IDEMPOTENCY_KEY_REUSED,
    IdempotentCall,
    idempotent_call,
)
from app.api.params import id_in_path, page_cursor, page_size
from app.api.schemas import (
    CardAnswer,
    CardList,
    IssueCardRequest,
    IssuedCardAnswer,
    LedgerEntryAnswer,
    LedgerEntryList,
    LookupRequest,
    TopUpRequest,
    card_answer,
    cursor_text,
    entry_answer,
    issued_card_answer,
    parse_cursor,
)
from app.models import LedgerEntry
from app.services.core.validation import normalize_email
from app.services.messaging import email_quota
from app.services.money import cards, ledger
from app.services.money.card_emails import queue_recipient_email
from app.services.money.card_lookup import lookup_card_by_code
from app.services.printing.printable_cards import email_attachment

log = logging.getLogger(__name__)
router = APIRouter(prefix="/cards", tags=["cards"])

CardId = id_in_path("The card's id.", 42)
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


def _queue_recipient_email(operator_id: int, card_id: int, *, attach_pdf: bool = False) -> bool:
    """Queue the recipient email of a committed card (with the printable card attached on
    request); a mail problem never fails the issue (the answer says `email_queued: false`
    and the dashboard can resend)."""
    try:
        attachments = (email_attachment(operator_id, card_id),) if attach_pdf else ()
        return queue_recipient_email(operator_id, card_id, attachments=attachments) is not None
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
    "card page and its QR code (with `attach_pdf`, also the printable card as a PDF). Send an `Idempotency-Key` so that a retry never issues two cards.",
    responses={
        201: {"links": CARD_LINKS},
        **error_responses(
        400, 409, 422, 429,
        examples={
            400: [("invalid_input", "Unknown field `amount`.")],
            409: [IDEMPOTENCY_IN_FLIGHT],
            429: [("rate_limited", "This network may send 50 emails an hour to addresses it chooses (cards, "
                   "activation links, invitations), and this would be more. Try again in 12 minutes.")],
            422: [
                ("invalid_amount", "The amount must be more than zero."),
                ("amount_out_of_range", "The amount must be between $5.00 and $1,000.00."),
                ("invalid_email", "Enter a valid email address, like name@example.com."),
                IDEMPOTENCY_KEY_REUSED,
            ],
        },
        ),
    },
)
def issue_card(body: IssueCardRequest, call: IdempotentCall = Depends(idempotent_call)) -> Response:
    caller = call.caller
    recipient_email = normalize_email(body.recipient_email, field="recipient_email") if body.recipient_email else None

    def run(ledger_key: str | None) -> ledger.IssuedCard:
        return ledger.issue_card(
            caller.actor,
            body.amount_cents,
            recipient_email=recipient_email,
            recipient_name=body.recipient_name,
            sender_name=body.sender_name,
            message=body.message,
            idempotency_key=ledger_key,
            language=body.language,
        )

    def work(ledger_key: str | None) -> tuple[int, IssuedCardAnswer]:
        if body.send_email and recipient_email:
            email_quota.require_room(caller.operator_id)  # 429 before any card, past the hourly email quota
        issued = run(ledger_key)
        email_queued = False
        if body.send_email and issued.card.recipient_email:
            email_queued = _queue_recipient_email(caller.operator_id, issued.card.id, attach_pdf=body.attach_pdf)
        return 201, issued_card_answer(issued, email_queued=email_queued)

    if body.send_email and recipient_email:  # the email is queued after the issue: its answer too
        return call.answer(body, work)

    # Without an email to queue: the idempotency record is claimed and answered in the issue's transaction.
    return call.answer_in_transaction(
        body, run, lambda issued: (201, issued_card_answer(issued, email_queued=False)))


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
    limit: int = page_size(25),
    cursor: str | None = page_cursor(),
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
        400, 404, 429,
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
        400, 404, 409, 422,
        examples={
            409: [("card_not_active", "This card is frozen and cannot be used."), IDEMPOTENCY_IN_FLIGHT],
            422: [
                ("invalid_amount", "The amount must be more than zero."),
                ("amount_out_of_range", "A card can hold at most $1,000.00; this top-up would exceed it."),
                IDEMPOTENCY_KEY_REUSED,
            ],
        },
    ),
)
def top_up(body: TopUpRequest, card_id: int = CardId, call: IdempotentCall = Depends(idempotent_call)) -> Response:
    def run(ledger_key: str | None) -> LedgerEntry:
        return ledger.top_up_card(call.caller.actor, card_id, body.amount_cents, idempotency_key=ledger_key)

    return call.answer_in_transaction(body, run, lambda entry: (201, entry_answer(entry)))


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
    limit: int = page_size(50),
    cursor: str | None = page_cursor(),
) -> LedgerEntryList:
    page = cards.card_ledger_page(caller.operator_id, card_id, limit=limit, cursor=parse_cursor(cursor))
    return LedgerEntryList(data=[entry_answer(entry) for entry in page.entries], next_cursor=cursor_text(page.next_cursor))


def _set_frozen(call: IdempotentCall, card_id: int, frozen: bool) -> Response:
    def work(_ledger_key: str | None) -> tuple[int, CardAnswer]:
        return 200, card_answer(ledger.set_card_frozen(call.caller.actor, card_id, frozen))

    return call.answer(None, work)


_FREEZE_ERRORS = error_responses(400, 404, 409, 422, examples=IDEMPOTENCY_ERRORS)


@router.post(
    "/{card_id}/freeze",
    operation_id="freeze_card",
    response_model=CardAnswer,
    summary="Freeze a card",
    description="A frozen card can neither be spent nor topped up; its value stays. Freezing a frozen card changes nothing.",
    responses=_FREEZE_ERRORS,
)
def freeze(card_id: int = CardId, call: IdempotentCall = Depends(idempotent_call)) -> Response:
    return _set_frozen(call, card_id, True)


@router.post(
    "/{card_id}/unfreeze",
    operation_id="unfreeze_card",
    response_model=CardAnswer,
    summary="Unfreeze a card",
    description="The card can be used again. Unfreezing an active card changes nothing.",
    responses=_FREEZE_ERRORS,
)
def unfreeze(card_id: int = CardId, call: IdempotentCall = Depends(idempotent_call)) -> Response:
    return _set_frozen(call, card_id, False)

"""/api/v1/cards: printable cards. A card's PDF (`GET /cards/{id}/pdf`), print runs of
cards without recipients (`POST /cards/batches`) and their files (`GET /cards/batches/{id}/file`).

Thin: parse, call app/services/printing, translate. Another operator's card or run is
"not found". A run's files hold its codes: owners' keys only (every API key is an owner's),
and each download is in the audit trail.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from app.api.auth import ApiCaller, api_caller
from app.api.errors import error_responses
from app.api.idempotent import IDEMPOTENCY_IN_FLIGHT, IDEMPOTENCY_KEY_REUSED, IdempotentCall, idempotent_call
from app.api.params import id_in_path
from app.api.schemas import StrictRequest, answer_from
from app.models import CardBatch
from app.services.printing import card_batches, printable_cards

router = APIRouter(prefix="/cards", tags=["cards"])

CardId = id_in_path("The card's id.", 42)
BatchId = id_in_path("The print run's id.", 7)
BATCH_EXAMPLE = {"id": 7, "count": 100, "amount_cents": 2500, "currency": "USD", "created_at": "2026-11-28T14:03:12Z"}


class CreateCardBatchRequest(StrictRequest):
    model_config = ConfigDict(json_schema_extra={"examples": [{"count": 100, "amount_cents": 2500},
                                                              {"count": 20, "amount_cents": 0}]})

    count: int = Field(description="How many cards, 1 to 10,000.", json_schema_extra={"minimum": 1, "maximum": 10_000},
                       examples=[100])
    amount_cents: int = Field(
        description="What each card holds, in whole cents within the operator's card limits; `0`: nothing until "
        "the card is sold, when a top-up (`POST /cards/{id}/topups`) loads it.",
        json_schema_extra={"minimum": 0}, examples=[2500])


class CardBatchAnswer(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [BATCH_EXAMPLE]})

    id: int
    count: int
    amount_cents: int = Field(description="On every card of the run; 0: loaded when sold.")
    currency: Literal["CAD", "USD"]
    created_at: datetime


def _file(data: bytes, media_type: str, filename: str) -> Response:
    # Codes inside: never kept by a cache on the way.
    return Response(data, media_type=media_type, headers={
        "Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"})


@router.post(
    "/batches",
    operation_id="create_card_batch",
    status_code=201,
    response_model=CardBatchAnswer,
    summary="Print a run of cards",
    description="Makes `count` cards without recipients, each holding `amount_cents` (or nothing until sold), in "
    "one transaction with their ledger rows. Their codes are not in this answer: download the run's file "
    "(`GET /cards/batches/{id}/file`). Send an `Idempotency-Key` so that a retry never makes a second run.",
    responses={
        201: {"links": {"CardBatchFile": {"operationId": "card_batch_file",
                                          "parameters": {"batch_id": "$response.body#/id"}}}},
        **error_responses(
            400, 409, 422,
            examples={
                400: [("invalid_input", "count is a whole number from 1 to 10,000.")],
                409: [IDEMPOTENCY_IN_FLIGHT],
                422: [("invalid_amount", "amount_cents is a whole number of cents, 0 or more (0: the card is loaded "
                                         "when sold)."),
                      ("amount_out_of_range", "The amount must be between $5.00 and $1,000.00."),
                      IDEMPOTENCY_KEY_REUSED],
            },
        ),
    },
)
def create_card_batch(body: CreateCardBatchRequest, call: IdempotentCall = Depends(idempotent_call)) -> Response:
    def work(ledger_key: str | None) -> tuple[int, CardBatchAnswer]:
        batch = card_batches.create_card_batch(call.caller.actor, body.count, body.amount_cents,
                                               idempotency_key=ledger_key)
        return 201, batch_answer(batch)

    return call.answer(body, work)


@router.get(
    "/batches/{batch_id}/file",
    operation_id="card_batch_file",
    summary="Download a print run's cards",
    description="`pdf`: print-ready sheets, eight cards (85.6 x 54 mm) a page with crop marks, on `paper` letter "
    "(default) or a4. `csv`: one row per card for card printers: `number`, `card_id`, `code`, `last4`, "
    "`amount_cents`, `amount`, `currency`, `card_link`, `qr_payload` (what the QR code holds: the card link). "
    "These files are the only place the run's codes are shown; every download is in the audit trail.",
    response_class=Response,
    responses={
        200: {"content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}},
                          "text/csv": {"schema": {"type": "string"},
                                       "example": "number,card_id,code,last4,amount_cents,amount,currency,card_link,"
                                                  "qr_payload\r\n1,42,ABCD-EFGH-JKMN-PQRS,PQRS,2500,25.00,USD,"
                                                  "https://gifts.example.com/c/Zb3k...,https://gifts.example.com/c/Zb3k..."
                                                  "\r\n"}},
              "description": "The file; its name is in `Content-Disposition`."},
        **error_responses(400, 404, examples={400: [("invalid_input", "format is pdf or csv.")],
                                              404: [("not_found", "No such print run of cards.")]}),
    },
)
def card_batch_file(
    batch_id: int = BatchId,
    caller: ApiCaller = Depends(api_caller),
    file_format: Literal["pdf", "csv"] = Query(alias="format", description="`pdf` sheets or the printer's `csv`."),
    paper: Literal["letter", "a4"] = Query(default="letter", description="The PDF's page size."),
) -> Response:
    found = card_batches.batch_file(caller.actor, batch_id, file_format, paper=paper)
    return _file(found.data, found.media_type, found.filename)


@router.get(
    "/{card_id}/pdf",
    operation_id="card_pdf",
    summary="A card as a printable PDF",
    description="One page to print at home: the network's name and colour, the amount, recipient, sender and "
    "message, the code, the QR code of the card's page and where the card can be used. Every download is in "
    "the audit trail.",
    response_class=Response,
    responses={
        200: {"content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
              "description": "The PDF; its name is in `Content-Disposition`."},
        **error_responses(404),
    },
)
def card_pdf(card_id: int = CardId, caller: ApiCaller = Depends(api_caller)) -> Response:
    printed = printable_cards.card_pdf(caller.actor, card_id)
    return _file(printed.data, printed.content_type, printed.filename)


def batch_answer(batch: CardBatch) -> CardBatchAnswer:
    return answer_from(CardBatchAnswer, batch)

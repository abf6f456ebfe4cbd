"""Request and answer bodies of the API, shared by its routers.

Requests are strict (`extra="forbid"`, no type coercion): a misspelt field or an
amount sent as text is refused, never guessed at. Answers are built from models by
the `*_answer` functions, the one place that decides what leaves the building: an
answer model's fields are all that leave (`answer_from`), and a card's code appears
only in the answer that issued it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

from app.models import ApiRequestLog, Card, LedgerEntry
from app.services.core import crypto
from app.services.core.codes import format_code
from app.services.core.errors import ErrorCode, GiftnetError
from app.services.core.i18n import N_
from app.services.money.card_page import card_link
from app.services.money.ledger import IssuedCard
from app.services.reporting.reports import Summary

AnswerT = TypeVar("AnswerT", bound=BaseModel)

# Ids are 32-bit integer columns: a larger one would make PostgreSQL refuse the query (a 500), not find nothing.
MAX_ID = 2**31 - 1

CARD_EXAMPLE = {
    "id": 42,
    "last4": "PQRS",
    "balance_cents": 5000,
    "initial_amount_cents": 5000,
    "currency": "CAD",
    "status": "active",
    "channel": "api",
    "recipient_email": "sam@example.com",
    "recipient_name": "Sam",
    "sender_name": "Alex",
    "message": "Happy birthday!",
    "redeem_url": "https://gifts.example.com/c/Zb3kQ9r1xT0w2mYp8sLc4vNh6uJa5eRd",
    "test": False,
    "created_at": "2026-11-28T14:03:12Z",
    "updated_at": "2026-11-28T14:03:12Z",
}

ENTRY_EXAMPLE = {
    "id": 310,
    "card_id": 42,
    "kind": "topup",
    "amount_cents": 2000,
    "balance_after_cents": 7000,
    "location_id": None,
    "memo": None,
    "created_at": "2026-11-28T15:20:00Z",
}

LOG_EXAMPLE = {
    "id": 9001,
    "created_at": "2026-11-28T15:20:00Z",
    "method": "POST",
    "path": "/api/v1/cards",
    "status": 201,
    "duration_ms": 12,
    "ip": "203.0.113.7",
    "api_key_id": 5,
    "api_key_prefix": "gk_Ab12Cd34",
}


class StrictRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul_characters(cls, value: object) -> object:
        # PostgreSQL cannot store NUL in text; refuse it for every database alike.
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("must not contain NUL characters")
        return value


AMOUNT_DESCRIPTION = "Whole cents (2500 = $25.00), more than zero and within the operator's card limits."


class IssueCardRequest(StrictRequest):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "amount_cents": 5000,
                    "recipient_email": "sam@example.com",
                    "recipient_name": "Sam",
                    "sender_name": "Alex",
                    "message": "Happy birthday!",
                    "send_email": True,
                }
            ]
        }
    )

    amount_cents: int = Field(description=AMOUNT_DESCRIPTION, json_schema_extra={"minimum": 1}, examples=[5000])
    recipient_email: str | None = Field(default=None, max_length=254, description="Where the card is emailed.")
    recipient_name: str | None = Field(default=None, max_length=120)
    sender_name: str | None = Field(default=None, max_length=120)
    message: str | None = Field(default=None, max_length=500, description="Printed in the recipient's email "
                                "(500 characters at most).")
    send_email: bool = Field(default=True, description="Email the card to `recipient_email` (when given).")
    attach_pdf: bool = Field(default=False, description="Attach the printable card (a PDF with the code, the QR "
                             "code and where to use it) to the recipient's email.")
    language: Literal["en", "fr"] | None = Field(default=None, description="The language of the card's emails: "
                                                 "`en` or `fr` (Canadian French). Default: the network's.")


class TopUpRequest(StrictRequest):
    model_config = ConfigDict(json_schema_extra={"examples": [{"amount_cents": 2000}]})

    amount_cents: int = Field(description=AMOUNT_DESCRIPTION, json_schema_extra={"minimum": 1}, examples=[2000])


class LookupRequest(StrictRequest):
    model_config = ConfigDict(json_schema_extra={"examples": [{"code": "ABCD-EFGH-JKMN-PQRS"}]})

    code: str = Field(max_length=64, description="The 16-character code, any case, with or without dashes.")


class CardAnswer(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [CARD_EXAMPLE]})

    id: int
    last4: str = Field(description="The last 4 characters of the code, for display as •••• 7KQ2.")
    balance_cents: int
    initial_amount_cents: int
    currency: Literal["CAD", "USD"]
    status: Literal["active", "frozen"]
    channel: str = Field(description="Where the card was issued: api, dashboard or shop.")
    recipient_email: str | None
    recipient_name: str | None
    sender_name: str | None
    message: str | None
    redeem_url: str | None = Field(description="The recipient's card page (also encoded in the email's QR code).")
    test: bool = Field(default=False, description="A test card: bought in the shop while its gateway was in test "
                       "mode (no real money paid). It redeems only at test locations and is never paid out.")
    created_at: datetime
    updated_at: datetime


class IssuedCardAnswer(CardAnswer):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{**CARD_EXAMPLE, "code": "ABCD-EFGH-JKMN-PQRS", "email_queued": True}]}
    )

    code: str = Field(description="The full code, XXXX-XXXX-XXXX-XXXX. Shown here only, once: store it or email it.")
    email_queued: bool = Field(description="Whether the recipient email was queued by this call.")


class CardList(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"data": [CARD_EXAMPLE], "next_cursor": "41"}]})

    data: list[CardAnswer]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page.")


class LedgerEntryAnswer(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [ENTRY_EXAMPLE]})

    id: int
    card_id: int
    kind: Literal["issue", "topup", "redeem", "void", "adjust", "expire", "refund"]
    amount_cents: int = Field(description="Signed: credits positive, debits negative.")
    balance_after_cents: int
    location_id: int | None
    memo: str | None
    created_at: datetime


class LedgerEntryList(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"data": [ENTRY_EXAMPLE], "next_cursor": None}]})

    data: list[LedgerEntryAnswer]
    next_cursor: str | None


class LocationFiguresAnswer(BaseModel):
    location_id: int
    sold_cents: int
    topped_up_cents: int
    redeemed_cents: int = Field(description="Redeemed at this location in the period, net of voids.")
    redemption_count: int = Field(description="Redemptions at this location, voided ones excluded (like `redeemed_cents`).")


class SummaryAnswer(BaseModel):
    model_config = ConfigDict(
        populate_by_name=True,
        json_schema_extra={
            "examples": [
                {
                    "from": "2026-11-01T04:00:00Z",
                    "to": "2026-12-01T05:00:00Z",
                    "currency": "CAD",
                    "sold_cents": 250000,
                    "sold_count": 61,
                    "topped_up_cents": 18000,
                    "topup_count": 9,
                    "redeemed_cents": 97500,
                    "redemption_count": 40,
                    "other_cents": 0,
                    "opening_liability_cents": 120000,
                    "outstanding_liability_cents": 290500,
                    "by_location": [
                        {"location_id": 3, "sold_cents": 0, "topped_up_cents": 0, "redeemed_cents": 97500, "redemption_count": 40}
                    ],
                }
            ]
        },
    )

    period_from: datetime = Field(alias="from", description="Start of the period (included), UTC.")
    period_to: datetime = Field(alias="to", description="End of the period (excluded), UTC.")
    currency: Literal["CAD", "USD"]
    sold_cents: int = Field(description="Value of the cards issued in the period.")
    sold_count: int
    topped_up_cents: int
    topup_count: int
    redeemed_cents: int = Field(description="Redeemed in the period, net of voids.")
    redemption_count: int = Field(description="Redemptions in the period, voided ones excluded: a void in the period "
                                  "takes its redemption away, as it takes its amount out of `redeemed_cents`.")
    other_cents: int = Field(description="Adjustments, expiries and refunds (signed).")
    opening_liability_cents: int = Field(description="Value all cards held at `from`.")
    outstanding_liability_cents: int = Field(description="Value all cards held at `to`.")
    by_location: list[LocationFiguresAnswer] = Field(description="Per location, for movements made at a location.")


class ApiLogAnswer(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [LOG_EXAMPLE]})

    id: int
    created_at: datetime
    method: str
    path: str = Field(description="Without the query string; card codes and keys never appear.")
    status: int
    duration_ms: int
    ip: str
    api_key_id: int | None
    api_key_prefix: str | None


class ApiLogList(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"data": [LOG_EXAMPLE], "next_cursor": "9000"}]})

    data: list[ApiLogAnswer]
    next_cursor: str | None


def card_answer(card: Card) -> CardAnswer:
    return answer_from(CardAnswer, card, **_card_link_and_mode(card, crypto.decrypt(card.link_token_encrypted)))


def issued_card_answer(issued: IssuedCard, *, email_queued: bool) -> IssuedCardAnswer:
    """A new card's answer, its code and link from the issue itself (nothing to decrypt)."""
    return answer_from(IssuedCardAnswer, issued.card, **_card_link_and_mode(issued.card, issued.link_token),
                       code=format_code(issued.code), email_queued=email_queued)


def _card_link_and_mode(card: Card, link_token: str | None) -> dict:
    return {"redeem_url": card_link(link_token) if link_token else None, "test": card.is_test}


def entry_answer(entry: LedgerEntry) -> LedgerEntryAnswer:
    return answer_from(LedgerEntryAnswer, entry)


def summary_answer(summary: Summary) -> SummaryAnswer:
    return answer_from(
        SummaryAnswer,
        summary,
        by_location=[LocationFiguresAnswer(**vars(figures)) for figures in summary.by_location],
    )


def log_answer(row: ApiRequestLog) -> ApiLogAnswer:
    return answer_from(ApiLogAnswer, row)


def answer_from(model: type[AnswerT], source: object, **given: object) -> AnswerT:
    """An answer of `model`: each of its fields is `source`'s attribute of the same name,
    unless `given` here (a value `source` does not hold, or holds under another name)."""
    unknown = given.keys() - model.model_fields.keys()
    if unknown:
        raise TypeError(f"{model.__name__} has no field {', '.join(sorted(unknown))}")
    return model(**{name: given[name] if name in given else getattr(source, name) for name in model.model_fields})


def cursor_text(cursor: int | None) -> str | None:
    return None if cursor is None else str(cursor)


def parse_cursor(raw: str | None) -> int | None:
    """Cursors are opaque to clients; ours are positive ids."""
    if raw is None or raw == "":
        return None
    if not (raw.isascii() and raw.isdigit()) or not 0 < int(raw) <= MAX_ID:
        raise GiftnetError(ErrorCode.invalid_input, N_("This cursor was not given by this API."), field="cursor")
    return int(raw)

"""/api/v1/payouts: payout batches paying the locations what their redemptions earned.

Thin: parse, authorize (the key's operator scopes every call), call
app/services/settlement (batches, bank_files), translate its answer. Another operator's
batch is "not found". A bank file is written once per batch and format; every download answers
the stored bytes.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, File, Query, Response, UploadFile
from pydantic import BaseModel, ConfigDict, Field

from app.api.auth import ApiCaller, api_caller
from app.api.delivery_schemas import DELIVERY_EXAMPLE, PayoutDeliveryAnswer
from app.api.errors import error_responses
from app.api.idempotent import IDEMPOTENCY_IN_FLIGHT, IDEMPOTENCY_KEY_REUSED, IdempotentCall, idempotent_call
from app.api.params import id_in_path, page_cursor, page_size
from app.api.schemas import StrictRequest, cursor_text, parse_cursor
from app.services.core.errors import ErrorCode, GiftnetError
from app.services.core.i18n import N_
from app.services.settlement import bank_files, batches, delivery, payout_returns, payout_settings

router = APIRouter(prefix="/payouts", tags=["payouts"])

DATE_RANGE_MESSAGE = "`through` and `from` must be dates between the years 2 and 9998."
# What a client (and the stateful fuzzing in tests/api) can do next with a created batch.
PAYOUT_LINKS = {
    name: {"operationId": operation, "parameters": {"payout_id": "$response.body#/id"}}
    for name, operation in (("GetPayout", "get_payout"), ("PayoutBankFile", "payout_bank_file"),
                            ("MarkPayoutPaid", "mark_payout_paid"), ("CancelPayout", "cancel_payout"))
}
PayoutId = id_in_path("The payout batch's id.", 7)

LINE_EXAMPLE = {
    "location_id": 12,
    "location_name": "Main Street Books",
    "redemption_count": 3,
    "gross_cents": 10000,
    "commission_bps": 250,
    "commission_cents": 250,
    "net_cents": 9750,
    "bank_summary": "US checking •••• 6789 (routing 011000015)",
    "carried_cents": 0,
    "refunded_cents": 0,
    "status": "paid",
    "return_reason_code": None,
    "return_reason": None,
}
SKIPPED_EXAMPLE = {"location_id": 13, "location_name": "Harbour Cafe", "redemption_count": 1, "gross_cents": 1500,
                   "reason": "No bank details"}
BATCH_EXAMPLE = {
    "id": 7,
    "status": "draft",
    "currency": "USD",
    "from": None,
    "through": "2026-11-30T23:59:59.999999+00:00",
    "effective_date": "2026-12-01",
    "total_gross_cents": 10000,
    "total_commission_cents": 250,
    "total_net_cents": 9750,
    "redemption_count": 3,
    "created_at": "2026-11-30T18:00:00+00:00",
    "exported_at": None,
    "paid_at": None,
    "cancelled_at": None,
}
DETAIL_EXAMPLE = {**BATCH_EXAMPLE, "lines": [LINE_EXAMPLE], "skipped": [SKIPPED_EXAMPLE], "files": [],
                  "delivery": DELIVERY_EXAMPLE}


class PayoutLineAnswer(BaseModel):
    location_id: int
    location_name: str
    redemption_count: int
    gross_cents: int
    commission_bps: int
    commission_cents: int
    net_cents: int
    bank_summary: str = Field(description="The bank account paid, never the full account number.")
    carried_cents: int = Field(default=0, description="Returned payments of earlier batches paid again in this "
                               "line (part of `net_cents`).")
    refunded_cents: int = Field(default=0, description="Refunds the location's POS made after its counter gave the "
                                "money back to the card, deducted from this line: commission is on `gross_cents` "
                                "less these, and `net_cents` is after them. A line never goes below zero; the rest "
                                "is deducted from the location's next line.")
    status: Literal["paid", "returned"] = Field(default="paid", description="`returned` once the bank gave the "
                                                "payment back (`POST /payouts/returns`); its net is then owed again.")
    return_reason_code: str | None = Field(default=None, description="The bank's return reason code (R03, 905).")
    return_reason: str | None = Field(default=None, description="Why the payment came back, in plain words.")


class SkippedAnswer(BaseModel):
    location_id: int
    location_name: str
    redemption_count: int
    gross_cents: int
    reason: str = Field(description="Why the location was left out; its redemptions stay payable.")
    payable_from: str | None = Field(
        default=None, examples=["2026-12-04"],
        description="When the location waits for its NACHA prenote (new or changed US bank details): the first day "
                    "it may be paid (three banking days after the prenote settles). Null otherwise.")
    carried_cents: int = Field(default=0, description="Returned payments still owed to it, waiting too.")


class BankFileAnswer(BaseModel):
    id: int
    format: Literal["nacha", "cpa005"]
    filename: str
    sha256: str
    file_creation_number: int | None
    created_at: str


class PayoutBatchAnswer(BaseModel):
    model_config = ConfigDict(populate_by_name=True, json_schema_extra={"examples": [BATCH_EXAMPLE]})

    id: int
    status: Literal["draft", "exported", "paid", "cancelled"]
    currency: str
    period_from: str | None = Field(alias="from", description="Start of the period paid (inclusive), if any.")
    through: str = Field(description="End of the period paid (inclusive).")
    effective_date: str | None = Field(description="The day the locations should have the money.")
    total_gross_cents: int
    total_commission_cents: int
    total_net_cents: int
    redemption_count: int
    created_at: str
    exported_at: str | None
    paid_at: str | None
    cancelled_at: str | None


class PayoutAnswer(PayoutBatchAnswer):
    model_config = ConfigDict(populate_by_name=True, json_schema_extra={"examples": [DETAIL_EXAMPLE]})

    lines: list[PayoutLineAnswer] = Field(description="One line per location paid.")
    skipped: list[SkippedAnswer] = Field(description="Locations left out (only in the answer that created the batch).")
    files: list[BankFileAnswer] = Field(description="The bank files written for this batch.")
    delivery: PayoutDeliveryAnswer = Field(description="The bank file's delivery to the bank's SFTP server.")


class PayoutList(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"data": [BATCH_EXAMPLE], "next_cursor": "6"}]})

    data: list[PayoutBatchAnswer]
    next_cursor: str | None


class CreatePayoutRequest(StrictRequest):
    model_config = ConfigDict(
        populate_by_name=True,
        json_schema_extra={"examples": [{"through": "2026-11-30", "effective_date": "2026-12-02"}]},
    )

    through: str = Field(max_length=40, description="Pay everything unpaid redeemed through this ISO date or time "
                         "(a date alone: that whole day in the operator's time zone; the future means now).")
    period_from: str | None = Field(default=None, alias="from", max_length=40,
                                    description="Only redemptions from this ISO date or time.")
    effective_date: str | None = Field(default=None, max_length=10,
                                       description="The day the locations should have the money (default: the next "
                                       "business day).")


class MarkPaidRequest(StrictRequest):
    model_config = ConfigDict(json_schema_extra={"examples": [{"email_statements": True}]})

    email_statements: bool = Field(default=False, description="Email every location in the batch its statement.")


def payout_answer(detail: batches.PayoutDetail) -> PayoutAnswer:
    sent = delivery.delivery_of(detail.batch.operator_id, detail.batch.id)
    return PayoutAnswer.model_validate({**detail.as_dict(), "delivery": sent.as_dict()})


_NOT_FOUND = ("not_found", "No such payout batch.")


@router.get(
    "",
    operation_id="list_payouts",
    response_model=PayoutList,
    response_model_by_alias=True,
    summary="List payout batches",
    description="Newest first, a page at a time, without their lines (`GET /payouts/{payout_id}` has them).",
    responses=error_responses(400, examples={400: [("invalid_input", "status is draft, exported, paid or cancelled.")]}),
)
def list_payouts(
    caller: ApiCaller = Depends(api_caller),
    status: Literal["draft", "exported", "paid", "cancelled"] | None = Query(default=None,
                                                                           description="Only batches in this status."),
    limit: int = page_size(25),
    cursor: str | None = page_cursor(),
) -> PayoutList:
    page = batches.list_payouts(caller.operator_id, status=status, limit=limit, cursor=parse_cursor(cursor))
    return PayoutList(
        data=_batches(caller.operator_id, page.batches),
        next_cursor=cursor_text(page.next_cursor),
    )


def _batches(operator_id: int, found: list) -> list[PayoutBatchAnswer]:
    if not found:
        return []
    currency = payout_settings.get_settings(operator_id).currency  # the operator's currency
    return [PayoutBatchAnswer.model_validate(batches.batch_as_dict(batch, currency)) for batch in found]


@router.post(
    "",
    operation_id="create_payout",
    status_code=201,
    response_model=PayoutAnswer,
    response_model_by_alias=True,
    summary="Create a payout batch",
    description="A draft batch paying every redemption not yet in a batch, through `through` (and from `from`), "
    "one line per location: gross, commission (the location's rate, else the operator's, rounded half up per "
    "line) and net. Locations without usable bank details are left out and listed in `skipped` with the "
    "reason; their redemptions stay payable. Send an `Idempotency-Key` so that a retry never creates two batches.",
    responses={
        201: {"links": PAYOUT_LINKS},
        **error_responses(
        400, 409, 422,
        examples={
            400: [("invalid_input", "`through` must be an ISO 8601 date or time, like 2026-01-31 or "
                                    "2026-01-31T17:00:00Z."),
                  ("invalid_input", "effective_date cannot be in the past.")],
            409: [("conflict", "Nothing is waiting to be paid through this date."), IDEMPOTENCY_IN_FLIGHT],
            422: [IDEMPOTENCY_KEY_REUSED],
        },
        ),
    },
)
def create_payout(body: CreatePayoutRequest, call: IdempotentCall = Depends(idempotent_call)) -> Response:
    def work(_ledger_key: str | None) -> tuple[int, PayoutAnswer]:
        try:
            detail = batches.create_payout(call.caller.actor, body.through, body.period_from, body.effective_date)
        except OverflowError:  # a date at the very edge of the calendar (year 1 or 9999) in the operator's zone
            raise GiftnetError(ErrorCode.invalid_input, DATE_RANGE_MESSAGE, field="through") from None
        return 201, payout_answer(detail)

    return call.answer(body, work)


@router.get(
    "/{payout_id}",
    operation_id="get_payout",
    response_model=PayoutAnswer,
    response_model_by_alias=True,
    summary="Read a payout batch",
    description="The batch with its lines and the bank files written for it.",
    responses=error_responses(404, examples={404: [_NOT_FOUND]}),
)
def get_payout(payout_id: int = PayoutId, caller: ApiCaller = Depends(api_caller)) -> PayoutAnswer:
    return payout_answer(batches.get_payout(caller.operator_id, payout_id))


@router.get(
    "/{payout_id}/file",
    operation_id="payout_bank_file",
    summary="Download the batch's bank file",
    description="`nacha` (US accounts, US dollars) or `cpa005` (Canadian accounts). The first download writes and "
    "stores the file and moves a draft batch to `exported`; every later download answers the same bytes. "
    "The file name is in `Content-Disposition`.",
    response_class=Response,
    responses={
        200: {"content": {"text/plain": {"schema": {"type": "string"},
                                         "example": "101 0110000151234567890261130...\n"}},
              "description": "The bank file (ASCII)."},
        **error_responses(
            400, 404, 409,
            examples={
                400: [("invalid_input", "format is nacha or cpa005.")],
                404: [_NOT_FOUND],
                409: [("conflict", "Complete the NACHA settings first (Settings, Payouts); missing: company ID."),
                      ("conflict", "A NACHA file pays US bank accounts only; Harbour Cafe has a Canadian account. "
                                   "Download a CPA-005 file instead."),
                      ("conflict", "This payout batch was cancelled; its bank file must not be sent.")],
            },
        ),
    },
)
def bank_file(
    payout_id: int = PayoutId,
    caller: ApiCaller = Depends(api_caller),
    file_format: Literal["nacha", "cpa005"] = Query(alias="format", description="The bank file format."),
) -> Response:
    stored = bank_files.export_bank_file(caller.actor, payout_id, file_format)
    return Response(
        bank_files.bank_file_bytes(stored),
        media_type="text/plain; charset=us-ascii",
        headers={"Content-Disposition": f'attachment; filename="{stored.filename}"', "X-Content-SHA256": stored.sha256},
    )


@router.post(
    "/{payout_id}/mark-paid",
    operation_id="mark_payout_paid",
    response_model=PayoutAnswer,
    response_model_by_alias=True,
    summary="Mark a payout batch paid",
    description="Once the bank has paid it (or you paid by hand). With `email_statements`, every location in the "
    "batch is emailed its statement. A batch already paid or cancelled is refused.",
    responses=error_responses(
        400, 404, 409, 422,
        examples={
            404: [_NOT_FOUND],
            409: [("conflict", "This payout batch is already paid."),
                  ("conflict", "This payout batch was cancelled; create a new batch to pay its redemptions."),
                  IDEMPOTENCY_IN_FLIGHT],
            422: [IDEMPOTENCY_KEY_REUSED],
        },
    ),
)
def mark_paid(
    body: MarkPaidRequest | None = None, payout_id: int = PayoutId, call: IdempotentCall = Depends(idempotent_call)
) -> Response:
    email_statements = bool(body and body.email_statements)

    def work(_ledger_key: str | None) -> tuple[int, PayoutAnswer]:
        return 200, payout_answer(batches.mark_paid(call.caller.actor, payout_id, email_statements=email_statements))

    return call.answer(body, work)


@router.post(
    "/{payout_id}/cancel",
    operation_id="cancel_payout",
    response_model=PayoutAnswer,
    response_model_by_alias=True,
    summary="Cancel a payout batch",
    description="A draft or exported batch: its redemptions become payable again (a bank file already downloaded "
    "must then not be sent). A paid or cancelled batch is refused.",
    responses=error_responses(
        400, 404, 409, 422,
        examples={
            404: [_NOT_FOUND],
            409: [("conflict", "This payout batch is paid; a paid batch cannot be cancelled."), IDEMPOTENCY_IN_FLIGHT],
            422: [IDEMPOTENCY_KEY_REUSED],
        },
    ),
)
def cancel_payout(payout_id: int = PayoutId, call: IdempotentCall = Depends(idempotent_call)) -> Response:
    def work(_ledger_key: str | None) -> tuple[int, PayoutAnswer]:
        return 200, payout_answer(batches.cancel_payout(call.caller.actor, payout_id))

    return call.answer(None, work)



RETURN_EXAMPLE = {"payout_id": 7, "location_id": 12, "net_cents": 9750, "reason_code": "R03",
                  "reason": "No account, or the account could not be found"}


class ReturnedPaymentAnswer(BaseModel):
    payout_id: int
    location_id: int
    net_cents: int = Field(description="What the returned line paid; owed to the location again.")
    reason_code: str = Field(description="NACHA R01-R85, or the Payments Canada code (900-990).")
    reason: str = Field(description="The reason in plain words.")


class ReturnsAnswer(BaseModel):
    model_config = ConfigDict(populate_by_name=True, json_schema_extra={
        "examples": [{"format": "nacha", "matched": [RETURN_EXAMPLE], "unmatched": []}]})

    file_format: Literal["nacha", "cpa005"] = Field(alias="format")
    matched: list[ReturnedPaymentAnswer] = Field(description="Each returned payment and the payout line it returns "
                                                 "(a file uploaded again answers the same, changing nothing).")
    unmatched: list[ReturnedPaymentAnswer] = Field(description="Always empty: a file with any unmatched entry is "
                                                   "refused with 400.")


_RETURNS_413 = error_responses(413, examples={413: [("payload_too_large", "The return file is larger than 5 MB.")]})
_RETURNS_413[413]["description"] = "The file is larger than 5 MB"


@router.post(
    "/returns",
    operation_id="upload_payout_returns",
    response_model=ReturnsAnswer,
    response_model_by_alias=True,
    summary="Upload the bank's returned payments",
    description="A multipart upload (field `file`, at most 5 MB): a NACHA return file (entries with addenda type 99, "
    "reason codes R01-R85) or CPA-005 returned items. Each returned payment is matched to its payout line (NACHA by "
    "the original entry's trace number, CPA-005 by the cross-reference the file gave it), the line becomes "
    "`returned` with the reason, and its net is owed to the location again (the next batch pays it). Reasons about "
    "the account (closed, not found, invalid number...) also hold the location out of batches until its bank "
    "details are corrected. A file that cannot be read, or with ANY entry that matches no payout line, is refused "
    "with 400 naming the line, and changes nothing. Uploading the same file again changes nothing.",
    responses={
        **error_responses(
            400,
            examples={400: [
                ("invalid_input", "The return file cannot be read, nothing changed. Line 4: 'R99' is not a NACHA "
                                  "return reason code (R01 to R85)."),
                ("invalid_input", "The return file was not applied, nothing changed. Line 3: no payout of this "
                                  "network has the trace number 021000020000009."),
            ]},
        ),
        **_RETURNS_413,
    },
)
def upload_returns(
    caller: ApiCaller = Depends(api_caller),
    file: UploadFile = File(description="The return file the bank sent (NACHA or CPA-005)."),
) -> ReturnsAnswer:
    content = file.file.read(payout_returns.MAX_RETURN_FILE_BYTES + 1)
    if len(content) > payout_returns.MAX_RETURN_FILE_BYTES:
        raise GiftnetError(ErrorCode.payload_too_large, N_("The return file is larger than 5 MB."), field="file")
    result = payout_returns.receive_returns(caller.actor, content, filename=file.filename or "")
    return ReturnsAnswer(file_format=result.file_format, unmatched=[], matched=[
        ReturnedPaymentAnswer(payout_id=match.payout_id, location_id=match.location_id, net_cents=match.net_cents,
                              reason_code=match.reason_code, reason=match.reason)
        for match in result.matched])

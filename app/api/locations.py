"""/api/v1/locations: the network's businesses, their CSV import, device activation
emails, devices, POS keys and stored item catalog.

Thin: parse, authorize (the key's operator scopes every call), call a service
(app/services/network/locations.py, location_import.py, device_emails.py, devices.py,
pos_keys.py, items.py), translate its answer. Another operator's location is
"not found", never "forbidden".
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, File, Query, Response, UploadFile
from fastapi.responses import JSONResponse

from app.api.auth import ApiCaller, api_caller
from app.api.errors import ErrorDetail, error_responses
from app.api.idempotent import IDEMPOTENCY_ERRORS, IdempotentCall, idempotent_call
from app.api.location_schemas import (
    ActivationEmailAnswer,
    CreatedLocationAnswer,
    CreatedPosKeyAnswer,
    CreateItemRequest,
    CreateLocationRequest,
    CreatePosKeyRequest,
    DeviceList,
    ItemAnswer,
    ItemList,
    LocationAnswer,
    LocationImportAnswer,
    LocationList,
    Mode,
    UpdateLocationRequest,
    created_location_answer,
    created_pos_key_answer,
    device_answer,
    import_answer,
    item_answer,
    location_answer,
)
from app.api.params import id_in_path, next_page, page_cursor, page_size
from app.api.schemas import cursor_text, parse_cursor
from app.services.core.errors import ErrorCode, GiftnetError
from app.services.core.i18n import N_
from app.services.network import device_emails, devices, items, location_import, locations, pos_keys

router = APIRouter(prefix="/locations", tags=["locations"])

LocationId = id_in_path("The location's id.", 7)

_NO_SUCH_LOCATION = [("not_found", "No such location.")]
_FIELD_ERRORS = [("invalid_input", "routing_number must be a 9-digit ABA routing number with a valid check digit.")]


@router.post(
    "",
    status_code=201,
    response_model=CreatedLocationAnswer,
    summary="Create a location",
    description="Adds a business to your network and emails its device activation link to `email` (unless the "
    "location is created inactive): `activation_email_sent` says so. Bank details are checked as a whole (a US "
    "routing number's check digit, Canadian institution and transit numbers); the account number is stored "
    "encrypted and answers show only `account_last4`. Send an `Idempotency-Key` so that a retry never creates two.",
    responses=error_responses(
        400, 409, 422,
        examples={
            400: _FIELD_ERRORS,
            409: [
                ("conflict", "Another location already has this external id."),
                *IDEMPOTENCY_ERRORS[409],
            ],
            422: [("invalid_email", "Enter a valid email address, like name@example.com."), *IDEMPOTENCY_ERRORS[422]],
        },
    ),
)
def create_location(body: CreateLocationRequest, call: IdempotentCall = Depends(idempotent_call)) -> Response:
    def work(_ledger_key: str | None) -> tuple[int, CreatedLocationAnswer]:
        location = locations.create_location(call.caller.actor, body.model_dump(exclude_unset=True))
        # An inactive location gets no link: it could not be used (device_emails refuses it).
        if location.active:
            device_emails.send_activation_email(call.caller.actor, location.id)
        return 201, created_location_answer(location, activation_email_sent=location.active)

    return call.answer(body, work)


@router.get(
    "",
    response_model=LocationList,
    summary="List locations",
    description="Newest first, a page at a time. `q` matches (part of) the name, email or external id; `mode` and "
    "`active` filter.",
    responses=error_responses(400),
)
def list_locations(
    caller: ApiCaller = Depends(api_caller),
    q: str | None = Query(default=None, max_length=120, pattern=r"^[^\x00]*$",
                          description="Part of the name, email or external id."),
    mode: Mode | None = Query(default=None, description="Only locations with this redemption mode."),
    active: bool | None = Query(default=None, description="Only active (true) or inactive (false) locations."),
    limit: int = page_size(25),
    cursor: str | None = page_cursor(),
) -> LocationList:
    page = locations.list_locations(
        caller.operator_id, query=q, mode=mode, active=active, limit=limit, cursor=parse_cursor(cursor)
    )
    return LocationList(data=[location_answer(location) for location in page.locations],
                        next_cursor=cursor_text(page.next_cursor))


_IMPORT_413 = error_responses(413, examples={413: [("payload_too_large", "The file is larger than 5 MB.")]})
_IMPORT_413[413]["description"] = "The file is larger than 5 MB"


@router.post(
    "/import",
    response_model=LocationImportAnswer,
    summary="Import locations from a CSV file",
    description="A multipart upload (field `file`, UTF-8 CSV, at most 5 MB) with the columns of the dashboard's "
    "template; `name` and `email` are required. Every row is validated first and the answer lists each row's "
    "outcome. **Nothing is imported while any row is invalid**: then the status is 422 and each row names its "
    "errors by column. A valid file is imported in one transaction; importing it again updates the locations "
    "(matched by `external_id`, else by name and email) instead of duplicating them. New active locations are "
    "emailed their device activation link. With `dry_run=true` nothing is written and nobody is emailed: the "
    "answer says what would be created or updated. A file that is empty, not CSV or not UTF-8 is 400.",
    responses={
        **error_responses(
            400,
            examples={
                400: [("invalid_input", "The file is not UTF-8 text (byte 12). Save it as \"CSV UTF-8\" and try again.")]
            },
        ),
        **_IMPORT_413,
        422: {"model": LocationImportAnswer, "description": "Some rows are invalid: nothing was imported; each row "
              "lists its errors"},
    },
)
def import_locations(
    caller: ApiCaller = Depends(api_caller),
    file: UploadFile = File(description="The CSV file (UTF-8)."),
    dry_run: bool = Query(default=False, description="Validate and report only; write nothing."),
) -> JSONResponse:
    content = file.file.read(location_import.MAX_FILE_BYTES + 1)
    if len(content) > location_import.MAX_FILE_BYTES:
        raise GiftnetError(ErrorCode.payload_too_large, N_("The file is larger than 5 MB. Split it and import each part."),
                           field="file")
    result = location_import.import_locations(caller.actor, content, filename=file.filename, dry_run=dry_run)
    if not result.ok:
        bad_rows = sum(1 for row in result.rows if row.errors)
        error = ErrorDetail(
            code=ErrorCode.invalid_input,
            message=f"{bad_rows} row{'s have' if bad_rows != 1 else ' has'} errors; nothing was imported. "
            "Correct the file and upload it again.",
            field="file",
        )
        answer = import_answer(result, dry_run=dry_run, activation_emails_sent=0, error=error)
        return JSONResponse(answer.model_dump(mode="json"), status_code=422)
    emailed = 0
    if result.imported:
        created_ids = [row.location_id for row in result.rows if row.action == "create" and row.location_id]
        emailed = device_emails.send_activation_emails(caller.actor, created_ids)
    answer = import_answer(result, dry_run=dry_run, activation_emails_sent=emailed, error=None)
    return JSONResponse(answer.model_dump(mode="json"))


@router.get(
    "/{location_id}",
    response_model=LocationAnswer,
    summary="Get a location",
    description="The location with its settings; of its payout account only `account_last4`.",
    responses=error_responses(404, examples={404: _NO_SUCH_LOCATION}),
)
def get_location(location_id: int = LocationId, caller: ApiCaller = Depends(api_caller)) -> LocationAnswer:
    return location_answer(locations.get_location(caller.operator_id, location_id))


@router.patch(
    "/{location_id}",
    response_model=LocationAnswer,
    summary="Change a location",
    description="Only the fields sent change; `null` clears an optional field. Bank fields are checked together, so "
    "send the whole set (`bank_country`, its numbers, `account_number`, `account_type`) to change the payout account.",
    responses=error_responses(
        400, 404, 409, 422,
        examples={
            400: _FIELD_ERRORS,
            404: _NO_SUCH_LOCATION,
            409: [("conflict", "Another location already has this external id.")],
            422: [("invalid_email", "Enter a valid email address, like name@example.com.")],
        },
    ),
)
def update_location(
    body: UpdateLocationRequest, location_id: int = LocationId, caller: ApiCaller = Depends(api_caller)
) -> LocationAnswer:
    return location_answer(locations.update_location(caller.actor, location_id, body.model_dump(exclude_unset=True)))


@router.post(
    "/{location_id}/activation-email",
    response_model=ActivationEmailAnswer,
    summary="Send a fresh device activation link",
    description="Emails the location a new activation link; the older links stop working at once. Devices already "
    "activated keep working. An inactive location gets no link (400).",
    responses=error_responses(
        400, 404, 409, 422,
        examples={
            400: [("invalid_input", "This location is inactive: make it active before sending an activation link.")],
            404: _NO_SUCH_LOCATION,
            **IDEMPOTENCY_ERRORS,
        },
    ),
)
def send_activation_email(location_id: int = LocationId, call: IdempotentCall = Depends(idempotent_call)) -> Response:
    def work(_ledger_key: str | None) -> tuple[int, ActivationEmailAnswer]:
        sent = device_emails.send_activation_email(call.caller.actor, location_id)
        location = locations.get_location(call.caller.operator_id, location_id)
        return 200, ActivationEmailAnswer(location_id=location_id, email=location.email, activation_email_sent=True,
                                          link_expires_at=sent.link.expires_at)

    return call.answer(None, work)


@router.get(
    "/{location_id}/devices",
    response_model=DeviceList,
    summary="A location's devices",
    description="The devices activated at the location, newest first, a page at a time: each one's code, name, "
    "when it was activated and last seen, and whether it was revoked.",
    responses=error_responses(404, examples={404: _NO_SUCH_LOCATION}),
)
def list_devices(
    location_id: int = LocationId,
    caller: ApiCaller = Depends(api_caller),
    limit: int = page_size(50),
    cursor: str | None = page_cursor(),
) -> DeviceList:
    rows = devices.list_devices(caller.operator_id, location_id, limit=limit + 1, before_id=parse_cursor(cursor))
    page, next_cursor = next_page(rows, limit)
    return DeviceList(data=[device_answer(device) for device in page], next_cursor=next_cursor)


@router.post(
    "/{location_id}/pos-keys",
    status_code=201,
    response_model=CreatedPosKeyAnswer,
    summary="Create a POS key for a location",
    description="A key (`gkpos_...`) for the location's POS system: it may only push and read that location's POS "
    "payments (`/pos/payments`). **The key is shown only in this answer.** A location that did not accept POS "
    "payments now does (`pos_payments_turned_on`, and `notice` says so); its typed-amount fallback stays as it was.",
    responses=error_responses(
        400, 404, 409, 422,
        examples={
            400: [("invalid_input", "The key's name is required.")], 404: _NO_SUCH_LOCATION, **IDEMPOTENCY_ERRORS,
        },
    ),
)
def create_pos_key(
    body: CreatePosKeyRequest, location_id: int = LocationId, call: IdempotentCall = Depends(idempotent_call)
) -> Response:
    def work(_ledger_key: str | None) -> tuple[int, CreatedPosKeyAnswer]:
        return 201, created_pos_key_answer(pos_keys.create_pos_key(call.caller.actor, location_id, body.name))

    return call.answer(body, work)


@router.get(
    "/{location_id}/items",
    response_model=ItemList,
    summary="A location's item catalog",
    description="The active items a card can be redeemed against at this location, by name, a page at a time.",
    responses=error_responses(404, examples={404: _NO_SUCH_LOCATION}),
)
def list_items(
    location_id: int = LocationId,
    caller: ApiCaller = Depends(api_caller),
    limit: int = page_size(100, most=200),
    cursor: str | None = page_cursor(),
) -> ItemList:
    rows = items.list_items(caller.operator_id, location_id, limit=limit + 1, after_id=parse_cursor(cursor))
    page, next_cursor = next_page(rows, limit)
    return ItemList(data=[item_answer(item) for item in page], next_cursor=next_cursor)


@router.post(
    "/{location_id}/items",
    status_code=201,
    response_model=ItemAnswer,
    summary="Add an item to a location's catalog",
    description="`name` and `price_cents` (more than zero); an optional `sku`, unique among the location's active items.",
    responses=error_responses(
        400, 404, 409, 422,
        examples={
            400: [("invalid_input", "The item's name is required.")],
            404: _NO_SUCH_LOCATION,
            409: [("conflict", "This location already has an item with this SKU."), *IDEMPOTENCY_ERRORS[409]],
            422: [("invalid_amount", "The amount must be more than zero."), *IDEMPOTENCY_ERRORS[422]],
        },
    ),
)
def create_item(
    body: CreateItemRequest, location_id: int = LocationId, call: IdempotentCall = Depends(idempotent_call)
) -> Response:
    def work(_ledger_key: str | None) -> tuple[int, ItemAnswer]:
        item = items.create_item(call.caller.actor, location_id, name=body.name, price_cents=body.price_cents,
                                 sku=body.sku)
        return 201, item_answer(item)

    return call.answer(body, work)

"""One error shape for every answer under /api/v1: `{"error": {"code", "message", "field"}}`.

Whatever goes wrong (a service's refusal, JSON that does not parse, a field of the
wrong type, an unknown route or method, a bug) leaves as that shape with the status
of `app.services.core.errors.HTTP_STATUS`. Only genuine bugs answer 500; they are logged.
A database that cannot be reached (restarting, failing over, out of connections) is
503 `unavailable` with Retry-After; a retry with the same Idempotency-Key is safe (the
answer may have been lost after the work committed: the retry then replays it).

The `message` follows the request's `Accept-Language` (`en`, `fr` / `fr-CA`: see
`app.services.core.i18n`); the `code` is the same in every language.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import exc as sa_exc
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match, Mount

from app.db import database_unavailable
from app.services.core import i18n
from app.services.core.errors import ErrorCode, GiftnetError
from app.services.core.i18n import N_

log = logging.getLogger(__name__)

INTERNAL_ERROR_MESSAGE = N_("Something went wrong on our side; it has been logged.")

API_PREFIX = "/api/v1"
FALLBACK_NAME = "api_fallback"
ALL_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]


class ErrorDetail(BaseModel):
    code: str = Field(description="A stable snake_case code to branch on.", examples=["card_not_found"])
    message: str = Field(description="A sentence a person understands.", examples=["No such card."])
    field: str | None = Field(default=None, description="The request field at fault, when there is one.")


class ErrorResponse(BaseModel):
    model_config = ConfigDict(json_schema_extra={"example": {"error": {"code": "card_not_found", "message": "No such card."}}})

    error: ErrorDetail


_EXAMPLES: dict[int, tuple[str, str, str | None]] = {
    400: ("invalid_input", "The request body is not valid JSON.", None),
    401: ("unauthenticated", "This API key is not valid or has been revoked.", None),
    403: ("forbidden", "This key may not do that.", None),
    404: ("card_not_found", "No such card.", None),
    405: ("method_not_allowed", "This address does not accept DELETE.", None),
    409: ("card_not_active", "This card is frozen and cannot be used.", None),
    413: ("payload_too_large", "The request body is larger than 65536 bytes.", None),
    422: ("invalid_amount", "The amount must be more than zero.", "amount_cents"),
    429: ("rate_limited", "Too many card codes were wrong. Try again in 60 seconds.", None),
    500: ("internal_error", "Something went wrong on our side; it has been logged.", None),
    503: ("unavailable", "The database cannot be reached right now. Retry in a few seconds with the same "
          "Idempotency-Key: a retry never moves money twice.", None),
}
_DESCRIPTIONS = {
    400: "Bad input: malformed JSON, a missing, unknown or mistyped field, a bad query parameter",
    401: "No API key, or an unknown or revoked one",
    403: "The key may not do this",
    404: "Not found (also another operator's objects)",
    405: "Method not allowed on this path",
    409: "Conflict with the current state",
    413: "The body is larger than 64 KB",
    422: "Validation: a value out of range, or an Idempotency-Key reused with another body",
    429: "Rate limited; see the Retry-After header",
    500: "A bug on our side (never for bad input)",
    503: "The database cannot be reached for a moment. Retry after Retry-After seconds with the same "
         "Idempotency-Key",
}


def error_responses(*statuses: int, examples: dict[int, list[tuple[str, str]]] | None = None) -> dict:
    """The `responses=` of a route: each error status with the error shape and examples."""
    documented = {}
    for status in statuses:
        code, message, field = _EXAMPLES[status]
        cases = (examples or {}).get(status) or [(code, message)]
        content_examples = {
            case_code: {"value": {"error": {"code": case_code, "message": case_message, **({"field": field} if field and case_code == code else {})}}}
            for case_code, case_message in cases
        }
        headers = {}
        if status in (429, 503):
            headers["Retry-After"] = {"description": "Seconds to wait before trying again.", "schema": {"type": "integer"}}
        documented[status] = {
            "model": ErrorResponse,
            "description": _DESCRIPTIONS[status],
            "content": {"application/json": {"examples": content_examples}},
            **({"headers": headers} if headers else {}),
        }
    return documented


def any_client_error() -> dict:
    """`4XX`: any other client error (405 wrong method, ...) comes in the same shape."""
    return {
        "4XX": {
            "model": ErrorResponse,
            "description": "Any other client error, in the same shape (e.g. 405 for a method the path does not accept)",
            "content": {"application/json": {"examples": {"method_not_allowed": {"value": {"error": {
                "code": "method_not_allowed", "message": "This address does not accept DELETE."}}}}}},
        }
    }


def request_language(request: Request | None) -> str:
    """`en` or `fr`, from the request's `Accept-Language` (English without one)."""
    return i18n.negotiate(request.headers.get("accept-language") if request is not None else None)


def error_response(error: GiftnetError, headers: dict[str, str] | None = None,
                   request: Request | None = None) -> JSONResponse:
    """The error's answer, its message in the request's language."""
    headers = dict(headers or {})
    headers["Content-Language"] = lang = request_language(request)
    headers["Vary"] = "Accept-Language"
    if error.retry_after_seconds is not None:
        headers["Retry-After"] = str(max(1, int(error.retry_after_seconds)))
    if error.code == ErrorCode.unauthenticated:
        headers["WWW-Authenticate"] = "Bearer"
    return JSONResponse(error.as_dict(lang), status_code=error.http_status, headers=headers)


def _field_name(location: tuple) -> str:
    return ".".join(str(part) for part in location[1:]) or str(location[0])


def _validation_error(errors: list[dict]) -> GiftnetError:
    """The first problem of a request that FastAPI could not validate, in our words."""
    first = errors[0] if errors else {"loc": ("body",), "type": "value_error", "msg": "Invalid request."}
    location, kind = tuple(first.get("loc") or ("body",)), first.get("type", "")
    source, name = location[0], _field_name(location)
    if source == "path":
        if name == "card_id":
            return GiftnetError(ErrorCode.card_not_found, N_("No such card."))
        return GiftnetError(ErrorCode.not_found, N_("Nothing exists at this address."))
    if source == "body":
        if kind == "json_invalid":
            return GiftnetError(ErrorCode.invalid_input, N_("The request body is not valid JSON."))
        if len(location) == 1:
            if kind == "missing":
                return GiftnetError(ErrorCode.invalid_input, N_("This request needs a JSON object as its body."))
            return GiftnetError(ErrorCode.invalid_input, N_("The request body must be a JSON object."))
        if kind == "extra_forbidden":
            return GiftnetError(ErrorCode.invalid_input, N_("Unknown field `{name}`."), field=name,
                                params={"name": name})
        if kind == "missing":
            return GiftnetError(ErrorCode.invalid_input, N_("`{name}` is required."), field=name, params={"name": name})
        if name.endswith("_cents") and kind == "less_than_equal":
            return GiftnetError(ErrorCode.amount_out_of_range, N_("The amount is larger than any card can hold."),
                                field=name)
        if name.endswith("_cents"):
            return GiftnetError(ErrorCode.invalid_amount, N_("The amount must be a whole number of cents."), field=name)
    if kind == "missing":
        return GiftnetError(ErrorCode.invalid_input, N_("`{name}` is required."), field=name, params={"name": name})
    message = str(first.get("msg", "is not valid")).removeprefix("Value error, ").rstrip(".")
    return GiftnetError(ErrorCode.invalid_input, N_("`{name}`: {lower}{value}."), field=name, params={"name": name, "lower": message[:1].lower(), "value": message[1:]})


def _is_api(request: Request) -> bool:
    return request.url.path.startswith(API_PREFIX)


async def _on_giftnet_error(request: Request, error: GiftnetError) -> JSONResponse:
    return error_response(error, request=request)


async def _on_validation_error(request: Request, error: RequestValidationError) -> JSONResponse:
    # A route whose API key is checked on its own thread (`idempotent.idempotent_call`) has it
    # checked here first: a caller without a live key learns nothing about the body (401).
    check_caller_first = getattr(request.state, "check_caller_first", None)
    if check_caller_first is not None:
        try:
            await run_in_threadpool(check_caller_first)
        except GiftnetError as refusal:
            return error_response(refusal, request=request)
    return error_response(_validation_error(list(error.errors())), request=request)


async def _on_http_exception(request: Request, error: StarletteHTTPException) -> JSONResponse:
    if error.status_code == 404:
        refusal = GiftnetError(ErrorCode.not_found, N_("Nothing exists at this address."))
    elif error.status_code == 405:
        refusal = GiftnetError(ErrorCode.method_not_allowed, N_("This address does not accept {method}."),
                               params={"method": request.method})
    elif error.status_code == 401:
        refusal = GiftnetError(ErrorCode.unauthenticated, N_("Send your API key as `Authorization: Bearer gk_...`."))
    elif error.status_code < 500:
        refusal = GiftnetError(ErrorCode.invalid_input, str(error.detail or "The request is not valid."))
    else:
        refusal = GiftnetError(ErrorCode.internal_error, INTERNAL_ERROR_MESSAGE)
    response = error_response(refusal, dict(error.headers or {}), request)
    response.status_code = error.status_code if refusal.code == ErrorCode.invalid_input else refusal.http_status
    return response


DATABASE_RETRY_AFTER_SECONDS = 2
UNAVAILABLE_MESSAGE = N_("The database cannot be reached right now. Retry in a few seconds with the same "
                         "Idempotency-Key: a retry never moves money twice.")


async def _on_database_error(request: Request, error: Exception) -> JSONResponse:
    if not database_unavailable(error):
        return await _on_bug(request, error)
    log.warning("database unavailable on %s %s: %s", request.method, request.url.path,
                str(error).splitlines()[0][:200] if str(error) else type(error).__name__)
    if not _is_api(request):
        return JSONResponse({"detail": "Service Unavailable"}, status_code=503,
                            headers={"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)})
    return error_response(GiftnetError(ErrorCode.unavailable, UNAVAILABLE_MESSAGE,
                                       retry_after_seconds=DATABASE_RETRY_AFTER_SECONDS), request=request)


async def _on_bug(request: Request, error: Exception) -> JSONResponse:
    # Installed as the app's last resort; outside /api/v1 (the Reflex app) too, where
    # plain text is the usual answer.
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=error)
    if not _is_api(request):
        return JSONResponse({"detail": "Internal Server Error"}, status_code=500)
    return error_response(GiftnetError(ErrorCode.internal_error, INTERNAL_ERROR_MESSAGE), request=request)


def install_error_handlers(api: FastAPI) -> None:
    api.add_exception_handler(GiftnetError, _on_giftnet_error)
    api.add_exception_handler(RequestValidationError, _on_validation_error)
    api.add_exception_handler(StarletteHTTPException, _on_http_exception)
    api.add_exception_handler(sa_exc.DBAPIError, _on_database_error)
    api.add_exception_handler(sa_exc.TimeoutError, _on_database_error)
    api.add_exception_handler(Exception, _on_bug)


def install_fallback_route(api: FastAPI) -> None:
    """Unknown paths and methods under /api/v1 answer in the error shape.

    Reflex mounts its own app at the root of ours, so without this route an unknown
    API path would fall through to it. Must be added after every API router.
    """

    async def fallback(request: Request, rest: str) -> JSONResponse:  # noqa: ARG001
        # Which methods would a real route accept here? (Asked only on this error path.)
        allowed = set()
        for method in ALL_METHODS:
            scope = {**request.scope, "method": method}
            for route in api.router.routes:
                if isinstance(route, Mount) or getattr(route, "name", None) == FALLBACK_NAME:
                    continue  # the Reflex app mounted at the root matches everything
                match, _child = route.matches(scope)
                if match == Match.FULL:
                    allowed.add(method)
                    break
        if allowed:
            return error_response(
                GiftnetError(ErrorCode.method_not_allowed, N_("This address does not accept {method}."),
                             params={"method": request.method}),
                {"Allow": ", ".join(sorted(allowed))},
                request,
            )
        return error_response(GiftnetError(ErrorCode.not_found, N_("Nothing exists at this address.")),
                              request=request)

    api.add_api_route(
        API_PREFIX + "/{rest:path}", fallback, methods=ALL_METHODS, include_in_schema=False, name=FALLBACK_NAME
    )

"""Routes that create or move money answer through `idempotent_answer`: with an
`Idempotency-Key` header, the first answer is stored (app/services/money/idempotency.py)
and a retry gets it again, marked `Idempotent-Replayed: true`.

A route takes the caller, its request and the key as one `IdempotentCall`
(`call: IdempotentCall = Depends(idempotent_call)`) and answers `call.answer(body, work)`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from fastapi import Header, Request, Response, Security
from fastapi.security import HTTPAuthorizationCredentials
from pydantic import BaseModel

from app.api.auth import ApiCaller, bearer, caller_for_key, operator_key_in
from app.services.money import idempotency

IdempotencyKeyHeader = Header(
    default=None,
    alias="Idempotency-Key",
    description="Any unique string (a UUID is fine), at most 255 characters. A retry with the same key "
    "and body answers what the first call answered and moves nothing; kept 24 hours.",
    examples=["3f1c2b9e-8a4d-4e0f-9b7a-2c6d1e5f4a3b"],
)
# The two refusals every idempotent route documents (`error_responses` examples).
IDEMPOTENCY_IN_FLIGHT = ("idempotency_in_flight", "A request with this Idempotency-Key is still being processed.")
IDEMPOTENCY_KEY_REUSED = ("idempotency_key_reused", "This Idempotency-Key was already used for a different request.")
IDEMPOTENCY_ERRORS = {409: [IDEMPOTENCY_IN_FLIGHT], 422: [IDEMPOTENCY_KEY_REUSED]}


def _json(model: BaseModel) -> str:
    return json.dumps(model.model_dump(mode="json", by_alias=True), separators=(",", ":"))


def idempotent_answer(
    request: Request,
    caller: ApiCaller,
    raw_key: str | None,
    request_body: BaseModel | None,
    work: Callable[[str | None], tuple[int, BaseModel]],
) -> Response:
    """Run `work(ledger_key)` once per key and request; `work` returns (status, answer).

    Without a key the call simply runs. A failing call (any refusal or bug) stores
    nothing: the key is released and a retry runs again.
    """
    key = idempotency.validated_key(raw_key, field="Idempotency-Key")
    if key is None:
        status, answer = work(None)
        return Response(_json(answer), status_code=status, media_type="application/json")
    body = request_body.model_dump(mode="json") if request_body is not None else None
    claim = idempotency.begin(
        caller.api_key_id,
        key,
        method=request.method,
        path=request.url.path,
        fingerprint=idempotency.request_fingerprint(request.method, request.url.path, body),
    )
    if isinstance(claim, idempotency.StoredAnswer):
        return Response(
            claim.body, status_code=claim.status, media_type="application/json", headers={"Idempotent-Replayed": "true"}
        )
    try:
        status, answer = work(idempotency.ledger_key(caller.api_key_id, key))
    except BaseException:
        idempotency.release(claim)
        raise
    text = _json(answer)
    idempotency.complete(claim, status, text)
    return Response(text, status_code=status, media_type="application/json")


def idempotent_answer_in_transaction(
    request: Request,
    caller: ApiCaller,
    raw_key: str | None,
    request_body: BaseModel | None,
    run: Callable[[str | None], object],
    to_answer: Callable[[object], tuple[int, BaseModel]],
) -> Response:
    """`idempotent_answer` for routes whose `run(ledger_key)` is one money service going through
    `idempotency.run_idempotent`: the record is claimed and answered inside that service's own
    transaction (one transaction per call, no bookkeeping transactions of its own).
    `to_answer(result)` turns the service's result into (status, answer) and runs in it."""
    key = idempotency.validated_key(raw_key, field="Idempotency-Key")
    if key is None:
        status, answer = to_answer(run(None))
        return Response(_json(answer), status_code=status, media_type="application/json")

    def stored(result: object) -> tuple[int, str]:
        status, answer = to_answer(result)
        return status, _json(answer)

    body = request_body.model_dump(mode="json") if request_body is not None else None
    method, path = request.method, request.url.path
    call = idempotency.ApiCall(caller.api_key_id, key, method, path,
                               idempotency.request_fingerprint(method, path, body), stored)
    try:
        result = idempotency.answered_within(call, lambda: run(idempotency.ledger_key(caller.api_key_id, key)))
    except idempotency.AlreadyAnswered as replayed:
        return Response(replayed.answer.body, status_code=replayed.answer.status, media_type="application/json",
                        headers={"Idempotent-Replayed": "true"})
    status, text = call.answer if call.answer is not None else stored(result)
    return Response(text, status_code=status, media_type="application/json")


@dataclass
class IdempotentCall:
    """An operator's call that may carry an `Idempotency-Key`. Its API key (`api_key`, of
    the right form) is checked against the database at the first use of `caller`, on the
    route's own thread, together with the call's work."""

    request: Request
    api_key: str
    idempotency_key: str | None

    @cached_property
    def caller(self) -> ApiCaller:
        """The live key's operator; 401 for a key that is unknown or revoked."""
        return caller_for_key(self.request, self.api_key)

    def answer(self, request_body: BaseModel | None, work: Callable[[str | None], tuple[int, BaseModel]]) -> Response:
        """`idempotent_answer` for this call: `work(ledger_key)` runs once per key and request body."""
        return idempotent_answer(self.request, self.caller, self.idempotency_key, request_body, work)

    def answer_in_transaction(self, request_body: BaseModel | None, run: Callable[[str | None], object],
                              to_answer: Callable[[object], tuple[int, BaseModel]]) -> Response:
        """`idempotent_answer_in_transaction` for this call (one transaction per call)."""
        return idempotent_answer_in_transaction(self.request, self.caller, self.idempotency_key, request_body, run,
                                                to_answer)


async def idempotent_call(
    request: Request,
    credentials: HTTPAuthorizationCredentials | None = Security(bearer),
    idempotency_key: str | None = IdempotencyKeyHeader,
) -> IdempotentCall:
    """No I/O, so FastAPI runs it on the event loop: the key's form is checked here (401, 403
    for a POS key), the key itself on the route's thread with the call's work
    (`IdempotentCall.caller`), one threadpool hop per call instead of two. A request FastAPI
    refuses before the route runs (422) has its key checked first all the same
    (`errors._on_validation_error` runs `check_caller_first`): without a live key, 401."""
    call = IdempotentCall(request, operator_key_in(credentials), idempotency_key)
    request.state.check_caller_first = lambda: call.caller
    return call

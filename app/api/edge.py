"""What every /api/v1 request passes through before and after its route: the body size
limit and the access log.

A plain ASGI middleware (not `BaseHTTPMiddleware`): the websocket and every other
Reflex request go straight through, and API calls pay one monotonic clock read and a
queue put. The body is read here (at most `MAX_BODY_BYTES`, more for the upload routes of
`LARGER_BODY_LIMITS`) and replayed to the route, so an oversized body is refused with 413
before anything parses it, and so is a JSON body nested too deep or holding a NUL
character (`validation.check_json_body`), whatever the route, partner receivers included.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.models.base import utcnow
from app.services.access import api_log
from app.services.core import i18n, validation
from app.services.core.errors import ErrorCode, GiftnetError
from app.services.core.i18n import N_
from app.services.network import location_import
from app.services.settlement import payout_returns
from app.settings import get_settings

API_PREFIX = "/api/v1"
MAX_BODY_BYTES = 64 * 1024
# Uploads that may be larger: the file's own limit (the CSV import's 5 MB) plus room for its multipart framing.
LARGER_BODY_LIMITS = {f"{API_PREFIX}/locations/import": location_import.MAX_FILE_BYTES + MAX_BODY_BYTES,
                      f"{API_PREFIX}/payouts/returns": payout_returns.MAX_RETURN_FILE_BYTES + MAX_BODY_BYTES}
SCOPE_KEY = "giftnet.api_call"


@dataclass
class CallRecord:
    """Filled in while the request runs: from where (here) and who (set by authentication)."""

    ip: str = ""
    operator_id: int | None = None
    api_key_id: int | None = None
    api_key_prefix: str | None = None


def call_record(request: Request) -> CallRecord | None:
    return request.scope.get(SCOPE_KEY)


def _client_ip(scope: Scope) -> str:
    """The caller's address; behind our own proxies (TRUSTED_PROXIES), the nearest
    X-Forwarded-For hop that is not one of them. A client cannot forge it past them."""
    client = scope.get("client")
    peer = client[0] if client else ""
    trusted = get_settings().trusted_proxies
    if peer in trusted:
        forwarded = b",".join(value for name, value in scope["headers"] if name == b"x-forwarded-for")
        for hop in reversed(forwarded.decode("latin-1").split(",")):
            hop = hop.strip()
            if hop and hop not in trusted:
                return hop[:64]
    return peer[:64]


def client_ip(request: Request) -> str:
    record = call_record(request)
    return record.ip if record is not None else _client_ip(request.scope)


async def _send_error(send: Send, error: GiftnetError, scope: Scope | None = None) -> None:
    """Answer before the body was read to its end: the connection cannot be reused, say so.
    The message is in the request's `Accept-Language`."""
    accept = next((value.decode("latin-1") for name, value in (scope or {}).get("headers", [])
                   if name == b"accept-language"), None)
    lang = i18n.negotiate(accept)
    body = json.dumps(error.as_dict(lang)).encode()
    await send(
        {
            "type": "http.response.start",
            "status": error.http_status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
                (b"content-language", lang.encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class ApiEdgeMiddleware:
    def __init__(self, app: ASGIApp, max_body_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(API_PREFIX):
            await self.app(scope, receive, send)
            return
        started, created_at = time.perf_counter(), utcnow()
        record = scope[SCOPE_KEY] = CallRecord(ip=_client_ip(scope))
        status = 500

        async def send_and_watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            limit = LARGER_BODY_LIMITS.get(scope["path"].rstrip("/"), self.max_body_bytes)
            body_or_refusal = await self._read_body(scope, receive, limit)
            if isinstance(body_or_refusal, GiftnetError):
                await _send_error(send_and_watch, body_or_refusal, scope)
                return
            if body_or_refusal:
                scope = _as_json(scope)
                if is_json(scope):
                    try:  # every route and partner receiver alike: too deep, or a NUL anywhere, is a 400
                        validation.check_json_body(body_or_refusal)
                    except GiftnetError as refusal:
                        await _send_error(send_and_watch, refusal, scope)
                        return
            await self.app(scope, replay_body(body_or_refusal, receive), send_and_watch)
        finally:
            api_log.record_call(
                api_log.ApiCall(
                    created_at=created_at,
                    method=scope["method"][:8],
                    path=api_log.loggable_path(scope["path"]),
                    status=status,
                    duration_ms=int((time.perf_counter() - started) * 1000),
                    ip=record.ip,
                    operator_id=record.operator_id,
                    api_key_id=record.api_key_id,
                    api_key_prefix=record.api_key_prefix,
                )
            )

    async def _read_body(self, scope: Scope, receive: Receive, limit: int) -> bytes | GiftnetError:
        def too_large() -> GiftnetError:  # built only when refused: its sentence is translated and filled
            return GiftnetError(ErrorCode.payload_too_large, N_("The request body is larger than {limit} bytes."),
                                params={"limit": limit})

        for name, value in scope["headers"]:
            if name == b"content-length":
                try:
                    if int(value) > limit:
                        return too_large()
                except ValueError:
                    return GiftnetError(ErrorCode.invalid_input, N_("The Content-Length header is not a number."))
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break  # the client went away; the route will see an empty body
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                return too_large()
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)


_READ_AS_JSON = (b"", b"application/x-www-form-urlencoded", b"text/plain")


def _as_json(scope: Scope) -> Scope:
    """API bodies are JSON: read them as JSON when the client did not say so (curl's
    default form type, a bare body). Multipart uploads and explicit types stay as sent."""
    headers = [(name, value) for name, value in scope["headers"] if name != b"content-type"]
    content_type = next((value for name, value in scope["headers"] if name == b"content-type"), b"")
    if content_type.split(b";", 1)[0].strip().lower() not in _READ_AS_JSON:
        return scope
    return {**scope, "headers": [*headers, (b"content-type", b"application/json")]}


def is_json(scope: Scope) -> bool:
    """The request's body is labelled JSON (`application/json` or a `+json` type)."""
    content_type = next((value for name, value in scope["headers"] if name == b"content-type"), b"")
    media = content_type.split(b";", 1)[0].strip().lower()
    return media == b"application/json" or media.endswith(b"+json")


def replay_body(body: bytes, receive: Receive) -> Receive:
    """A `receive` that gives the body already read, as one message, then the client's own messages."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay

"""Who is calling: `Authorization: Bearer gk_...`, checked on every request.

The key is looked up by its keyed hash (HMAC) on each call with one indexed SELECT and
no cache (`api_keys.authenticate`), so a revoked key is refused from its very next
request, on every worker. `last_used_at` moves forward
with the access log's batched writes, not here.

A location's POS key (`gkpos_...`) is another kind of caller (`pos_caller`): it may
only push and read that location's POS payments, and every operator route refuses it.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from app.api.edge import call_record
from app.models import PosKey
from app.services.access.api_keys import OPERATOR_KEY_PREFIX, authenticate
from app.services.core.actor import Actor
from app.services.core.errors import ErrorCode, GiftnetError
from app.services.core.i18n import N_
from app.services.money.card_lookup import caller_name
from app.services.network.pos_keys import POS_KEY_PREFIX, resolve_pos_key

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="bearer",
    description="An operator API key (`gk_...`), created on the Developers screen and shown once.",
)
pos_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="posBearer",
    description="A location's POS key (`gkpos_...`), created with `POST /locations/{location_id}/pos-keys` and shown "
    "once. It may only push and read that location's POS payments.",
)

_POS_KEY_SCOPE = N_("A POS key (gkpos_...) may only push and read its location's POS payments; use an operator key (gk_...).")


@dataclass(frozen=True)
class ApiCaller:
    operator_id: int
    api_key_id: int
    api_key_prefix: str

    @property
    def actor(self) -> Actor:
        return Actor(self.operator_id, api_key_id=self.api_key_id, channel="api")

    @property
    def lookup_caller(self) -> str:
        """The name card look-ups are rate-limited under."""
        return caller_name(self.actor)


def api_caller(request: Request, credentials: HTTPAuthorizationCredentials | None = Security(bearer)) -> ApiCaller:
    """The operator behind the request's key, or 401 (403 for a POS key: it may not act for the operator)."""
    return caller_for_key(request, operator_key_in(credentials))


def operator_key_in(credentials: HTTPAuthorizationCredentials | None) -> str:
    """The operator key the request sends, checked for its form only (no database): 401 when
    there is none, 403 for a POS key."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise GiftnetError(ErrorCode.unauthenticated, N_("Send your API key as `Authorization: Bearer gk_...`."))
    plaintext = credentials.credentials.strip()
    if plaintext.startswith(POS_KEY_PREFIX):
        raise GiftnetError(ErrorCode.forbidden, _POS_KEY_SCOPE)
    return plaintext


def caller_for_key(request: Request, plaintext: str) -> ApiCaller:
    """The live key's operator (one indexed read), noted on the request's access-log record; 401 otherwise."""
    api_key = authenticate(plaintext)
    if api_key is None:
        raise GiftnetError(ErrorCode.unauthenticated, N_("This API key is not valid or has been revoked."))
    caller = ApiCaller(operator_id=api_key.operator_id, api_key_id=api_key.id, api_key_prefix=api_key.prefix)
    record = call_record(request)
    if record is not None:
        record.operator_id, record.api_key_id, record.api_key_prefix = caller.operator_id, caller.api_key_id, caller.api_key_prefix
    return caller


@dataclass(frozen=True)
class PosCaller:
    """A location's POS, known by its POS key."""

    operator_id: int
    location_id: int
    pos_key: PosKey


def _resolve_pos_caller(request: Request, plaintext: str) -> PosCaller:
    pos_key = resolve_pos_key(plaintext)
    if pos_key is None:
        raise GiftnetError(ErrorCode.unauthenticated, N_("This POS key is not valid or has been revoked."))
    record = call_record(request)
    if record is not None:  # the operator's access log shows its POS calls by key prefix
        record.operator_id, record.api_key_prefix = pos_key.operator_id, pos_key.prefix
    return PosCaller(operator_id=pos_key.operator_id, location_id=pos_key.location_id, pos_key=pos_key)


def pos_caller(request: Request, credentials: HTTPAuthorizationCredentials | None = Security(pos_bearer)) -> PosCaller:
    """The location behind the request's POS key, or 401; an operator key is 403 here."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise GiftnetError(ErrorCode.unauthenticated, N_("Send the location's POS key as `Authorization: Bearer gkpos_...`."))
    plaintext = credentials.credentials.strip()
    if plaintext.startswith(OPERATOR_KEY_PREFIX):
        raise GiftnetError(
            ErrorCode.forbidden, N_("Only a location's POS key (gkpos_...) pushes POS payments, not an operator key.")
        )
    return _resolve_pos_caller(request, plaintext)


def pos_or_api_caller(
    request: Request,
    pos_credentials: HTTPAuthorizationCredentials | None = Security(pos_bearer),
    credentials: HTTPAuthorizationCredentials | None = Security(bearer),
) -> PosCaller | ApiCaller:
    """Routes that a location's POS and its operator may both call (both schemes read the same header)."""
    if pos_credentials is not None and pos_credentials.scheme.lower() == "bearer" \
            and pos_credentials.credentials.strip().startswith(POS_KEY_PREFIX):
        return _resolve_pos_caller(request, pos_credentials.credentials.strip())
    return api_caller(request, credentials)

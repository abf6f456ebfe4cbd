"""Who is calling: `Authorization: Bearer gk_...`, checked on every request.

The key is looked up by its keyed hash on each call (no cache), so a revoked key is
refused from its very next request, on every worker. `last_used_at` moves forward
with the access log's batched writes, not here.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from app.api.edge import call_record
from app.services.actor import Actor
from app.services.api_keys import resolve_api_key
from app.services.errors import ErrorCode, GiftnetError

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="bearer",
    description="An operator API key (`gk_...`), created on the Developers screen and shown once.",
)


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
        return f"api-key-{self.api_key_id}"


def api_caller(request: Request, credentials: HTTPAuthorizationCredentials | None = Security(bearer)) -> ApiCaller:
    """The operator behind the request's key, or 401."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise GiftnetError(ErrorCode.unauthenticated, "Send your API key as `Authorization: Bearer gk_...`.")
    api_key = resolve_api_key(credentials.credentials.strip())
    if api_key is None:
        raise GiftnetError(ErrorCode.unauthenticated, "This API key is not valid or has been revoked.")
    caller = ApiCaller(operator_id=api_key.operator_id, api_key_id=api_key.id, api_key_prefix=api_key.prefix)
    record = call_record(request)
    if record is not None:
        record.operator_id, record.api_key_id, record.api_key_prefix = caller.operator_id, caller.api_key_id, caller.api_key_prefix
    return caller

"""The project's error codes: one stable string per thing a user can get wrong.

Services raise `GiftnetError`; the API turns it into
`{"error": {"code", "message", "field"}}` with the status below, and screens show
the same message. The message is a sentence marked `N_()` for the catalogs; one with
values is a template with named placeholders and `params`
(`GiftnetError(code, N_("The amount must be between {low} and {high}."), params={...})`):
`message` stays English, `localized_message(lang)` (the API, by `Accept-Language`)
translates the template and fills it in that language.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from app.services.core import i18n


class ErrorCode(StrEnum):
    invalid_input = "invalid_input"
    invalid_amount = "invalid_amount"
    amount_out_of_range = "amount_out_of_range"
    invalid_card_code = "invalid_card_code"
    invalid_email = "invalid_email"
    invalid_currency = "invalid_currency"
    invalid_timezone = "invalid_timezone"
    weak_password = "weak_password"
    email_taken = "email_taken"
    unauthenticated = "unauthenticated"
    invalid_credentials = "invalid_credentials"
    forbidden = "forbidden"
    not_found = "not_found"
    conflict = "conflict"
    item_webhook_failed = "item_webhook_failed"
    card_not_found = "card_not_found"
    insufficient_funds = "insufficient_funds"
    test_card = "test_card"  # a card bought in test mode, offered where real money changes hands
    card_not_active = "card_not_active"
    idempotency_key_reused = "idempotency_key_reused"
    idempotency_in_flight = "idempotency_in_flight"
    rate_limited = "rate_limited"
    method_not_allowed = "method_not_allowed"
    payload_too_large = "payload_too_large"
    unavailable = "unavailable"
    internal_error = "internal_error"


HTTP_STATUS: dict[ErrorCode, int] = {
    ErrorCode.invalid_input: 400,
    ErrorCode.invalid_amount: 422,
    ErrorCode.amount_out_of_range: 422,
    ErrorCode.invalid_card_code: 422,
    ErrorCode.invalid_email: 422,
    ErrorCode.invalid_currency: 422,
    ErrorCode.invalid_timezone: 422,
    ErrorCode.weak_password: 422,
    ErrorCode.email_taken: 409,
    ErrorCode.unauthenticated: 401,
    ErrorCode.invalid_credentials: 401,
    ErrorCode.forbidden: 403,
    ErrorCode.not_found: 404,
    ErrorCode.conflict: 409,
    ErrorCode.item_webhook_failed: 502,
    ErrorCode.card_not_found: 404,
    ErrorCode.insufficient_funds: 409,
    ErrorCode.test_card: 409,
    ErrorCode.card_not_active: 409,
    ErrorCode.idempotency_key_reused: 422,
    ErrorCode.idempotency_in_flight: 409,
    ErrorCode.rate_limited: 429,
    ErrorCode.method_not_allowed: 405,
    ErrorCode.payload_too_large: 413,
    ErrorCode.unavailable: 503,
    ErrorCode.internal_error: 500,
}


class GiftnetError(Exception):
    """A refusal a person can understand: a code, a sentence, and the field at fault."""

    def __init__(
        self,
        code: ErrorCode,
        message: str,
        *,
        field: str | None = None,
        retry_after_seconds: int | None = None,
        params: Mapping[str, object] | None = None,
    ) -> None:
        self.template = message
        self.params = dict(params or {})
        message = i18n.translate(message, i18n.DEFAULT_LANGUAGE, **self.params) if self.params else message
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
        self.retry_after_seconds = retry_after_seconds

    @property
    def http_status(self) -> int:
        return HTTP_STATUS[self.code]

    def localized_message(self, lang: str | None) -> str:
        """The sentence in `lang` (`en` / `fr`); English where the catalog has no translation."""
        return i18n.translate(self.template, lang, **self.params)

    def as_dict(self, lang: str | None = None) -> dict:
        message = self.message if lang is None else self.localized_message(lang)
        body = {"code": str(self.code), "message": message}
        if self.field:
            body["field"] = self.field
        return {"error": body}

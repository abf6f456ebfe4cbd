"""Bambora (Worldline) North America Payment API, over httpx.

- Charge (in the merchant account's currency, CAD or USD; the request has no currency
  field): `POST {base}/v1/payments` with `Authorization: Passcode base64(merchant_id:passcode)`
  and `{"payment_method": "token", "order_number", "amount": 12.50,
  "token": {"code", "name", "complete": true}}`; the token comes from Custom Checkout
  (`customcheckout.js`) in the shopper's browser. Approved: HTTP 200 with
  `"approved": "1"`, `id`, `auth_code`, `card.last_four`. Declined: HTTP 402 with
  `{"code", "category", "message"}`.
- Refund: `POST {base}/v1/payments/{id}/returns` with `{"amount"}`.
- Look-up after a lost answer: the Reporting API's search,
  `POST {base}/v1/reports` with `{"name": "Search", "start_date", "end_date",
  "start_row", "end_row", "criteria": [{"field": 5, "operator": "%3D", "value": <order number>}]}`
  (field 5 is the order number; the Reporting API has its own passcode, falling back to
  the payments passcode). Records carry `trn_id`, `trn_order_number`, `trn_type`
  (`P` purchase) and `trn_response` (1 approved, 2 declined).
  Payments themselves cannot be listed by order number, only read by id, so the
  report search is the documented way to learn what became of an order number.
- Credential check: the same report search for an order number no order of ours can
  have (`check-<random>`); it moves no money, and a wrong merchant ID or passcode is
  answered HTTP 401 `{"code": 21, "category": 3, "message": "Authentication failed"}`.
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx

from app.integrations import outbound
from app.integrations.payments import (
    DEFAULT_TIMEOUT_SECONDS,
    ChargeResult,
    CredentialCheck,
    RefundResult,
    currency_refused,
    dollars,
    http_timeout,
    json_object,
    unknown,
)

LIVE_BASE_URL = "https://api.na.bambora.com"
ORDER_NUMBER_FIELD = 5
SEARCH_DAYS_BACK = 7


def passcode_header(merchant_id: str, passcode: str) -> str:
    return "Passcode " + base64.b64encode(f"{merchant_id}:{passcode}".encode()).decode()


@dataclass
class BamboraGateway:
    merchant_id: str
    payments_passcode: str
    reporting_passcode: str = ""
    base_url: str = LIVE_BASE_URL
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS
    name: str = field(default="bambora", init=False)
    test_mode: bool = False
    currencies: tuple[str, ...] = field(default=("CAD", "USD"), init=False)

    def _post(self, path: str, body: dict, passcode: str) -> httpx.Response:
        with outbound.http_client(timeout=http_timeout(self.timeout_seconds)) as client:
            return client.post(
                self.base_url.rstrip("/") + path,
                json=body,
                headers={"Authorization": passcode_header(self.merchant_id, passcode), "Accept": "application/json"},
            )

    def charge(self, order_number: str, amount_cents: int, token: str, *, currency: str,
               cardholder_name: str = "") -> ChargeResult:
        refused = currency_refused("Bambora", currency, self.currencies)
        if refused is not None:
            return refused
        body = {
            "payment_method": "token",
            "order_number": order_number,
            "amount": dollars(amount_cents),
            "token": {"code": token, "name": cardholder_name or "Card holder", "complete": True},
        }
        try:
            response = self._post("/v1/payments", body, self.payments_passcode)
        except httpx.HTTPError:
            return unknown("No answer from Bambora.")
        return _charge_answer(response)

    @property
    def _search_passcode(self) -> tuple[str, str]:
        """The passcode the report search uses and the setting it comes from."""
        if self.reporting_passcode:
            return self.reporting_passcode, "reporting_passcode"
        return self.payments_passcode, "payments_passcode"

    def _search(self, order_number: str) -> httpx.Response:
        now = datetime.now(UTC)
        body = {
            "name": "Search",
            "start_date": (now - timedelta(days=SEARCH_DAYS_BACK)).strftime("%Y-%m-%dT%H:%M:%S"),
            "end_date": (now + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S"),
            "start_row": 1,
            "end_row": 100,
            "criteria": [{"field": ORDER_NUMBER_FIELD, "operator": "%3D", "value": order_number}],
        }
        return self._post("/v1/reports", body, self._search_passcode[0])

    def find_by_order_number(self, order_number: str) -> ChargeResult | None:
        try:
            response = self._search(order_number)
        except httpx.HTTPError:
            return unknown("No answer from Bambora's report search.")
        if response.status_code != 200:
            return unknown(f"Bambora's report search answered HTTP {response.status_code}.")
        records = [
            record for record in (json_object(response).get("records") or [])
            if str(record.get("trn_order_number")) == order_number and record.get("trn_type", "P") == "P"
        ]
        if not records:
            return None
        approved = [record for record in records if str(record.get("trn_response")) == "1"]
        record = approved[0] if approved else records[-1]
        masked = str(record.get("trn_masked_card") or "")
        return ChargeResult(
            outcome="approved" if approved else "declined",
            reference=str(record.get("trn_id")),
            message=str(record.get("message_text") or ("Approved" if approved else "Declined")),
            card_last4=masked[-4:] or None,
        )

    def check_credentials(self) -> CredentialCheck:
        """A report search for an order number that cannot exist: 200 means the merchant ID
        and the search's passcode are taken; 401/403 is Bambora refusing them."""
        try:
            response = self._search("check-" + secrets.token_hex(8))
        except httpx.HTTPError:
            return CredentialCheck(outcome="unreachable", message="No answer from Bambora.")
        if response.status_code == 200:
            return CredentialCheck(outcome="accepted", message="Bambora accepted the credentials.")
        if response.status_code >= 500:
            return CredentialCheck(outcome="unreachable", message=f"Bambora answered HTTP {response.status_code}.")
        return CredentialCheck(outcome="refused", message=_error_message(response, json_object(response)),
                               field=self._search_passcode[1])

    def refund(self, reference: str, amount_cents: int, *, order_number: str = "") -> RefundResult:
        body: dict = {"amount": dollars(amount_cents)}
        if order_number:
            body["order_number"] = order_number
        try:
            response = self._post(f"/v1/payments/{reference}/returns", body, self.payments_passcode)
        except httpx.HTTPError:
            return RefundResult(ok=False, message="No answer from Bambora.")
        answer = json_object(response)
        if response.status_code == 200 and str(answer.get("approved")) == "1":
            return RefundResult(ok=True, reference=str(answer.get("id")), message=str(answer.get("message") or ""))
        return RefundResult(ok=False, message=_error_message(response, answer))


def _error_message(response: httpx.Response, answer: dict) -> str:
    return str(answer.get("message") or f"Bambora answered HTTP {response.status_code}.")


def _charge_answer(response: httpx.Response) -> ChargeResult:
    answer = json_object(response)
    if response.status_code == 200 and str(answer.get("approved")) == "1":
        card = answer.get("card") or {}
        return ChargeResult(
            outcome="approved",
            reference=str(answer.get("id")),
            message=str(answer.get("message") or "Approved"),
            card_last4=card.get("last_four"),
            authorization_code=answer.get("auth_code"),
        )
    if response.status_code in (200, 402):
        return ChargeResult(outcome="declined", reference=_optional_id(answer), message=_error_message(response, answer))
    if response.status_code >= 500:
        return unknown(f"Bambora answered HTTP {response.status_code}.")
    return ChargeResult(outcome="error", message=_error_message(response, answer))


def _optional_id(answer: dict) -> str | None:
    value = answer.get("id") or answer.get("reference")
    return str(value) if value else None

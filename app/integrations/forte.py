"""Forte REST API v3, over httpx.

- Auth: `Authorization: Basic base64(api_access_id:api_secure_key)` and
  `X-Forte-Auth-Organization-Id: org_X` on every request.
- Charge (US dollars: the request has no currency field): `POST {base}/organizations/org_X/locations/loc_Y/transactions` with
  `{"action": "sale", "authorization_amount": 10.00, "order_number",
  "card": {"one_time_token": "ott_..."}}` (the token comes from forte.js in the
  shopper's browser). The answer's `response.response_type` is `A` (approved,
  `response_code` A01), `D` (declined, U-codes such as U20) or `E` (error); the
  transaction id is `trn_...`.
- Look-up after a lost answer: `GET .../transactions?filter=order_number+eq+'<number>'`,
  answered `{"number_results", "results": [...]}` with each transaction's `status`
  and `response`.
- Refund: a `reverse` transaction, `POST .../transactions` with `{"action": "reverse",
  "original_transaction_id", "authorization_code", "authorization_amount"}`; the
  original's authorization code is read first with `GET .../transactions/{id}`.
- Credential check: `GET {base}/organizations/org_X/locations/loc_Y` reads the
  configured location and moves no money; wrong credentials are answered HTTP 401,
  a location outside the organization 403/404, each with `response.response_desc`.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any

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

SANDBOX_BASE_URL = "https://sandbox.forte.net/api/v3"
LIVE_BASE_URL = "https://api.forte.net/v3"


def basic_header(api_access_id: str, api_secure_key: str) -> str:
    return "Basic " + base64.b64encode(f"{api_access_id}:{api_secure_key}".encode()).decode()


@dataclass
class ForteGateway:
    organization_id: str  # org_...
    location_id: str  # loc_...
    api_access_id: str
    api_secure_key: str
    base_url: str = LIVE_BASE_URL
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS
    name: str = field(default="forte", init=False)
    test_mode: bool = False
    currencies: tuple[str, ...] = field(default=("USD",), init=False)

    @property
    def _location_url(self) -> str:
        return f"{self.base_url.rstrip('/')}/organizations/{self.organization_id}/locations/{self.location_id}"

    @property
    def _transactions_url(self) -> str:
        return f"{self._location_url}/transactions"

    @property
    def _headers(self) -> dict[str, str]:
        return {
            "Authorization": basic_header(self.api_access_id, self.api_secure_key),
            "X-Forte-Auth-Organization-Id": self.organization_id,
            "Accept": "application/json",
        }

    def _request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        with outbound.http_client(timeout=http_timeout(self.timeout_seconds)) as client:
            return client.request(method, url, headers=self._headers, **kwargs)

    def charge(self, order_number: str, amount_cents: int, token: str, *, currency: str,
               cardholder_name: str = "") -> ChargeResult:
        refused = currency_refused("Forte", currency, self.currencies)
        if refused is not None:
            return refused
        body = {
            "action": "sale",
            "authorization_amount": dollars(amount_cents),
            "order_number": order_number,
            "card": {"one_time_token": token, **({"name_on_card": cardholder_name} if cardholder_name else {})},
        }
        try:
            response = self._request("POST", self._transactions_url, json=body)
        except httpx.HTTPError:
            return unknown("No answer from Forte.")
        if response.status_code >= 500:
            return unknown(f"Forte answered HTTP {response.status_code}.")
        return _transaction_result(json_object(response), http_status=response.status_code)

    def find_by_order_number(self, order_number: str) -> ChargeResult | None:
        try:
            response = self._request(
                "GET", self._transactions_url, params={"filter": f"order_number eq '{order_number}'"}
            )
        except httpx.HTTPError:
            return unknown("No answer from Forte's transaction search.")
        if response.status_code != 200:
            return unknown(f"Forte's transaction search answered HTTP {response.status_code}.")
        results = [
            result for result in (json_object(response).get("results") or [])
            if result.get("order_number") == order_number and result.get("action", "sale") == "sale"
        ]
        if not results:
            return None
        answers = [_transaction_result(result, http_status=200) for result in results]
        approved = [answer for answer in answers if answer.approved]
        return approved[0] if approved else answers[-1]

    def check_credentials(self) -> CredentialCheck:
        """Read the configured location: 200 means the access ID, secure key, organization
        and location go together; anything else in 4xx is Forte refusing them."""
        try:
            response = self._request("GET", self._location_url)
        except httpx.HTTPError:
            return CredentialCheck(outcome="unreachable", message="No answer from Forte.")
        if response.status_code == 200:
            return CredentialCheck(outcome="accepted", message="Forte accepted the credentials.")
        if response.status_code >= 500:
            return CredentialCheck(outcome="unreachable", message=f"Forte answered HTTP {response.status_code}.")
        details = json_object(response).get("response") or {}
        message = str(details.get("response_desc") or f"Forte answered HTTP {response.status_code}.")
        field = {401: "api_secure_key", 403: "organization_id"}.get(response.status_code, "location_id")
        return CredentialCheck(outcome="refused", message=message, field=field)

    def refund(self, reference: str, amount_cents: int, *, order_number: str = "") -> RefundResult:
        try:
            original = self._request("GET", f"{self._transactions_url}/{reference}")
            if original.status_code != 200:
                return RefundResult(ok=False, message=f"Forte could not find transaction {reference}.")
            authorization_code = (json_object(original).get("authorization_code")
                                  or (json_object(original).get("response") or {}).get("authorization_code"))
            body = {
                "action": "reverse",
                "original_transaction_id": reference,
                "authorization_code": authorization_code,
                "authorization_amount": dollars(amount_cents),
            }
            if order_number:
                body["order_number"] = order_number
            response = self._request("POST", self._transactions_url, json=body)
        except httpx.HTTPError:
            return RefundResult(ok=False, message="No answer from Forte.")
        result = _transaction_result(json_object(response), http_status=response.status_code)
        return RefundResult(ok=result.approved, reference=result.reference, message=result.message)


def _transaction_result(answer: dict, *, http_status: int) -> ChargeResult:
    details = answer.get("response") or {}
    response_type = details.get("response_type")
    message = str(details.get("response_desc") or f"Forte answered HTTP {http_status}.")
    reference = answer.get("transaction_id")
    card = answer.get("card") or {}
    last4 = str(card.get("last_4_account_number") or "")[-4:] or None
    if response_type == "A":
        return ChargeResult(outcome="approved", reference=reference, message=message, card_last4=last4,
                            authorization_code=details.get("authorization_code"))
    if response_type == "D":
        return ChargeResult(outcome="declined", reference=reference, message=message, card_last4=last4)
    return ChargeResult(outcome="error", reference=reference, message=message)

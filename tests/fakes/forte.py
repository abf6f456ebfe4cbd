"""A fake Forte REST v3 for tests: documented JSON shapes and response codes, every
request recorded.

- Basic auth plus `X-Forte-Auth-Organization-Id` on every call (401 otherwise).
- `POST /organizations/{org}/locations/{loc}/transactions`: `sale` with
  `card.one_time_token` (from `token_for(card_number)`, as forte.js would make):
  A01 approved for 4111111111111111 (and Bambora's 4030000010001234), U20 declined for
  4003050500040005; `reverse` of an approved sale with its authorization code.
- `GET .../transactions?filter=order_number eq '<n>'`: `{"number_results", "results"}`.
- `GET .../transactions/{id}`: one transaction.
- `GET /organizations/{org}/locations/{loc}`: the location (a credential check): 200 for
  the right credentials and location, 401 `{"response": {"response_desc": "Invalid
  authentication"}}` for wrong ones, 404 for a location the organization does not have.

`delay_seconds` answers a sale late (after making it); `fail_status` answers every
sale with that status without processing it.
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
import secrets
from dataclasses import dataclass, field

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from tests.fakes.server import ThreadedServer

APPROVED_CARDS = ("4111111111111111", "4030000010001234")
DECLINED_CARD = "4003050500040005"


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: dict | None


@dataclass
class FakeForte:
    organization_id: str = "org_300005"
    location_id: str = "loc_115161"
    api_access_id: str = "a1b2c3d4e5f6"
    api_secure_key: str = "f6e5d4c3b2a1"
    delay_seconds: float = 0.0
    fail_status: int | None = None
    requests: list[RecordedRequest] = field(default_factory=list)
    transactions: dict[str, dict] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    server: ThreadedServer | None = None

    @property
    def base_url(self) -> str:
        assert self.server is not None
        return self.server.base_url

    def token_for(self, card_number: str) -> str:
        token = "ott_" + secrets.token_hex(10)
        self.tokens[token] = card_number
        return token

    def sale_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.method == "POST" and (r.body or {}).get("action") == "sale"]

    def _authorized(self, request: Request, org: str) -> bool:
        basic = "Basic " + base64.b64encode(f"{self.api_access_id}:{self.api_secure_key}".encode()).decode()
        return (request.headers.get("authorization") == basic
                and request.headers.get("x-forte-auth-organization-id") == self.organization_id == org)

    @staticmethod
    def _unauthorized() -> JSONResponse:
        return JSONResponse({"response": {"environment": "sandbox", "response_desc": "Invalid authentication"}},
                            status_code=401)

    def _transaction(self, action: str, amount: float, order_number: str | None, code: str, desc: str,
                     last4: str | None, **extra) -> dict:
        transaction_id = "trn_" + secrets.token_hex(8)
        response_type = code[0] if code[0] in "A" else ("D" if code.startswith("U") else "E")
        record = {
            "transaction_id": transaction_id, "location_id": self.location_id, "organization_id": self.organization_id,
            "action": action, "authorization_amount": amount, "order_number": order_number,
            "authorization_code": "123456" if response_type == "A" else None,
            "status": {"A": "authorized", "D": "declined"}.get(response_type, "failed"),
            "card": {"last_4_account_number": last4} if last4 else None,
            "response": {"environment": "sandbox", "response_type": response_type, "response_code": code,
                         "response_desc": desc,
                         "authorization_code": "123456" if response_type == "A" else None},
            **extra,
        }
        self.transactions[transaction_id] = record
        return record

    def app(self) -> FastAPI:
        api = FastAPI()
        base = "/organizations/{org}/locations/{loc}/transactions"

        @api.middleware("http")
        async def record(request: Request, call_next):
            raw = await request.body()
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body = None
            self.requests.append(RecordedRequest(request.method, request.url.path, request.url.query,
                                                 dict(request.headers), body))
            return await call_next(request)

        @api.post(base)
        async def create(org: str, loc: str, request: Request) -> JSONResponse:
            if not self._authorized(request, org):
                return self._unauthorized()
            body = await request.json()
            action = body.get("action")
            amount = float(body.get("authorization_amount") or 0)
            if action == "sale":
                if self.fail_status:
                    return JSONResponse({"response": {"response_desc": "Internal error"}},
                                        status_code=self.fail_status)
                card_number = self.tokens.pop((body.get("card") or {}).get("one_time_token", ""), None)
                if card_number is None:
                    record = self._transaction("sale", amount, body.get("order_number"), "E55",
                                               "INVALID ONE-TIME TOKEN", None)
                    return JSONResponse(record, status_code=400)
                if card_number in APPROVED_CARDS:
                    record = self._transaction("sale", amount, body.get("order_number"), "A01", "TEST APPROVAL",
                                               card_number[-4:], reversed_amount=0.0)
                else:
                    record = self._transaction("sale", amount, body.get("order_number"), "U20",
                                               "CREDIT CARD DECLINED", card_number[-4:])
                if self.delay_seconds:
                    await asyncio.sleep(self.delay_seconds)
                return JSONResponse(record, status_code=201)
            if action == "reverse":
                original = self.transactions.get(body.get("original_transaction_id") or "")
                if (original is None or original["response"]["response_type"] != "A"
                        or body.get("authorization_code") != original["authorization_code"]
                        or round(original.get("reversed_amount", 0) + amount, 2) > original["authorization_amount"]):
                    record = self._transaction("reverse", amount, body.get("order_number"), "E99",
                                               "INVALID REVERSE", None)
                    return JSONResponse(record, status_code=400)
                original["reversed_amount"] = round(original.get("reversed_amount", 0) + amount, 2)
                record = self._transaction("reverse", amount, body.get("order_number"), "A01", "TEST APPROVAL",
                                           None, original_transaction_id=original["transaction_id"])
                return JSONResponse(record, status_code=201)
            return JSONResponse({"response": {"response_desc": "Unsupported action"}}, status_code=400)

        @api.get(base)
        async def search(org: str, loc: str, request: Request) -> JSONResponse:
            if not self._authorized(request, org):
                return self._unauthorized()
            match = re.fullmatch(r"order_number eq '([^']*)'", request.query_params.get("filter", ""))
            results = [t for t in self.transactions.values() if match is None or t["order_number"] == match.group(1)]
            return JSONResponse({"number_results": len(results), "search_criteria": {}, "results": results})

        @api.get("/organizations/{org}/locations/{loc}")
        async def location(org: str, loc: str, request: Request) -> JSONResponse:
            if not self._authorized(request, org):
                return self._unauthorized()
            if loc != self.location_id:
                return JSONResponse({"response": {"environment": "sandbox", "response_desc": "Location not found"}},
                                    status_code=404)
            return JSONResponse({"organization_id": org, "location_id": loc, "dba_name": "Fake Forte location",
                                 "status": "live", "response": {"environment": "sandbox"}})

        @api.get(base + "/{transaction_id}")
        async def read(org: str, loc: str, transaction_id: str, request: Request) -> JSONResponse:
            if not self._authorized(request, org):
                return self._unauthorized()
            record = self.transactions.get(transaction_id)
            if record is None:
                return JSONResponse({"response": {"response_desc": "Not found"}}, status_code=404)
            return JSONResponse(record)

        return api

    def start(self) -> FakeForte:
        self.server = ThreadedServer(self.app()).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()

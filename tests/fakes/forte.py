"""A fake Forte REST v3 for tests: documented JSON shapes and response codes, every
request recorded.

- Basic auth plus `X-Forte-Auth-Organization-Id` on every call (401 otherwise).
- `POST /organizations/{org}/locations/{loc}/transactions`: `sale` with
  `card.one_time_token` (minted by the stand-in Forte.js's token endpoint, or by
  `token_for(card_number)` in tests without a browser):
  A01 approved for 4111111111111111 (and Bambora's 4030000010001234), U20 declined for
  4003050500040005; `reverse` of an approved sale with its authorization code.
- `GET .../transactions?filter=order_number eq '<n>'`: `{"number_results", "results"}`.
- `GET .../transactions/{id}`: one transaction.
- `GET /organizations/{org}/locations/{loc}`: the location (a credential check): 200 for
  the right credentials and location, 401 `{"response": {"response_desc": "Invalid
  authentication"}}` for wrong ones, 404 for a location the organization does not have.

- `GET /api/js/v1` (sandbox path) and `GET /js/v1` (live path): the stand-in Forte.js
  (tests/fakes/static/forte.js), uncached. Its `forte.createToken(data)` POSTs the card
  cross-origin to the script's address + "/tokens" (`POST /api/js/v1/tokens`,
  `POST /js/v1/tokens`; CORS for any origin, no credentials): `{api_login_id, card_number,
  expire_month, expire_year, cvv}` -> 201 `{"onetime_token": "ott_...", "last_4",
  "card_type" (Forte's names: visa, mast, amex, disc, dine, jcb), "expire_month",
  "expire_year"}`; refused 401 `{"response_description": "Invalid api_login_id"}` for an
  API Login ID other than `api_login_id`, and 400 with "Invalid card number" (Luhn),
  "Invalid expiration date" (this month or later) or "Invalid CVV" (3-4 digits).

Tokens: a sale accepts only a token this fake minted, once, within `token_ttl_seconds`
(default 3600: Forte's one-time tokens are good for 60 minutes). An unknown or used token
is answered 400 with a failed transaction, response_code "E55" and response_desc
"INVALID ONE-TIME TOKEN"; an expired one the same way with response_desc "ONE-TIME TOKEN
EXPIRED" (the fake's wording: Forte documents the 60 minutes, not this message).

Knobs: `delay_seconds` answers a sale late (after making it); `fail_status` answers every
sale with that status without processing it; `script_fail_status` answers the script's
addresses with that status (a script that fails to load), `script_delay_seconds` answers
them late. `reset()` puts every knob back to its value at construction and forgets what
was recorded, so one fake can serve a whole session.
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
import secrets
import threading
import time
from dataclasses import dataclass, field

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from tests.fakes.server import ThreadedServer
from tests.fakes.standins import card_brand, cvv_ok, expiry_ok, luhn_ok, static_file

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
class MintedToken:
    card_number: str
    minted_at: float  # time.time()
    by: str  # "forte.js" (the stand-in script's token endpoint) or "token_for" (a unit test)


# What reset() puts back to its value at construction.
KNOBS = ("organization_id", "location_id", "api_access_id", "api_secure_key", "api_login_id", "delay_seconds",
         "fail_status", "token_ttl_seconds", "script_fail_status", "script_delay_seconds")
SCRIPT_PATHS = ("/api/js/v1", "/js/v1")  # sandbox, live
CORS = {"Access-Control-Allow-Origin": "*", "Vary": "Origin"}


@dataclass
class FakeForte:
    organization_id: str = "org_300005"
    location_id: str = "loc_115161"
    api_access_id: str = "a1b2c3d4e5f6"
    api_secure_key: str = "f6e5d4c3b2a1"
    api_login_id: str = "a1b2c3d4e5"  # Forte.js's public key, sent from the browser with the card
    delay_seconds: float = 0.0
    fail_status: int | None = None
    token_ttl_seconds: float = 3600.0
    script_fail_status: int | None = None
    script_delay_seconds: float = 0.0
    requests: list[RecordedRequest] = field(default_factory=list)
    transactions: dict[str, dict] = field(default_factory=dict)
    minted_tokens: dict[str, MintedToken] = field(default_factory=dict)
    used_tokens: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _initial: dict = field(default_factory=dict)
    server: ThreadedServer | None = None

    def __post_init__(self) -> None:
        self._initial = {name: getattr(self, name) for name in KNOBS}

    @property
    def base_url(self) -> str:
        assert self.server is not None
        return self.server.base_url

    def token_for(self, card_number: str) -> str:
        """A one-time token as Forte.js would get it, without a browser (recorded as minted)."""
        return self._mint(card_number, "token_for")

    def _mint(self, card_number: str, by: str) -> str:
        token = "ott_" + secrets.token_hex(10)
        self.minted_tokens[token] = MintedToken(card_number, time.time(), by)
        return token

    def reset(self) -> None:
        """Every knob back to its value at construction; requests, transactions and tokens forgotten."""
        for name, value in self._initial.items():
            setattr(self, name, value)
        self.requests.clear()
        self.transactions.clear()
        self.minted_tokens.clear()
        self.used_tokens.clear()

    def sale_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.method == "POST" and (r.body or {}).get("action") == "sale"]

    def token_requests(self) -> list[RecordedRequest]:
        """The stand-in Forte.js's token requests (preflights left out)."""
        return [r for r in self.requests
                if r.method == "POST" and r.path in tuple(path + "/tokens" for path in SCRIPT_PATHS)]

    def _take_token(self, token: str) -> tuple[str | None, str | None]:
        """(the card behind a minted, unused, unexpired token, now used; or None and why not)."""
        with self._lock:
            minted = self.minted_tokens.get(token)
            if minted is None or token in self.used_tokens:
                return None, "INVALID ONE-TIME TOKEN"
            self.used_tokens.add(token)  # one-time, expired or not
        if time.time() - minted.minted_at >= self.token_ttl_seconds:
            return None, "ONE-TIME TOKEN EXPIRED"
        return minted.card_number, None

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

        async def script():
            return await static_file("forte.js", "application/javascript", fail_status=self.script_fail_status,
                                     delay_seconds=self.script_delay_seconds)

        async def token_preflight() -> Response:
            return Response(status_code=204, headers={
                **CORS, "Access-Control-Allow-Methods": "POST", "Access-Control-Allow-Headers": "Content-Type",
                "Access-Control-Max-Age": "600"})

        async def token(request: Request) -> JSONResponse:
            try:
                body = await request.json()
            except ValueError:
                body = None
            if not isinstance(body, dict):
                return JSONResponse({"response_description": "Invalid request"}, status_code=400, headers=CORS)
            if str(body.get("api_login_id") or "") != self.api_login_id:
                return JSONResponse({"response_description": "Invalid api_login_id"}, status_code=401, headers=CORS)
            number = str(body.get("card_number") or "").replace(" ", "")
            month, year = str(body.get("expire_month") or ""), str(body.get("expire_year") or "")
            why = ("Invalid card number" if not luhn_ok(number)
                   else "Invalid expiration date" if not expiry_ok(month, year)
                   else "Invalid CVV" if not cvv_ok(str(body.get("cvv") or "")) else None)
            if why:
                return JSONResponse({"response_description": why}, status_code=400, headers=CORS)
            return JSONResponse({
                "onetime_token": self._mint(number, "forte.js"), "last_4": number[-4:],
                "card_type": card_brand(number), "expire_month": month, "expire_year": year,
            }, status_code=201, headers=CORS)

        for path in SCRIPT_PATHS:
            api.add_api_route(path, script, methods=["GET"])
            api.add_api_route(path + "/tokens", token_preflight, methods=["OPTIONS"])
            api.add_api_route(path + "/tokens", token, methods=["POST"])

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
                card_number, refusal = self._take_token(str((body.get("card") or {}).get("one_time_token", "")))
                if card_number is None:
                    record = self._transaction("sale", amount, body.get("order_number"), "E55", refusal, None)
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

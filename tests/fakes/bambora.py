"""A fake Bambora (Worldline NA) Payment API for tests: the documented JSON shapes,
status codes and test cards, every request recorded.

- `POST /v1/payments` (Passcode auth): 200 `{"approved": "1", "id", "auth_code",
  "card": {"last_four"}, ...}` for 4030000010001234; 402 `{"code": 7, "category": 1,
  "message": "DECLINE"}` for 4003050500040005; 401 for a wrong passcode.
- `POST /v1/payments/{id}/returns`: a return of at most what is left of the payment.
- `POST /v1/reports` (name "Search", criteria field 5 = order number): `{"records": [...]}`;
  401 with Bambora's error body (code 21 "Authentication failed") for a wrong merchant
  ID or passcode: what a credential check meets.
- `POST /scripts/tokenization/tokens` (what Custom Checkout's card-number iframe calls,
  same-origin, no CORS): `{"number", "expiry_month", "expiry_year", "cvd"}` ->
  `{"token", "code": 1, "version": 1, "message": ""}`. It checks the card first and answers
  400 in Bambora's error shape `{code, category, message, reference, details: [{field,
  message}]}`: code 52 "Invalid card number" (Luhn, 12-19 digits), 53 "Invalid expiry date"
  (MM/YY, this month or later), 54 "Invalid card CVD" (3-4 digits). Tests without a browser
  call `token_for(card_number)` instead; both record the token in `minted_tokens`.
- `GET /customcheckout/1/customcheckout.js` (the official script's path) and
  `GET /customcheckout/1/field.html`: the stand-in Custom Checkout (tests/fakes/static/),
  uncached; see customcheckout.js for its message protocol.

Tokens: `POST /v1/payments` accepts only a token this fake minted, once, within
`token_ttl_seconds` (default 900) of minting. An unknown or used token is answered 400
`{"code": 314, "category": 3, "message": "Invalid token", "reference": "", "details": []}`;
an expired one 400 in the same shape with the same code 314 and the message
"Token has expired" (the fake's choice: Bambora documents single-use tokens that expire
after minutes, not the exact wording).

Knobs: `delay_seconds` makes the payment answer late (after the payment was made: the
client's timeout then loses a real charge); `fail_status` answers every payment with
that status without processing it; `search_fail_status` answers every report search
with that status (the look-up after a lost answer fails too); `script_fail_status`
answers the stand-in script's address with that status (a script that fails to load),
`script_delay_seconds` answers it late. `reset()` puts every knob back to its value at
construction and forgets what was recorded, so one fake can serve a whole session.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import secrets
import threading
import time
from dataclasses import dataclass, field

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from tests.fakes.server import ThreadedServer
from tests.fakes.standins import cvv_ok, expiry_ok, luhn_ok, static_file

APPROVED_CARD = "4030000010001234"
DECLINED_CARD = "4003050500040005"


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: dict | None


@dataclass
class MintedToken:
    card_number: str
    minted_at: float  # time.time()
    by: str  # "tokenization" (the stand-in script) or "token_for" (a unit test)


# What reset() puts back to its value at construction.
KNOBS = ("merchant_id", "passcode", "reporting_passcode", "delay_seconds", "fail_status", "search_fail_status",
         "token_ttl_seconds", "script_fail_status", "script_delay_seconds")


@dataclass
class FakeBambora:
    merchant_id: str = "300200578"
    passcode: str = "4BaD82D9197b4cc4b70a221911eE9f70"
    reporting_passcode: str = "reporting-passcode"
    delay_seconds: float = 0.0
    fail_status: int | None = None
    search_fail_status: int | None = None
    token_ttl_seconds: float = 900.0
    script_fail_status: int | None = None
    script_delay_seconds: float = 0.0
    requests: list[RecordedRequest] = field(default_factory=list)
    payments: dict[str, dict] = field(default_factory=dict)
    minted_tokens: dict[str, MintedToken] = field(default_factory=dict)
    used_tokens: set[str] = field(default_factory=set)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(10000001))
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
        """A token as Custom Checkout would mint it, without a browser (recorded as minted)."""
        return self._mint(card_number, "token_for")

    def _mint(self, card_number: str, by: str) -> str:
        token = "c" + secrets.token_hex(16)
        self.minted_tokens[token] = MintedToken(card_number, time.time(), by)
        return token

    def reset(self) -> None:
        """Every knob back to its value at construction; requests, payments and tokens forgotten."""
        for name, value in self._initial.items():
            setattr(self, name, value)
        self.requests.clear()
        self.payments.clear()
        self.minted_tokens.clear()
        self.used_tokens.clear()

    def payment_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.method == "POST" and r.path == "/v1/payments"]

    def tokenization_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.method == "POST" and r.path == "/scripts/tokenization/tokens"]

    def _take_token(self, token: str) -> tuple[str | None, JSONResponse | None]:
        """The card behind a minted, unused, unexpired token (now used), or Bambora's refusal."""
        with self._lock:
            minted = self.minted_tokens.get(token)
            if minted is None or token in self.used_tokens:
                return None, self._error(400, 314, 3, "Invalid token")
            self.used_tokens.add(token)  # a token is good for one use, expired or not
        if time.time() - minted.minted_at >= self.token_ttl_seconds:
            return None, self._error(400, 314, 3, "Token has expired")
        return minted.card_number, None

    @staticmethod
    def _error(status: int, code: int, category: int, message: str, details: list | None = None) -> JSONResponse:
        return JSONResponse({"code": code, "category": category, "message": message, "reference": "",
                             "details": details or []}, status_code=status)

    @staticmethod
    def _unauthorized() -> JSONResponse:
        return JSONResponse({"code": 21, "category": 3, "message": "Authentication failed", "reference": "",
                             "details": []}, status_code=401)

    def _authorized(self, request: Request, *passcodes: str) -> bool:
        expected = {"Passcode " + base64.b64encode(f"{self.merchant_id}:{p}".encode()).decode() for p in passcodes}
        return request.headers.get("authorization") in expected

    def app(self) -> FastAPI:
        api = FastAPI()

        @api.middleware("http")
        async def record(request: Request, call_next):
            raw = await request.body()
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body = None
            self.requests.append(RecordedRequest(request.method, request.url.path, dict(request.headers), body))
            return await call_next(request)

        @api.get("/customcheckout/1/customcheckout.js")
        async def custom_checkout_script():
            return await static_file("customcheckout.js", "application/javascript",
                                     fail_status=self.script_fail_status, delay_seconds=self.script_delay_seconds)

        @api.get("/customcheckout/1/field.html")
        async def custom_checkout_field():
            return await static_file("customcheckout-field.html", "text/html")

        @api.post("/scripts/tokenization/tokens")
        async def tokenize(request: Request) -> JSONResponse:
            try:
                body = await request.json()
            except ValueError:
                body = None
            if not isinstance(body, dict):
                return self._error(400, 51, 1, "Invalid request")
            number = str(body.get("number") or "").replace(" ", "")
            month, year = str(body.get("expiry_month") or ""), str(body.get("expiry_year") or "")
            if not luhn_ok(number):
                return self._error(400, 52, 1, "Invalid card number",
                                   [{"field": "number", "message": "Invalid card number"}])
            if len(month) != 2 or len(year) != 2 or not expiry_ok(month, year):
                return self._error(400, 53, 1, "Invalid expiry date",
                                   [{"field": "expiry_year", "message": "Invalid expiry date"}])
            if not cvv_ok(str(body.get("cvd") or "")):
                return self._error(400, 54, 1, "Invalid card CVD", [{"field": "cvd", "message": "Invalid card CVD"}])
            return JSONResponse({"token": self._mint(number, "tokenization"), "code": 1, "version": 1,
                                 "message": ""})

        @api.post("/v1/payments")
        async def payment(request: Request) -> JSONResponse:
            if self.fail_status:
                return JSONResponse({"code": 0, "category": 0, "message": "Internal error"},
                                    status_code=self.fail_status)
            if not self._authorized(request, self.passcode):
                return self._unauthorized()
            body = await request.json()
            if body.get("payment_method") != "token":
                return self._error(400, 314, 3, "Invalid token")
            card, refusal = self._take_token(str((body.get("token") or {}).get("code", "")))
            if refusal is not None:
                return refusal
            with self._lock:
                payment_id = str(next(self._ids))
            approved = card == APPROVED_CARD
            self.payments[payment_id] = {
                "id": payment_id, "order_number": body.get("order_number"), "amount": body.get("amount"),
                "approved": approved, "last_four": card[-4:], "returned": 0.0,
            }
            if self.delay_seconds:
                await asyncio.sleep(self.delay_seconds)
            if not approved:
                return JSONResponse({"code": 7, "category": 1, "message": "DECLINE", "reference": "",
                                     "details": []}, status_code=402)
            return JSONResponse({
                "id": payment_id, "authorizing_merchant_id": int(self.merchant_id), "approved": "1",
                "message_id": "1", "message": "Approved", "auth_code": "TEST", "created": "2026-11-28T10:00:00",
                "order_number": body.get("order_number"), "type": "P", "payment_method": "CC",
                "amount": body.get("amount"), "card": {"card_type": "VI", "last_four": card[-4:],
                                                        "cvd_result": "1", "avs_result": "0"},
            })

        @api.post("/v1/payments/{payment_id}/returns")
        async def returns(payment_id: str, request: Request) -> JSONResponse:
            if not self._authorized(request, self.passcode):
                return self._unauthorized()
            body = await request.json()
            original = self.payments.get(payment_id)
            amount = float(body.get("amount") or 0)
            if original is None or not original["approved"]:
                return JSONResponse({"code": 194, "category": 3, "message": "Invalid transaction"}, status_code=400)
            if round(original["returned"] + amount, 2) > original["amount"]:
                return JSONResponse({"code": 208, "category": 3,
                                     "message": "Return amount exceeds the original"}, status_code=400)
            original["returned"] = round(original["returned"] + amount, 2)
            with self._lock:
                return_id = str(next(self._ids))
            return JSONResponse({"id": return_id, "approved": "1", "message_id": "1", "message": "Approved",
                                 "auth_code": "TEST", "type": "R", "amount": amount,
                                 "order_number": original["order_number"]})

        @api.post("/v1/reports")
        async def reports(request: Request) -> JSONResponse:
            if self.search_fail_status:
                return JSONResponse({"code": 0, "category": 0, "message": "Internal error"},
                                    status_code=self.search_fail_status)
            if not self._authorized(request, self.reporting_passcode, self.passcode):
                return self._unauthorized()
            body = await request.json()
            wanted = [c.get("value") for c in body.get("criteria") or [] if c.get("field") == 5]
            records = [
                {"row_id": index + 1, "trn_id": int(p["id"]), "trn_type": "P", "trn_order_number": p["order_number"],
                 "trn_amount": p["amount"], "trn_response": 1 if p["approved"] else 2,
                 "trn_masked_card": "XXXXXXXXXXXX" + p["last_four"],
                 "message_id": 1 if p["approved"] else 7, "message_text": "Approved" if p["approved"] else "DECLINE"}
                for index, p in enumerate(self.payments.values())
                if not wanted or p["order_number"] in wanted
            ]
            return JSONResponse({"records": records})

        return api

    def start(self) -> FakeBambora:
        self.server = ThreadedServer(self.app()).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()

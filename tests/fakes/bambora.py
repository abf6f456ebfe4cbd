"""A fake Bambora (Worldline NA) Payment API for tests: the documented JSON shapes,
status codes and test cards, every request recorded.

- `POST /v1/payments` (Passcode auth): 200 `{"approved": "1", "id", "auth_code",
  "card": {"last_four"}, ...}` for 4030000010001234; 402 `{"code": 7, "category": 1,
  "message": "DECLINE"}` for 4003050500040005; 401 for a wrong passcode.
- `POST /v1/payments/{id}/returns`: a return of at most what is left of the payment.
- `POST /v1/reports` (name "Search", criteria field 5 = order number): `{"records": [...]}`;
  401 with Bambora's error body (code 21 "Authentication failed") for a wrong merchant
  ID or passcode: what a credential check meets.
- `POST /scripts/tokenization/tokens`: what Custom Checkout does in the browser;
  tests may call `token_for(card_number)` instead.

`delay_seconds` makes the payment answer late (after the payment was made: the
client's timeout then loses a real charge); `fail_status` answers every payment with
that status without processing it; `search_fail_status` answers every report search
with that status (the look-up after a lost answer fails too).
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import secrets
import threading
from dataclasses import dataclass, field

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from tests.fakes.server import ThreadedServer

APPROVED_CARD = "4030000010001234"
DECLINED_CARD = "4003050500040005"


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: dict | None


@dataclass
class FakeBambora:
    merchant_id: str = "300200578"
    passcode: str = "4BaD82D9197b4cc4b70a221911eE9f70"
    reporting_passcode: str = "reporting-passcode"
    delay_seconds: float = 0.0
    fail_status: int | None = None
    search_fail_status: int | None = None
    requests: list[RecordedRequest] = field(default_factory=list)
    payments: dict[str, dict] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(10000001))
    _lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadedServer | None = None

    @property
    def base_url(self) -> str:
        assert self.server is not None
        return self.server.base_url

    def token_for(self, card_number: str) -> str:
        token = "c" + secrets.token_hex(16)
        self.tokens[token] = card_number
        return token

    def payment_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.method == "POST" and r.path == "/v1/payments"]

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

        @api.post("/scripts/tokenization/tokens")
        async def tokenize(request: Request) -> JSONResponse:
            body = await request.json()
            return JSONResponse({"token": self.token_for(str(body.get("number", ""))), "code": 1, "version": 1,
                                 "message": ""})

        @api.post("/v1/payments")
        async def payment(request: Request) -> JSONResponse:
            if self.fail_status:
                return JSONResponse({"code": 0, "category": 0, "message": "Internal error"},
                                    status_code=self.fail_status)
            if not self._authorized(request, self.passcode):
                return self._unauthorized()
            body = await request.json()
            token = (body.get("token") or {}).get("code", "")
            card = self.tokens.pop(token, None)  # a token is good for one use
            if body.get("payment_method") != "token" or card is None:
                return JSONResponse({"code": 314, "category": 3, "message": "Invalid token"}, status_code=400)
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

"""A fake Clover REST API for tests: the documented JSON shapes, every request recorded.

- `GET /v3/merchants/{mId}/payments/{paymentId}` (`Authorization: Bearer <merchant API
  token>`, `?expand=tender,refunds` honoured): `{"id", "order": {"id"}, "device": {"id"},
  "tender": {"id", "label", "labelKey"}, "amount", "tipAmount", "taxAmount", "result",
  "createdTime", "refunds": {"elements": [{"id", "amount"}]}}`; 404 `{"message": "Not Found"}`
  for a payment it does not hold; 401 `{"message": "401 Unauthorized"}` for another token.
- `GET /v3/merchants/{mId}/properties`: `{"defaultCurrency": ...}` (the merchant's currency).

Tests put payments in with `add_payment(...)`, change them (`void`, `refund`) and read
`requests`. `reset()` forgets everything.
"""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass, field

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from tests.fakes.server import ThreadedServer

MERCHANT_ID = "TC4DGCJW1K4EW"
API_TOKEN = "6b7f3c1e-8d2a-4a4e-9d0c-2f1a9e8b7c6d"
GIFT_CARD_TENDER = "Giftnet gift card"


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: str
    authorization: str | None


@dataclass
class FakeClover:
    merchant_id: str = MERCHANT_ID
    api_token: str = API_TOKEN
    currency: str = "CAD"
    payments: dict[str, dict] = field(default_factory=dict)
    requests: list[RecordedRequest] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._server: ThreadedServer | None = None
        self.app = self._build()

    @property
    def base_url(self) -> str:
        return self._server.base_url

    def start(self) -> FakeClover:
        self._server = ThreadedServer(self.app).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()

    def reset(self) -> None:
        with self._lock:
            self.payments.clear()
            self.requests.clear()

    # --- what the merchant does on the Clover device -------------------------------

    def add_payment(self, *, amount: int, tip: int = 0, tender_label: str = GIFT_CARD_TENDER,
                    result: str = "SUCCESS", payment_id: str | None = None) -> str:
        """A payment taken on the Clover device; its id (13 characters, as Clover's)."""
        payment_id = payment_id or f"PAY{next(self._ids):010d}"
        with self._lock:
            self.payments[payment_id] = {
                "id": payment_id,
                "order": {"id": f"ORD{payment_id[3:]}"},
                "device": {"id": "c0f4e3a1-0b5e-4d7a-9a57-3f0e9d2b1c4a"},
                "tender": {"id": "TENDER0000001", "label": tender_label,
                           "labelKey": "com.clover.tender.external_payment" if tender_label == GIFT_CARD_TENDER
                           else "com.clover.tender.credit_card"},
                "amount": amount,
                "tipAmount": tip,
                "taxAmount": 0,
                "result": result,
                "createdTime": int(time.time() * 1000),
                "refunds": {"elements": []},
            }
        return payment_id

    def void(self, payment_id: str) -> None:
        with self._lock:
            self.payments[payment_id]["result"] = "VOIDED"

    def refund(self, payment_id: str, amount: int) -> str:
        with self._lock:
            refund_id = f"REF{next(self._ids):010d}"
            self.payments[payment_id]["refunds"]["elements"].append({"id": refund_id, "amount": amount})
        return refund_id

    def delete(self, payment_id: str) -> None:
        with self._lock:
            self.payments.pop(payment_id, None)

    # --- the API -----------------------------------------------------------------

    def _build(self) -> FastAPI:
        app = FastAPI()

        def authorized(request: Request, merchant_id: str) -> JSONResponse | None:
            with self._lock:
                self.requests.append(RecordedRequest(request.method, request.url.path, request.url.query,
                                                     request.headers.get("authorization")))
            if request.headers.get("authorization") != f"Bearer {self.api_token}" or merchant_id != self.merchant_id:
                return JSONResponse({"message": "401 Unauthorized"}, status_code=401)
            return None

        @app.get("/v3/merchants/{merchant_id}/payments/{payment_id}")
        def read_payment(merchant_id: str, payment_id: str, request: Request):
            if (refused := authorized(request, merchant_id)) is not None:
                return refused
            expand = set(request.query_params.get("expand", "").split(","))
            with self._lock:
                payment = self.payments.get(payment_id)
                if payment is None:
                    return JSONResponse({"message": "Not Found"}, status_code=404)
                answer = {key: value for key, value in payment.items()
                          if key not in ("tender", "refunds") or key in expand}
                if "tender" not in expand:  # not expanded: the reference only, as Clover answers
                    answer["tender"] = {"id": payment["tender"]["id"]}
            return answer

        @app.get("/v3/merchants/{merchant_id}/properties")
        def read_properties(merchant_id: str, request: Request):
            if (refused := authorized(request, merchant_id)) is not None:
                return refused
            return {"defaultCurrency": self.currency, "tipsEnabled": True, "tipRateDefault": 15}

        return app

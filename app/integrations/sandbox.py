"""The sandbox gateway: the embedded default for development and demos. TEST MODE.

No money moves and nothing leaves the machine. Like a real gateway, the card number
never reaches our server: the shop's payment step turns a test card number into a
token in the browser (`tokenize_script`), and the server sees only
`sbx_<last4>_<outcome>`. The test cards follow Bambora's:

    4030000010001234  approved
    4003050500040005  declined
    4000000000000119  approved, but the answer is "lost" (as after a timeout), so the
                      order shows the look-up by order number before any retry

Any other number is refused in the browser. Charges are remembered in this process
only (enough for look-ups and refunds during a demo).
"""

from __future__ import annotations

import json
import re
import secrets
import threading
from dataclasses import dataclass, field

from app.integrations.payments import ChargeResult, CredentialCheck, RefundResult, currency_refused

TEST_CARDS = {
    "4030000010001234": "approve",
    "4003050500040005": "decline",
    "4000000000000119": "lost",
}
TOKEN = re.compile(r"^sbx_(\d{4})_(approve|decline|lost)$")

_lock = threading.Lock()
_charges: dict[str, list[ChargeResult]] = {}  # order number -> results, oldest first


def tokenize(card_number: str) -> str | None:
    """The token the browser makes of a test card number (None: not a test card)."""
    digits = re.sub(r"\D", "", card_number or "")
    outcome = TEST_CARDS.get(digits)
    return f"sbx_{digits[-4:]}_{outcome}" if outcome else None


def tokenize_script(input_id: str) -> str:
    """JavaScript that reads the test card field and returns the token (or "" when it is
    not a test card); the same table as `tokenize`, so the two never disagree."""
    table = json.dumps({number: f"sbx_{number[-4:]}_{outcome}" for number, outcome in TEST_CARDS.items()})
    return (
        f"(function(){{const el=document.getElementById({json.dumps(input_id)});"
        f"const digits=(el&&el.value||'').replace(/\\D/g,'');return ({table})[digits]||'';}})()"
    )


@dataclass
class SandboxGateway:
    name: str = field(default="sandbox", init=False)
    test_mode: bool = field(default=True, init=False)
    currencies: tuple[str, ...] = field(default=("CAD", "USD"), init=False)

    def charge(self, order_number: str, amount_cents: int, token: str, *, currency: str,
               cardholder_name: str = "") -> ChargeResult:
        refused = currency_refused("The sandbox", currency, self.currencies)
        if refused is not None:
            return refused
        match = TOKEN.match(token or "")
        if match is None:
            return ChargeResult(outcome="error", message="This is not a sandbox card token.")
        last4, outcome = match.groups()
        reference = "sbx_txn_" + secrets.token_hex(6)
        if outcome == "decline":
            result = ChargeResult(outcome="declined", reference=reference, message="DECLINE (test card)",
                                  card_last4=last4)
        else:
            result = ChargeResult(outcome="approved", reference=reference, message="Approved (test mode)",
                                  card_last4=last4, authorization_code="TEST")
        with _lock:
            _charges.setdefault(order_number, []).append(result)
        if outcome == "lost":
            return ChargeResult(outcome="unknown", message="No answer from the gateway (test card 0119).")
        return result

    def find_by_order_number(self, order_number: str) -> ChargeResult | None:
        with _lock:
            results = list(_charges.get(order_number, ()))
        if not results:
            return None
        approved = [result for result in results if result.approved]
        return approved[0] if approved else results[-1]

    def refund(self, reference: str, amount_cents: int, *, order_number: str = "") -> RefundResult:
        if not reference.startswith("sbx_txn_"):
            return RefundResult(ok=False, message="Not a sandbox transaction.")
        return RefundResult(ok=True, reference="sbx_ref_" + secrets.token_hex(6), message="Refunded (test mode)")

    def check_credentials(self) -> CredentialCheck:
        return CredentialCheck(outcome="accepted", message="The sandbox needs no credentials (test mode).")

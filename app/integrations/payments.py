"""The one interface every payment gateway implements, and the answers it gives.

Card data never reaches our server: the shopper's browser turns the card into a
one-time token with the gateway's own script (Bambora Custom Checkout, forte.js, or
our sandbox page), and the server charges that token.

Outcomes of a charge:
- `approved`: money was taken; `reference` is the gateway's transaction id;
- `declined`: the card was refused; nothing was taken; `message` says why;
- `error`: the gateway answered that it did not process the charge (bad credentials,
  a malformed request); nothing was taken;
- `unknown`: no usable answer (timeout, connection dropped, a 5xx): the charge may or
  may not have happened. Never charge again before `find_by_order_number` says no.

A charge names its currency. Neither Bambora's nor Forte's charge request has a currency
field (a Bambora merchant account settles in the one currency it was opened in; Forte
settles US dollars), so each gateway lists the `currencies` it can take and refuses any
other as an `error` before sending anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

import httpx

Outcome = Literal["approved", "declined", "error", "unknown"]

# Connecting should be quick; a card authorization can take a while at the issuer.
DEFAULT_TIMEOUT_SECONDS = 30.0


def http_timeout(seconds: float) -> httpx.Timeout:
    return httpx.Timeout(seconds, connect=min(seconds, 5.0))


@dataclass(frozen=True)
class ChargeResult:
    outcome: Outcome
    reference: str | None = None  # the gateway's transaction id
    message: str = ""
    card_last4: str | None = None
    authorization_code: str | None = None

    @property
    def approved(self) -> bool:
        return self.outcome == "approved"


@dataclass(frozen=True)
class RefundResult:
    ok: bool
    reference: str | None = None  # the refund's own transaction id
    message: str = ""


@dataclass(frozen=True)
class CredentialCheck:
    """What one harmless authenticated call said of the credentials.

    `accepted`: the gateway answered and took them. `refused`: it answered and turned them
    away; `message` is its own words and `field` the credential it most likely means.
    `unreachable`: no usable answer (no connection, a timeout, a 5xx), so nothing is known."""

    outcome: Literal["accepted", "refused", "unreachable"]
    message: str = ""
    field: str | None = None

    @property
    def accepted(self) -> bool:
        return self.outcome == "accepted"


class PaymentGateway(Protocol):
    """A card payment provider. Implementations talk HTTP with timeouts and never raise
    on the provider's answers: every outcome is a `ChargeResult` / `RefundResult`."""

    name: str
    test_mode: bool
    currencies: tuple[str, ...]  # the currencies this gateway can charge

    def charge(self, order_number: str, amount_cents: int, token: str, *, currency: str,
               cardholder_name: str = "") -> ChargeResult:
        """Charge a one-time card token once, under our order number, in `currency`
        (an `error`, with nothing sent, for a currency not in `currencies`)."""
        ...

    def find_by_order_number(self, order_number: str) -> ChargeResult | None:
        """What became of a charge whose answer we never got: the approved one if any,
        else the last decline, else None (the gateway never saw it). `unknown` when the
        look-up itself fails."""
        ...

    def refund(self, reference: str, amount_cents: int, *, order_number: str = "") -> RefundResult:
        """Give `amount_cents` of an approved charge back to the card."""
        ...

    def check_credentials(self) -> CredentialCheck:
        """One read-only authenticated call that moves no money, to learn whether the
        gateway takes the configured credentials."""
        ...


def dollars(amount_cents: int) -> float:
    """Gateways want dollars with two decimals (12.50); cents are exact in a float up to 2**53."""
    return round(amount_cents / 100, 2)


def currency_refused(gateway_label: str, currency: str, currencies: tuple[str, ...]) -> ChargeResult | None:
    """The refusal of a charge in a currency the gateway cannot take, or None when it can."""
    if currency in currencies:
        return None
    return ChargeResult(outcome="error", message=f"{gateway_label} cannot charge {currency}; it charges "
                                                 f"{' or '.join(currencies)}.")


def json_object(response: httpx.Response) -> dict:
    """The gateway's answer as a JSON object; {} for an empty, non-JSON or non-object body
    (an HTML error page from a proxy, say), so callers read fields without guarding."""
    try:
        answer = response.json()
    except ValueError:
        return {}
    return answer if isinstance(answer, dict) else {}


def unknown(message: str) -> ChargeResult:
    return ChargeResult(outcome="unknown", message=message)


__all__ = [
    "ChargeResult",
    "CredentialCheck",
    "DEFAULT_TIMEOUT_SECONDS",
    "Outcome",
    "PaymentGateway",
    "RefundResult",
    "currency_refused",
    "dollars",
    "http_timeout",
    "unknown",
]

"""Clover POS (a custom tender named for the network): Clover's app webhooks.

How Clover talks to us (docs.clover.com, "Use webhooks"):
- the first POST, when the webhook URL is set in Clover's dashboard, is
  `{"verificationCode": "..."}` with no auth header: we keep the code and show it in the
  location's Clover settings, for the operator to paste back in Clover;
- after that every POST carries `X-Clover-Auth: <the app's Clover Auth Code>` (compared in
  constant time with the code the operator pasted in our settings) and a body
  `{"appId", "merchants": {"<mId>": [{"objectId": "P:<paymentId>", "type": "CREATE" |
  "UPDATE" | "DELETE", "ts"}]}}`: notifications carry no amounts, so for each payment we
  read it from Clover's REST API with the merchant's API token
  (`GET {base}/v3/merchants/{mId}/payments/{id}?expand=tender,refunds`: `amount` (tax
  included), `tipAmount`, `result`, `tender.label`, `refunds`) and the merchant's currency
  (`GET {base}/v3/merchants/{mId}/properties`: `defaultCurrency`).

Because we always read the payment as it stands now, duplicated or reordered notifications
end in the same state; the payment's life is `partner_payments`.
"""

from __future__ import annotations

import hmac
import json
import logging
from dataclasses import dataclass, field

import httpx

from app.db import read_session, write_session
from app.integrations import outbound
from app.models import Location, PosPartnerAccount
from app.models.base import utcnow
from app.models.pos_partner import PosPartner
from app.models.redemption import PosPaymentSource
from app.services.core import crypto
from app.services.core.errors import ErrorCode, GiftnetError
from app.services.core.i18n import N_
from app.services.counter.partner_payments import (
    PartnerOutcome,
    PartnerPayment,
    find_payment,
    take_paid,
    take_refund,
    take_voided,
)
from app.services.counter.pos_partner_settings import account_for

log = logging.getLogger(__name__)

SOURCE = PosPaymentSource.clover
TIMEOUT = httpx.Timeout(10.0, connect=5.0)
PAID = ("SUCCESS",)
VOIDED = ("VOIDED", "FAIL")


@dataclass
class CloverOutcome:
    """What one delivery did: the verification code kept, or each payment's outcome."""

    verification_code_received: bool = False
    payments: list[tuple[str, PartnerOutcome]] = field(default_factory=list)  # (Clover payment id, outcome)


def _account(location_id: int) -> tuple[Location, PosPartnerAccount]:
    with read_session() as session:
        location = session.get(Location, location_id)
        account = account_for(session, location_id, PosPartner.clover) if location else None
    if location is None or account is None:
        raise GiftnetError(ErrorCode.not_found, N_("No Clover integration for this location."))
    return location, account


def _keep_verification_code(account: PosPartnerAccount, code: object) -> None:
    if not isinstance(code, str) or not 0 < len(code.strip()) <= 120:
        raise GiftnetError(ErrorCode.invalid_input, N_("The Clover verification code is missing or too long."))
    with write_session() as session:
        stored = session.get(PosPartnerAccount, account.id)
        stored.verification_code, stored.verification_code_at = code.strip(), utcnow()
        session.add(stored)


def receive_clover_webhook(location_id: int, raw_body: bytes, auth_code: str | None, *,
                           client: httpx.Client | None = None) -> CloverOutcome:
    """Keep Clover's verification code, or follow the gift-card payments a notification names.

    404 without Clover settings for the location; 401 when `X-Clover-Auth` is missing or is not
    the Clover Auth Code on file; 400 for a body that is not Clover's; 503 when Clover's API
    cannot be read (Clover sends the notification again). Payments of another merchant, with
    another tender, or not yet paid change nothing.
    """
    location, account = _account(location_id)
    try:
        body = json.loads(raw_body)
        if not isinstance(body, dict):
            raise TypeError
    except (ValueError, TypeError) as error:
        raise GiftnetError(ErrorCode.invalid_input, N_("This is not a Clover webhook message.")) from error
    if "verificationCode" in body and "merchants" not in body:
        _keep_verification_code(account, body["verificationCode"])
        return CloverOutcome(verification_code_received=True)
    expected = crypto.decrypt(account.auth_code_encrypted) if account.auth_code_encrypted else None
    if not expected:
        raise GiftnetError(ErrorCode.unauthenticated, N_("Paste the Clover Auth Code into this location's Clover "
                                                      "settings first."), field="X-Clover-Auth")
    if not auth_code or not hmac.compare_digest(expected.encode(), auth_code.strip().encode()):
        raise GiftnetError(ErrorCode.unauthenticated, N_("The X-Clover-Auth header does not match."), field="X-Clover-Auth")
    merchants = body.get("merchants")
    if not isinstance(merchants, dict):
        raise GiftnetError(ErrorCode.invalid_input, N_("This Clover message has no merchants."))
    outcome = CloverOutcome()
    updates = merchants.get(account.account_id) or []
    if not isinstance(updates, list):
        raise GiftnetError(ErrorCode.invalid_input, N_("This Clover message's updates are not a list."))
    payment_ids = []
    for update in updates:
        object_id = update.get("objectId") if isinstance(update, dict) else None
        if isinstance(object_id, str) and object_id.startswith("P:") and object_id[2:] not in payment_ids:
            payment_ids.append(object_id[2:])
    if not payment_ids:
        return outcome
    own_client = client is None
    client = client or outbound.http_client(timeout=TIMEOUT)
    try:
        api = _CloverApi(client, account)
        for payment_id in payment_ids:
            outcome.payments.append((payment_id, _follow(location, account, api, payment_id[:128])))
    finally:
        if own_client:
            client.close()
    return outcome


class _CloverApi:
    """Clover's REST API for one merchant, with its API token (the currency read once per delivery)."""

    def __init__(self, client: httpx.Client, account: PosPartnerAccount) -> None:
        self.client, self.account = client, account
        self.base = f"{(account.base_url or 'https://api.clover.com').rstrip('/')}/v3/merchants/{account.account_id}"
        self.headers = {"Authorization": f"Bearer {crypto.decrypt(account.secret_encrypted)}",
                        "Accept": "application/json"}
        self._currency: str | None = None

    def get(self, path: str, **params: str) -> dict | None:
        try:
            answer = self.client.get(self.base + path, params=params, headers=self.headers)
        except httpx.HTTPError as error:
            raise GiftnetError(ErrorCode.unavailable, N_("Clover's API could not be reached: no answer from its "
                                                         "address, or it is not a public internet address.")) from error
        if answer.status_code == 404:
            return None
        if answer.status_code in (401, 403):
            raise GiftnetError(ErrorCode.unavailable, N_("Clover refused the merchant's API token: paste a valid one "
                                                      "in this location's Clover settings."))
        if answer.status_code != 200:
            raise GiftnetError(ErrorCode.unavailable, N_("Clover's API answered {status_code}."), params={"status_code": answer.status_code})
        try:
            return answer.json()
        except ValueError as error:
            raise GiftnetError(ErrorCode.unavailable, N_("Clover's API answered something that is not JSON.")) from error

    def currency(self) -> str:
        if self._currency is None:
            properties = self.get("/properties") or {}
            self._currency = str(properties.get("defaultCurrency") or "").upper()
        return self._currency


def _cents(value: object, what: str) -> int:
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise GiftnetError(ErrorCode.unavailable, N_("Clover's payment has no whole {what} in cents."), params={"what": what})
    return value


def _follow(location: Location, account: PosPartnerAccount, api: _CloverApi, payment_id: str) -> PartnerOutcome:
    """The payment as Clover holds it now decides what it is here."""
    payment = api.get(f"/payments/{payment_id}", expand="tender,refunds")
    known = find_payment(location.id, SOURCE, (payment_id,))
    if payment is None:  # deleted at Clover
        if known is None:
            return PartnerOutcome(accepted=False, reason="ignored_event")
        gone = PartnerPayment(source=SOURCE, known_as=(payment_id,), amount_cents=known.amount_cents,
                              tip_cents=known.tip_cents, currency=known.currency or "", reference=known.reference)
        return take_voided(location, gone, event_type="DELETE")
    label = str((payment.get("tender") or {}).get("label") or "")
    if label.strip().casefold() != account.tender_name.strip().casefold() and known is None:
        log.info("Clover payment %s at location %s paid with %r, not the gift-card tender: ignored",
                 payment_id, location.id, label)
        return PartnerOutcome(accepted=False, reason="ignored_tender")
    amount, tip = _cents(payment.get("amount"), "amount"), _cents(payment.get("tipAmount"), "tip")
    order = payment.get("order") or {}
    paid = PartnerPayment(
        source=SOURCE, known_as=(payment_id,), amount_cents=amount + tip, tip_cents=tip, currency=api.currency(),
        reference=str(payment.get("externalPaymentId") or order.get("id") or payment_id)[:120],
        terminal_id=str((payment.get("device") or {}).get("id") or "")[:64] or None,
    )
    result = str(payment.get("result") or "").upper()
    if result in VOIDED:
        return take_voided(location, paid, event_type=f"payment {result}")
    if result not in PAID:
        return PartnerOutcome(accepted=False, reason="not_completed", payment=known)
    if amount + tip <= 0:
        return PartnerOutcome(accepted=False, reason="not_completed", payment=known)
    outcome = take_paid(location, paid, event_type="payment SUCCESS")
    refunds = ((payment.get("refunds") or {}).get("elements") or []) if outcome.payment is not None else []
    for refund in refunds:  # refunds made at Clover since: each once
        if isinstance(refund, dict) and refund.get("id"):
            outcome = take_refund(location, SOURCE, refund_id=str(refund["id"]), payment_known_as=(payment_id,),
                                  refunded_cents=_cents(refund.get("amount"), "refund amount"),
                                  event_type="payment refund")
    return outcome

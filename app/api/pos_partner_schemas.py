"""Request and answer bodies of the POS partners: a location's partner settings (secrets
write-only: answers say only whether each is on file), its POS payments list, and what the
Clover and Shopify receivers answer.

Same rules as `schemas.py`: strict requests, answers built by the `*_answer` functions.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from app.api.redemption_schemas import PAYMENT_EXAMPLE, PosPaymentAnswer
from app.api.schemas import StrictRequest
from app.services.counter.clover_pos import CloverOutcome
from app.services.counter.partner_payments import PartnerOutcome
from app.services.counter.pos_partner_settings import PartnerSettingsView

OUTCOME_REASONS = (
    "`created`: a new pending POS payment (the partner's total, tip included); `duplicate`: seen before, nothing "
    "changed; `cancelled`: taken off the screens (or recorded cancelled before it arrived); `withdrawn`: refunded "
    "before a screen applied it; `refund_owed`: refunded after a screen applied it, the counter gives the money back "
    "to the card; `refund_waiting`: a refund ahead of its payment; `refund_not_owed`: nothing to give back; "
    "`other_currency`: refused, not in the network's currency (in the location's POS log); `not_completed`: not "
    "paid yet; `ignored_*` / `waits_for_transaction`: not a gift-card payment of this location (yet)."
)


class SquareSettingsRequest(StrictRequest):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "signature_key": "Zx3c9Qk1mS4pW7rT2vY8bN5h", "notification_url": "https://gifts.example.com/api/v1/pos/square/7",
        "tender_type": "OTHER_GIFT_CARD"}]})

    signature_key: str | None = Field(default=None, max_length=200, description="The webhook subscription's "
                                      "signature key (write-only; leave out to keep the one on file).")
    notification_url: str = Field(max_length=500, description="The subscription's notification URL, exactly as "
                                  "Square shows it (Square signs it with the body).")
    tender_type: str = Field(default="OTHER_GIFT_CARD", max_length=40,
                             description="The Square tender that means \"paid with our gift card\".")


class CloverSettingsRequest(StrictRequest):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "merchant_id": "TC4DGCJW1K4EW", "api_token": "6b7f3c1e-0000-4a4e-9d0c-2f1a9e8b7c6d",
        "tender_label": "Giftnet gift card", "auth_code": "0307e264-b33a-4913-88aa-37b10014a0b8"}]})

    merchant_id: str = Field(max_length=64, description="The Clover merchant id (mId).")
    api_token: str | None = Field(default=None, max_length=300, description="A merchant API token that may read "
                                  "payments (write-only; leave out to keep the one on file).")
    tender_label: str = Field(max_length=120, description="The label of the custom tender taken for gift cards.")
    auth_code: str | None = Field(default=None, max_length=200, description="The Clover Auth Code Clover shows once "
                                  "the webhook URL is verified (its `X-Clover-Auth` header; write-only).")
    base_url: str | None = Field(default=None, max_length=500,
                                 description="Clover's REST API address (default: Clover's production API).")


class ShopifySettingsRequest(StrictRequest):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "shop_domain": "bean-there.myshopify.com", "webhook_secret": "8f14e45fceea167a5a36dedd4bea2543",
        "payment_method_name": "Giftnet gift card"}]})

    shop_domain: str = Field(max_length=255, description="The shop's myshopify.com domain.")
    webhook_secret: str | None = Field(default=None, max_length=300, description="The secret Shopify signs webhooks "
                                       "with (write-only; leave out to keep the one on file).")
    payment_method_name: str = Field(max_length=120, description="The manual payment method taken for gift cards.")


SETTINGS_EXAMPLE = {
    "partner": "clover", "configured": True, "receiver_url": "https://gifts.example.com/api/v1/pos/clover/7",
    "settings": {"merchant_id": "TC4DGCJW1K4EW", "tender_label": "Giftnet gift card",
                 "base_url": "https://api.clover.com"},
    "secrets_on_file": {"api_token": True, "auth_code": True},
    "verification_code": "ce7643c1-83ea-4218-abe6-da876c9c7a0a", "verification_code_at": "2026-11-28T14:30:00Z",
}


class PartnerSettingsAnswer(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [SETTINGS_EXAMPLE]})

    partner: Literal["square", "clover", "shopify"]
    configured: bool = Field(description="Whether the partner's payments reach this location's counter.")
    receiver_url: str = Field(description="The webhook URL to give the partner.")
    settings: dict = Field(description="The partner's settings, secrets left out.")
    secrets_on_file: dict[str, bool] = Field(description="Each secret: whether one is on file (never its value).")
    verification_code: str | None = Field(description="Clover: the code its first POST carried; paste it in "
                                          "Clover's dashboard to verify the webhook URL.")
    verification_code_at: datetime | None


class PartnerSettingsList(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"data": [SETTINGS_EXAMPLE]}]})

    data: list[PartnerSettingsAnswer]


class PosPaymentList(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"data": [PAYMENT_EXAMPLE], "next_cursor": None}]})

    data: list[PosPaymentAnswer]
    next_cursor: str | None


class PartnerOutcomeAnswer(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"accepted": True, "reason": "created", "pos_payment_id": 501}]})

    accepted: bool = Field(description="Whether the delivery was taken into account.")
    reason: str = Field(description=OUTCOME_REASONS)
    pos_payment_id: int | None


class CloverPaymentOutcome(PartnerOutcomeAnswer):
    clover_payment_id: str


class CloverAnswer(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"verification_code_received": False,
         "payments": [{"clover_payment_id": "JZ4VYBD2S7Q0A", "accepted": True, "reason": "created",
                       "pos_payment_id": 501}]}]})

    verification_code_received: bool = Field(description="The message was Clover's verification code: it is shown "
                                             "in the location's Clover settings.")
    payments: list[CloverPaymentOutcome]


def settings_answer(view: PartnerSettingsView) -> PartnerSettingsAnswer:
    return PartnerSettingsAnswer(
        partner=view.partner, configured=view.configured, receiver_url=view.receiver_url, settings=view.settings,
        secrets_on_file=view.secrets_on_file, verification_code=view.verification_code,
        verification_code_at=view.verification_code_at,
    )


def outcome_answer(outcome: PartnerOutcome) -> PartnerOutcomeAnswer:
    return PartnerOutcomeAnswer(accepted=outcome.accepted, reason=outcome.reason,
                                pos_payment_id=outcome.payment.id if outcome.payment is not None else None)


def clover_answer(outcome: CloverOutcome) -> CloverAnswer:
    return CloverAnswer(
        verification_code_received=outcome.verification_code_received,
        payments=[CloverPaymentOutcome(clover_payment_id=payment_id, **outcome_answer(result).model_dump())
                  for payment_id, result in outcome.payments],
    )

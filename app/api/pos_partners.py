"""/api/v1 routes of the POS partners.

POST /pos/clover/{location_id}              Clover's app webhooks (its verification code, then X-Clover-Auth)
POST /pos/shopify/{location_id}             Shopify's orders/create and order_transactions/create (HMAC)
PUT  /locations/{id}/pos/square|clover|shopify   a location's partner settings (owners; secrets write-only)
GET  /locations/{id}/pos-partners           the three partners' settings, masked
GET  /locations/{id}/pos-payments           the location's POS payments, newest first, paged

Thin: the rules live in app/services/counter/ (clover_pos.py, shopify_pos.py,
pos_partner_settings.py, pos_payment_list.py). Another operator's location is "not found".
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Header, Query, Request

from app.api.auth import ApiCaller, api_caller
from app.api.errors import error_responses
from app.api.params import id_in_path, page_cursor, page_size
from app.api.pos_partner_schemas import (
    CloverAnswer,
    CloverSettingsRequest,
    PartnerOutcomeAnswer,
    PartnerSettingsAnswer,
    PartnerSettingsList,
    PosPaymentList,
    ShopifySettingsRequest,
    SquareSettingsRequest,
    clover_answer,
    outcome_answer,
    settings_answer,
)
from app.api.redemption_schemas import pos_payment_answer
from app.api.schemas import cursor_text, parse_cursor
from app.services.counter import clover_pos, pos_partner_settings, pos_payment_list, shopify_pos

receivers = APIRouter(prefix="/pos", tags=["pos"])
location_routes = APIRouter(prefix="/locations", tags=["locations"])

LocationId = id_in_path("The location's id.", 7)
_NO_SUCH_LOCATION = [("not_found", "No such location.")]
_OWNERS_ONLY = [("forbidden", "Only an owner can change a location's POS settings; ask an owner of your network.")]


async def _raw_body(request: Request) -> bytes:
    return await request.body()


def _raw_json_body(example: dict) -> dict:
    return {"requestBody": {"required": True, "content": {"application/json": {
        "schema": {"type": "object", "description": "The partner's webhook body, as the partner sends it."},
        "example": example}}}}


CLOVER_EXAMPLE = {"appId": "DRKVJT2ZRRRSC", "merchants": {"TC4DGCJW1K4EW": [
    {"objectId": "P:JZ4VYBD2S7Q0A", "type": "CREATE", "ts": 1764340200000}]}}
SHOPIFY_EXAMPLE = {"id": 820982911946154508, "name": "#1042", "source_name": "pos", "currency": "CAD",
                   "total_price": "23.50", "total_tip_received": "3.50",
                   "payment_gateway_names": ["Giftnet gift card"], "financial_status": "paid"}


@receivers.post(
    "/clover/{location_id}",
    response_model=CloverAnswer,
    summary="Clover webhook receiver",
    description="Set this URL as the webhook URL of the Clover app (events: payments). No API key. Clover's first "
    "POST carries `{\"verificationCode\": ...}`: it is kept and shown in the location's Clover settings "
    "(`GET /locations/{id}/pos-partners`) to paste back in Clover. Every later POST must carry `X-Clover-Auth` equal "
    "to the Clover Auth Code saved in the location's settings (401 otherwise). Each payment a notification names "
    "(`objectId` `P:<id>`) is read from Clover's REST API with the merchant's API token; one paid with the "
    "configured tender label becomes a pending POS payment of its `amount` plus `tipAmount` (once: notifications "
    "sent twice or out of order end the same). A voided payment is taken off the screens; one refunded after a "
    "screen applied it is owed back to the card. 404 without Clover settings, 503 when Clover's API cannot be read.",
    openapi_extra=_raw_json_body(CLOVER_EXAMPLE),
    responses=error_responses(
        400, 401, 403, 404,
        examples={
            400: [("invalid_input", "This is not a Clover webhook message.")],
            401: [("unauthenticated", "The X-Clover-Auth header does not match.")],
            403: [("forbidden", "This location does not take POS payments (its redemption mode is not pos).")],
            404: [("not_found", "No Clover integration for this location.")],
        },
    ),
)
def receive_clover_webhook(
    location_id: int = id_in_path("The location whose Clover merchant sends the message.", 7),
    raw_body: bytes = Depends(_raw_body),
    clover_auth: str | None = Header(default=None, alias="X-Clover-Auth", max_length=200,
                                     description="The app's Clover Auth Code (absent on the verification POST)."),
) -> CloverAnswer:
    return clover_answer(clover_pos.receive_clover_webhook(location_id, raw_body, clover_auth))


@receivers.post(
    "/shopify/{location_id}",
    response_model=PartnerOutcomeAnswer,
    summary="Shopify POS webhook receiver",
    description="Subscribe this URL to `orders/create` and `order_transactions/create` (JSON). No API key: "
    "`X-Shopify-Hmac-Sha256` (base64 HMAC-SHA256 of the raw body with the webhook secret saved in the location's "
    "Shopify settings) is checked, 401 when it does not match. A POS order (`source_name` `pos`) paid only with the "
    "configured payment method becomes a pending POS payment of its `total_price`, in the order's currency (another "
    "currency than the network's is refused and logged); an order split between tenders takes the amount of its "
    "transaction with that payment method. One POS payment per order; a redelivery (same `X-Shopify-Webhook-Id`) "
    "changes nothing. Other topics, online orders and other payment methods are acknowledged and ignored.",
    openapi_extra=_raw_json_body(SHOPIFY_EXAMPLE),
    responses=error_responses(
        400, 401, 403, 404,
        examples={
            400: [("invalid_input", "The Shopify total_price is not an amount like 23.50.")],
            401: [("unauthenticated", "The Shopify signature does not match.")],
            403: [("forbidden", "This location does not take POS payments (its redemption mode is not pos).")],
            404: [("not_found", "No Shopify POS integration for this location.")],
        },
    ),
)
def receive_shopify_webhook(
    location_id: int = id_in_path("The location whose Shopify shop sends the webhook.", 7),
    raw_body: bytes = Depends(_raw_body),
    hmac_sha256: str | None = Header(default=None, alias="X-Shopify-Hmac-Sha256", max_length=200,
                                     description="Shopify's signature of this delivery."),
    topic: str | None = Header(default=None, alias="X-Shopify-Topic", max_length=100),
    webhook_id: str | None = Header(default=None, alias="X-Shopify-Webhook-Id", max_length=128),
    shop_domain: str | None = Header(default=None, alias="X-Shopify-Shop-Domain", max_length=255),
) -> PartnerOutcomeAnswer:
    delivery = shopify_pos.ShopifyDelivery(topic=topic, hmac_sha256=hmac_sha256, webhook_id=webhook_id,
                                           shop_domain=shop_domain)
    return outcome_answer(shopify_pos.receive_shopify_webhook(location_id, raw_body, delivery))


def _settings_route(partner: str, title: str) -> dict:
    """What the three settings routes share: their path, documentation and errors."""
    return {
        "path": f"/{{location_id}}/pos/{partner}",
        "response_model": PartnerSettingsAnswer,
        "summary": f"Set a location's {title} settings",
        "description": f"Owners only. Replaces the location's {title} settings and answers them with the webhook URL "
        "to give the partner. Secrets are write-only: the answer says only whether each is on file; leave one out "
        "to keep the one on file.",
        "responses": error_responses(400, 403, 404, examples={
            400: [("invalid_input", "The webhook secret is required.")], 403: _OWNERS_ONLY, 404: _NO_SUCH_LOCATION}),
    }


def _configure(caller: ApiCaller, location_id: int, partner: str, body: SquareSettingsRequest | CloverSettingsRequest
               | ShopifySettingsRequest) -> PartnerSettingsAnswer:
    return settings_answer(pos_partner_settings.configure_partner(caller.actor, location_id, partner,
                                                                  body.model_dump(exclude_unset=True)))


@location_routes.put(**_settings_route("square", "Square"))
def configure_square(body: SquareSettingsRequest, location_id: int = LocationId,
                     caller: ApiCaller = Depends(api_caller)) -> PartnerSettingsAnswer:
    return _configure(caller, location_id, "square", body)


@location_routes.put(**_settings_route("clover", "Clover"))
def configure_clover(body: CloverSettingsRequest, location_id: int = LocationId,
                     caller: ApiCaller = Depends(api_caller)) -> PartnerSettingsAnswer:
    return _configure(caller, location_id, "clover", body)


@location_routes.put(**_settings_route("shopify", "Shopify POS"))
def configure_shopify(body: ShopifySettingsRequest, location_id: int = LocationId,
                      caller: ApiCaller = Depends(api_caller)) -> PartnerSettingsAnswer:
    return _configure(caller, location_id, "shopify", body)


@location_routes.get(
    "/{location_id}/pos-partners",
    response_model=PartnerSettingsList,
    summary="A location's POS partner settings",
    description="Square, Clover and Shopify POS: whether each is connected, the webhook URL to give it, its settings "
    "without secrets, and Clover's verification code once Clover sent it.",
    responses=error_responses(404, examples={404: _NO_SUCH_LOCATION}),
)
def list_partner_settings(location_id: int = LocationId, caller: ApiCaller = Depends(api_caller)) -> PartnerSettingsList:
    views = pos_partner_settings.partner_settings(caller.operator_id, location_id)
    return PartnerSettingsList(data=[settings_answer(view) for view in views.values()])


@location_routes.get(
    "/{location_id}/pos-payments",
    response_model=PosPaymentList,
    summary="A location's POS payments",
    description="Newest first, a page at a time, from every source (`api`, `square`, `clover`, `shopify`), each with "
    "its `amount_cents` (tip included), `tip_cents`, `currency` and `status`. `from` (included) and `to` (excluded) "
    "take a date (the network's whole day) or an ISO time.",
    responses=error_responses(400, 404, examples={
        400: [("invalid_input", "from is a date (2026-11-28) or an ISO time (2026-11-28T14:30:00Z).")],
        404: _NO_SUCH_LOCATION}),
)
def list_pos_payments(
    location_id: int = LocationId,
    caller: ApiCaller = Depends(api_caller),
    status: Literal["pending", "applied", "expired", "cancelled"] | None = Query(default=None),
    date_from: str | None = Query(default=None, alias="from", max_length=40, description="A date or an ISO time."),
    date_to: str | None = Query(default=None, alias="to", max_length=40, description="A date or an ISO time."),
    limit: int = page_size(50),
    cursor: str | None = page_cursor(),
) -> PosPaymentList:
    page = pos_payment_list.list_pos_payments(caller.operator_id, location_id, status=status, date_from=date_from,
                                              date_to=date_to, limit=limit, cursor=parse_cursor(cursor))
    return PosPaymentList(data=[pos_payment_answer(payment) for payment in page.payments],
                          next_cursor=cursor_text(page.next_cursor))

"""Request and answer bodies of `/webhook-endpoints`: a URL subscribed to events.

The signing secret (`whsec_...`) appears only in the answer that created the endpoint.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from app.api.schemas import StrictRequest, answer_from
from app.models import WebhookEndpoint
from app.services.messaging.webhooks import CreatedEndpoint

# The events of API.md ("Events"); `*` is every event, present and future.
EventType = Literal[
    "*",
    "card.issued",
    "card.topped_up",
    "card.frozen",
    "card.unfrozen",
    "redemption.completed",
    "redemption.voided",
    "pos_payment.received",
    "pos_payment.applied",
    "pos_payment.refunded",
    "order.paid",
    "order.failed",
    "payout.created",
    "payout.paid",
    "payout.delivered",
    "payout.delivery_failed",
    "payout.returned",
]

ENDPOINT_EXAMPLE = {
    "id": 3,
    "url": "https://shop.example.com/giftnet/webhooks",
    "event_types": ["redemption.completed", "redemption.voided"],
    "active": True,
    "created_at": "2026-11-28T14:30:00Z",
}


class CreateWebhookEndpointRequest(StrictRequest):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"url": "https://shop.example.com/giftnet/webhooks",
                          "event_types": ["redemption.completed", "redemption.voided"]}]
        }
    )

    url: str = Field(max_length=500, description="An http(s) URL that receives signed POSTs.")
    event_types: list[EventType] = Field(
        default=["*"], min_length=1, max_length=20, description="The events to receive; `*` (the default) is all of them."
    )


class WebhookEndpointAnswer(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [ENDPOINT_EXAMPLE]})

    id: int
    url: str
    event_types: list[str]
    active: bool
    created_at: datetime


class CreatedWebhookEndpointAnswer(WebhookEndpointAnswer):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{**ENDPOINT_EXAMPLE, "secret": "whsec_MfKQ9r2Gq7xZ0bVd3TnYhA8sLc4vNh6u"}]}
    )

    secret: str = Field(
        description="`whsec_...`: verify each delivery's `webhook-signature` with it (Standard Webhooks). "
        "Shown here only, once."
    )


class WebhookEndpointList(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"data": [ENDPOINT_EXAMPLE], "next_cursor": None}]})

    data: list[WebhookEndpointAnswer] = Field(description="Every endpoint, newest first; never their secrets.")
    next_cursor: str | None = Field(description="Always null: one page holds them all.")


def endpoint_answer(endpoint: WebhookEndpoint) -> WebhookEndpointAnswer:
    return answer_from(
        WebhookEndpointAnswer,
        endpoint,
        event_types=[name for name in endpoint.event_types.split(",") if name],
    )


def created_endpoint_answer(created: CreatedEndpoint) -> CreatedWebhookEndpointAnswer:
    return CreatedWebhookEndpointAnswer(**endpoint_answer(created.endpoint).model_dump(), secret=created.secret)

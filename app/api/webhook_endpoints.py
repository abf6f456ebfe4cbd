"""/api/v1/webhook-endpoints: subscribe a URL to the network's events (app/services/messaging/webhooks.py
signs and delivers them per Standard Webhooks, with retries)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response

from app.api.auth import ApiCaller, api_caller
from app.api.errors import error_responses
from app.api.idempotent import IDEMPOTENCY_IN_FLIGHT, IDEMPOTENCY_KEY_REUSED, IdempotentCall, idempotent_call
from app.api.params import id_in_path
from app.api.webhook_schemas import (
    CreatedWebhookEndpointAnswer,
    CreateWebhookEndpointRequest,
    WebhookEndpointAnswer,
    WebhookEndpointList,
    created_endpoint_answer,
    endpoint_answer,
)
from app.services.messaging import webhooks

router = APIRouter(prefix="/webhook-endpoints", tags=["webhooks"])


@router.post(
    "",
    status_code=201,
    response_model=CreatedWebhookEndpointAnswer,
    summary="Subscribe a URL to events",
    description="Each event in `event_types` (default `*`, all) is POSTed to `url` as "
    "`{\"type\", \"timestamp\", \"data\"}`, signed per Standard Webhooks (`webhook-id`, `webhook-timestamp`, "
    "`webhook-signature`) and retried with backoff for about three days. **The signing secret (`whsec_...`) is "
    "shown only in this answer.**",
    responses=error_responses(
        400, 409, 422,
        examples={
            400: [("invalid_input", "url must be an http(s) URL.")],
            409: [("conflict", "An operator can have at most 20 webhook endpoints; delete one you no longer use first."),
                  IDEMPOTENCY_IN_FLIGHT],
            422: [IDEMPOTENCY_KEY_REUSED],
        },
    ),
)
def create_webhook_endpoint(
    body: CreateWebhookEndpointRequest, call: IdempotentCall = Depends(idempotent_call)
) -> Response:
    def work(_ledger_key: str | None) -> tuple[int, CreatedWebhookEndpointAnswer]:
        event_types = list(dict.fromkeys(body.event_types))  # each once, in the order given
        return 201, created_endpoint_answer(webhooks.create_endpoint(call.caller.actor, body.url, event_types))

    return call.answer(body, work)


@router.get(
    "",
    response_model=WebhookEndpointList,
    summary="List webhook endpoints",
    description=f"Your endpoints (at most {webhooks.MAX_ENDPOINTS}, so one page), newest first, without their "
    "secrets. Removed endpoints are not listed.",
)
def list_webhook_endpoints(caller: ApiCaller = Depends(api_caller)) -> WebhookEndpointList:
    return WebhookEndpointList(data=[endpoint_answer(endpoint) for endpoint in webhooks.list_endpoints(caller.operator_id)],
                               next_cursor=None)


@router.delete(
    "/{endpoint_id}",
    operation_id="remove_webhook_endpoint",
    response_model=WebhookEndpointAnswer,
    summary="Remove a webhook endpoint",
    description="Nothing more is sent to it; deliveries still pending for it are given up. Removing it again "
    "answers the same. Answers the endpoint, now `active: false`.",
    responses=error_responses(404, examples={404: [("not_found", "No such webhook endpoint.")]}),
)
def remove_webhook_endpoint(
    endpoint_id: int = id_in_path("The endpoint's id.", 3),
    caller: ApiCaller = Depends(api_caller),
) -> WebhookEndpointAnswer:
    return endpoint_answer(webhooks.remove_endpoint(caller.actor, endpoint_id))

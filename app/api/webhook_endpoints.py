"""/api/v1/webhook-endpoints: subscribe a URL to the network's events (app/services/messaging/webhooks.py
signs and delivers them per Standard Webhooks, with retries)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Path, Request, Response

from app.api.auth import ApiCaller, api_caller
from app.api.errors import error_responses
from app.api.idempotent import IdempotencyKeyHeader, idempotent_answer
from app.api.webhook_schemas import (
    CreatedWebhookEndpointAnswer,
    CreateWebhookEndpointRequest,
    WebhookEndpointAnswer,
    WebhookEndpointList,
    created_endpoint_answer,
    endpoint_answer,
)
from app.api.schemas import MAX_ID
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
        400,
        409,
        422,
        examples={
            400: [("invalid_input", "url must be an http(s) URL.")],
            409: [("conflict", "An operator can have at most 20 webhook endpoints; delete one you no longer use first."),
                  ("idempotency_in_flight", "A request with this Idempotency-Key is still being processed.")],
            422: [("idempotency_key_reused", "This Idempotency-Key was already used for a different request.")],
        },
    ),
)
def create_webhook_endpoint(
    request: Request,
    body: CreateWebhookEndpointRequest,
    caller: ApiCaller = Depends(api_caller),
    idempotency_key: str | None = IdempotencyKeyHeader,
) -> Response:
    def work(_ledger_key: str | None) -> tuple[int, CreatedWebhookEndpointAnswer]:
        event_types = list(dict.fromkeys(body.event_types))  # each once, in the order given
        return 201, created_endpoint_answer(webhooks.create_endpoint(caller.actor, body.url, event_types))

    return idempotent_answer(request, caller, idempotency_key, body, work)


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
    endpoint_id: int = Path(ge=1, le=MAX_ID, description="The endpoint's id.", examples=[3]),
    caller: ApiCaller = Depends(api_caller),
) -> WebhookEndpointAnswer:
    return endpoint_answer(webhooks.remove_endpoint(caller.actor, endpoint_id))

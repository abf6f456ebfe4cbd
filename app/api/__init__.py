"""The REST API under /api/v1: a FastAPI app mounted through Reflex's api_transformer.

Reflex mounts its own app at the root of this one, so the API owns everything under
/api/v1: its middleware (body limit, access log), its error shape, and a fallback
route so that unknown paths and methods answer in that shape too (added last).

Routes only translate: they import the services (and models, db, settings), never the
screens' state, pages or components.
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send

from app.api.api_logs import router as api_logs_router
from app.api.card_prints import router as card_prints_router
from app.api.cards import router as cards_router
from app.api.docs import router as docs_router
from app.api.edge import ApiEdgeMiddleware
from app.api.errors import any_client_error, error_responses, install_error_handlers, install_fallback_route
from app.api.health import router as health_router
from app.api.hot_routes import HOT_PATHS, HotRoutes
from app.api.locations import router as locations_router
from app.api.orders import router as orders_router
from app.api.payout_delivery import router as payout_delivery_router
from app.api.payouts import router as payouts_router
from app.api.pos import router as pos_router
from app.api.pos_partners import location_routes as pos_partner_location_router
from app.api.pos_partners import receivers as pos_partner_receivers
from app.api.public import router as public_router
from app.api.redemptions import router as redemptions_router
from app.api.reports import router as reports_router
from app.api.security_headers import SecurityHeadersMiddleware
from app.api.session_cookie import EventCookieHandles
from app.api.session_cookie import router as session_cookie_router
from app.api.settings import router as settings_router
from app.api.webhook_endpoints import router as webhook_endpoints_router

API_PREFIX = "/api/v1"
DESCRIPTION = """
Create and manage the gift cards of your network from your own shop or POS.

* **Auth**: `Authorization: Bearer gk_...` with an operator API key from the Developers screen. A location's
  POS key (`gkpos_...`) may only push and read that location's POS payments (`/pos/payments`).
* **Money** is in integer cents (`amount_cents`), times are ISO 8601 UTC.
* **Retries**: every POST that creates or moves money accepts an `Idempotency-Key` header. The same key
  with the same body answers the first answer again (header `Idempotent-Replayed: true`) and moves nothing;
  the same key with another body is 422 `idempotency_key_reused`; while the first call still runs, 409
  `idempotency_in_flight`. Keys are scoped by API key and kept 24 hours. A call that failed stores nothing.
* **Errors** always look like `{"error": {"code": "...", "message": "...", "field": "..."}}`.
  503 `unavailable` (with `Retry-After`) means the database could not be reached for a moment: retry
  with the same Idempotency-Key.
* **Lists** take `?limit=&cursor=` and answer `{"data": [...], "next_cursor": ...}`.
* Bodies are limited to 64 KB (a CSV upload to `/locations/import`: 5 MB).
"""
TAGS = [
    {"name": "cards", "description": "Issue, read, find, top up, freeze gift cards."},
    {"name": "locations", "description": "The network's businesses: CSV import, device activation, devices, POS keys, items."},
    {"name": "redemptions", "description": "Redeem a card at a location (amount, items or a POS payment), void."},
    {"name": "pos", "description": "What a location's POS calls with its POS key, and the Square, Clover and Shopify POS webhook receivers."},
    {"name": "webhooks", "description": "Subscribe URLs to events, signed per Standard Webhooks."},
    {"name": "orders", "description": "The shop's orders: read them, refund a line."},
    {"name": "payouts", "description": "Pay the locations: payout batches, their bank files (NACHA, CPA-005)."},
    {"name": "settings", "description": "Card limits, commission and the bank file settings."},
    {"name": "reports", "description": "Figures for a period."},
    {"name": "api logs", "description": "Your API access log."},
    {"name": "health", "description": "Is the service up."},
]
# Every authenticated route can answer these (503: the database cannot be reached for a moment).
COMMON_ERRORS = {**error_responses(401, 413, 500, 503), **any_client_error()}


def create_api(hot_paths: tuple[str, ...] = HOT_PATHS) -> FastAPI:
    """The API; `hot_paths` take `HotRoutes`' lane (none: every call through FastAPI's routing,
    as `tests/unit/access/test_hot_routes.py` compares)."""
    api = FastAPI(
        title="Giftnet API",
        version="1.0.0",
        description=DESCRIPTION,
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=None,  # app/api/docs.py: the same page, its assets served from here, not a CDN
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,  # API keys, no OAuth2 flow to finish
        openapi_tags=TAGS,
    )
    install_error_handlers(api)
    if hot_paths:  # innermost (added first): the money path's busiest calls without FastAPI's per-request machinery
        api.add_middleware(HotRoutes, api=api, paths=hot_paths)
    api.add_middleware(ApiEdgeMiddleware)
    # Reflex's websocket sees the session and device cookies only as their handles (hashes).
    api.add_middleware(EventCookieHandles)
    # Outermost (added last): every answer of the single port, pages and API, gets the security headers.
    api.add_middleware(SecurityHeadersMiddleware)
    api.include_router(health_router, prefix=API_PREFIX)
    api.include_router(docs_router)
    for router in (cards_router, card_prints_router, locations_router, redemptions_router, pos_router, webhook_endpoints_router,
                   reports_router, api_logs_router, payouts_router, settings_router, payout_delivery_router, orders_router,
                   pos_partner_receivers, pos_partner_location_router):
        api.include_router(router, prefix=API_PREFIX, responses=COMMON_ERRORS)
    api.include_router(session_cookie_router)  # POST /auth/session, /auth/device, /auth/sign-out: the HttpOnly cookies
    api.include_router(public_router)  # /c/{link_token}/qr.png: no API key, the link is the credential
    install_fallback_route(api)  # keep last: it answers every /api/v1 path no router claimed
    return api


def api_first(everything: ASGIApp, api: ASGIApp) -> ASGIApp:
    """The single port's entry point: an HTTP request under /api/v1 goes straight to `api` (the
    FastAPI app of `create_api`, with its own middlewares: security headers, body limit, access
    log, error shape), without Reflex's outer Starlette app (its error and CORS middlewares,
    its context middleware, its router and root mount), which has nothing to do for it.
    Everything else (pages, websocket, lifespan) goes to `everything`, Reflex's app, which
    mounts `api` itself."""

    async def dispatch(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(API_PREFIX):
            await api(scope, receive, send)
        else:
            await everything(scope, receive, send)

    return dispatch

"""The REST API under /api/v1: a FastAPI app mounted through Reflex's api_transformer."""

from __future__ import annotations

from fastapi import FastAPI

from app.api.health import router as health_router
from app.api.public import router as public_router


def create_api() -> FastAPI:
    api = FastAPI(
        title="Giftnet API",
        version="1.0.0",
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/v1/docs",
        redoc_url=None,
    )
    api.include_router(health_router, prefix="/api/v1")
    api.include_router(public_router)  # /c/{link_token}/qr.png: no API key, the link is the credential
    return api

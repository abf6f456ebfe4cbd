"""Reflex configuration. Everything environment-specific comes from app.settings."""

import os

import reflex as rx

from app.settings import own_origin

os.environ.setdefault("REFLEX_TELEMETRY_ENABLED", "false")

config = rx.Config(
    app_name="app",
    telemetry_enabled=False,
    show_built_with_reflex=False,
    # With REDIS_URL set, Reflex keeps state in Redis and several workers can serve one app.
    redis_url=os.environ.get("REDIS_URL") or None,
    plugins=[rx.plugins.RadixThemesPlugin()],
    disable_plugins=[rx.plugins.SitemapPlugin],
    # CORS (the API and Socket.IO) answers the app's own origin only, never `*` with credentials:
    # another site's script cannot call the API or the dashboard's socket with a visitor's cookies.
    cors_allowed_origins=[own_origin()],
)

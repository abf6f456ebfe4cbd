"""Reflex configuration. Everything environment-specific comes from app.settings."""

import os

import reflex as rx

os.environ.setdefault("REFLEX_TELEMETRY_ENABLED", "false")

config = rx.Config(
    app_name="app",
    telemetry_enabled=False,
    show_built_with_reflex=False,
    # With REDIS_URL set, Reflex keeps state in Redis and several workers can serve one app.
    redis_url=os.environ.get("REDIS_URL") or None,
    plugins=[rx.plugins.RadixThemesPlugin()],
    disable_plugins=[rx.plugins.SitemapPlugin],
)

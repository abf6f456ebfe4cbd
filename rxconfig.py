"""Reflex configuration. Everything environment-specific comes from app.settings."""

import os

import reflex as rx

os.environ.setdefault("REFLEX_TELEMETRY_ENABLED", "false")
if os.environ.get("REDIS_URL"):
    # Several workers: Reflex's opportunistic locks. A live screen's update (a POS push
    # reaching every counter of a location) takes the location's shared-state lock once per
    # linked tab; with plain Redis locks each hand-over is a Redis round trip and a re-read
    # of the state, so the delay grew with the number of screens (10 screens: p95 ~1 s).
    # With oplock the worker keeps the lock and the state in memory while no other worker
    # asks (bench/pos_latency.py --redis --workers 3 with and without --oplock).
    # REFLEX_OPLOCK_ENABLED=false turns it off.
    os.environ.setdefault("REFLEX_OPLOCK_ENABLED", "true")
    os.environ.setdefault("REFLEX_OPLOCK_HOLD_TIME", "200ms")

config = rx.Config(
    app_name="app",
    telemetry_enabled=False,
    show_built_with_reflex=False,
    # With REDIS_URL set, Reflex keeps state in Redis and several workers can serve one app.
    redis_url=os.environ.get("REDIS_URL") or None,
    plugins=[rx.plugins.RadixThemesPlugin()],
    disable_plugins=[rx.plugins.SitemapPlugin],
)

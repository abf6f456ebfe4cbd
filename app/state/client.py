"""Who is at the other end of a screen's websocket, as the rate limits count them.

Reflex gives the socket's peer address. Behind our own reverse proxies (TRUSTED_PROXIES)
that peer is the proxy, shared by every visitor, so the client is the nearest
X-Forwarded-For hop that is not one of them, exactly as the API reads it
(app/api/edge.py). A client cannot forge it past them.
"""

from __future__ import annotations

import reflex as rx

from app.settings import get_settings


def client_ip(state: rx.State) -> str:
    peer = state.router.session.client_ip or ""
    trusted = get_settings().trusted_proxies
    if peer in trusted:
        forwarded = state.router.headers.raw_headers.get("x-forwarded-for", "")
        for hop in reversed(forwarded.split(",")):
            hop = hop.strip()
            if hop and hop not in trusted:
                return hop[:64]
    return peer[:64]

"""Guessing link tokens is slowed down per client address.

Some links are their own credential: a card's page `/c/<token>` (and its QR image), a
device's activation link `/activate/<token>`, a team invitation `/join/<token>`. Their
tokens are long and random, so guessing one is hopeless; this makes it slow as well,
and keeps a scanner from hammering the database: after `LINK_FAILURES_PER_IP` tokens
that do not exist, opened from one address within `LINK_WINDOW_SECONDS`, that address
is refused (429 with Retry-After on the API, a message on the screens) until the
window moves on. Real links (even expired or revoked ones) do not count. Each kind of
link has its own allowance; the windows live in Redis when REDIS_URL is set.
"""

from __future__ import annotations

import math

from app.services.core import i18n
from app.services.core.errors import ErrorCode, GiftnetError
from app.services.core.i18n import N_
from app.services.core.rate_limit import get_rate_limiter
from app.settings import get_settings

KINDS = {"card": N_("card links"), "activation": N_("activation links"), "invitation": N_("invitation links")}


def _bucket(kind: str, ip: str) -> str:
    if kind not in KINDS:
        raise ValueError(f"unknown link kind {kind!r}")
    return f"link:{kind}:ip:{(ip or 'unknown')[:64]}"


def refuse_if_guessing(kind: str, ip: str) -> None:
    """Raise `rate_limited` (with `retry_after_seconds`) when this address opened too many
    links of this kind that do not exist."""
    settings = get_settings()
    wait = get_rate_limiter().retry_after(_bucket(kind, ip), settings.link_failures_per_ip, settings.link_window_seconds)
    if wait is None:
        return
    minutes = max(1, math.ceil(wait / 60))
    raise GiftnetError(
        ErrorCode.rate_limited,
        N_("Too many {links} that do not exist were opened from your network. Try again in {minutes} min, "
           "with the whole link as it was sent."),
        retry_after_seconds=wait, params={"links": i18n.Term(KINDS[kind]), "minutes": minutes},
    )


def record_unknown(kind: str, ip: str) -> None:
    """One more token of this kind that matched nothing, from this address."""
    get_rate_limiter().record(_bucket(kind, ip), get_settings().link_window_seconds)

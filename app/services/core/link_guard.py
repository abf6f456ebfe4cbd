"""Guessing link tokens is slowed down per client address.

Some links are their own credential: a card's page `/c/<token>` (and its QR image), a
device's activation link `/activate/<token>`, a team invitation `/join/<token>`. Their
tokens are long and random, so guessing one is hopeless; this makes it slow as well,
and keeps a scanner from hammering the database: after `LINK_FAILURES_PER_IP` tokens
that do not exist, opened from one address within the window, that address is refused
(429 with Retry-After on the API, a message on the screens) until the window moves on.
Real links (even expired or revoked ones) do not count.

Every opening is recorded before the token is looked at (`begin`), atomically, and taken
back when the token turns out to be real (`LinkAttempt.settle(unknown=False)`), so
simultaneous openings cannot slip past the limit. Card links share the card-guessing
count of their address with typed card codes (app/services/core/card_guessing.py, window
`LOOKUP_WINDOW_SECONDS`); activation and invitation links each have their own allowance
(window `LINK_WINDOW_SECONDS`). The windows live in Redis when REDIS_URL is set.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from app.services.core import card_guessing, i18n
from app.services.core.errors import ErrorCode, GiftnetError
from app.services.core.i18n import N_
from app.services.core.rate_limit import get_rate_limiter
from app.settings import get_settings

KINDS = {"card": N_("card links"), "activation": N_("activation links"), "invitation": N_("invitation links")}


def _bucket(kind: str, ip: str) -> str:
    return f"link:{kind}:ip:{(ip or 'unknown')[:64]}"


def _refusal(kind: str, wait: int) -> GiftnetError:
    minutes = max(1, math.ceil(wait / 60))
    return GiftnetError(
        ErrorCode.rate_limited,
        N_("Too many {links} that do not exist were opened from your network. Try again in 1 minute, "
           "with the whole link as it was sent.") if minutes == 1 else
        N_("Too many {links} that do not exist were opened from your network. Try again in {minutes} minutes, "
           "with the whole link as it was sent."),
        retry_after_seconds=wait, params={"links": i18n.Term(KINDS[kind]), "minutes": minutes},
    )


@dataclass
class LinkAttempt:
    """One opening of a link, already counted: settle it once the token has been looked up."""

    guess: card_guessing.Guess

    def settle(self, *, unknown: bool) -> None:
        """`unknown`: the token matched nothing (it stays counted); else it is taken back."""
        self.guess.settle(wrong=unknown)


def begin(kind: str, ip: str) -> LinkAttempt:
    """Count one opening of a link of this kind from `ip`, or raise `rate_limited` (with
    `retry_after_seconds`) when this address opened too many links that do not exist."""
    if kind not in KINDS:
        raise ValueError(f"unknown link kind {kind!r}")
    if kind == "card":
        try:
            return LinkAttempt(card_guessing.begin(ip=ip, link=True))
        except GiftnetError as error:
            raise _refusal(kind, error.retry_after_seconds or 60) from None
    settings = get_settings()
    bucket = _bucket(kind, ip)
    taken = get_rate_limiter().take(bucket, settings.link_failures_per_ip, settings.link_window_seconds)
    if taken.wait is not None:
        raise _refusal(kind, taken.wait)
    return LinkAttempt(card_guessing.Guess([(bucket, taken.token)]))

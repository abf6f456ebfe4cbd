"""One guessing limit for every way a card's secret is typed or opened.

A card code typed anywhere (the look-up endpoint, `POST /redemptions` with `card_code`,
the counter screen, the history search, the public shop's top-up code check) and a card
link opened anywhere (the card page, its QR image and PDF, a QR code scanned at the
counter) is one *guess*. Each guess is recorded before it is judged, in one atomic step
(app/services/core/rate_limit.py: one lock in memory, one Lua script in Redis), so
simultaneous guesses cannot read the same count and slip past the limit together; a
guess that turns out right is taken back (`Guess.right`), so only failures count.

Three allowances, all over `LOOKUP_WINDOW_SECONDS`:
- per client address, shared by codes and links and by every network: a typed code is
  refused past `LOOKUP_FAILURES_PER_IP` failures, a link past `LINK_FAILURES_PER_IP`;
- per caller that signs its requests (an API key, a device, a signed-in person) within
  its network: `LOOKUP_FAILURES_PER_CALLER`. Anonymous shoppers have no caller
  allowance (one shared "shop" caller let 31 strangers lock every shopper out);
- per network, a ceiling on failures from all addresses together
  (`LOOKUP_FAILURES_PER_NETWORK`), against a guesser spread over many addresses. It is
  enforced only on an address that has itself already failed
  `LOOKUP_FREE_FAILURES_PER_IP` times in the window: a shopper from a fresh address
  always gets those first tries, whatever others did, so failures from other addresses
  cannot lock anybody out, while each of an attacker's addresses is cut down to that
  handful of guesses per window once the network's ceiling is reached.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app.services.core.errors import ErrorCode, GiftnetError
from app.services.core.i18n import N_
from app.services.core.rate_limit import get_rate_limiter
from app.settings import get_settings

TOO_MANY_CODES = N_("Too many card codes were wrong. Try again in {seconds} seconds.")


def address_bucket(ip: str) -> str:
    return f"guess:card:ip:{(ip or 'unknown')[:64]}"


def network_bucket(operator_id: int) -> str:
    return f"guess:card:network:{operator_id}"


def caller_bucket(operator_id: int | None, caller: str) -> str:
    return f"guess:card:caller:{operator_id}:{caller[:100]}"


@dataclass
class Guess:
    """A guess recorded before it was judged: `right()` takes it back, `wrong()` keeps it counted."""

    held: list[tuple[str, str | None]] = field(default_factory=list)

    def right(self) -> None:
        limiter = get_rate_limiter()
        for bucket, token in self.held:
            limiter.release(bucket, token)
        self.held = []

    def wrong(self) -> None:
        self.held = []

    def settle(self, *, wrong: bool) -> None:
        self.wrong() if wrong else self.right()


def begin(*, ip: str, operator_id: int | None = None, caller: str | None = None, link: bool = False,
          message: str = TOO_MANY_CODES) -> Guess:
    """Record one guess from `ip` (for `operator_id`'s cards when known, by `caller` when it
    signs its requests) and answer it, or raise `rate_limited` with `retry_after_seconds`
    (nothing stays recorded then). `link` selects the link allowance per address."""
    settings = get_settings()
    window = settings.lookup_window_seconds
    limiter = get_rate_limiter()
    guess = Guess()

    def take(bucket: str, limit: int | None) -> int:
        taken = limiter.take(bucket, limit, window)
        if taken.wait is not None:
            guess.right()  # nothing of a refused guess stays counted
            raise GiftnetError(ErrorCode.rate_limited, message, params={"seconds": taken.wait},
                               retry_after_seconds=taken.wait)
        guess.held.append((bucket, taken.token))
        return taken.count

    per_ip = settings.link_failures_per_ip if link else settings.lookup_failures_per_ip
    from_this_address = take(address_bucket(ip), per_ip)
    if caller:
        take(caller_bucket(operator_id, caller), settings.lookup_failures_per_caller)
    if operator_id is not None:
        # Counted for every address; enforced only past this address's own free tries.
        enforced = from_this_address > settings.lookup_free_failures_per_ip
        take(network_bucket(operator_id), settings.lookup_failures_per_network if enforced else None)
    return guess

"""Finding a card by its code, with guessing kept expensive.

Failed look-ups (a wrong code, another operator's code, something that is not a code)
are counted per caller (an API key, a device) and per client address. Past the
limit every look-up of that caller or address is refused with `rate_limited` and
the seconds to wait, whether the next code is right or not, until the window frees
up. A wrong code always gets the same sentence, so an answer never tells whether a
code exists elsewhere.
"""

from __future__ import annotations

from app.models import Card
from app.services.core import codes
from app.services.core.actor import Actor
from app.services.core.errors import ErrorCode, GiftnetError
from app.services.core.i18n import N_
from app.services.core.rate_limit import get_rate_limiter
from app.services.money.cards import find_card_by_code
from app.settings import get_settings

NOT_FOUND = N_("No card matches this code.")


def caller_name(actor: Actor) -> str:
    """The name an actor's failed look-ups are counted under: its device, else its API key, else its user."""
    if actor.device_id is not None:
        return f"device-{actor.device_id}"
    if actor.api_key_id is not None:
        return f"api-key-{actor.api_key_id}"
    if actor.user_id is not None:
        return f"user-{actor.user_id}"
    return actor.channel


def _buckets(operator_id: int, caller: str, ip: str) -> list[tuple[str, int]]:
    settings = get_settings()
    buckets = [(f"lookup:caller:{operator_id}:{caller}", settings.lookup_failures_per_caller)]
    if ip:
        buckets.append((f"lookup:ip:{ip}", settings.lookup_failures_per_ip))
    return buckets


def lookup_card_by_code(operator_id: int, raw_code: object, *, caller: str, ip: str) -> Card:
    """The operator's card with this code.

    `caller` names who asks (`api-key-12`, `device-7`); `ip` is the client address.
    Raises `rate_limited` (with `retry_after_seconds`) when either has failed too
    often, and `card_not_found` with one generic message for any code that does not
    open a card of this operator.
    """
    window = get_settings().lookup_window_seconds
    limiter = get_rate_limiter()
    buckets = _buckets(operator_id, caller, ip)
    waits = [wait for bucket, limit in buckets if (wait := limiter.retry_after(bucket, limit, window)) is not None]
    if waits:
        wait = max(waits)
        raise GiftnetError(
            ErrorCode.rate_limited,
            N_("Too many card codes were wrong. Try again in {seconds} seconds."),
            params={"seconds": wait},
            retry_after_seconds=wait,
        )
    try:
        return find_card_by_code(operator_id, raw_code if isinstance(raw_code, str) else "")
    except GiftnetError as error:
        if error.code not in (ErrorCode.card_not_found, ErrorCode.invalid_card_code):
            raise
        for bucket, _limit in buckets:
            limiter.record(bucket, window)
        raise GiftnetError(ErrorCode.card_not_found, NOT_FOUND, field="code") from None


def card_id_by_id_or_code(actor: Actor, *, card_id: int | None, card_code: str | None, ip: str) -> int:
    """The card a request names by exactly one of its id or its code.

    A code goes through `lookup_card_by_code` (the guessing limit, one generic "not
    found"), counted under the actor (`caller_name`) and the client address `ip`.
    Something that cannot be a card code at all is explained (`invalid_card_code`)
    before any look-up: its shape says nothing about which codes exist, so it is not
    counted as a guess. An id is returned as given; the caller's own query scopes it.
    """
    if (card_id is None) == (card_code is None):
        raise GiftnetError(ErrorCode.invalid_input, N_("Give either card_id or card_code."), field="card_id")
    if card_id is not None:
        return card_id
    codes.normalize_code(card_code)
    try:
        return lookup_card_by_code(actor.operator_id, card_code, caller=caller_name(actor), ip=ip).id
    except GiftnetError as error:
        if error.code != ErrorCode.card_not_found:
            raise
        raise GiftnetError(ErrorCode.card_not_found, NOT_FOUND, field="card_code") from None

"""Finding a card by its code, with guessing kept expensive.

Failed look-ups (a wrong code, another operator's code, something that is not a code)
are counted per caller (an API key, a device), per client address and per network, by
the one guessing limit every way of typing a code shares
(app/services/core/card_guessing.py). Past an allowance every look-up of that caller or
address is refused with `rate_limited` and the seconds to wait, whether the next code
is right or not, until the window frees up. A wrong code always gets the same sentence, so an answer never tells whether a
code exists elsewhere.
"""

from __future__ import annotations

from app.models import Card
from app.services.core import card_guessing, codes
from app.services.core.actor import Actor
from app.services.core.errors import ErrorCode, GiftnetError
from app.services.core.i18n import N_
from app.services.money.cards import find_card_by_code

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


def lookup_card_by_code(operator_id: int, raw_code: object, *, caller: str | None, ip: str) -> Card:
    """The operator's card with this code.

    `caller` names who asks (`api-key-12`, `device-7`; None for an anonymous shopper);
    `ip` is the client address. The guess is counted before the code is looked at
    (app/services/core/card_guessing.py) and taken back when it opens a card. Raises
    `rate_limited` (with `retry_after_seconds`) past an allowance, and `card_not_found`
    with one generic message for any code that does not open a card of this operator.
    """
    guess = card_guessing.begin(ip=ip, operator_id=operator_id, caller=caller)
    try:
        card = find_card_by_code(operator_id, raw_code if isinstance(raw_code, str) else "")
    except GiftnetError as error:
        if error.code not in (ErrorCode.card_not_found, ErrorCode.invalid_card_code):
            guess.right()  # not a guess that failed: something else went wrong
            raise
        guess.wrong()
        raise GiftnetError(ErrorCode.card_not_found, NOT_FOUND, field="code") from None
    except BaseException:
        guess.right()
        raise
    guess.right()
    return card


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

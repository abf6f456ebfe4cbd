"""Finding the card whose history the Reports screen shows, by what a person knows of it.

A person at the dashboard knows a card by its code (the customer reads it out), by the
last 4 characters of its code (printed on receipts and every screen) or by its
recipient's email, never by the database's number. One box takes any of the three:
- a whole code goes through `card_lookup.lookup_card_by_code` (the guessing limit and
  one answer for every wrong code, as everywhere a code is typed);
- 4 characters of the code alphabet are the last 4;
- text with an @ is (part of) the recipient's email.
None found is `card_not_found` saying what was searched; several are all returned (up
to MAX_MATCHES, newest first) for the person to pick one; more than that asks for a
narrower search.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import select

from app.db import read_session
from app.models import Card
from app.services.core import codes
from app.services.core.actor import Actor
from app.services.core.errors import ErrorCode, GiftnetError
from app.services.core.i18n import N_
from app.services.money.card_lookup import caller_name, lookup_card_by_code

MAX_MATCHES = 20
HOW_TO_SEARCH = "Type the card's code, the last 4 characters of its code, or the recipient's email."


@dataclass(frozen=True)
class CardMatch:
    """A card a search found: what a person recognises it by."""

    card_id: int
    last4: str
    recipient_email: str | None
    recipient_name: str | None
    balance_cents: int
    status: str
    issued_at: datetime


def _match(card: Card) -> CardMatch:
    return CardMatch(card.id, card.last4, card.recipient_email, card.recipient_name, card.balance_cents, card.status,
                     card.created_at)


def find_cards(actor: Actor, text: str, *, ip: str = "") -> list[CardMatch]:
    """The actor's operator's cards matching `text` (a code, last 4, or recipient email), newest
    first, at least one.

    Refuses: empty or unreadable text (`invalid_input`, saying what to type); nothing found
    (`card_not_found`, naming what was searched; a wrong code gets the look-up's one sentence);
    more than MAX_MATCHES (`invalid_input`: search by the whole code or email)."""
    needle = (text or "").strip()
    if not needle or "\x00" in needle or len(needle) > 254:
        raise GiftnetError(ErrorCode.invalid_input, HOW_TO_SEARCH, field="card")
    if "@" in needle:
        condition, searched = Card.recipient_email.contains(needle.lower(), autoescape=True), f"the recipient email “{needle}”"
    else:
        fragment = codes.normalize_fragment(needle)
        if fragment is not None and len(fragment) == codes.CODE_LENGTH:
            card = lookup_card_by_code(actor.operator_id, fragment, caller=caller_name(actor), ip=ip)
            return [_match(card)]
        if fragment is None or len(fragment) != 4:
            raise GiftnetError(ErrorCode.invalid_input, HOW_TO_SEARCH, field="card")
        condition, searched = Card.last4 == fragment, f"a code ending in {fragment}"
    with read_session() as session:
        cards = session.exec(select(Card).where(Card.operator_id == actor.operator_id, condition)
                             .order_by(Card.id.desc()).limit(MAX_MATCHES + 1)).all()
    if not cards:
        raise GiftnetError(ErrorCode.card_not_found, N_("No card of this network has {searched}."), field="card", params={"searched": searched})
    if len(cards) > MAX_MATCHES:
        raise GiftnetError(ErrorCode.invalid_input,
                           N_("More than {max_matches} cards have {searched}: type the whole code or email."),
                           field="card", params={"max_matches": MAX_MATCHES, "searched": searched})
    return [_match(card) for card in cards]

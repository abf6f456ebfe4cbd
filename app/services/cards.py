"""Reading cards: one card, a page of cards, a card's ledger, a card by its code.

Every query is scoped by operator: another operator's card is "not found".
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_
from sqlmodel import select

from app.db import read_session
from app.models import Card, LedgerEntry
from app.services import codes
from app.services.errors import ErrorCode, GiftnetError
from app.services.ledger import hash_code, hash_link_token

MAX_PAGE = 100


@dataclass(frozen=True)
class CardPage:
    cards: list[Card]
    next_cursor: int | None


def get_card(operator_id: int, card_id: int) -> Card:
    with read_session() as session:
        card = session.exec(select(Card).where(Card.id == card_id, Card.operator_id == operator_id)).first()
    if card is None:
        raise GiftnetError(ErrorCode.card_not_found, "No such card.")
    return card


def find_card_by_code(operator_id: int, raw_code: str) -> Card:
    """The operator's card with this code, or one generic "not found" for any wrong code."""
    code = codes.normalize_code(raw_code)
    with read_session() as session:
        card = session.exec(
            select(Card).where(Card.code_hash == hash_code(code), Card.operator_id == operator_id)
        ).first()
    if card is None:
        raise GiftnetError(ErrorCode.card_not_found, "No card matches this code.", field="code")
    return card


def find_card_by_link_token(token: str) -> Card | None:
    """The card a recipient link points to (any operator: the link itself is the credential)."""
    if not token or len(token) > 128:
        return None
    with read_session() as session:
        return session.exec(select(Card).where(Card.link_token_hash == hash_link_token(token))).first()


def list_cards(
    operator_id: int,
    *,
    query: str | None = None,
    status: str | None = None,
    limit: int = 25,
    cursor: int | None = None,
) -> CardPage:
    """Newest first. `query` matches the last 4 of the code or the recipient's email."""
    limit = max(1, min(int(limit), MAX_PAGE))
    statement = select(Card).where(Card.operator_id == operator_id)
    if status:
        statement = statement.where(Card.status == status)
    if query:
        if "\x00" in query or len(query) > 254:
            # PostgreSQL cannot compare text holding NUL: refuse it as input, never a 500.
            raise GiftnetError(ErrorCode.invalid_input, "The search text is not valid.", field="q")
        needle = query.strip()
        last4 = codes.normalize_fragment(needle)
        conditions = [Card.recipient_email.contains(needle.lower())]
        if last4:
            conditions.append(Card.last4 == last4[-4:])
        statement = statement.where(or_(*conditions))
    if cursor is not None:
        statement = statement.where(Card.id < cursor)
    statement = statement.order_by(Card.id.desc()).limit(limit + 1)
    with read_session() as session:
        rows = list(session.exec(statement).all())
    has_more = len(rows) > limit
    rows = rows[:limit]
    return CardPage(cards=rows, next_cursor=rows[-1].id if has_more else None)


def card_ledger(operator_id: int, card_id: int) -> list[LedgerEntry]:
    """The card's ledger, oldest first."""
    get_card(operator_id, card_id)
    with read_session() as session:
        return list(
            session.exec(
                select(LedgerEntry)
                .where(LedgerEntry.card_id == card_id, LedgerEntry.operator_id == operator_id)
                .order_by(LedgerEntry.id)
            ).all()
        )


@dataclass(frozen=True)
class LedgerPage:
    entries: list[LedgerEntry]
    next_cursor: int | None


def card_ledger_page(operator_id: int, card_id: int, *, limit: int = 50, cursor: int | None = None) -> LedgerPage:
    """A page of the card's ledger, oldest first; `cursor` is the last entry id of the previous page."""
    get_card(operator_id, card_id)
    limit = max(1, min(int(limit), MAX_PAGE))
    statement = select(LedgerEntry).where(LedgerEntry.card_id == card_id, LedgerEntry.operator_id == operator_id)
    if cursor is not None:
        statement = statement.where(LedgerEntry.id > cursor)
    with read_session() as session:
        rows = list(session.exec(statement.order_by(LedgerEntry.id).limit(limit + 1)).all())
    has_more = len(rows) > limit
    rows = rows[:limit]
    return LedgerPage(entries=rows, next_cursor=rows[-1].id if has_more else None)

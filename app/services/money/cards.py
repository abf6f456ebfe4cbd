"""Cards: one card, a filtered page of cards and their count, a card's ledger, a card by
its code, and the Cards screen's bulk freeze and unfreeze (the bulk email resend, and the
dispatch of a bulk action by name, are in `card_emails`, which builds on this module).

Every query is scoped by operator: another operator's card is "not found", and in a
bulk action its id is skipped as not found, never read or changed.

Which index serves which filter (alembic 0001 and 0007): the operator's newest first
and the id cursor read `ix_card_operator_created` (operator_id, id); a balance range
and "empty" read `ix_card_operator_balance` (operator_id, balance_cents); an issue
date range reads `ix_card_operator_opened` (operator_id, created_at, balance_cents);
the last 4 reads `ix_card_operator_last4`. Status and channel have no index of their
own: they are checked on the rows the other conditions reach (see bench/cards.py).
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import and_, func, or_, update
from sqlmodel import select

from app.db import read_session, write_session
from app.models import Card, Device, LedgerEntry, Location, Operator
from app.models.base import utcnow
from app.models.card import CARD_STATUSES, CHANNELS, CardStatus
from app.services.core import audit, codes, events
from app.services.core.actor import Actor
from app.services.core.codes import hash_code, hash_link_token
from app.services.core.errors import ErrorCode, GiftnetError
from app.services.core.i18n import N_, Money
from app.services.core.paging import id_page
from app.services.core.rows import owned_row
from app.services.messaging import webhooks

MAX_PAGE = 100
# "empty" is not a stored status: a card whose balance is zero, whatever its status.
FILTER_STATUSES = (*CARD_STATUSES, "empty")
FILTER_CHANNELS = CHANNELS
# A bulk action reaches at most this many cards: one transaction stays short.
BULK_LIMIT = 1_000
# Counting stops here: past it the screen says "more than 10,000" instead of reading on.
COUNT_LIMIT = 10_000
MAX_BALANCE_CENTS = 99_999_999_999


@dataclass(frozen=True)
class CardPage:
    cards: list[Card]
    next_cursor: int | None


def get_card(operator_id: int, card_id: int) -> Card:
    with read_session() as session:
        card = owned_row(session, Card, card_id, operator_id, missing=N_("No such card."), code=ErrorCode.card_not_found)
    return card


def find_card_by_code(operator_id: int, raw_code: str) -> Card:
    """The operator's card with this code, or one generic "not found" for any wrong code."""
    code = codes.normalize_code(raw_code)
    with read_session() as session:
        card = session.exec(
            select(Card).where(Card.code_hash == hash_code(code), Card.operator_id == operator_id)
        ).first()
    if card is None:
        raise GiftnetError(ErrorCode.card_not_found, N_("No card matches this code."), field="code")
    return card


def find_card_by_link_token(token: str) -> Card | None:
    """The card a recipient link points to (any operator: the link itself is the credential)."""
    if not token or len(token) > 128:
        return None
    with read_session() as session:
        return session.exec(select(Card).where(Card.link_token_hash == hash_link_token(token))).first()


@dataclass(frozen=True)
class CardFilter:
    """Which of an operator's cards a list, a count or a bulk action is about.

    Built (and validated) by `card_filter`; every part is optional and they combine
    with AND. Times are UTC: `issued_from` inclusive, `issued_before` exclusive.
    """

    query: str | None = None
    status: str | None = None
    min_balance_cents: int | None = None
    max_balance_cents: int | None = None
    issued_from: datetime | None = None
    issued_before: datetime | None = None
    channel: str | None = None

    @property
    def narrowed(self) -> bool:
        return any(value is not None for value in (self.query, self.status, self.min_balance_cents,
                                                   self.max_balance_cents, self.issued_from, self.issued_before,
                                                   self.channel))


def _day(raw: date | str | None) -> date | None:
    if raw is None or isinstance(raw, date):
        return raw
    text = str(raw).strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        return None


def _day_start(day: date, timezone: str) -> datetime:
    return datetime.combine(day, time.min, zoneinfo.ZoneInfo(timezone)).astimezone(UTC)


def card_filter(
    *,
    timezone: str = "UTC",
    query: str | None = None,
    status: str | None = None,
    min_balance_cents: int | None = None,
    max_balance_cents: int | None = None,
    issued_from: date | str | None = None,
    issued_to: date | str | None = None,
    channel: str | None = None,
) -> CardFilter:
    """A validated `CardFilter`. Issue dates are whole days in the operator's `timezone`,
    both inclusive. Refuses (`invalid_input`, naming the field) an unknown status or
    channel, a negative balance, a minimum above the maximum, a date that is not
    YYYY-MM-DD, and a start date after the end date."""
    if query is not None:
        if "\x00" in query or len(query) > 254:
            # PostgreSQL cannot compare text holding NUL: refuse it as input, never a 500.
            raise GiftnetError(ErrorCode.invalid_input, N_("The search text is not valid."), field="q")
        query = query.strip() or None
    status = (status or "").strip().lower() or None
    if status is not None and status not in FILTER_STATUSES:
        raise GiftnetError(ErrorCode.invalid_input, N_("status is one of {join}."), field="status", params={"join": ', '.join(FILTER_STATUSES)})
    channel = (channel or "").strip().lower() or None
    if channel is not None and channel not in FILTER_CHANNELS:
        raise GiftnetError(ErrorCode.invalid_input, N_("channel is one of {join}."), field="channel", params={"join": ', '.join(FILTER_CHANNELS)})
    for name, cents in (("min_balance_cents", min_balance_cents), ("max_balance_cents", max_balance_cents)):
        if cents is not None and (isinstance(cents, bool) or not isinstance(cents, int)
                                  or not 0 <= cents <= MAX_BALANCE_CENTS):
            raise GiftnetError(ErrorCode.invalid_input, N_("A balance bound is a whole number of cents, 0 or more."),
                               field=name)
    if min_balance_cents is not None and max_balance_cents is not None and min_balance_cents > max_balance_cents:
        raise GiftnetError(
            ErrorCode.invalid_input,
            N_("The minimum balance ({low}) is above the maximum ({high})."),
            params={"low": Money(min_balance_cents), "high": Money(max_balance_cents)},
            field="min_balance_cents",
        )
    first_day, last_day = _day(issued_from), _day(issued_to)
    for name, raw, day in (("issued_from", issued_from, first_day), ("issued_to", issued_to, last_day)):
        if day is None and raw is not None and str(raw).strip():
            raise GiftnetError(ErrorCode.invalid_input, N_("An issue date is written YYYY-MM-DD, like 2026-01-31."),
                               field=name)
    if first_day and last_day and first_day > last_day:
        raise GiftnetError(ErrorCode.invalid_input, N_("The first issue date comes after the last one."),
                           field="issued_from")
    try:
        start = _day_start(first_day, timezone) if first_day else None
        before = _day_start(last_day + timedelta(days=1), timezone) if last_day else None
    except (OverflowError, ValueError):
        raise GiftnetError(ErrorCode.invalid_input, N_("That issue date is outside the calendar."),
                           field="issued_to" if last_day else "issued_from") from None
    return CardFilter(query=query, status=status, min_balance_cents=min_balance_cents,
                      max_balance_cents=max_balance_cents, issued_from=start, issued_before=before, channel=channel)


def card_filter_for(operator_id: int, **parts) -> CardFilter:  # noqa: ANN003 - card_filter's keywords
    """`card_filter` with issue dates read in the operator's own time zone (for the API)."""
    timezone = "UTC"
    if parts.get("issued_from") or parts.get("issued_to"):
        with read_session() as session:
            operator = session.get(Operator, operator_id)
        timezone = operator.timezone if operator is not None else "UTC"
    return card_filter(timezone=timezone, **parts)


def _conditions(operator_id: int, filters: CardFilter) -> list:
    conditions = [Card.operator_id == operator_id]
    if filters.status == "empty":
        conditions.append(Card.balance_cents == 0)
    elif filters.status:
        conditions.append(Card.status == filters.status)
    if filters.min_balance_cents is not None:
        conditions.append(Card.balance_cents >= filters.min_balance_cents)
    if filters.max_balance_cents is not None:
        conditions.append(Card.balance_cents <= filters.max_balance_cents)
    if filters.issued_from is not None:
        conditions.append(Card.created_at >= filters.issued_from)
    if filters.issued_before is not None:
        conditions.append(Card.created_at < filters.issued_before)
    if filters.channel:
        conditions.append(Card.channel == filters.channel)
    if filters.query:
        needle = filters.query
        last4 = codes.normalize_fragment(needle)
        either = [Card.recipient_email.contains(needle.lower())]
        if last4:
            either.append(Card.last4 == last4[-4:])
        conditions.append(or_(*either))
    return conditions


def _with(filters: CardFilter | None, query: str | None, status: str | None) -> CardFilter:
    """`filters` with the `query` / `status` shorthands (validated) put in."""
    filters = filters or CardFilter()
    if query is None and status is None:
        return filters
    shorthand = card_filter(query=query, status=status)
    return replace(filters, query=shorthand.query if query is not None else filters.query,
                   status=shorthand.status if status is not None else filters.status)


def list_cards(
    operator_id: int,
    *,
    query: str | None = None,
    status: str | None = None,
    filters: CardFilter | None = None,
    limit: int = 25,
    cursor: int | None = None,
) -> CardPage:
    """Newest first, `filters` applied (`query` and `status` are shorthands for its two
    parts). `query` matches the last 4 of the code or the recipient's email."""
    limit = max(1, min(int(limit), MAX_PAGE))
    filters = _with(filters, query, status)
    statement = select(Card).where(*_conditions(operator_id, filters))
    rows, next_cursor = id_page(statement, Card, limit=limit, cursor=cursor)
    return CardPage(cards=rows, next_cursor=next_cursor)


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
class LedgerPlaces:
    """Names of the locations and codes of the devices a card's ledger mentions."""

    location_names: dict[int, str]
    device_codes: dict[int, str]


def ledger_places(operator_id: int, entries: list[LedgerEntry]) -> LedgerPlaces:
    """Where the entries happened, in one query for the whole ledger: each of the operator's
    locations they name, with the devices of it they name (another operator's are left out)."""
    location_ids = {entry.location_id for entry in entries if entry.location_id}
    device_ids = {entry.device_id for entry in entries if entry.device_id}
    if not location_ids:
        return LedgerPlaces({}, {})
    with read_session() as session:
        rows = session.exec(
            select(Location.id, Location.name, Device.id, Device.code)
            .outerjoin(Device, and_(Device.location_id == Location.id, Device.id.in_(device_ids or {0})))
            .where(Location.id.in_(location_ids), Location.operator_id == operator_id)
        ).all()
    return LedgerPlaces(
        location_names={location_id: name for location_id, name, _, _ in rows},
        device_codes={device_id: code for _, _, device_id, code in rows if device_id},
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
    rows, next_cursor = id_page(statement, LedgerEntry, limit=limit, cursor=cursor, newest_first=False)
    return LedgerPage(entries=rows, next_cursor=next_cursor)


@dataclass(frozen=True)
class CardCount:
    """How many cards match; `at_least` when counting stopped at the limit."""

    count: int
    at_least: bool = False

    @property
    def text(self) -> str:
        return f"more than {self.count - 1:,}" if self.at_least else f"{self.count:,}"


def count_cards(operator_id: int, filters: CardFilter | None = None, *, limit: int = COUNT_LIMIT) -> CardCount:
    """How many of the operator's cards match `filters`, counting no further than `limit`
    (+1 to know there are more): a network of millions of cards is never read whole."""
    filters = filters or CardFilter()
    limited = select(Card.id).where(*_conditions(operator_id, filters)).limit(limit + 1).subquery()
    with read_session() as session:
        count = int(session.exec(select(func.count()).select_from(limited)).one())
    return CardCount(count=count, at_least=count > limit)


def matching_card_ids(operator_id: int, filters: CardFilter | None = None, *, limit: int = BULK_LIMIT) -> list[int]:
    """The ids of the newest `limit` + 1 cards matching `filters` (one more than asked, so
    that a caller can tell "exactly `limit`" from "more than `limit`")."""
    filters = filters or CardFilter()
    statement = (select(Card.id).where(*_conditions(operator_id, filters))
                 .order_by(Card.id.desc()).limit(max(1, int(limit)) + 1))
    with read_session() as session:
        return [int(card_id) for card_id in session.exec(statement).all()]


# --- bulk actions ------------------------------------------------------------------

BULK_ACTIONS = ("freeze", "unfreeze", "resend_email")
_DONE = {"freeze": "frozen", "unfreeze": "unfrozen", "resend_email": "emailed"}
_ALREADY = {"freeze": "already frozen", "unfreeze": "already active"}


@dataclass(frozen=True)
class BulkOutcome:
    """What one bulk action did. `changed_ids` are the cards it froze, unfroze or emailed."""

    action: str
    requested: int
    changed_ids: list[int] = field(default_factory=list)
    unchanged: int = 0  # already in the state asked for
    without_email: int = 0  # resend: no recipient email to send to
    unreadable: int = 0  # resend: the card's code can no longer be decrypted
    not_found: int = 0  # not one of the operator's cards

    @property
    def changed(self) -> int:
        return len(self.changed_ids)

    @property
    def summary(self) -> str:
        """'37 frozen, 2 were already frozen', as the screen shows it."""
        parts = [f"{self.changed:,} {_DONE[self.action]}"]
        if self.unchanged:
            parts.append(f"{self.unchanged:,} {'was' if self.unchanged == 1 else 'were'} {_ALREADY[self.action]}")
        if self.without_email:
            parts.append(f"{self.without_email:,} skipped: no recipient email")
        if self.unreadable:
            parts.append(f"{self.unreadable:,} skipped: the code can no longer be read")
        if self.not_found:
            parts.append(f"{self.not_found:,} not found")
        return ", ".join(parts)


def bulk_ids(card_ids: Iterable[int]) -> list[int]:
    """The ids of one bulk action, sorted and unique; refuses none, a non-number, or more than BULK_LIMIT."""
    try:
        ids = sorted({int(card_id) for card_id in card_ids})
    except (TypeError, ValueError):
        raise GiftnetError(ErrorCode.invalid_input, N_("Card ids are whole numbers."), field="card_ids") from None
    if not ids:
        raise GiftnetError(ErrorCode.invalid_input, N_("Select at least one card."), field="card_ids")
    if len(ids) > BULK_LIMIT:
        raise GiftnetError(ErrorCode.invalid_input,
                           N_("One action reaches at most {limit} cards; narrow the filter."), field="card_ids",
                           params={"limit": f"{BULK_LIMIT:,}"})
    return ids


AUDIT_ACTIONS = {"freeze": "card.bulk_frozen", "unfreeze": "card.bulk_unfrozen", "resend_email": "card.bulk_email_resent"}


def record_bulk_audit(session, actor: Actor, action: str, outcome: BulkOutcome, change: tuple | None = None) -> None:  # noqa: ANN001
    """One audit event per bulk action: how many cards it changed and which, and the change."""
    changes = {"count": [None, outcome.changed], "card_ids": [None, outcome.changed_ids]}
    if change is not None:
        changes = {change[0]: list(change[1:]), **changes}
    audit.record(session, actor, AUDIT_ACTIONS[action], target_type="card",
                 summary=f"Bulk {action.replace('_', ' ')}: {outcome.summary}", changes=changes)


def _set_frozen_in_bulk(actor: Actor, card_ids: Iterable[int], frozen: bool) -> BulkOutcome:
    ids = bulk_ids(card_ids)
    action = "freeze" if frozen else "unfreeze"
    new_status, old_status = (
        (CardStatus.frozen, CardStatus.active) if frozen else (CardStatus.active, CardStatus.frozen))
    with write_session() as session:
        # Row locks on PostgreSQL (SQLite's write transaction is exclusive already): a card
        # frozen meanwhile by someone else counts as "already", never twice.
        found = session.exec(
            select(Card.id, Card.last4, Card.status)
            .where(Card.operator_id == actor.operator_id, Card.id.in_(ids))
            .with_for_update()
        ).all()
        to_change = [(card_id, last4) for card_id, last4, status in found if status == old_status]
        changed_ids = [card_id for card_id, _ in to_change]
        if changed_ids:
            session.execute(
                update(Card)
                .where(Card.operator_id == actor.operator_id, Card.id.in_(changed_ids), Card.status == old_status)
                .values(status=new_status, updated_at=utcnow())
            )
        outcome = BulkOutcome(action=action, requested=len(ids), changed_ids=changed_ids,
                              unchanged=len(found) - len(changed_ids), not_found=len(ids) - len(found))
        event_type = "card.frozen" if frozen else "card.unfrozen"
        endpoints = webhooks.subscribed_endpoints(session, actor.operator_id, event_type)
        for card_id, last4 in to_change:
            webhooks.queue_event_for_endpoints(session, actor.operator_id, event_type,
                                               {"card_id": card_id, "last4": last4}, endpoints)
        if changed_ids:
            record_bulk_audit(session, actor, action, outcome, ("status", old_status, new_status))
    for card_id, last4 in to_change:
        events.publish(events.Event(actor.operator_id, event_type, {"card_id": card_id, "last4": last4}))
    return outcome


def freeze_cards(actor: Actor, card_ids: Iterable[int]) -> BulkOutcome:
    """Freeze the operator's cards among `card_ids` (at most BULK_LIMIT) in one transaction.
    A frozen card stays as it is (counted as `unchanged`); another operator's id, or one
    that does not exist, is counted as `not_found` and never touched."""
    return _set_frozen_in_bulk(actor, card_ids, True)


def unfreeze_cards(actor: Actor, card_ids: Iterable[int]) -> BulkOutcome:
    """Unfreeze the operator's cards among `card_ids`; the same rules as `freeze_cards`."""
    return _set_frozen_in_bulk(actor, card_ids, False)

"""Money moves only here: issue, top up, debit, freeze, and the integrity check.

Rules this module keeps:
- a card's value changes only together with a `LedgerEntry` row, in one transaction;
- a debit is one conditional UPDATE (`balance_cents >= :x AND status = 'active'`), so
  two devices can never spend the same cents, on SQLite and PostgreSQL alike;
- an idempotency key (unique per operator) makes a retried call return the first
  result and move nothing; the same key with other arguments is refused (the runner
  and the key rule are `idempotency.run_idempotent` and `idempotency.validated_key`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any

from sqlalchemy import func, insert, update
from sqlalchemy.orm import make_transient_to_detached
from sqlmodel import Session, select

from app.db import HotStatement, read_session, write_session
from app.models import Card, LedgerEntry, Operator, Redemption
from app.models.base import new_row, utcnow
from app.models.card import CHANNELS, CardChannel, CardStatus, LedgerKind
from app.services.core import audit, codes, crypto, events
from app.services.core.actor import Actor
from app.services.core.errors import ErrorCode, GiftnetError
from app.services.core.i18n import N_, Money
from app.services.core.i18n import normalize as normalize_language
from app.services.core.money import format_cents, require_positive_cents
from app.services.messaging import webhooks
from app.services.money import idempotency


@dataclass(frozen=True)
class IssuedCard:
    """A new card. `code` is the only time the full code leaves this module."""

    card: Card
    code: str
    link_token: str
    entry: LedgerEntry

# A card that cannot be used, by its status (each its own sentence, for the translators).
_INACTIVE = {"frozen": N_("This card is frozen and cannot be used."),
             "expired": N_("This card is expired and cannot be used.")}
_INACTIVE_OTHER = N_("This card is {status} and cannot be used.")


@dataclass(frozen=True, slots=True)
class _CardTerms:
    """What issuing and crediting need of the operator (one row of a few columns)."""

    id: int
    currency: str
    default_language: str | None
    card_min_cents: int
    card_max_cents: int


_CARD_TERMS = HotStatement(
    "SELECT id, currency, default_language, card_min_cents, card_max_cents, webhook_endpoints_version "
    "FROM operator WHERE id = :operator_id"
)


def _operator(session: Session, operator_id: int) -> _CardTerms:
    found = _CARD_TERMS.first(session, {"operator_id": operator_id})
    if found is None:
        raise GiftnetError(ErrorCode.not_found, N_("This operator does not exist."))
    # The webhook endpoints' look-up of this transaction checks its cache against this version.
    webhooks.note_endpoints_version(session, operator_id, found[-1])
    return _CardTerms(*found[:-1])


def _check_amount_limits(operator: _CardTerms, amount_cents: int, *, field: str = "amount_cents") -> None:
    if not operator.card_min_cents <= amount_cents <= operator.card_max_cents:
        raise GiftnetError(
            ErrorCode.amount_out_of_range,
            N_("The amount must be between {low} and {high}."),
            params={"low": Money(operator.card_min_cents), "high": Money(operator.card_max_cents)},
            field=field,
        )


def _actor_columns(actor: Actor) -> dict:
    return {
        "user_id": actor.user_id,
        "api_key_id": actor.api_key_id,
        "location_id": actor.location_id,
        "device_id": actor.device_id,
    }


def issue_card(
    actor: Actor,
    amount_cents: int,
    *,
    recipient_email: str | None = None,
    recipient_name: str | None = None,
    sender_name: str | None = None,
    message: str | None = None,
    idempotency_key: str | None = None,
    language: str | None = None,
) -> IssuedCard:
    """Create a card holding `amount_cents`, with its `issue` ledger row; its emails are
    written in `language` (`en` / `fr`; none: the network's default language).

    Refuses amounts outside the operator's card limits. A retry with the same
    idempotency key returns the same card and creates nothing.
    """
    require_positive_cents(amount_cents)
    idempotency_key = idempotency.validated_key(idempotency_key)

    def attempt(session: Session) -> IssuedCard:
        issued = issue_within(
            session, actor, amount_cents, recipient_email=recipient_email, recipient_name=recipient_name,
            sender_name=sender_name, message=message, idempotency_key=idempotency_key, language=language,
        )
        webhooks.queue_event_for_endpoints(session, actor.operator_id, "card.issued",
                                           _card_event_data(issued.card, issued.entry))
        if actor.channel == "dashboard":  # API issues are in the ledger and the API log, not the audit trail
            audit.record(session, actor, "card.issued", target_type="card", target_id=issued.card.id,
                         summary=f"Card …{issued.card.last4} issued for {format_cents(amount_cents)}",
                         changes={"balance_cents": [None, amount_cents],
                                  "recipient_email": [None, issued.card.recipient_email]})
        return issued

    def replay(session: Session, entry: LedgerEntry) -> IssuedCard:
        idempotency.same_movement_or_refuse(entry, kind=LedgerKind.issue, card_id=None, amount_cents=amount_cents)
        card = session.get(Card, entry.card_id)
        return IssuedCard(
            card=card,
            code=crypto.decrypt(card.code_encrypted),
            link_token=crypto.decrypt(card.link_token_encrypted),
            entry=entry,
        )

    issued, created = idempotency.run_idempotent(actor.operator_id, idempotency_key, attempt, replay)
    if created:
        events.publish(events.Event(actor.operator_id, "card.issued", _card_event_data(issued.card, issued.entry)))
    return issued


def issue_within(
    session: Session,
    actor: Actor,
    amount_cents: int,
    *,
    recipient_email: str | None = None,
    recipient_name: str | None = None,
    sender_name: str | None = None,
    message: str | None = None,
    idempotency_key: str | None = None,
    order_id: int | None = None,
    language: str | None = None,
    is_test: bool = False,
) -> IssuedCard:
    """The issue itself, inside the caller's transaction (a paid shop order issues all its
    cards in one). Publishes nothing: the caller does, after its commit. `is_test`: paid
    through a gateway in test mode (a test card: redeemed only at test locations, never paid out)."""
    if session.get_bind().dialect.name == "postgresql":
        return _issue_in_one_statement(
            session, actor, amount_cents, recipient_email=recipient_email, recipient_name=recipient_name,
            sender_name=sender_name, message=message, idempotency_key=idempotency_key, order_id=order_id,
            language=language, is_test=is_test)
    operator = _operator(session, actor.operator_id)
    _check_amount_limits(operator, amount_cents)
    code, link_token, card = _new_card(
        operator.id, operator.currency, actor, amount_cents, recipient_email=recipient_email,
        recipient_name=recipient_name, sender_name=sender_name, message=message,
    )
    card.language = normalize_language(language or operator.default_language)
    card.is_test = is_test
    entry_values = _issue_entry_values(actor, amount_cents, card.created_at, idempotency_key, order_id)
    session.add(card)
    session.flush()
    # One INSERT ... RETURNING id, without a second flush of the unit of work (as `_append`).
    entry_id = session.execute(
        insert(LedgerEntry).values(**entry_values, card_id=card.id).returning(LedgerEntry.id)
    ).scalar_one()
    entry = new_row(LedgerEntry, **entry_values, id=entry_id, card_id=card.id)
    return IssuedCard(card=card, code=code, link_token=link_token, entry=entry)


def _issue_entry_values(actor: Actor, amount_cents: int, created_at: datetime, idempotency_key: str | None,
                        order_id: int | None) -> dict:
    """A new card's `issue` ledger row, every column but its id and its card's id."""
    values = {**_LEDGER_ROW_COLUMNS, "operator_id": actor.operator_id, "kind": LedgerKind.issue.value,
              "amount_cents": amount_cents, "balance_after_cents": amount_cents, "idempotency_key": idempotency_key,
              "order_id": order_id, "created_at": created_at, **_actor_columns(actor)}
    del values["card_id"]
    return values


def _issue_in_one_statement(session: Session, actor: Actor, amount_cents: int, *, recipient_email: str | None,
                            recipient_name: str | None, sender_name: str | None, message: str | None,
                            idempotency_key: str | None, order_id: int | None, language: str | None,
                            is_test: bool) -> IssuedCard:
    """`issue_within` on PostgreSQL: the operator's card terms read, the amount checked against
    them, the card and its ledger row written, in ONE statement (`_issue_cte`); the card then
    joins the session as if loaded, so that a later change to it (an order's delivery) is an UPDATE."""
    code, link_token, card = _new_card(actor.operator_id, None, actor, amount_cents, recipient_email=recipient_email,
                                       recipient_name=recipient_name, sender_name=sender_name, message=message)
    card.is_test = is_test
    card_values = {name: card.__dict__[name] for name in _ISSUED_CARD_COLUMNS}  # new_row filled every field
    entry_values = _issue_entry_values(actor, amount_cents, card.created_at, idempotency_key, order_id)
    params = {"operator_id": actor.operator_id, "amount": amount_cents,
              "language": normalize_language(language) if language else None,
              **{f"c_{name}": _plain(value) for name, value in card_values.items()},
              **{f"l_{name}": value for name, value in entry_values.items()}}
    row = _issue_cte(tuple(card_values), tuple(entry_values)).first(session, params)
    if row is None:
        raise GiftnetError(ErrorCode.not_found, N_("This operator does not exist."))
    currency, card_min_cents, card_max_cents, endpoints_version, card.id, card.language, entry_id = row
    # The webhook endpoints' look-up of this transaction checks its cache against this version.
    webhooks.note_endpoints_version(session, actor.operator_id, endpoints_version)
    if card.id is None:
        _check_amount_limits(_CardTerms(actor.operator_id, currency, None, card_min_cents, card_max_cents),
                             amount_cents)
        raise AssertionError("the issue statement wrote nothing for an amount within the card limits")
    card.currency = currency
    make_transient_to_detached(card)
    session.add(card)
    entry = new_row(LedgerEntry, **entry_values, id=entry_id, card_id=card.id)
    return IssuedCard(card=card, code=code, link_token=link_token, entry=entry)


# A new card's columns that the issue statement writes from Python (the rest come from the operator's terms).
_ISSUED_CARD_COLUMNS = tuple(name for name in Card.model_fields if name not in ("id", "currency", "language"))
_ISSUE_CTES: dict[tuple[tuple[str, ...], tuple[str, ...]], HotStatement] = {}


def _issue_cte(card_columns: tuple[str, ...], entry_columns: tuple[str, ...]) -> HotStatement:
    """The operator's card terms, a new card within them (its currency, and its language unless
    given, the operator's) and its `issue` ledger row as one PostgreSQL statement (text built
    once per column set). Answers the terms even when no card was written (amount out of
    range), then (card id, card language, ledger row id)."""
    key = (card_columns, entry_columns)
    if key not in _ISSUE_CTES:
        _ISSUE_CTES[key] = HotStatement(
            "WITH terms AS (SELECT currency, default_language, card_min_cents, card_max_cents, "
            "webhook_endpoints_version FROM operator WHERE id = :operator_id), "
            f"issued AS (INSERT INTO card ({', '.join(card_columns)}, currency, language) "
            f"SELECT {_casts(Card.__table__, 'c_', card_columns)}, terms.currency, "
            "COALESCE(CAST(:language AS VARCHAR), terms.default_language) FROM terms "
            "WHERE CAST(:amount AS INTEGER) BETWEEN terms.card_min_cents AND terms.card_max_cents "
            "RETURNING id, language), "
            f"entry AS (INSERT INTO ledger_entry ({', '.join(entry_columns)}, card_id) "
            f"SELECT {_casts(LedgerEntry.__table__, 'l_', entry_columns)}, issued.id FROM issued RETURNING id) "
            "SELECT terms.currency, terms.card_min_cents, terms.card_max_cents, terms.webhook_endpoints_version, "
            "issued.id, issued.language, entry.id FROM terms LEFT JOIN (issued CROSS JOIN entry) ON true"
        )
    return _ISSUE_CTES[key]


def _casts(table, prefix: str, columns: tuple[str, ...]) -> str:  # noqa: ANN001
    """`CAST(:<prefix><column> AS <its PostgreSQL type>), ...`: typed parameters for INSERT ... SELECT."""
    from sqlalchemy.dialects import postgresql

    dialect = postgresql.dialect()
    return ", ".join(f"CAST(:{prefix}{name} AS {table.c[name].type.compile(dialect)})" for name in columns)


MESSAGE_MAX_CHARS = 500  # a gift note, not a newsletter: long free text is what a relay wants


def clean_message(message: str | None) -> str | None:
    """The card's free-text message, trimmed; refuses one longer than MESSAGE_MAX_CHARS."""
    message = (message or "").strip()
    if len(message) > MESSAGE_MAX_CHARS:
        raise GiftnetError(ErrorCode.invalid_input,
                           N_("The message has {count} characters; keep it to {limit} or fewer."),
                           params={"count": len(message), "limit": MESSAGE_MAX_CHARS}, field="message")
    return message or None


def _new_card(operator_id: int, currency: str | None, actor: Actor, amount_cents: int, *,
              recipient_email: str | None = None,
              recipient_name: str | None = None, sender_name: str | None = None, message: str | None = None,
              batch_id: int | None = None) -> tuple[str, str, Card]:
    """A new card row (not yet added) with a fresh code and link token, and those two in clear."""
    message = clean_message(message)
    code = codes.generate_code()
    link_token = codes.new_link_token()
    now = utcnow()
    card = new_row(
        Card,
        operator_id=operator_id,
        code_hash=codes.hash_code(code),
        code_encrypted=crypto.encrypt(code),
        last4=codes.last4(code),
        link_token_hash=codes.hash_link_token(link_token),
        link_token_encrypted=crypto.encrypt(link_token),
        currency=currency,
        balance_cents=amount_cents,
        initial_amount_cents=amount_cents,
        channel=actor.channel if actor.channel in CHANNELS else CardChannel.dashboard,
        recipient_email=(recipient_email or "").strip().lower() or None,
        recipient_name=(recipient_name or "").strip() or None,
        sender_name=(sender_name or "").strip() or None,
        message=message,
        created_by_user_id=actor.user_id,
        api_key_id=actor.api_key_id,
        created_at=now,
        updated_at=now,
        batch_id=batch_id,
    )
    return code, link_token, card


def issue_batch_within(session: Session, actor: Actor, count: int, amount_cents: int, *, batch_id: int) -> int:
    """`count` cards of a print run, each holding `amount_cents`, in the caller's transaction:
    cards and their `issue` ledger rows written in a few multi-row INSERTs. Answers how many.

    `amount_cents` 0 makes cards that hold nothing until they are sold: no ledger row (no
    value moved), and the sale is a top-up (`top_up_card`, within the card maximum), which
    writes the card's first row. Any other amount must be within the operator's card limits.
    Each row's idempotency key is `batch-<batch id>-<n>`, so a print run is issued once.
    """
    if isinstance(amount_cents, bool) or not isinstance(amount_cents, int) or amount_cents < 0:
        raise GiftnetError(ErrorCode.invalid_amount, N_("The amount is a whole number of cents, 0 or more."),
                           field="amount_cents")
    operator = _operator(session, actor.operator_id)
    if amount_cents:
        _check_amount_limits(operator, amount_cents)
    rows = [_new_card(operator.id, operator.currency, actor, amount_cents, batch_id=batch_id)[2].model_dump(exclude={"id"})
            for _ in range(count)]
    card_ids = session.execute(
        insert(Card).returning(Card.id, sort_by_parameter_order=True), rows
    ).scalars().all()
    if amount_cents:
        now = utcnow()
        session.execute(insert(LedgerEntry), [
            {"operator_id": operator.id, "card_id": card_id, "kind": LedgerKind.issue, "amount_cents": amount_cents,
             "balance_after_cents": amount_cents, "idempotency_key": f"batch-{batch_id}-{number}",
             "created_at": now, "memo": f"Print run #{batch_id}", **_actor_columns(actor)}
            for number, card_id in enumerate(card_ids, start=1)
        ])
    return len(card_ids)


def top_up_card(actor: Actor, card_id: int, amount_cents: int, *, idempotency_key: str | None = None) -> LedgerEntry:
    """Add value to an active card; the balance may not exceed the operator's card maximum."""
    require_positive_cents(amount_cents)
    idempotency_key = idempotency.validated_key(idempotency_key)

    def attempt(session: Session) -> LedgerEntry:
        entry = top_up_within(session, actor, card_id, amount_cents, idempotency_key=idempotency_key)
        webhooks.queue_event_for_endpoints(session, actor.operator_id, "card.topped_up", _entry_event_data(entry))
        if actor.channel == "dashboard":  # API top-ups are in the ledger and the API log, not the audit trail
            audit.record(session, actor, "card.topped_up", target_type="card", target_id=card_id,
                         summary=f"Card #{card_id} topped up by {format_cents(amount_cents)}",
                         changes={"balance_cents": [entry.balance_after_cents - amount_cents,
                                                    entry.balance_after_cents]})
        return entry

    def replay(_session: Session, entry: LedgerEntry) -> LedgerEntry:
        idempotency.same_movement_or_refuse(entry, kind=LedgerKind.topup, card_id=card_id, amount_cents=amount_cents)
        return entry

    entry, created = idempotency.run_idempotent(actor.operator_id, idempotency_key, attempt, replay)
    if created:
        events.publish(events.Event(actor.operator_id, "card.topped_up", _entry_event_data(entry)))
    return entry


def top_up_within(
    session: Session,
    actor: Actor,
    card_id: int,
    amount_cents: int,
    *,
    idempotency_key: str | None = None,
    order_id: int | None = None,
) -> LedgerEntry:
    """The top-up itself, inside the caller's transaction: one conditional UPDATE (active
    card, balance stays within the card maximum) and its ledger row. Publishes nothing."""
    operator = _operator(session, actor.operator_id)
    _check_amount_limits_for_topup(operator, amount_cents)
    new_balance = _move_balance(
        session, actor.operator_id, card_id, amount_cents,
        Card.status == CardStatus.active,
        Card.balance_cents + amount_cents <= operator.card_max_cents,
    )
    if new_balance is None:
        _refuse_inactive(_card_or_404(session, actor.operator_id, card_id))
        raise GiftnetError(
            ErrorCode.amount_out_of_range,
            N_("A card can hold at most {maximum}; this top-up would exceed it."),
            params={"maximum": Money(operator.card_max_cents)},
            field="amount_cents",
        )
    return _append(session, actor, card_id, LedgerKind.topup, amount_cents, new_balance, idempotency_key,
                   order_id=order_id)


def card_event_data(card: Card, entry: LedgerEntry) -> dict:
    return _card_event_data(card, entry)


def entry_event_data(entry: LedgerEntry) -> dict:
    return _entry_event_data(entry)


def _check_amount_limits_for_topup(operator: Operator, amount_cents: int) -> None:
    if amount_cents > operator.card_max_cents:
        raise GiftnetError(
            ErrorCode.amount_out_of_range,
            N_("A top-up can be at most {maximum}."),
            params={"maximum": Money(operator.card_max_cents)},
            field="amount_cents",
        )


def debit_card(
    actor: Actor,
    card_id: int,
    amount_cents: int,
    *,
    idempotency_key: str | None = None,
    kind: str = LedgerKind.redeem,
    memo: str | None = None,
    redemption_id: int | None = None,
) -> LedgerEntry:
    """Take `amount_cents` off an active card, or refuse with `insufficient_funds`.

    One conditional UPDATE decides: of any number of concurrent debits, exactly
    those that fit in the balance succeed.
    """
    require_positive_cents(amount_cents)
    idempotency_key = idempotency.validated_key(idempotency_key)

    def attempt(session: Session) -> LedgerEntry:
        return debit_within(
            session, actor, card_id, amount_cents, kind=kind, idempotency_key=idempotency_key,
            memo=memo, redemption_id=redemption_id,
        )

    def replay(_session: Session, entry: LedgerEntry) -> LedgerEntry:
        idempotency.same_movement_or_refuse(entry, kind=kind, card_id=card_id, amount_cents=-amount_cents)
        return entry

    entry, _created = idempotency.run_idempotent(actor.operator_id, idempotency_key, attempt, replay)
    return entry


def debit_within(
    session: Session,
    actor: Actor,
    card_id: int,
    amount_cents: int,
    *,
    kind: str = LedgerKind.redeem,
    idempotency_key: str | None = None,
    memo: str | None = None,
    redemption_id: int | None = None,
    record_redemption: Callable[[int], int] | None = None,
) -> LedgerEntry:
    """The debit itself, inside the caller's transaction: one conditional UPDATE and its ledger row.

    `record_redemption(new_balance)`, when given, runs between the two (same transaction)
    and returns the id of the redemption row it wrote with that balance: the ledger row
    points at it, and the redemption needs no second UPDATE for its balance after.
    """
    new_balance = _move_balance(
        session, actor.operator_id, card_id, -amount_cents,
        Card.status == CardStatus.active,
        Card.balance_cents >= amount_cents,
    )
    if new_balance is None:
        card = _card_or_404(session, actor.operator_id, card_id)
        _refuse_inactive(card)
        raise GiftnetError(
            ErrorCode.insufficient_funds,
            N_("The card holds {balance}, less than {amount}."),
            params={"balance": Money(card.balance_cents), "amount": Money(amount_cents)},
            field="amount_cents",
        )
    if record_redemption is not None:
        redemption_id = record_redemption(new_balance)
    return _append(
        session, actor, card_id, kind, -amount_cents, new_balance, idempotency_key,
        memo=memo, redemption_id=redemption_id,
    )


# A test card at a location that is not a test location (app/services/counter/redemptions.py).
TEST_CARD_REFUSED = N_("This is a test card, bought in the shop's test mode: no real money paid for it. "
                       "It can be used only at a test location.")


def debit_and_record_within(
    session: Session,
    actor: Actor,
    card_id: int,
    amount_cents: int,
    redemption: Redemption,
    *,
    idempotency_key: str | None = None,
    allow_test_card: bool = False,
    place: DebitPlace | None = None,
) -> tuple[int, str]:
    """`debit_within` of a redemption with its `redemption` row (not yet added; its
    `balance_after_cents` and `id` are filled in here): (the card's balance after, its last 4).

    On PostgreSQL the conditional UPDATE of the card, the redemption and the ledger row are
    ONE statement (data-modifying CTEs: the rows are written only when the UPDATE's condition
    held, each with the balance it returned); when it writes nothing, the card is read to say
    why. Elsewhere the same three statements one by one (`debit_within`). A test card (bought in
    the shop's test mode) is debited only with `allow_test_card` (at a test location): otherwise
    refused (`test_card`) and nothing moves.

    With a `place` (PostgreSQL only) the same statement also reads the redemption's location
    (`place.select`) and debits only where that location is active, a test card only at a test
    location; `place.check(row)` is handed the location's row (None: no such location) before
    anything else is decided, and refuses what it must."""
    if session.get_bind().dialect.name != "postgresql":
        if not allow_test_card:
            card = session.get(Card, card_id)
            if card is not None and card.operator_id == actor.operator_id and card.is_test:
                raise GiftnetError(ErrorCode.test_card, TEST_CARD_REFUSED, field="card_id")

        def record_redemption(balance_after_cents: int) -> int:
            redemption.balance_after_cents = balance_after_cents
            session.add(redemption)
            session.flush()
            return redemption.id

        try:
            entry = debit_within(session, actor, card_id, amount_cents, kind=LedgerKind.redeem,
                                 idempotency_key=idempotency_key, record_redemption=record_redemption)
        except GiftnetError as error:
            if error.code == ErrorCode.card_not_found:
                raise GiftnetError(ErrorCode.card_not_found, N_("No such card."), field="card_id") from None
            raise
        return entry.balance_after_cents, session.get(Card, card_id).last4
    now = utcnow()
    # The ledger row's columns as plain values (no model object: it would only be dumped again);
    # every column is named, NULL unless given, so a new column is never left out unnoticed.
    entry_values = {**_LEDGER_ROW_COLUMNS, "operator_id": actor.operator_id, "card_id": card_id,
                    "kind": LedgerKind.redeem.value, "amount_cents": -amount_cents,
                    "idempotency_key": idempotency_key, "created_at": now, **_actor_columns(actor)}
    redemption_values = redemption.model_dump(exclude={"id", "balance_after_cents"})
    statement = _debit_cte(tuple(redemption_values), tuple(entry_values), place.select if place else None)
    params = {"amount": amount_cents, "now": now, "card_id": card_id, "operator_id": actor.operator_id,
              "allow_test": allow_test_card, "location_id": redemption.location_id,
              **{f"r_{name}": _plain(value) for name, value in redemption_values.items()},
              **{f"l_{name}": value for name, value in entry_values.items()}}
    row = statement.first(session, params)
    if place is not None:
        allow_test_card = place.check(row[:-4] if row is not None else None).is_test
        row = row[-4:] if row[-1] is not None else None
    if row is None:
        card = session.exec(select(Card).where(Card.id == card_id, Card.operator_id == actor.operator_id)).first()
        if card is None:
            raise GiftnetError(ErrorCode.card_not_found, N_("No such card."), field="card_id")
        _refuse_inactive(card)
        if card.is_test and not allow_test_card:
            raise GiftnetError(ErrorCode.test_card, TEST_CARD_REFUSED, field="card_id")
        raise GiftnetError(
            ErrorCode.insufficient_funds,
            N_("The card holds {balance}, less than {amount}."),
            params={"balance": Money(card.balance_cents), "amount": Money(amount_cents)},
            field="amount_cents",
        )
    balance_after, last4_of_card, redemption.id, _entry_id = row
    redemption.balance_after_cents = balance_after
    return balance_after, last4_of_card


@dataclass(frozen=True)
class DebitPlace:
    """Where a redemption happens, read by its debit statement (`debit_and_record_within`).

    `select`: one SELECT of the location's row, with the columns `active` and `is_test`,
    under the parameters :location_id (the redemption's) and :operator_id. `check(row)`: the caller's rules
    for that row (None when there is none); returns something with `is_test`, or raises."""

    select: str
    check: Callable[[tuple | None], Any]


# A new ledger row's columns, each NULL unless given: every column but its id and the two the
# money statements fill themselves (a redemption's balance after and redemption id).
_LEDGER_ROW_COLUMNS = dict.fromkeys(
    name for name in LedgerEntry.__table__.columns.keys() if name not in ("id", "balance_after_cents", "redemption_id"))


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value


_DEBIT_CTES: dict[tuple[tuple[str, ...], tuple[str, ...], str | None], HotStatement] = {}


def _debit_cte(redemption_columns: tuple[str, ...], entry_columns: tuple[str, ...],
               place_select: str | None = None) -> HotStatement:
    """The debit, redemption and ledger row as one PostgreSQL statement, its text built once
    per column set (every parameter cast to its column's type); with `place_select`, the
    location's row read first in the same statement and answered even when nothing moved."""
    key = (redemption_columns, entry_columns, place_select)
    if key not in _DEBIT_CTES:
        redemption_table, entry_table = Redemption.__table__, LedgerEntry.__table__
        place, where_place = "", "AND (NOT card.is_test OR CAST(:allow_test AS BOOLEAN)) "
        if place_select:
            place, where_place = f"place AS ({place_select}), ", "AND place.active AND (NOT card.is_test OR place.is_test) "
        moved = "debited.balance_cents, debited.last4, redeemed.id, entry.id"
        _DEBIT_CTES[key] = HotStatement(
            f"WITH {place}debited AS ("
            "UPDATE card SET balance_cents = card.balance_cents - :amount, updated_at = :now "
            + ("FROM place " if place_select else "")
            + "WHERE card.id = :card_id AND card.operator_id = :operator_id AND card.status = 'active' "
            "AND card.balance_cents >= :amount "
            f"{where_place}"
            "RETURNING card.balance_cents, card.last4), "
            f"redeemed AS (INSERT INTO redemption ({', '.join(redemption_columns)}, balance_after_cents) "
            f"SELECT {_casts(redemption_table, 'r_', redemption_columns)}, debited.balance_cents FROM debited "
            "RETURNING id), "
            f"entry AS (INSERT INTO ledger_entry ({', '.join(entry_columns)}, balance_after_cents, redemption_id) "
            f"SELECT {_casts(entry_table, 'l_', entry_columns)}, debited.balance_cents, redeemed.id "
            "FROM debited, redeemed RETURNING id) "
            + (f"SELECT place.*, {moved} FROM place LEFT JOIN (debited CROSS JOIN redeemed CROSS JOIN entry) ON true"
               if place_select else f"SELECT {moved} FROM debited, redeemed, entry")
        )
    return _DEBIT_CTES[key]


def credit_within(
    session: Session,
    actor: Actor,
    card_id: int,
    amount_cents: int,
    *,
    kind: str,
    idempotency_key: str | None = None,
    memo: str | None = None,
    redemption_id: int | None = None,
    over_maximum_allowed: bool = False,
) -> LedgerEntry:
    """Give value back (a voided redemption, a POS refund, an adjustment) inside the caller's
    transaction.

    Unlike a top-up it does not require an active card: a frozen card gets its value
    back too, and stays frozen. Like a top-up it never takes the card over the operator's
    card maximum: the same conditional UPDATE refuses it (`amount_out_of_range`, naming the
    balance, the amount and the maximum), so a void after a top-up cannot overfill a card.
    `over_maximum_allowed` is only for putting back, in the same flow, value this system
    took off the card a moment before (a shop refund the gateway refused): refusing that
    would leave the buyer with neither the money nor the card value.
    """
    maximum = None if over_maximum_allowed else _operator(session, actor.operator_id).card_max_cents
    conditions = () if maximum is None else (Card.balance_cents + amount_cents <= maximum,)
    new_balance = _move_balance(session, actor.operator_id, card_id, amount_cents, *conditions)
    if new_balance is None:
        card = _card_or_404(session, actor.operator_id, card_id)
        raise GiftnetError(
            ErrorCode.amount_out_of_range,
            N_("A card can hold at most {maximum}; this card holds {balance}, so giving back {amount} would "
               "exceed it. Spend or refund part of the balance first."),
            params={"maximum": Money(maximum or 0), "balance": Money(card.balance_cents),
                    "amount": Money(amount_cents)},
            field="amount_cents",
        )
    return _append(
        session, actor, card_id, kind, amount_cents, new_balance, idempotency_key,
        memo=memo, redemption_id=redemption_id,
    )


def _move_balance(session: Session, operator_id: int, card_id: int, delta_cents: int, *conditions: Any) -> int | None:
    """Add `delta_cents` (negative: take off) to one of the operator's cards in one conditional
    UPDATE ... RETURNING: the new balance, or None when the card is missing or a condition refused."""
    return session.execute(
        update(Card)
        .where(Card.id == card_id, Card.operator_id == operator_id, *conditions)
        .values(balance_cents=Card.balance_cents + delta_cents, updated_at=utcnow())
        .returning(Card.balance_cents)
    ).scalar_one_or_none()


def card_or_404(session: Session, operator_id: int, card_id: int) -> Card:
    return _card_or_404(session, operator_id, card_id)


def _append(
    session: Session,
    actor: Actor,
    card_id: int,
    kind: str,
    amount_cents: int,
    balance_after_cents: int,
    idempotency_key: str | None,
    **extra: Any,
) -> LedgerEntry:
    entry = LedgerEntry(
        operator_id=actor.operator_id,
        card_id=card_id,
        kind=kind,
        amount_cents=amount_cents,
        balance_after_cents=balance_after_cents,
        idempotency_key=idempotency_key,
        **_actor_columns(actor),
        **extra,
    )
    # One INSERT ... RETURNING id, without the unit of work's bookkeeping (the row is
    # never updated, so the session has no reason to track it). A unique-key clash
    # raises IntegrityError here as a flush would.
    entry.id = session.execute(
        insert(LedgerEntry).values(**entry.model_dump(exclude={"id"})).returning(LedgerEntry.id)
    ).scalar_one()
    return entry


def _card_or_404(session: Session, operator_id: int, card_id: int) -> Card:
    card = session.exec(select(Card).where(Card.id == card_id, Card.operator_id == operator_id)).first()
    if card is None:
        raise GiftnetError(ErrorCode.card_not_found, N_("No such card."))
    return card


def _refuse_inactive(card: Card) -> None:
    if card.status != CardStatus.active:
        raise GiftnetError(ErrorCode.card_not_active, _INACTIVE.get(card.status, _INACTIVE_OTHER),
                           params={"status": card.status})


def set_card_frozen(actor: Actor, card_id: int, frozen: bool) -> Card:
    """Freeze (no spending, no top-ups) or unfreeze a card. Value is untouched, so no ledger row."""
    new_status, old_status = (
        (CardStatus.frozen, CardStatus.active) if frozen else (CardStatus.active, CardStatus.frozen))
    with write_session() as session:
        card = _card_or_404(session, actor.operator_id, card_id)
        if card.status == old_status:
            card.status = new_status
            card.updated_at = utcnow()
            session.add(card)
            changed = True
            webhooks.queue_event_for_endpoints(session, actor.operator_id, "card.frozen" if frozen else "card.unfrozen",
                                               {"card_id": card.id, "last4": card.last4})
            audit.record(session, actor, "card.frozen" if frozen else "card.unfrozen", target_type="card",
                         target_id=card.id, summary=f"Card …{card.last4} {'frozen' if frozen else 'unfrozen'}",
                         changes={"status": [old_status, new_status]})
        else:
            changed = False
    if changed:
        event_type = "card.frozen" if frozen else "card.unfrozen"
        events.publish(events.Event(actor.operator_id, event_type, {"card_id": card.id, "last4": card.last4}))
    return card


def balance_of(operator_id: int, card_id: int) -> int:
    with read_session() as session:
        return _card_or_404(session, operator_id, card_id).balance_cents


@dataclass(frozen=True)
class LedgerMismatch:
    card_id: int
    operator_id: int
    balance_cents: int
    ledger_sum_cents: int


def check_ledger(operator_id: int | None = None) -> list[LedgerMismatch]:
    """Every card whose cached balance differs from the sum of its ledger rows (none, when healthy)."""
    ledger_sum = func.coalesce(func.sum(LedgerEntry.amount_cents), 0)
    query = (
        select(Card.id, Card.operator_id, Card.balance_cents, ledger_sum)
        .join(LedgerEntry, LedgerEntry.card_id == Card.id, isouter=True)
        .group_by(Card.id, Card.operator_id, Card.balance_cents)
        .having(Card.balance_cents != ledger_sum)
    )
    if operator_id is not None:
        query = query.where(Card.operator_id == operator_id)
    with read_session() as session:
        rows = session.exec(query).all()
    return [LedgerMismatch(*row) for row in rows]


def _card_event_data(card: Card, entry: LedgerEntry) -> dict:
    return {
        "card_id": card.id,
        "last4": card.last4,
        "amount_cents": entry.amount_cents,
        "balance_cents": entry.balance_after_cents,
        "channel": card.channel,
    }


def _entry_event_data(entry: LedgerEntry) -> dict:
    return {
        "card_id": entry.card_id,
        "entry_id": entry.id,
        "kind": entry.kind,
        "amount_cents": entry.amount_cents,
        "balance_cents": entry.balance_after_cents,
    }


__all__ = [
    "IssuedCard",
    "LedgerMismatch",
    "balance_of",
    "check_ledger",
    "credit_within",
    "debit_card",
    "debit_within",
    "issue_batch_within",
    "issue_card",
    "issue_within",
    "set_card_frozen",
    "top_up_card",
    "top_up_within",
]

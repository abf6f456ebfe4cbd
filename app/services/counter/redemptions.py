"""Redeeming a card at a location: a plain amount, items, or a payment the POS pushed.

The one place for the redemption rules, whether the call comes from a device screen,
the API or a test. A redemption, its item lines, its ledger row, the POS payment it
settles and the notifications it owes are written in ONE transaction: either all of
them exist or none does.

Rules this module keeps:
- the location must belong to the card's operator and be active; a device redeems
  only at its own location;
- a test card (bought while the shop's gateway was in test mode: no real money came in)
  redeems only at a test location (`Location.is_test`), so no goods are handed over for
  it at a real counter; its redemptions are never paid out (settlement's payables);
- the debit is the ledger's conditional UPDATE: concurrent redemptions never spend
  the same cents;
- a POS payment is claimed by a conditional UPDATE (`status = 'pending'`): of two
  screens clicking SELECT, exactly one wins and the other is told;
- a void gives the money back as a new ledger row, the same business day only, and
  never for a redemption already in a payout batch (`void_refusal`, `can_void`: the
  screens offer Void by the same rule).
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy import update
from sqlmodel import Session, select

from app.db import HotStatement, read_session
from app.models import Card, Item, Location, Operator, PosPayment, Redemption, RedemptionLine
from app.models.base import new_row, utcnow
from app.models.card import CardStatus, LedgerKind
from app.models.redemption import PosPaymentSource, PosPaymentStatus, RedemptionKind, RedemptionStatus
from app.services.core import audit, events
from app.services.core.actor import Actor
from app.services.core.errors import ErrorCode, GiftnetError
from app.services.core.i18n import N_, Money
from app.services.core.money import format_cents, require_positive_cents
from app.services.core.rows import owned_row
from app.services.counter import pos_refunds
from app.services.counter.test_payments import NEVER_APPLIED
from app.services.messaging import notifications, webhooks
from app.services.money.card_lookup import card_id_by_id_or_code
from app.services.money.idempotency import run_idempotent, validated_key
from app.services.money.ledger import (
    TEST_CARD_REFUSED,
    DebitPlace,
    credit_within,
    debit_and_record_within,
    debit_within,
)

MAX_LINES = 50
MAX_QUANTITY = 99
# Amounts are 32-bit integer columns (PostgreSQL): a larger total must be refused before it is written.
MAX_TOTAL_CENTS = 2**31 - 1

# A POS payment that can no longer be applied, as the counter says it (each its own sentence).
PAYMENT_STATUS_SENTENCES = {"applied": N_("This payment is applied."), "expired": N_("This payment is expired."),
                            "cancelled": N_("This payment is cancelled.")}


@dataclass(frozen=True)
class LineRequest:
    """One line of an items redemption as the caller sends it."""

    price_cents: int
    quantity: int = 1
    sku: str | None = None
    name: str | None = None


@dataclass
class RedemptionResult:
    redemption: Redemption
    lines: list[RedemptionLine] = field(default_factory=list)
    last4: str = ""
    location_name: str = ""
    device_code: str | None = None
    # For a POS payment larger than the balance: what the customer still owes.
    remaining_due_cents: int = 0
    replayed: bool = False
    # The card's balance right after THIS act, as its ledger row holds it: after the debit for a
    # redemption, after the credit for a void. Receipts show this, never a balance read earlier.
    balance_after_cents: int = 0


@dataclass(frozen=True, slots=True)
class RedeemingLocation:
    """What a redemption needs of its location (read as one row, not a whole `Location`)."""

    id: int
    operator_id: int
    name: str
    email: str
    external_id: str | None
    active: bool
    is_test: bool
    item_webhook_url: str | None
    notify_items_email: bool
    notify_webhook_url: str | None


# The location with its operator's webhook endpoints' version: read alone (`_location`), or by
# an amount redemption's debit statement itself on PostgreSQL (a `DebitPlace`).
_LOCATION_SELECT = (
    "SELECT location.id, location.operator_id, location.name, location.email, location.external_id, "
    "location.active, location.is_test, location.item_webhook_url, location.notify_items_email, "
    "location.notify_webhook_url, operator.webhook_endpoints_version "
    "FROM location JOIN operator ON operator.id = location.operator_id "
    "WHERE location.id = :location_id AND location.operator_id = :operator_id"
)
_LOCATION_WITH_OPERATOR = HotStatement(_LOCATION_SELECT)


def _location(session: Session, operator_id: int, location_id: int) -> RedeemingLocation:
    """The operator's active location, read together with its operator's webhook endpoints'
    version (one statement), which the notifications' endpoints cache checks."""
    found = _LOCATION_WITH_OPERATOR.first(session, {"location_id": location_id, "operator_id": operator_id})
    return _usable_location(session, operator_id, found)


def _usable_location(session: Session, operator_id: int, found: tuple | None) -> RedeemingLocation:
    """The location of this row, if it can redeem: not found, or not active, is refused."""
    if found is None:
        raise GiftnetError(ErrorCode.not_found, N_("No such location."), field="location_id")
    location = RedeemingLocation(*found[:-1])
    webhooks.note_endpoints_version(session, operator_id, found[-1])
    if not location.active:
        raise GiftnetError(ErrorCode.forbidden, N_("This location is not active and cannot redeem cards."),
                           field="location_id")
    return location


def refuse_test_card_at_real_location(card: Card, location: RedeemingLocation) -> None:
    """A test card at a location that is not a test location: refused (`test_card`), nothing moves."""
    if card.is_test and not location.is_test:
        raise GiftnetError(ErrorCode.test_card, TEST_CARD_REFUSED, field="card_id")


def refusal_of_test_card_at(card: Card, location_id: int, lang: str | None = None) -> str | None:
    """The counter's sentence when it opens `card` at `location_id`: why a test card cannot be
    used there (the rule `redeem` applies), or None."""
    if not card.is_test:
        return None
    with read_session() as session:
        location = session.get(Location, location_id)
        if location is not None and location.operator_id == card.operator_id and location.is_test:
            return None
    return GiftnetError(ErrorCode.test_card, TEST_CARD_REFUSED).localized_message(lang)



def _debit_at(session: Session, actor: Actor, location_id: int, location: RedeemingLocation | None, card_id: int,
              amount_cents: int | None, items: list[LineRequest] | None, kind: str, idempotency_key: str | None,
              device_code: str | None) -> RedemptionResult:
    """An amount or items redemption: the debit, the redemption and its ledger row in one
    statement on PostgreSQL (`debit_and_record_within`), then its lines and notifications.
    Without a `location` read before (an amount redemption on PostgreSQL), that statement
    reads it too (`DebitPlace`): one statement fewer."""
    found = [location] if location is not None else []
    place = None
    if location is None:
        def check(row: tuple | None) -> RedeemingLocation:
            found.append(_usable_location(session, actor.operator_id, row))
            return found[0]

        place = DebitPlace(_LOCATION_SELECT, check)
    lines = _priced_lines(session, location, items) if kind == RedemptionKind.items else []
    to_debit = sum(line.line_total_cents for line in lines) if lines else amount_cents
    redemption = new_row(
        Redemption, operator_id=actor.operator_id, card_id=card_id, location_id=location_id,
        device_id=actor.device_id, api_key_id=actor.api_key_id, kind=kind, amount_cents=to_debit, balance_after_cents=0,
    )
    balance_after, last4 = debit_and_record_within(
        session, actor.at_location(location_id), card_id, to_debit, redemption, idempotency_key=idempotency_key,
        allow_test_card=location is not None and location.is_test, place=place)
    location = found[0]
    for line in lines:
        line.redemption_id = redemption.id
    if lines:
        session.add_all(lines)
        session.flush()
    result = RedemptionResult(redemption=redemption, lines=lines, last4=last4, location_name=location.name,
                              device_code=device_code, balance_after_cents=balance_after)
    notifications.queue_redemption_notifications(session, location, redemption, lines, last4=last4,
                                                  device_code=device_code)
    return result


def _priced_lines(session: Session, location: RedeemingLocation, requests: list[LineRequest]) -> list[RedemptionLine]:
    """Lines checked against the stored catalog (when the location has no item webhook).

    With a webhook the list came from the location's own system through the device,
    so names and prices are taken as sent; with a stored catalog a line must name an
    active item (by SKU, else by name) at its stored price.
    """
    if not requests:
        raise GiftnetError(ErrorCode.invalid_input, N_("Choose at least one item."), field="items")
    if len(requests) > MAX_LINES:
        raise GiftnetError(ErrorCode.invalid_input, N_("At most {maximum} lines per redemption."), field="items",
                           params={"maximum": MAX_LINES})
    catalog: list[Item] = []
    if not location.item_webhook_url:
        catalog = list(session.exec(
            select(Item).where(Item.location_id == location.id, Item.active.is_(True))
        ).all())
    lines = []
    for index, request in enumerate(requests):
        where = f"items[{index}]"
        require_positive_cents(request.price_cents, field=f"{where}.price_cents")
        if isinstance(request.quantity, bool) or not isinstance(request.quantity, int) \
                or not 1 <= request.quantity <= MAX_QUANTITY:
            raise GiftnetError(ErrorCode.invalid_input, N_("The quantity is a whole number from 1 to {maximum}."),
                               params={"maximum": MAX_QUANTITY},
                               field=f"{where}.quantity")
        item = None
        if not location.item_webhook_url:
            item = next((candidate for candidate in catalog if request.sku and candidate.sku == request.sku), None) \
                or next((candidate for candidate in catalog
                         if request.name and candidate.name.lower() == request.name.strip().lower()), None)
            if item is None:
                raise GiftnetError(ErrorCode.invalid_input, N_("{item} is not in this location's catalog."),
                                   field=f"{where}.sku", params={"item": request.sku or request.name or "This item"})
            if item.price_cents != request.price_cents:
                raise GiftnetError(
                    ErrorCode.invalid_input,
                    N_("{item} costs {price}, not {asked}."),
                    params={"item": item.name, "price": Money(item.price_cents), "asked": Money(request.price_cents)},
                    field=f"{where}.price_cents",
                )
        name = item.name if item else (request.name or request.sku or "").strip()
        if not name:
            raise GiftnetError(ErrorCode.invalid_input, N_("Each item needs a name or a SKU."), field=f"{where}.name")
        lines.append(RedemptionLine(
            redemption_id=0,
            item_id=item.id if item else None,
            name=name[:120],
            sku=(item.sku if item else request.sku),
            unit_price_cents=request.price_cents,
            quantity=request.quantity,
            line_total_cents=request.price_cents * request.quantity,
        ))
    if sum(line.line_total_cents for line in lines) > MAX_TOTAL_CENTS:
        raise GiftnetError(ErrorCode.amount_out_of_range, N_("These items cost more than any card can hold."), field="items")
    return lines


def _claim_pos_payment(session: Session, actor: Actor, location: RedeemingLocation, pos_payment_id: int) -> PosPayment:
    """Take the payment for this redemption, or say why it cannot be taken."""
    now = utcnow()
    claimed = session.execute(
        update(PosPayment)
        .where(
            PosPayment.id == pos_payment_id,
            PosPayment.operator_id == actor.operator_id,
            PosPayment.location_id == location.id,
            PosPayment.status == PosPaymentStatus.pending,
            PosPayment.expires_at > now,
            PosPayment.source != PosPaymentSource.test,  # a setup guide's test: never on a card
        )
        .values(status=PosPaymentStatus.applied, applied_at=now, applied_by_device_id=actor.device_id)
        .returning(PosPayment.id)
    ).scalar_one_or_none()
    payment = session.exec(
        select(PosPayment).where(PosPayment.id == pos_payment_id, PosPayment.operator_id == actor.operator_id,
                                 PosPayment.location_id == location.id)
    ).first()
    if payment is None:
        raise GiftnetError(ErrorCode.not_found, N_("No such POS payment at this location."), field="pos_payment_id")
    if claimed is None:
        if payment.source == PosPaymentSource.test:
            raise GiftnetError(ErrorCode.conflict, NEVER_APPLIED, field="pos_payment_id")
        if payment.status == PosPaymentStatus.applied:
            raise GiftnetError(ErrorCode.conflict, N_("This payment was already applied (on another screen)."),
                               field="pos_payment_id")
        if payment.status == PosPaymentStatus.pending:  # still pending but past its time
            raise GiftnetError(ErrorCode.conflict, N_("This payment has expired. Push it again from the POS."),
                               field="pos_payment_id")
        said = PAYMENT_STATUS_SENTENCES.get(payment.status)
        raise GiftnetError(ErrorCode.conflict, said or f"This payment is {payment.status}.", field="pos_payment_id")
    return payment


def redeem(
    actor: Actor,
    *,
    location_id: int,
    card_id: int | None = None,
    card_code: str | None = None,
    amount_cents: int | None = None,
    items: list[LineRequest] | None = None,
    pos_payment_id: int | None = None,
    allow_partial: bool = False,
    idempotency_key: str | None = None,
    client_ip: str = "",
) -> RedemptionResult:
    """Redeem one card at one location by exactly one of: an amount, items, or a POS payment.

    The card is named by `card_id` or by `card_code`; a code is looked up under the
    guessing limit (app/services/money/card_lookup.py), counted for the actor and for
    `client_ip`. A device (actor.device_id) redeems only at its own location. With `allow_partial`,
    a POS payment larger than the balance takes the whole balance and the result says
    what the customer still owes; without it, such a payment is `insufficient_funds`.
    """
    idempotency_key = validated_key(idempotency_key)
    chosen = [value is not None for value in (amount_cents, items, pos_payment_id)]
    if sum(chosen) != 1:
        raise GiftnetError(ErrorCode.invalid_input, N_("Give exactly one of amount_cents, items or pos_payment_id."),
                           field="amount_cents")
    if actor.location_id is not None and actor.location_id != location_id:
        raise GiftnetError(ErrorCode.forbidden, N_("A device redeems only at its own location."), field="location_id")
    if amount_cents is not None:
        require_positive_cents(amount_cents)
    resolved_card_id = card_id_by_id_or_code(actor, card_id=card_id, card_code=card_code, ip=client_ip)
    kind = (RedemptionKind.amount if amount_cents is not None
            else RedemptionKind.items if items is not None else RedemptionKind.pos)
    device_code = None
    if actor.device_id is not None:
        from app.models import Device  # local: only device redemptions need it

        with read_session() as session:
            device = session.get(Device, actor.device_id)
            device_code = device.code if device else None

    def attempt(session: Session) -> RedemptionResult:
        if kind != RedemptionKind.pos:
            # On PostgreSQL an amount redemption's debit statement reads the location itself.
            read_with_debit = kind == RedemptionKind.amount and session.get_bind().dialect.name == "postgresql"
            location = None if read_with_debit else _location(session, actor.operator_id, location_id)
            return _debit_at(session, actor, location_id, location, resolved_card_id, amount_cents, items, kind,
                             idempotency_key, device_code)
        location = _location(session, actor.operator_id, location_id)
        card = owned_row(session, Card, resolved_card_id, actor.operator_id, missing=N_("No such card."),
                         code=ErrorCode.card_not_found, field="card_id")
        refuse_test_card_at_real_location(card, location)
        lines: list[RedemptionLine] = []
        payment = None
        remaining_due = 0
        if kind == RedemptionKind.amount:
            to_debit = amount_cents
        elif kind == RedemptionKind.items:
            lines = _priced_lines(session, location, items)
            to_debit = sum(line.line_total_cents for line in lines)
        else:
            payment = _claim_pos_payment(session, actor, location, pos_payment_id)
            to_debit = payment.amount_cents
            if card.balance_cents < to_debit and card.status == CardStatus.active:
                if not allow_partial or card.balance_cents <= 0:
                    raise GiftnetError(
                        ErrorCode.insufficient_funds,
                        N_("The card holds {balance}, less than this payment of {amount}. Apply the whole "
                           "balance and collect the rest another way."),
                        params={"balance": Money(card.balance_cents), "amount": Money(to_debit)},
                        field="pos_payment_id",
                    )
                remaining_due = to_debit - card.balance_cents
                to_debit = card.balance_cents
        redemption = Redemption(
            operator_id=actor.operator_id, card_id=card.id, location_id=location.id, device_id=actor.device_id,
            api_key_id=actor.api_key_id, kind=kind, amount_cents=to_debit, balance_after_cents=0,
            pos_payment_id=payment.id if payment else None,
        )

        def record_redemption(balance_after_cents: int) -> int:
            # Written between the card's conditional UPDATE and its ledger row, with the balance
            # that UPDATE returned: one INSERT, no second UPDATE for the balance after.
            redemption.balance_after_cents = balance_after_cents
            session.add(redemption)
            session.flush()
            return redemption.id

        entry = debit_within(
            session, actor.at_location(location.id),
            card.id, to_debit, kind=LedgerKind.redeem, idempotency_key=idempotency_key,
            record_redemption=record_redemption,
        )
        for line in lines:
            line.redemption_id = redemption.id
            session.add(line)
        if payment is not None:
            payment.applied_amount_cents = to_debit
            payment.redemption_id = redemption.id
            session.add(payment)
        session.flush()
        result = RedemptionResult(
            redemption=redemption, lines=lines, last4=card.last4, location_name=location.name,
            device_code=device_code, remaining_due_cents=remaining_due, balance_after_cents=entry.balance_after_cents,
        )
        notifications.queue_redemption_notifications(session, location, result.redemption, lines,
                                                      last4=card.last4, device_code=device_code)
        if result.redemption.pos_payment_id:
            webhooks.queue_event_for_endpoints(session, actor.operator_id, "pos_payment.applied",
                                               pos_payment_applied_data(result))
        return result

    def replay(session: Session, entry) -> RedemptionResult:  # noqa: ANN001
        redemption = session.get(Redemption, entry.redemption_id) if entry.redemption_id else None
        if redemption is None or redemption.card_id != resolved_card_id or redemption.location_id != location_id \
                or redemption.kind != kind:
            raise GiftnetError(ErrorCode.idempotency_key_reused,
                               N_("This idempotency key was already used for a different request."),
                               field="idempotency_key")
        result = _loaded_result(session, redemption, replayed=True, balance_after_cents=entry.balance_after_cents)
        # The same key must describe the same sale: its amount, its payment, or its basket.
        same_request = {
            RedemptionKind.amount: redemption.amount_cents == amount_cents,
            RedemptionKind.pos: redemption.pos_payment_id == pos_payment_id,
            RedemptionKind.items: [(line.unit_price_cents, line.quantity) for line in result.lines]
            == [(line.price_cents, line.quantity) for line in items or []],
        }[kind]
        if not same_request:
            raise GiftnetError(ErrorCode.idempotency_key_reused,
                               N_("This idempotency key was already used for a different request."),
                               field="idempotency_key")
        return result

    result, created = run_idempotent(actor.operator_id, idempotency_key, attempt, replay)
    if created:
        events.publish(events.Event(actor.operator_id, "redemption.completed", redemption_event_data(result)))
        if result.redemption.pos_payment_id:
            events.publish(events.Event(actor.operator_id, "pos_payment.applied", pos_payment_applied_data(result)))
    return result


def pos_payment_applied_data(result: RedemptionResult) -> dict:
    return {
        "pos_payment_id": result.redemption.pos_payment_id, "location_id": result.redemption.location_id,
        "redemption_id": result.redemption.id, "applied_amount_cents": result.redemption.amount_cents,
    }


def _loaded_result(session: Session, redemption: Redemption, *, replayed: bool = False,
                   balance_after_cents: int | None = None) -> RedemptionResult:
    """The redemption as the services answer it; `balance_after_cents` is the balance after the act
    being answered (a void's credit), by default the redemption's own."""
    lines = list(session.exec(select(RedemptionLine).where(RedemptionLine.redemption_id == redemption.id)
                              .order_by(RedemptionLine.id)).all())
    card = session.get(Card, redemption.card_id)
    location = session.get(Location, redemption.location_id)
    device_code = None
    if redemption.device_id:
        from app.models import Device

        device = session.get(Device, redemption.device_id)
        device_code = device.code if device else None
    remaining = 0
    if redemption.pos_payment_id:
        payment = session.get(PosPayment, redemption.pos_payment_id)
        remaining = payment.amount_cents - redemption.amount_cents if payment else 0
    return RedemptionResult(redemption=redemption, lines=lines, last4=card.last4, location_name=location.name,
                            device_code=device_code, remaining_due_cents=remaining, replayed=replayed,
                            balance_after_cents=(redemption.balance_after_cents if balance_after_cents is None
                                                 else balance_after_cents))


def redemption_event_data(result: RedemptionResult) -> dict:
    redemption = result.redemption
    return {
        "redemption_id": redemption.id,
        "card_id": redemption.card_id,
        "last4": result.last4,
        "location_id": redemption.location_id,
        "location_name": result.location_name,
        "device_code": result.device_code,
        "kind": redemption.kind,
        "amount_cents": redemption.amount_cents,
        "balance_after_cents": redemption.balance_after_cents,
        "status": redemption.status,
        "lines": [
            {"name": line.name, "sku": line.sku, "unit_price_cents": line.unit_price_cents,
             "quantity": line.quantity, "line_total_cents": line.line_total_cents}
            for line in result.lines
        ],
        "created_at": redemption.created_at.isoformat(),
    }


def get_redemption(operator_id: int, redemption_id: int) -> RedemptionResult:
    with read_session() as session:
        redemption = owned_row(session, Redemption, redemption_id, operator_id, missing=N_("No such redemption."))
        return _loaded_result(session, redemption)


def _business_day(moment: datetime, timezone: str) -> date:
    """The operator's calendar day of `moment` (stored times without a zone are UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zoneinfo.ZoneInfo(timezone)).date()


def void_refusal(redemption: Redemption, timezone: str, now: datetime | None = None) -> GiftnetError | None:
    """Why `redemption` can no longer be voided at `now` (default: now), or None when it can.

    The void rule, in one place for the counter, the dashboard and the API: a completed
    redemption of the operator's business day (`timezone`), not yet in a payout batch.
    """
    if _business_day(redemption.created_at, timezone) != _business_day(now or utcnow(), timezone):
        return GiftnetError(ErrorCode.conflict,
                            N_("Only today's redemptions can be voided. Ask the network to adjust older ones."))
    if redemption.status != RedemptionStatus.completed:
        return GiftnetError(ErrorCode.conflict, N_("This redemption was already voided."))
    if redemption.payout_batch_id is not None:
        # In a payout batch it is being paid to the location: voiding it would pay for money given back.
        return GiftnetError(ErrorCode.conflict,
                            N_("This redemption is in payout batch #{batch}; the network "
                               "must cancel that batch before it can be voided."),
                            params={"batch": redemption.payout_batch_id})
    return None


def can_void(redemption: Redemption, timezone: str, now: datetime | None = None) -> bool:
    """Can `redemption` still be voided (see `void_refusal`)? The screens offer Void only then."""
    return void_refusal(redemption, timezone, now) is None


def void_redemption(actor: Actor, redemption_id: int, *, idempotency_key: str | None = None) -> RedemptionResult:
    """Reverse a redemption of today (the operator's day): the money goes back on the card as a ledger row;
    the result's `balance_after_cents` is the card's balance after that credit.

    A device voids only redemptions of its own location. Voiding twice is refused
    (`conflict`), so a double click never credits twice.
    """
    idempotency_key = validated_key(idempotency_key)

    def attempt(session: Session) -> RedemptionResult:
        redemption = session.exec(
            select(Redemption).where(Redemption.id == redemption_id, Redemption.operator_id == actor.operator_id)
        ).first()
        if redemption is None or (actor.location_id is not None and redemption.location_id != actor.location_id):
            raise GiftnetError(ErrorCode.not_found, N_("No such redemption."))
        timezone = session.get(Operator, actor.operator_id).timezone
        now = utcnow()
        refusal = void_refusal(redemption, timezone, now)
        if refusal is not None:
            raise refusal
        # The rule again as one conditional UPDATE: a racing void or a payout batch's claim
        # (which sets payout_batch_id) and this void exclude each other; the loser is told why.
        voided = session.execute(
            update(Redemption)
            .where(Redemption.id == redemption.id, Redemption.status == RedemptionStatus.completed,
                   Redemption.payout_batch_id.is_(None))
            .values(status=RedemptionStatus.voided, voided_at=now, voided_by_device_id=actor.device_id,
                    voided_by_user_id=actor.user_id)
            .returning(Redemption.id)
        ).scalar_one_or_none()
        if voided is None:
            session.refresh(redemption)
            raise void_refusal(redemption, timezone, now) or GiftnetError(
                ErrorCode.conflict, N_("This redemption was already voided."))
        pos_refunds.settle_before_void(session, redemption.id)  # never a void and a POS refund both
        entry = credit_within(
            session, actor.at_location(redemption.location_id),
            redemption.card_id, redemption.amount_cents, kind=LedgerKind.void, idempotency_key=idempotency_key,
            redemption_id=redemption.id, memo=f"Void of redemption #{redemption.id}",
        )
        session.refresh(redemption)
        result = _loaded_result(session, redemption, balance_after_cents=entry.balance_after_cents)
        location = session.get(Location, redemption.location_id)
        notifications.queue_void_notifications(session, location, redemption, last4=result.last4)
        audit.record(session, actor, "redemption.voided", target_type="redemption", target_id=redemption.id,
                     summary=f"Redemption #{redemption.id} of {format_cents(redemption.amount_cents)} at "
                             f"{location.name} voided (card …{result.last4})",
                     changes={"status": [RedemptionStatus.completed, RedemptionStatus.voided]})
        return result

    def replay(session: Session, entry) -> RedemptionResult:  # noqa: ANN001
        if entry.kind != LedgerKind.void or entry.redemption_id != redemption_id:
            raise GiftnetError(ErrorCode.idempotency_key_reused,
                               N_("This idempotency key was already used for a different request."),
                               field="idempotency_key")
        return _loaded_result(session, session.get(Redemption, redemption_id), replayed=True,
                              balance_after_cents=entry.balance_after_cents)

    result, created = run_idempotent(actor.operator_id, idempotency_key, attempt, replay)
    if created:
        events.publish(events.Event(actor.operator_id, "redemption.voided", redemption_event_data(result)))
    return result


def recent_redemptions(operator_id: int, *, location_id: int | None = None, device_id: int | None = None,
                       limit: int = 20) -> list[tuple[Redemption, str]]:
    """Newest first, each with its card's last 4."""
    statement = (select(Redemption, Card.last4).join(Card, Card.id == Redemption.card_id)
                 .where(Redemption.operator_id == operator_id))
    if location_id is not None:
        statement = statement.where(Redemption.location_id == location_id)
    if device_id is not None:
        statement = statement.where(Redemption.device_id == device_id)
    with read_session() as session:
        return list(session.exec(statement.order_by(Redemption.id.desc()).limit(limit)).all())

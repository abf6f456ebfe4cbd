"""Shop orders: the cart becomes an order, the order is paid once, a paid order issues
its cards and credits its top-ups, and a refund gives back what is still on a card.

Rules this module keeps:
- one charge per attempt, ever: `pay_order` first moves the order to `charging` with
  one conditional UPDATE; only the caller whose UPDATE matched talks to the gateway.
  A second click, or ten concurrent ones, see `charging` (or the outcome) and answer it;
- an order is in the operator's currency and its gateway must be able to charge it:
  `create_order` refuses another currency, or one the gateway cannot take
  (`invalid_currency`), and the charge carries the order's currency;
- a new attempt starts only from `pending`, `declined` or `error`. From `error` (a
  timeout, an unknown outcome) the gateway is first asked about the last attempt's order
  number: an approval found there completes the order and nothing is charged again;
- cards exist only for paid orders: the move `charging -> paid`, every card issued, every
  top-up credited, the recipients' emails and the buyer's receipt are one transaction;
  each ledger row carries an idempotency key derived from its order line;
- a refund takes the value off the card first (a `refund` ledger row, so it cannot be
  spent meanwhile), then asks the gateway; if the gateway refuses, the value goes back.
"""

from __future__ import annotations

import html
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlmodel import Session, select

from app.db import read_session, write_session
from app.integrations.payments import ChargeResult
from app.models import Card, Operator, Order, OrderLine
from app.models.base import utcnow
from app.models.card import CardStatus, LedgerKind
from app.models.order import OrderLineKind, OrderStatus
from app.services.core import audit, events, i18n
from app.services.core.actor import Actor
from app.services.core.errors import ErrorCode, GiftnetError
from app.services.core.i18n import N_
from app.services.core.money import format_cents
from app.services.core.rows import owned_row
from app.services.core.validation import EMAIL
from app.services.messaging import outbox, webhooks
from app.services.money import card_emails, ledger
from app.services.money.card_lookup import lookup_card_by_code
from app.services.shop.shop_settings import (
    GATEWAY_CURRENCIES,
    gateway_named,
    gateway_settings_of,
    order_test_mode,
    shop_settings_of,
)

MAX_LINES = 10
STALE_CHARGE = timedelta(minutes=2)  # a `charging` order older than this lost its worker
RECEIPT_KIND = "order_receipt"


@dataclass
class CartLine:
    """One line as the shopper entered it."""

    kind: str = OrderLineKind.card
    amount_cents: int | None = None
    for_self: bool = True
    recipient_name: str = ""
    recipient_email: str = ""
    message: str = ""
    delivery_date: date | None = None
    card_code: str = ""  # top-ups only


class CartInvalid(GiftnetError):
    """The cart has mistakes; `field_errors` names each field (`buyer_email`,
    `lines.0.amount`, `lines.1.recipient_email`, ...) with its sentence."""

    def __init__(self, field_errors: dict[str, str]) -> None:
        first_field, first_message = next(iter(field_errors.items()))
        super().__init__(ErrorCode.invalid_input, first_message, field=first_field)
        self.field_errors = field_errors


@dataclass(frozen=True)
class LineView:
    id: int
    kind: str
    amount_cents: int
    recipient: str
    card_last4: str | None
    card_id: int | None
    refunded_cents: int
    refundable_cents: int


@dataclass(frozen=True)
class OrderView:
    id: int
    operator_id: int
    number: str
    status: str
    buyer_name: str
    buyer_email: str
    total_cents: int
    currency: str
    gateway: str
    gateway_reference: str | None
    gateway_message: str | None
    refunded_cents: int
    created_at: datetime
    paid_at: datetime | None
    lines: tuple[LineView, ...] = field(default_factory=tuple)
    card_form_failed_at: datetime | None = None  # the gateway's card form last failed to load
    card_form_error: str | None = None
    # Paid (or to be paid) without real money: the sandbox, or its cards are test cards
    # (Bambora / Forte at a test address). The Orders screen marks it TEST.
    test_mode: bool = False


# --- the cart -----------------------------------------------------------------------


def _valid_email(raw: str) -> str | None:
    email = (raw or "").strip().lower()
    return email if EMAIL.match(email) and len(email) <= 254 else None


def create_order(operator_id: int, *, buyer_name: str, buyer_email: str, lines: list[CartLine],
                 client_ip: str = "", currency: str | None = None, language: str | None = None) -> OrderView:
    """A `pending` order for the cart, in the operator's currency, with the operator's gateway
    of the moment.

    Refuses (`invalid_currency`, before anything else) a `currency` other than the
    operator's, and an operator currency the gateway cannot charge (Forte charges US dollars).

    Every mistake is found at once and raised together as `CartInvalid`: amounts outside
    the shop's presets and custom range, a missing or invalid recipient email for a card
    for someone else, a delivery date in the past, a top-up without a valid card code of
    this operator (looked up with the usual guessing limits) or beyond the card maximum,
    and a missing buyer name or email.

    `language` is the shopper's (the shop's language as shown): the order's cards send their
    emails in it; none (or one the network does not offer) means the network's default.
    """
    errors: dict[str, str] = {}
    _ = i18n.translator(language)  # the shopper's sentences, in the shopper's language
    with read_session() as session:
        operator = session.get(Operator, operator_id)
        if operator is None:
            raise GiftnetError(ErrorCode.not_found, N_("This shop does not exist."))
        shop = shop_settings_of(operator)
        gateway = gateway_settings_of(operator).gateway
        test_money = order_test_mode(operator, gateway)
        operator_currency, card_max, tz = operator.currency, operator.card_max_cents, operator.timezone
        order_language = _order_language(language, operator)
    currency = _order_currency(operator_currency, currency, gateway)
    name = (buyer_name or "").strip()
    if not name:
        errors["buyer_name"] = _("Enter your name.")
    elif len(name) > 120:
        errors["buyer_name"] = _("Your name has more than 120 characters.")
    email = _valid_email(buyer_email)
    if email is None:
        errors["buyer_email"] = _("Enter a valid email address, like name@example.com.")
    if not lines:
        errors["lines"] = _("Add a gift card or a top-up to your order.")
    if len(lines) > MAX_LINES:
        errors["lines"] = _("An order holds at most {count} lines.", count=MAX_LINES)
    today = datetime.now(ZoneInfo(tz)).date()
    clean: list[dict] = []
    for index, line in enumerate(lines[:MAX_LINES]):
        prefix = f"lines.{index}"
        amount = line.amount_cents
        row: dict = {"kind": line.kind, "amount_cents": amount, "for_self": True}
        if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
            errors[f"{prefix}.amount"] = _("Choose an amount.")
        if line.kind == OrderLineKind.card:
            if isinstance(amount, int) and amount > 0 and amount not in shop.preset_amounts_cents and not (
                shop.allow_custom and shop.custom_min_cents <= amount <= shop.custom_max_cents
            ):
                errors[f"{prefix}.amount"] = (
                    _("Choose an amount between {low} and {high}.", low=i18n.Money(shop.custom_min_cents),
                      high=i18n.Money(shop.custom_max_cents)) if shop.allow_custom
                    else _("Choose one of the amounts offered.")
                )
            row["for_self"] = bool(line.for_self)
            if not line.for_self:
                recipient_email = _valid_email(line.recipient_email)
                if recipient_email is None:
                    errors[f"{prefix}.recipient_email"] = _("Enter the recipient's email, like name@example.com.")
                recipient_name = (line.recipient_name or "").strip()
                if not recipient_name:
                    errors[f"{prefix}.recipient_name"] = _("Enter the recipient's name.")
                if len((line.message or "").strip()) > ledger.MESSAGE_MAX_CHARS:
                    errors[f"{prefix}.message"] = _("The message has {count} characters; keep it to {limit} or fewer.",
                                                    count=len(line.message.strip()), limit=ledger.MESSAGE_MAX_CHARS)
                if line.delivery_date is not None and line.delivery_date < today:
                    errors[f"{prefix}.delivery_date"] = _("Choose today or a later date.")
                row.update(recipient_name=recipient_name[:120], recipient_email=recipient_email,
                           message=(line.message or "").strip() or None, delivery_date=line.delivery_date)
        elif line.kind == OrderLineKind.topup:
            if not (line.card_code or "").strip():
                errors[f"{prefix}.card_code"] = _("Enter the code of the card to top up.")
            else:
                try:
                    card = lookup_card_by_code(operator_id, line.card_code, caller=None, ip=client_ip)
                except GiftnetError as error:
                    errors[f"{prefix}.card_code"] = error.localized_message(language)
                else:
                    if card.is_test != test_money:  # test money never tops up a real card, nor real money a test one
                        errors[f"{prefix}.card_code"] = _(TEST_TOPUP_REFUSED if test_money else REAL_TOPUP_REFUSED)
                    if card.status != CardStatus.active:
                        errors[f"{prefix}.card_code"] = _("This card cannot be topped up right now.")
                    elif isinstance(amount, int) and card.balance_cents + amount > card_max:
                        errors[f"{prefix}.amount"] = _(
                            "A card can hold at most {most}; this card can take {more} more.",
                            most=i18n.Money(card_max), more=i18n.Money(max(card_max - card.balance_cents, 0)))
                    row["target_card_id"] = card.id
            if isinstance(amount, int) and amount > 0 and f"{prefix}.amount" not in errors and not (
                shop.custom_min_cents <= amount <= shop.custom_max_cents or amount in shop.preset_amounts_cents
            ):
                errors[f"{prefix}.amount"] = _("Choose a top-up between {low} and {high}.",
                                                low=i18n.Money(shop.custom_min_cents),
                                                high=i18n.Money(shop.custom_max_cents))
        else:
            errors[f"{prefix}.kind"] = _("A line is a gift card or a top-up.")
        clean.append(row)
    if errors:
        raise CartInvalid(errors)

    now = utcnow()
    with write_session() as session:
        order = Order(
            operator_id=operator_id, number=_new_number(), buyer_name=name, buyer_email=email,
            total_cents=sum(row["amount_cents"] for row in clean), currency=currency, gateway=gateway,
            created_at=now, updated_at=now, language=order_language,
        )
        session.add(order)
        session.flush()
        for position, row in enumerate(clean):
            session.add(OrderLine(order_id=order.id, operator_id=operator_id, position=position, **row))
        session.flush()
        return _view(session, order)


def _order_language(asked: str | None, operator: Operator) -> str:
    """The shopper's language when the network offers it, else the network's default."""
    offered = i18n.offered(operator.offered_languages)
    choice = (asked or "").strip().lower()
    if choice in offered:
        return choice
    default = i18n.normalize(operator.default_language)
    return default if default in offered else offered[0]


def _order_currency(operator_currency: str, asked: str | None, gateway: str) -> str:
    """The order's currency: the operator's, if the shopper asked for none or for it, and if
    the gateway can charge it."""
    if asked is not None and asked.strip().upper() != operator_currency:
        raise GiftnetError(ErrorCode.invalid_currency,
                           N_("This shop sells in {operator_currency} only; an order in {value} cannot be placed."), field="currency", params={"operator_currency": operator_currency, "value": asked.strip() or 'no currency'})
    if operator_currency not in GATEWAY_CURRENCIES[gateway]:
        raise GiftnetError(ErrorCode.invalid_currency,
                           N_("This shop cannot take card payments in {operator_currency} right now (its payment service charges {join})."),
                           field="currency", params={"operator_currency": operator_currency, "join": ' or '.join(GATEWAY_CURRENCIES[gateway])})
    return operator_currency


def _new_number() -> str:
    # Short enough for every gateway's order number field with "-<attempt>" added.
    return "GN" + secrets.token_hex(5).upper()


# --- paying -------------------------------------------------------------------------


def pay_order(operator_id: int, order_id: int, token: str, attempt_key: str) -> OrderView:
    """Pay the order with a one-time card token. Charges at most once per attempt and
    never while another attempt is running; see the module's rules. Answers the order
    as it stands afterwards (`paid`, `declined`, `error`, or `charging` when another
    call holds the attempt)."""
    attempt_key = (attempt_key or "")[:64] or secrets.token_hex(8)
    now = utcnow()
    with write_session() as session:
        order = _order(session, operator_id, order_id)
        if order.attempt_key == attempt_key or order.status in (OrderStatus.paid, OrderStatus.refunded):
            return _view(session, order)
        previous_status = order.status
        stale = (order.status == OrderStatus.charging and order.charging_started_at is not None
                 and _aware(order.charging_started_at) < now - STALE_CHARGE)
        if order.status not in (OrderStatus.pending, OrderStatus.declined, OrderStatus.error) and not stale:
            return _view(session, order)
        claimed = session.execute(
            update(Order)
            .where(Order.id == order.id, Order.status == previous_status,
                   Order.attempt_count == order.attempt_count,
                   (Order.attempt_key == order.attempt_key) if order.attempt_key else Order.attempt_key.is_(None))
            .values(status=OrderStatus.charging, attempt_key=attempt_key, charging_started_at=now, updated_at=now)
        ).rowcount
        if claimed != 1:
            session.rollback()
            return order_view(operator_id, order_id)
        operator = session.get(Operator, operator_id)
        gateway = gateway_named(operator, order.gateway)
        last_number = order.gateway_order_number
        needs_look_up = last_number is not None and (previous_status == OrderStatus.error or stale)
        number, total, buyer, currency = order.number, order.total_cents, order.buyer_name, order.currency
        attempt = order.attempt_count

    if needs_look_up:
        found = gateway.find_by_order_number(last_number)
        if found is not None and found.outcome == "approved":
            return _complete(operator_id, order_id, found)
        if found is not None and found.outcome == "unknown":
            return _finish_attempt(operator_id, order_id, OrderStatus.error,
                                   "The payment service did not confirm the earlier attempt yet. "
                                   "Nothing was charged again; try again in a minute.")

    attempt += 1
    gateway_number = f"{number}-{attempt}"
    with write_session() as session:
        session.execute(
            update(Order)
            .where(Order.id == order_id, Order.status == OrderStatus.charging, Order.attempt_key == attempt_key)
            .values(attempt_count=attempt, gateway_order_number=gateway_number, updated_at=utcnow())
        )
    result = gateway.charge(gateway_number, total, token, currency=currency, cardholder_name=buyer)
    if result.approved:
        return _complete(operator_id, order_id, result)
    if result.outcome == "declined":
        return _finish_attempt(operator_id, order_id, OrderStatus.declined,
                               result.message or "The card was declined.", reference=result.reference)
    message = ("We could not reach the payment service, so we cannot tell yet whether the card was charged. "
               "Try again: we check first and never charge twice.") if result.outcome == "unknown" else (
        f"The payment could not be made: {result.message.rstrip('.')}. Nothing was charged; you can try again.")
    return _finish_attempt(operator_id, order_id, OrderStatus.error, message)


def _finish_attempt(operator_id: int, order_id: int, status: OrderStatus, message: str, *,
                    reference: str | None = None) -> OrderView:
    with write_session() as session:
        moved = session.execute(
            update(Order).where(Order.id == order_id, Order.status == OrderStatus.charging)
            .values(status=status, gateway_message=message[:255], gateway_reference=reference, updated_at=utcnow())
        ).rowcount
        if moved:
            webhooks.queue_event_for_endpoints(session, operator_id, "order.failed",
                                               {"order_id": order_id, "status": status})
    events.publish(events.Event(operator_id, "order.failed", {"order_id": order_id, "status": status}))
    return order_view(operator_id, order_id)


def _complete(operator_id: int, order_id: int, result: ChargeResult) -> OrderView:
    """`charging -> paid` with every card, top-up and email, in one transaction."""
    published: list[events.Event] = []
    try:
        with write_session() as session:
            now = utcnow()
            moved = session.execute(
                update(Order).where(Order.id == order_id, Order.status == OrderStatus.charging)
                .values(status=OrderStatus.paid, gateway_reference=result.reference,
                        gateway_message=(result.message or "Approved")[:255], paid_at=now, updated_at=now)
            ).rowcount
            if moved != 1:
                session.rollback()
                return order_view(operator_id, order_id)
            order = _order(session, operator_id, order_id)
            operator = session.get(Operator, operator_id)
            actor = Actor(operator_id, channel="shop")
            test_money = order_test_mode(operator, order.gateway)  # no real money came in: test cards only
            cards: list[tuple[OrderLine, Card, int]] = []
            for line in _lines(session, order.id):
                key = f"shop-order-{order.id}-line-{line.id}"
                if line.kind == OrderLineKind.card:
                    recipient_name = order.buyer_name if line.for_self else line.recipient_name
                    recipient_email = order.buyer_email if line.for_self else line.recipient_email
                    issued = ledger.issue_within(
                        session, actor, line.amount_cents, recipient_email=recipient_email,
                        recipient_name=recipient_name, sender_name=None if line.for_self else order.buyer_name,
                        message=line.message, idempotency_key=key, order_id=order.id, language=order.language,
                        is_test=test_money,
                    )
                    line.issued_card_id = issued.card.id
                    session.add(line)
                    message = card_emails.queue_recipient_email_within(session, issued.card)
                    if message is not None and line.delivery_date is not None:
                        message.next_attempt_at = _delivery_moment(line.delivery_date, operator.timezone)
                        session.add(message)
                    cards.append((line, issued.card, issued.card.balance_cents))
                    published.append(events.Event(operator_id, "card.issued",
                                                  ledger.card_event_data(issued.card, issued.entry)))
                else:
                    _require_same_money(session, line.target_card_id, test_money)
                    entry = ledger.top_up_within(session, actor, line.target_card_id, line.amount_cents,
                                                 idempotency_key=key, order_id=order.id)
                    card = session.get(Card, line.target_card_id)
                    cards.append((line, card, entry.balance_after_cents))
                    published.append(events.Event(operator_id, "card.topped_up", ledger.entry_event_data(entry)))
            _queue_receipt(session, operator, order, cards, test_money=test_money)
            published.append(events.Event(operator_id, "order.paid", {
                "order_id": order.id, "number": order.number, "total_cents": order.total_cents}))
            for event in published:  # owed to the operator's webhook endpoints with the money, not after
                webhooks.queue_event_for_endpoints(session, operator_id, event.type, event.data)
    except GiftnetError as error:
        # The charge went through but a top-up can no longer be credited (the card was
        # frozen or filled up since the cart was checked): give the money back.
        return _refund_unfulfillable(operator_id, order_id, result, error)
    for event in published:
        events.publish(event)
    return order_view(operator_id, order_id)


def _refund_unfulfillable(operator_id: int, order_id: int, result: ChargeResult, error: GiftnetError) -> OrderView:
    with read_session() as session:
        order = _order(session, operator_id, order_id)
        gateway = gateway_named(session.get(Operator, operator_id), order.gateway)
        total, number = order.total_cents, order.gateway_order_number or order.number
    refund = gateway.refund(result.reference or "", total, order_number=number)
    said = "your payment was refunded" if refund.ok else "we could not refund it automatically; the operator will"
    return _finish_attempt(operator_id, order_id, OrderStatus.error,
                           f"The order could not be completed ({error.message}); {said}.")


def _delivery_moment(day: date, timezone: str) -> datetime:
    """9 in the morning of the chosen day, in the operator's time zone."""
    return datetime.combine(day, time(9, 0), tzinfo=ZoneInfo(timezone))


def _require_same_money(session: Session, card_id: int, test_money: bool) -> None:
    """A top-up paid in test mode may credit only a test card (else the sandbox's public test
    card would load real value), and a real payment only a real card."""
    card = session.get(Card, card_id)
    if card is not None and card.is_test != test_money:
        raise GiftnetError(ErrorCode.conflict, TEST_TOPUP_REFUSED if test_money else REAL_TOPUP_REFUSED,
                           field="card_code")


TEST_TOPUP_REFUSED = N_("This shop is in test mode: it can top up only test cards bought here in test mode, "
                         "never a real card.")
REAL_TOPUP_REFUSED = N_("This is a test card: it cannot be topped up with a real payment.")


def _queue_receipt(session: Session, operator: Operator, order: Order,
                   cards: list[tuple[OrderLine, Card, int]], *, test_money: bool) -> None:
    """The buyer's receipt, in the language the shop was shown in."""
    lang = i18n.normalize(order.language)
    _ = i18n.translator(lang)

    def money(cents: int) -> str:
        return i18n.format_money(cents, order.currency, lang)

    rows = []
    for line, card, balance in cards:
        if line.kind == OrderLineKind.card:
            who = _("you") if line.for_self else f"{line.recipient_name} <{line.recipient_email}>"
            if line.delivery_date:
                rows.append(_("Gift card {amount} for {who} (card •••• {last4}, delivered {day})",
                              amount=money(line.amount_cents), who=who, last4=card.last4,
                              day=line.delivery_date.isoformat()))
            else:
                rows.append(_("Gift card {amount} for {who} (card •••• {last4})", amount=money(line.amount_cents),
                              who=who, last4=card.last4))
        else:
            rows.append(_("Top-up {amount} on card •••• {last4}, balance now {balance}",
                          amount=money(line.amount_cents), last4=card.last4, balance=money(balance)))
    total = money(order.total_cents)
    test_note = _("TEST MODE: no real payment was made. The cards of this order are test cards: they work only "
                  "at the network's test locations.") + "\n\n" if test_money else ""
    thanks = _("Thank you, {name}.", name=order.buyer_name)
    at = _("Order {number} at {network}", number=order.number, network=operator.name)
    paid = _("Total paid: {total}", total=total)
    reference = _("Payment reference: {reference}", reference=order.gateway_reference)
    each = _("Each gift card's code goes to its recipient in its own email.")
    heading = _("Thank you, {name}", name=order.buyer_name)
    html_reference = _("Payment reference: {reference}", reference=str(order.gateway_reference))
    text_body = (f"{test_note}{thanks}\n\n{at}\n\n"
                 + "\n".join(f"- {row}" for row in rows)
                 + f"\n\n{paid}\n{reference}\n\n{each}\n")
    esc = html.escape
    html_body = (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"></head>'
        '<body style="font-family:Arial,Helvetica,sans-serif;color:#1a1a1a;">'
        + (f'<p style="background:#fef3c7;padding:8px;"><strong>{esc(test_note.strip())}</strong></p>' if test_note else "")
        + f"<h1>{esc(heading)}</h1><p>{esc(at)}</p><ul>"
        + "".join(f"<li>{esc(row)}</li>" for row in rows)
        + f"</ul><p><strong>{esc(paid)}</strong><br>{esc(html_reference)}</p>"
        f"<p>{esc(each)}</p></body></html>"
    )
    outbox.queue_email(session, kind=RECEIPT_KIND, operator_id=operator.id, to_address=order.buyer_email,
                       subject=_("Your order {number} at {network}", number=order.number, network=operator.name),
                       text_body=text_body, html_body=html_body)


# --- refunds ------------------------------------------------------------------------


def refund_line(actor: Actor, order_id: int, line_id: int, amount_cents: int | None = None) -> OrderView:
    """Refund (part of) one line of a paid order, at most what is still on its card.

    The line's refunded total grows first, in one conditional UPDATE (`refunded_cents +
    amount <= amount_cents`): of concurrent refunds of one line, exactly those that fit
    succeed and the others are told a concurrent refund won (`conflict`, 409), never a
    duplicate ledger key. Then the card is debited (ledger kind `refund`), then the
    gateway gives the money back; if the gateway refuses, the value is put back on the
    card (kind `adjust`) and `conflict` is raised with the gateway's message.
    """
    with write_session() as session:
        order = _order(session, actor.operator_id, order_id)
        if order.status not in (OrderStatus.paid, OrderStatus.refunded) or not order.gateway_reference:
            raise GiftnetError(ErrorCode.conflict, N_("Only a paid order can be refunded."))
        line = session.exec(select(OrderLine).where(OrderLine.id == line_id, OrderLine.order_id == order.id)).first()
        if line is None:
            raise GiftnetError(ErrorCode.not_found, N_("No such order line."))
        card_id = line.issued_card_id if line.kind == OrderLineKind.card else line.target_card_id
        card = session.get(Card, card_id)
        refundable = min(line.amount_cents - line.refunded_cents,
                         card.balance_cents if card.status == CardStatus.active else 0)
        amount = refundable if amount_cents is None else amount_cents
        if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0 or amount > refundable:
            raise GiftnetError(
                ErrorCode.amount_out_of_range,
                N_("At most {format_cents} of this line can be refunded: the value still on the card."),
                field="amount_cents", params={"format_cents": format_cents(refundable)})
        # The claim on the line: a concurrent refund that committed first is seen here (PostgreSQL
        # re-checks the condition on the row it waited for; SQLite writers take turns).
        refunded_after = session.execute(
            update(OrderLine)
            .where(OrderLine.id == line.id, OrderLine.refunded_cents + amount <= OrderLine.amount_cents)
            .values(refunded_cents=OrderLine.refunded_cents + amount)
            .returning(OrderLine.refunded_cents)
        ).scalar_one_or_none()
        if refunded_after is None:
            raise GiftnetError(ErrorCode.conflict, N_("Another refund of this line was made at the same moment; "
                                                   "look at the order again before refunding more."))
        # Unique per refund, even when an earlier refund at the same total was undone.
        key = f"shop-refund-{line.id}-{refunded_after}-{secrets.token_hex(4)}"
        try:
            ledger.debit_within(session, actor, card_id, amount, kind=LedgerKind.refund, idempotency_key=key,
                                memo=f"Refund of order {order.number}")
        except GiftnetError as refusal:
            if refusal.code != ErrorCode.insufficient_funds:
                raise
            raise GiftnetError(ErrorCode.conflict, N_("The card was spent at the same moment; "
                                                   "look at the order again before refunding.")) from refusal
        order_refunded = session.execute(
            update(Order).where(Order.id == order.id)
            .values(refunded_cents=Order.refunded_cents + amount, updated_at=utcnow())
            .returning(Order.refunded_cents)
        ).scalar_one()
        if order_refunded >= order.total_cents:
            session.execute(update(Order).where(Order.id == order.id).values(status=OrderStatus.refunded))
        audit.record(session, actor, "order.refunded", target_type="order", target_id=order.id,
                     summary=f"Order {order.number}: {format_cents(amount)} refunded from line #{line.id}",
                     changes={"refunded_cents": [order_refunded - amount, order_refunded]})
        gateway = gateway_named(session.get(Operator, actor.operator_id), order.gateway)
        reference, number = order.gateway_reference, order.gateway_order_number or order.number
    refund = gateway.refund(reference, amount, order_number=number)
    if not refund.ok:
        with write_session() as session:
            ledger.credit_within(session, actor, card_id, amount, kind=LedgerKind.adjust,
                                 idempotency_key=f"{key}-undone", memo="Refund refused by the payment service",
                                 over_maximum_allowed=True)  # the value taken off a moment ago
            session.execute(update(OrderLine).where(OrderLine.id == line_id)
                            .values(refunded_cents=OrderLine.refunded_cents - amount))
            order_refunded = session.execute(
                update(Order).where(Order.id == order_id)
                .values(refunded_cents=Order.refunded_cents - amount, status=OrderStatus.paid, updated_at=utcnow())
                .returning(Order.refunded_cents)
            ).scalar_one()
            audit.record(session, actor, "order.refund_undone", target_type="order", target_id=order_id,
                         summary=f"Order {number}: the payment service refused the refund of "
                                 f"{format_cents(amount)}; the value is back on the card",
                         changes={"refunded_cents": [order_refunded + amount, order_refunded]})
        raise GiftnetError(ErrorCode.conflict, N_("The payment service refused the refund: {message}"), params={"message": refund.message})
    events.publish(events.Event(actor.operator_id, "order.refunded",
                                {"order_id": order_id, "line_id": line_id, "amount_cents": amount}))
    return order_view(actor.operator_id, order_id)


# --- reading ------------------------------------------------------------------------


def _aware(moment: datetime) -> datetime:
    from datetime import UTC

    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _order(session: Session, operator_id: int, order_id: int) -> Order:
    return owned_row(session, Order, order_id, operator_id, missing=N_("No such order."))


def _lines(session: Session, order_id: int) -> list[OrderLine]:
    return list(session.exec(select(OrderLine).where(OrderLine.order_id == order_id).order_by(OrderLine.position)))


def _view(session: Session, order: Order) -> OrderView:
    lines = []
    test_cards = False
    for line in _lines(session, order.id):
        card_id = line.issued_card_id if line.kind == OrderLineKind.card else line.target_card_id
        card = session.get(Card, card_id) if card_id else None
        test_cards = test_cards or (card is not None and card.is_test)
        paid = order.status in (OrderStatus.paid, OrderStatus.refunded)
        refundable = (min(line.amount_cents - line.refunded_cents, card.balance_cents)
                      if paid and card is not None and card.status == CardStatus.active else 0)
        recipient = ("card top-up" if line.kind == OrderLineKind.topup
                     else "the buyer" if line.for_self else f"{line.recipient_name} <{line.recipient_email}>")
        shows_card = card is not None and (paid or line.kind == OrderLineKind.topup)
        lines.append(LineView(id=line.id, kind=line.kind, amount_cents=line.amount_cents, recipient=recipient,
                              card_last4=card.last4 if shows_card else None,
                              card_id=card_id if paid else None, refunded_cents=line.refunded_cents,
                              refundable_cents=max(refundable, 0)))
    return OrderView(
        id=order.id, operator_id=order.operator_id, number=order.number, status=order.status,
        buyer_name=order.buyer_name, buyer_email=order.buyer_email, total_cents=order.total_cents,
        currency=order.currency, gateway=order.gateway, gateway_reference=order.gateway_reference,
        gateway_message=order.gateway_message, refunded_cents=order.refunded_cents, created_at=order.created_at,
        paid_at=order.paid_at, lines=tuple(lines), card_form_failed_at=order.card_form_failed_at,
        card_form_error=order.card_form_error, test_mode=order.gateway == "sandbox" or test_cards,
    )


def order_view(operator_id: int, order_id: int) -> OrderView:
    with read_session() as session:
        return _view(session, _order(session, operator_id, order_id))


def record_card_form_failure(operator_id: int, order_id: int, reason: str) -> bool:
    """The gateway's card script did not load in the shopper's browser on this order's pay
    step: the order stays payable and the Orders screen tells the operator (card payments are
    unavailable to shoppers until the script loads again). Only an order still waiting for
    its payment is marked; answers whether it was."""
    text = " ".join((reason or "the card form did not load").split())[:200]
    now = utcnow()
    with write_session() as session:
        marked = session.execute(
            update(Order)
            .where(Order.id == order_id, Order.operator_id == operator_id,
                   Order.status.in_((OrderStatus.pending, OrderStatus.declined, OrderStatus.error)))
            .values(card_form_failed_at=now, card_form_error=text, updated_at=now)
        ).rowcount
    return marked == 1


def latest_card_form_failure(operator_id: int, *, within: timedelta = timedelta(hours=24)) -> OrderView | None:
    """The newest order whose card form failed to load within `within`, or None."""
    since = utcnow() - within
    with read_session() as session:
        order = session.exec(
            select(Order).where(Order.operator_id == operator_id, Order.card_form_failed_at.is_not(None),
                                Order.card_form_failed_at >= since)
            .order_by(Order.card_form_failed_at.desc()).limit(1)
        ).first()
        return None if order is None else _view(session, order)


def list_orders(operator_id: int, *, limit: int = 50, status: str | None = None,
                before_id: int | None = None) -> list[OrderView]:
    """The operator's orders, newest first; `before_id` pages on (keyset, by id)."""
    with read_session() as session:
        query = select(Order).where(Order.operator_id == operator_id)
        if status:
            query = query.where(Order.status == status)
        if before_id is not None:
            query = query.where(Order.id < before_id)
        orders = session.exec(query.order_by(Order.id.desc()).limit(min(max(limit, 1), 200))).all()
        return [_view(session, order) for order in orders]


__all__ = [
    "CartInvalid",
    "CartLine",
    "LineView",
    "OrderView",
    "create_order",
    "latest_card_form_failure",
    "list_orders",
    "order_view",
    "pay_order",
    "record_card_form_failure",
    "refund_line",
]

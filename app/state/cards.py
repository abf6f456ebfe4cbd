"""Cards screens: the list (search, filter, pages), issuing, and one card with its ledger."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import reflex as rx
from sqlalchemy import and_
from sqlmodel import select

from app.db import read_session
from app.models import Card, Device, LedgerEntry, Location
from app.services import card_emails, cards, codes, ledger
from app.services.actor import Actor
from app.services.errors import ErrorCode, GiftnetError
from app.services.money import format_cents, parse_amount
from app.services.timefmt import format_local_time
from app.state.session import SessionState

PAGE_SIZE = 20
LEDGER_KIND_LABELS = {
    "issue": "Issued",
    "topup": "Top-up",
    "redeem": "Redeemed",
    "void": "Voided redemption",
    "adjust": "Adjustment",
    "expire": "Expired",
    "refund": "Refund",
}


@dataclass
class CardRow:
    id: int = 0
    last4: str = ""
    masked: str = ""
    balance: str = ""
    initial: str = ""
    status: str = ""
    recipient: str = ""
    created: str = ""
    recipient_name: str = ""
    sender_name: str = ""
    message: str = ""
    channel: str = ""
    frozen: bool = False
    has_email: bool = False


@dataclass
class LedgerRow:
    id: int
    label: str
    amount: str
    credit: bool
    balance_after: str
    who: str
    memo: str
    time: str


def _card_row(card: Card, timezone: str) -> CardRow:
    return CardRow(
        id=card.id,
        last4=card.last4,
        masked=codes.mask(card.last4),
        balance=format_cents(card.balance_cents),
        initial=format_cents(card.initial_amount_cents),
        status=card.status,
        recipient=card.recipient_email or "—",
        created=format_local_time(card.created_at, timezone),
        recipient_name=card.recipient_name or "",
        sender_name=card.sender_name or "",
        message=card.message or "",
        channel=card.channel,
        frozen=card.status == "frozen",
        has_email=bool(card.recipient_email),
    )


@dataclass(frozen=True)
class Places:
    """Names of the locations and codes of the devices a card's ledger mentions."""

    location_names: dict[int, str]
    device_codes: dict[int, str]


def _places(operator_id: int, entries: list[LedgerEntry]) -> Places:
    """One query for the whole ledger: each location with the mentioned devices of it."""
    location_ids = {entry.location_id for entry in entries if entry.location_id}
    device_ids = {entry.device_id for entry in entries if entry.device_id}
    if not location_ids:
        return Places({}, {})
    with read_session() as session:
        rows = session.exec(
            select(Location.id, Location.name, Device.id, Device.code)
            .outerjoin(Device, and_(Device.location_id == Location.id, Device.id.in_(device_ids or {0})))
            .where(Location.id.in_(location_ids), Location.operator_id == operator_id)
        ).all()
    return Places(
        location_names={location_id: name for location_id, name, _, _ in rows},
        device_codes={device_id: code for _, _, device_id, code in rows if device_id},
    )


def _who(entry: LedgerEntry, places: Places) -> str:
    if entry.location_id:
        where = places.location_names.get(entry.location_id, f"Location #{entry.location_id}")
        if entry.device_id:
            return f"{where} · device {places.device_codes.get(entry.device_id, f'#{entry.device_id}')}"
        if entry.api_key_id:
            return f"{where} · API key #{entry.api_key_id}"
        if entry.user_id:
            return f"{where} · dashboard"
        return where
    if entry.device_id:
        return f"Device #{entry.device_id}"
    if entry.api_key_id:
        return f"API key #{entry.api_key_id}"
    if entry.order_id:
        return f"Shop order #{entry.order_id}"
    if entry.user_id:
        return "Dashboard"
    return "System"


class CardsState(SessionState):
    rows: list[CardRow] = []
    query: str = ""
    status_filter: str = "all"
    cursor_stack: list[int] = []
    next_cursor: int = 0
    loading: bool = False
    list_error: str = ""
    # issue form
    issue_open: bool = False
    issue_error: str = ""
    issue_key: str = ""
    issued_code: str = ""
    issued_card_id: int = 0
    issued_email_to: str = ""

    def _reload(self, cursor: int | None = None):
        who = self._signed_in()
        if who is None:
            return rx.redirect("/login")
        try:
            page = cards.list_cards(
                who.operator_id,
                query=self.query or None,
                status=None if self.status_filter == "all" else self.status_filter,
                limit=PAGE_SIZE,
                cursor=cursor,
            )
        except GiftnetError as error:
            self.list_error = error.message
            return None
        self.list_error = ""
        self.rows = [_card_row(card, who.timezone) for card in page.cards]
        self.next_cursor = page.next_cursor or 0
        return None

    @rx.event
    def load(self):
        self.cursor_stack = []
        self.issue_key = uuid.uuid4().hex
        return self._reload()

    @rx.event
    def search(self, form: dict):
        self.query = str(form.get("query", "")).strip()
        self.cursor_stack = []
        return self._reload()

    @rx.event
    def clear_search(self):
        self.query = ""
        self.cursor_stack = []
        return self._reload()

    @rx.event
    def set_status_filter(self, value: str):
        self.status_filter = value
        self.cursor_stack = []
        return self._reload()

    @rx.event
    def next_page(self):
        if not self.next_cursor:
            return None
        self.cursor_stack = [*self.cursor_stack, self.next_cursor]
        return self._reload(self.next_cursor)

    @rx.event
    def previous_page(self):
        self.cursor_stack = self.cursor_stack[:-1]
        return self._reload(self.cursor_stack[-1] if self.cursor_stack else None)

    @rx.event
    def open_issue(self):
        self.issue_open = True
        self.issue_error = ""
        self.issued_code = ""
        self.issue_key = uuid.uuid4().hex

    @rx.event
    def close_issue(self):
        self.issue_open = False
        self.issued_code = ""

    @rx.event
    def issue(self, form: dict):
        who = self._signed_in()
        if who is None:
            return rx.redirect("/login")
        self.issue_error = ""
        try:
            amount_cents = parse_amount(str(form.get("amount", "")))
            issued = ledger.issue_card(
                Actor(who.operator_id, user_id=who.user_id, channel="dashboard"),
                amount_cents,
                recipient_email=str(form.get("recipient_email", "")).strip() or None,
                recipient_name=str(form.get("recipient_name", "")),
                sender_name=str(form.get("sender_name", "")),
                message=str(form.get("message", "")),
                # One key per opened form: a double click issues one card.
                idempotency_key=f"dashboard-issue-{who.user_id}-{self.issue_key}",
            )
        except GiftnetError as error:
            self.issue_error = error.message
            return None
        self.issued_code = codes.format_code(issued.code)
        self.issued_card_id = issued.card.id
        # Once per card: a replayed submit returns the message already queued.
        queued = card_emails.queue_recipient_email(who.operator_id, issued.card.id)
        self.issued_email_to = queued.to_address if queued else ""
        self.cursor_stack = []
        return self._reload()


class CardDetailState(SessionState):
    card: CardRow = CardRow()
    entries: list[LedgerRow] = []
    not_found: bool = False
    action_error: str = ""
    action_message: str = ""
    topup_key: str = ""
    email_message: str = ""
    email_failed: bool = False

    def _card_id(self) -> int | None:
        raw = str(self.router.page.params.get("card_id", ""))
        return int(raw) if (raw.isascii() and raw.isdigit()) else None

    def _reload(self):
        who = self._signed_in()
        if who is None:
            return rx.redirect("/login")
        card_id = self._card_id()
        try:
            if card_id is None:
                raise GiftnetError(ErrorCode.card_not_found, "No such card.")
            card = cards.get_card(who.operator_id, card_id)
            entries = cards.card_ledger(who.operator_id, card_id)
        except GiftnetError:
            self.not_found = True
            self.card, self.entries = CardRow(), []
            return None
        self.not_found = False
        self.card = _card_row(card, who.timezone)
        places = _places(who.operator_id, entries)
        # Newest first on screen: the timeline reads from what just happened.
        self.entries = [
            LedgerRow(
                id=entry.id,
                label=LEDGER_KIND_LABELS.get(entry.kind, entry.kind),
                amount=format_cents(entry.amount_cents),
                credit=entry.amount_cents > 0,
                balance_after=format_cents(entry.balance_after_cents),
                who=_who(entry, places),
                memo=entry.memo or "",
                time=format_local_time(entry.created_at, who.timezone),
            )
            for entry in reversed(entries)
        ]
        return None

    @rx.event
    def load(self):
        self.action_error, self.action_message = "", ""
        self.email_message, self.email_failed = "", False
        self.topup_key = uuid.uuid4().hex
        return self._reload()

    @rx.event
    def top_up(self, form: dict):
        who = self._signed_in()
        if who is None:
            return rx.redirect("/login")
        self.action_error, self.action_message = "", ""
        try:
            amount_cents = parse_amount(str(form.get("amount", "")))
            ledger.top_up_card(
                Actor(who.operator_id, user_id=who.user_id),
                self._card_id() or 0,
                amount_cents,
                idempotency_key=f"dashboard-topup-{who.user_id}-{self.topup_key}",
            )
        except GiftnetError as error:
            self.action_error = error.message
            return None
        self.topup_key = uuid.uuid4().hex
        self.action_message = f"Added {format_cents(amount_cents)}."
        return self._reload() or rx.set_value("topup-amount", "")

    def _set_frozen(self, frozen: bool):
        who = self._signed_in()
        if who is None:
            return rx.redirect("/login")
        self.action_error, self.action_message = "", ""
        try:
            ledger.set_card_frozen(Actor(who.operator_id, user_id=who.user_id), self._card_id() or 0, frozen)
        except GiftnetError as error:
            self.action_error = error.message
            return None
        self.action_message = "Card frozen: it cannot be used until unfrozen." if frozen else "Card unfrozen."
        return self._reload()

    @rx.event
    def freeze(self):
        return self._set_frozen(True)

    @rx.event
    def unfreeze(self):
        return self._set_frozen(False)

    def _email_action(self, act):
        """Run a recipient-email action and put its outcome in `email_message`."""
        who = self._signed_in()
        if who is None:
            return rx.redirect("/login")
        try:
            self.email_message = act(who, self._card_id() or 0)
            self.email_failed = False
        except GiftnetError as error:
            self.email_message, self.email_failed = error.message, True
        return self._reload()

    @rx.event
    def resend_email(self):
        def resend(who, card_id: int) -> str:
            message = card_emails.resend_recipient_email(who.operator_id, card_id)
            return f"Email to {message.to_address} queued. The Outbox screen shows it."

        return self._email_action(resend)

    @rx.event
    def rotate_link(self):
        def rotate(who, card_id: int) -> str:
            card_emails.rotate_card_link(Actor(who.operator_id, user_id=who.user_id), card_id)
            return "New card link created: the old link and its QR code no longer work. Resend the email to send the new one."

        return self._email_action(rotate)

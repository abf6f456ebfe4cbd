"""One card's screen (/cards/<id>): its figures, its ledger newest first with where each
entry happened, top-up, freeze and unfreeze, and the recipient's email and link."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import reflex as rx

from app.models import LedgerEntry
from app.services.access.accounts import SignedIn
from app.services.core.errors import ErrorCode, GiftnetError
from app.services.core.i18n import N_
from app.services.core.money import format_cents, parse_amount
from app.services.core.timefmt import format_local_time
from app.services.money import card_emails, cards, ledger
from app.state.cards import CardRow, card_row
from app.state.session import SessionState, dashboard_action

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
class LedgerRow:
    id: int
    label: str
    amount: str
    credit: bool
    balance_after: str
    who: str
    memo: str
    time: str


def _who(entry: LedgerEntry, places: cards.LedgerPlaces) -> str:
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

    def _clear_messages(self) -> None:
        self.action_error, self.action_message = "", ""

    @dashboard_action(clear=False)
    def _reload(self, who: SignedIn):
        card_id = self._card_id()
        try:
            if card_id is None:
                raise GiftnetError(ErrorCode.card_not_found, N_("No such card."))
            card = cards.get_card(who.operator_id, card_id)
            entries = cards.card_ledger(who.operator_id, card_id)
        except GiftnetError:
            self.not_found = True
            self.card, self.entries = CardRow(), []
            return None
        self.not_found = False
        self.card = card_row(card, who.timezone)
        places = cards.ledger_places(who.operator_id, entries)
        # Newest first on screen: the timeline reads from what just happened.
        self.entries = [
            LedgerRow(
                id=entry.id,
                label=LEDGER_KIND_LABELS.get(entry.kind, entry.kind),
                amount=format_cents(entry.amount_cents, card.currency),
                credit=entry.amount_cents > 0,
                balance_after=format_cents(entry.balance_after_cents, card.currency),
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
    @dashboard_action()
    def top_up(self, who: SignedIn, form: dict):
        amount_cents = parse_amount(str(form.get("amount", "")))
        ledger.top_up_card(
            self._actor(who),
            self._card_id() or 0,
            amount_cents,
            idempotency_key=f"dashboard-topup-{who.user_id}-{self.topup_key}",
        )
        self.topup_key = uuid.uuid4().hex
        self.action_message = f"Added {format_cents(amount_cents, who.currency)}."
        return self._reload() or rx.set_value("topup-amount", "")

    @dashboard_action()
    def _set_frozen(self, who: SignedIn, frozen: bool):
        ledger.set_card_frozen(self._actor(who), self._card_id() or 0, frozen)
        self.action_message = "Card frozen: it cannot be used until unfrozen." if frozen else "Card unfrozen."
        return self._reload()

    @rx.event
    def freeze(self):
        return self._set_frozen(True)

    @rx.event
    def unfreeze(self):
        return self._set_frozen(False)

    @dashboard_action("email_message", clear=False)
    def _email_action(self, who: SignedIn, act):  # noqa: ANN001
        """Run a recipient-email action and put its outcome in `email_message` (the card
        action's message stays)."""
        try:
            self.email_message = act(who, self._card_id() or 0)
            self.email_failed = False
        except GiftnetError as error:
            self.email_message, self.email_failed = error.message, True
        return self._reload()

    @rx.event
    def resend_email(self):
        def resend(who: SignedIn, card_id: int) -> str:
            message = card_emails.resend_recipient_email(who.operator_id, card_id)
            return f"Email to {message.to_address} queued. The Outbox screen shows it."

        return self._email_action(resend)

    @rx.event
    def rotate_link(self):
        def rotate(who: SignedIn, card_id: int) -> str:
            card_emails.rotate_card_link(self._actor(who), card_id)
            return "New card link created: the old link and its QR code no longer work. Resend the email to send the new one."

        return self._email_action(rotate)

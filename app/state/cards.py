"""The Cards screen: the list (search, filter, pages), bulk actions and issuing. One card's
own screen is app/state/card_detail.py."""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass
from urllib.parse import urlencode

import reflex as rx

from app.models import Card
from app.models.card import CardStatus
from app.services.access.accounts import SignedIn
from app.services.core import codes, i18n
from app.services.core.errors import ErrorCode, GiftnetError
from app.services.core.i18n import N_
from app.services.core.money import parse_amount
from app.services.core.timefmt import format_local_time
from app.services.messaging import email_quota
from app.services.money import card_emails, cards, ledger
from app.services.printing import printable_cards
from app.state.paging import KeysetPaging
from app.state.session import SessionState, dashboard_action

PAGE_SIZE = 20


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
    is_test: bool = False  # bought in the shop's test mode (app/services/counter/redemptions.py)


# How a card's channel reads on screen (the stored value stays English).
CHANNEL_LABELS = {"dashboard": N_("dashboard"), "api": N_("api"), "shop": N_("shop")}


def card_row(card: Card, timezone: str, lang: str = i18n.DEFAULT_LANGUAGE) -> CardRow:
    """A card as the list and its own screen show it, times in the operator's zone, amounts
    and words in the reader's language."""
    return CardRow(
        id=card.id,
        last4=card.last4,
        masked=codes.mask(card.last4),
        balance=i18n.format_money(card.balance_cents, card.currency, lang),
        initial=i18n.format_money(card.initial_amount_cents, card.currency, lang),
        status=card.status,
        recipient=card.recipient_email or "—",
        created=format_local_time(card.created_at, timezone),
        recipient_name=card.recipient_name or "",
        sender_name=card.sender_name or "",
        message=card.message or "",
        channel=i18n.translate(CHANNEL_LABELS[card.channel], lang) if card.channel in CHANNEL_LABELS else card.channel,
        frozen=card.status == CardStatus.frozen,
        has_email=bool(card.recipient_email),
        is_test=card.is_test,
    )


# The filters as they stand in the address: /cards?status=frozen&min=10&max=50&from=2026-01-01&to=2026-01-31&channel=api&q=sam
ALL = "all"
BULK_QUESTIONS = {
    "freeze": (N_("Freeze {cards}?"), N_("Frozen cards cannot be spent or topped up until they are unfrozen; their value stays. "
               "Cards already frozen stay as they are.")),
    "unfreeze": (N_("Unfreeze {cards}?"), N_("The cards can be spent and topped up again. Cards already active stay as they are.")),
    "resend_email": (N_("Resend the email of {cards}?"), N_("Each card's recipient gets the card email again (code, link and QR "
                     "code), through the Outbox. Cards without a recipient email are skipped.")),
}


def _cards(count: int, lang: str) -> str:
    """"1 card", "1,234 cards" in the reader's language."""
    if count == 1:
        return i18n.translate(N_("1 card"), lang)
    return i18n.translate(N_("{count} cards"), lang, count=i18n.format_number(count, lang))


def _balance_bound(text: str, label: str, field: str) -> int | None:
    if not text.strip():
        return None
    try:
        return parse_amount(text, field=field)
    except GiftnetError:
        raise GiftnetError(ErrorCode.invalid_input, N_("{label}: enter an amount in dollars, like 25 or 25.50."),
                           params={"label": label}, field=field) from None


class CardsState(KeysetPaging, SessionState):
    rows: list[CardRow] = []
    # filters, as typed (the address holds them too)
    query: str = ""
    status_filter: str = ALL
    channel_filter: str = ALL
    min_balance: str = ""
    max_balance: str = ""
    issued_from: str = ""
    issued_to: str = ""
    filter_error: str = ""
    match_count: int = 0
    match_count_capped: bool = False
    # bulk actions: the cards ticked, or every card matching the filter
    selected_ids: list[int] = []
    all_matching: bool = False
    bulk_action: str = ""  # the action the confirmation dialog asks about; "" when closed
    bulk_running: bool = False
    bulk_message: str = ""
    bulk_error: str = ""
    # issue form
    issue_open: bool = False
    issue_error: str = ""
    issue_key: str = ""
    issued_code: str = ""
    issued_card_id: int = 0
    issued_email_to: str = ""

    # --- the filter -----------------------------------------------------------

    def _filter_params(self) -> dict[str, str]:
        params = {"q": self.query, "status": "" if self.status_filter == ALL else self.status_filter,
                  "min": self.min_balance, "max": self.max_balance, "from": self.issued_from,
                  "to": self.issued_to, "channel": "" if self.channel_filter == ALL else self.channel_filter}
        return {name: value for name, value in params.items() if value}

    def _card_filter(self, timezone: str) -> cards.CardFilter:
        """The typed filters, validated; refuses with the message the screen shows."""
        return cards.card_filter(
            timezone=timezone,
            query=self.query or None,
            status=None if self.status_filter == ALL else self.status_filter,
            min_balance_cents=_balance_bound(self.min_balance, self._t("Balance from"), "min_balance"),
            max_balance_cents=_balance_bound(self.max_balance, self._t("Balance to"), "max_balance"),
            issued_from=self.issued_from or None,
            issued_to=self.issued_to or None,
            channel=None if self.channel_filter == ALL else self.channel_filter,
        )

    def _clear_messages(self) -> None:
        """The issue form's refusal; the filter's and the bulk bar's messages have lifetimes of their own."""
        self.issue_error = ""

    @dashboard_action("filter_error", clear=False)
    def _apply_filters(self, who: SignedIn):
        """Show the first page for the filters in state, and write them into the address
        without navigating (`load` reads them back when the address is opened again; a
        navigation would re-run `load` and race the fields typed meanwhile). Filters
        that cannot be read are refused in `filter_error`, the list left as it was."""
        self._card_filter(who.timezone)
        params = self._filter_params()
        address = "/cards" + (f"?{urlencode(params)}" if params else "")
        # React Router keeps its own entry state: pass it on, change only the address.
        return self._reset_and_load() or rx.call_script(
            f"window.history.replaceState(window.history.state, '', {json.dumps(address)})")

    def _reset_and_load(self):
        self.selected_ids, self.all_matching = [], False
        self.filter_error = ""
        redirect = self._first_page()
        if redirect is not None or self.filter_error:
            return redirect
        if self.next_cursor:
            self._count()
        else:  # every match is on this one page: no count query (a search over millions of cards scans them)
            self.match_count, self.match_count_capped = len(self.rows), False
        return None

    def _count(self) -> None:
        who = self._signed_in()
        if who is None:
            return
        try:
            counted = cards.count_cards(who.operator_id, self._card_filter(who.timezone))
        except GiftnetError:
            return
        self.match_count, self.match_count_capped = counted.count - counted.at_least, counted.at_least

    @dashboard_action("filter_error", clear=False)
    def _load_page(self, who: SignedIn, cursor: int | None = None):
        try:
            page = cards.list_cards(who.operator_id, filters=self._card_filter(who.timezone), limit=PAGE_SIZE,
                                    cursor=cursor)
        except GiftnetError as error:
            self.filter_error = error.localized_message(self.lang)
            self.rows, self.next_cursor, self.match_count = [], 0, 0
            return None
        self.rows = [card_row(card, who.timezone, self.lang) for card in page.cards]
        self.next_cursor = page.next_cursor or 0
        return None

    @rx.var
    def filtered(self) -> bool:
        return bool(self._filter_params())

    @rx.var
    def match_count_text(self) -> str:
        lang, count = self.lang, i18n.format_number(self.match_count, self.lang)
        if self.match_count_capped:
            return i18n.translate(N_("More than {count} cards match"), lang, count=count)
        if self.filtered:
            if self.match_count == 1:
                return i18n.translate(N_("1 card matches"), lang)
            return i18n.translate(N_("{count} cards match"), lang, count=count)
        return _cards(self.match_count, lang)

    @rx.event
    def load(self):
        params = self.router.page.params
        self.query = str(params.get("q", "")).strip()[:254]
        self.status_filter = str(params.get("status", "")) or ALL
        self.channel_filter = str(params.get("channel", "")) or ALL
        self.min_balance = str(params.get("min", ""))[:32]
        self.max_balance = str(params.get("max", ""))[:32]
        self.issued_from = str(params.get("from", ""))[:10]
        self.issued_to = str(params.get("to", ""))[:10]
        self.issue_key = uuid.uuid4().hex
        self.bulk_action, self.bulk_message, self.bulk_error = "", "", ""
        # The fields are uncontrolled inputs: an address opened with filters fills them in.
        typed = {"cards-search": self.query, "cards-min-balance": self.min_balance,
                 "cards-max-balance": self.max_balance, "cards-issued-from": self.issued_from,
                 "cards-issued-to": self.issued_to}
        redirect = self._reset_and_load()
        # Only what the address holds: an empty field is left alone (a stray "" could land
        # after the person has started typing).
        return redirect or [rx.set_value(element_id, value) for element_id, value in typed.items() if value]

    @rx.event
    def search(self, form: dict):
        self.query = str(form.get("query", "")).strip()
        return self._apply_filters()

    @rx.event
    def clear_search(self):
        self.query = ""
        return self._apply_filters()

    @rx.event
    def set_status_filter(self, value: str):
        self.status_filter = value if value in (ALL, *cards.FILTER_STATUSES) else ALL
        return self._apply_filters()

    @rx.event
    def set_channel_filter(self, value: str):
        self.channel_filter = value if value in (ALL, *cards.FILTER_CHANNELS) else ALL
        return self._apply_filters()

    @rx.event
    def apply_filters(self, form: dict):
        self.min_balance = str(form.get("min_balance", "")).strip()[:32]
        self.max_balance = str(form.get("max_balance", "")).strip()[:32]
        self.issued_from = str(form.get("issued_from", "")).strip()[:10]
        self.issued_to = str(form.get("issued_to", "")).strip()[:10]
        return self._apply_filters()

    @rx.event
    def clear_filters(self):
        self.query, self.status_filter, self.channel_filter = "", ALL, ALL
        self.min_balance, self.max_balance, self.issued_from, self.issued_to = "", "", "", ""
        self.filter_error = ""
        then = self._apply_filters()
        return [*([then] if then else []), *(rx.set_value(element_id, "") for element_id in (
            "cards-search", "cards-min-balance", "cards-max-balance", "cards-issued-from", "cards-issued-to"))]

    # --- selection and bulk actions ----------------------------------------------

    @rx.var
    def selected_count(self) -> int:
        return self.match_count if self.all_matching else len(self.selected_ids)

    @rx.var
    def page_selected(self) -> bool:
        """Every card of the page on screen is ticked (the header checkbox)."""
        return bool(self.rows) and (self.all_matching or all(row.id in self.selected_ids for row in self.rows))

    @rx.var
    def can_select_all_matching(self) -> bool:
        return self.page_selected and not self.all_matching and self.match_count > len(self.rows)

    @rx.var
    def select_all_label(self) -> str:
        lang, count = self.lang, i18n.format_number(self.match_count, self.lang)
        if self.match_count_capped:
            return i18n.translate(N_("Select all matching cards (more than {count})"), lang, count=count)
        return i18n.translate(N_("Select all {count} matching cards"), lang, count=count)

    @rx.var
    def selection_text(self) -> str:
        lang = self.lang
        if self.all_matching:
            return i18n.translate(N_("All {cards} matching the filter are selected."), lang,
                                  cards=_cards(self.match_count, lang))
        return i18n.translate(N_("{cards} selected."), lang, cards=_cards(len(self.selected_ids), lang))

    @rx.var
    def bulk_question(self) -> str:
        question = BULK_QUESTIONS.get(self.bulk_action, ("", ""))[0]
        lang = self.lang
        return i18n.translate(question, lang, cards=_cards(self.selected_count, lang)) if question else ""

    @rx.var
    def bulk_consequence(self) -> str:
        consequence = BULK_QUESTIONS.get(self.bulk_action, ("", ""))[1]
        return i18n.translate(consequence, self.lang) if consequence else ""

    @rx.event
    def toggle_card(self, card_id: int, checked: bool):
        card_id = int(card_id)
        self.bulk_message, self.bulk_error = "", ""
        if self.all_matching:  # unticking one card of "all matching" keeps the rest of this page
            self.all_matching = False
            self.selected_ids = [row.id for row in self.rows]
        if checked and card_id not in self.selected_ids:
            self.selected_ids = [*self.selected_ids, card_id]
        elif not checked:
            self.selected_ids = [selected for selected in self.selected_ids if selected != card_id]

    @rx.event
    def toggle_page(self, checked: bool):
        self.bulk_message, self.bulk_error = "", ""
        self.all_matching = False
        on_page = [row.id for row in self.rows]
        kept = [selected for selected in self.selected_ids if selected not in on_page]
        self.selected_ids = [*kept, *on_page] if checked else kept

    @rx.event
    def select_all_matching(self):
        self._count()
        if self.match_count_capped or self.match_count > cards.BULK_LIMIT:
            self.bulk_error = self._t("{matches}: one action reaches at most {limit} cards. Narrow the filter (status, "
                                      "balance, dates or channel) first.", matches=self.match_count_text,
                                      limit=i18n.format_number(cards.BULK_LIMIT, self.lang))
            return
        self.bulk_error = ""
        self.all_matching = True

    @rx.event
    def clear_selection(self):
        self.selected_ids, self.all_matching = [], False
        self.bulk_error = ""

    @rx.event
    def ask_bulk(self, action: str):
        self.bulk_message, self.bulk_error = "", ""
        if action in BULK_QUESTIONS and self.selected_count > 0:
            self.bulk_action = action

    @rx.event
    def cancel_bulk(self):
        self.bulk_action = ""

    def _bulk_card_ids(self, operator_id: int, timezone: str) -> list[int]:
        """The ticked cards, or every card matching the filter (refused past BULK_LIMIT)."""
        if not self.all_matching:
            return list(self.selected_ids)
        card_ids = cards.matching_card_ids(operator_id, self._card_filter(timezone))
        if len(card_ids) > cards.BULK_LIMIT:
            raise GiftnetError(ErrorCode.invalid_input, N_("More than {count} cards match now: narrow the filter first."),
                               params={"count": f"{cards.BULK_LIMIT:,}"}, field="card_ids")
        return card_ids

    @rx.event(background=True)
    async def confirm_bulk(self, action: str):
        """Run the confirmed action off the event queue: resending 1,000 emails draws 1,000
        QR codes, and the screen stays usable meanwhile (`bulk_running` shows it). The
        dialog passes the action it asked about (closing it clears `bulk_action`)."""
        async with self:
            who = self._signed_in()
            if who is None:
                return rx.redirect("/login")
            self.bulk_action = ""
            if action not in BULK_QUESTIONS or self.bulk_running:
                return None
            try:
                card_ids = self._bulk_card_ids(who.operator_id, who.timezone)
            except GiftnetError as error:
                self.bulk_error = error.localized_message(self.lang)
                return None
            self.bulk_running = True
        actor = self._actor(who)
        try:
            outcome = await asyncio.to_thread(card_emails.run_bulk_action, actor, action, card_ids)
            refused = ""
        except GiftnetError as error:
            outcome, refused = None, error.localized_message(self.lang)
        async with self:
            self.bulk_running = False
            if outcome is None:
                self.bulk_error = refused
                return None
            self.bulk_message = outcome.summary[:1].upper() + outcome.summary[1:] + "."
            if action == "resend_email" and outcome.changed:
                self.bulk_message += " " + self._t("The Outbox screen shows the emails.")
            self.selected_ids, self.all_matching = [], False
            self._count()
            return self._this_page()

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
    @dashboard_action("issue_error")
    def issue(self, who: SignedIn, form: dict):
        amount_cents = parse_amount(str(form.get("amount", "")))
        if str(form.get("recipient_email", "")).strip():
            email_quota.require_room(who.operator_id)  # past the hourly email quota: no card, a clear wait
        issued = ledger.issue_card(
            self._actor(who),
            amount_cents,
            recipient_email=str(form.get("recipient_email", "")).strip() or None,
            recipient_name=str(form.get("recipient_name", "")),
            sender_name=str(form.get("sender_name", "")),
            message=str(form.get("message", "")),
            # One key per opened form: a double click issues one card.
            idempotency_key=f"dashboard-issue-{who.user_id}-{self.issue_key}",
        )
        self.issued_code = codes.format_code(issued.code)
        self.issued_card_id = issued.card.id
        # Once per card: a replayed submit returns the message already queued.
        attach = str(form.get("attach_pdf", "")).lower() in ("on", "true", "1")
        attachments = (printable_cards.email_attachment(who.operator_id, issued.card.id),) if (
            attach and issued.card.recipient_email) else ()
        try:
            queued = card_emails.queue_recipient_email(who.operator_id, issued.card.id, attachments=attachments)
        except GiftnetError:  # the quota's last place went to another request: the card exists, resend later
            queued = None
        self.issued_email_to = queued.to_address if queued else ""
        return self._reset_and_load()

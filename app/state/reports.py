"""The Reports screen: a date range, five reports, each with its CSV export.

Rows arrive formatted (a handful per report, or one page of a long list); the CSV
comes from the same service rows, so the file's totals equal the screen's."""

from __future__ import annotations

from datetime import date

import reflex as rx

from app.services.access.accounts import SignedIn
from app.services.core import codes, i18n
from app.services.core.errors import GiftnetError
from app.services.core.i18n import N_
from app.services.core.timefmt import format_local_time
from app.services.reporting import dashboard_figures, history_search, reports
from app.state.card_detail import LEDGER_KIND_LABELS
from app.state.cards import CHANNEL_LABELS
from app.state.client import client_ip
from app.state.session import SessionState, dashboard_action


class ReportsState(SessionState):
    report_from: str = ""
    report_to: str = ""
    report_error: str = ""
    sales: list[list[str]] = []
    sales_total: list[str] = []
    by_location: list[list[str]] = []
    by_location_total: list[str] = []
    by_device: list[list[str]] = []
    by_device_total: list[str] = []
    aging: list[list[str]] = []
    aging_total: list[str] = []
    dormant_months: str = "6"
    dormant: list[list[str]] = []
    dormant_total: str = ""
    dormant_count: str = ""
    dormant_page: int = 1
    dormant_pages: int = 1
    history_search: str = ""  # what the person typed: a code, the last 4 or the recipient's email
    history_card_id: int = 0  # the card shown, once the search found it (or it was picked among several)
    history_card: str = ""  # which card that is, in words
    history_matches: list[dict[str, str]] = []  # several cards matched: the person picks one
    history: list[list[str]] = []
    history_page: int = 1
    history_pages: int = 1
    history_error: str = ""

    def _number(self, value: int) -> str:
        return i18n.format_number(value, self.lang)

    def _channel(self, channel: str) -> str:
        return self._t(CHANNEL_LABELS[channel]) if channel in CHANNEL_LABELS else channel

    def _period(self, who: SignedIn):
        first, last = date.fromisoformat(self.report_from), date.fromisoformat(self.report_to)
        if last < first:
            raise ValueError(N_("The range must end on or after its first day."))
        return dashboard_figures.days_period(first, last, who.timezone)

    @rx.event
    @dashboard_action("report_error", clear=False)
    def load(self, who: SignedIn):
        if not self.report_from or not self.report_to:
            today = dashboard_figures.local_today(who.timezone)
            self.report_from = today.replace(day=1).isoformat()
            self.report_to = today.isoformat()
        self._refresh(who)
        return None

    def _refresh(self, who) -> None:  # noqa: ANN001
        self.report_error = ""
        try:
            start, end = self._period(who)
        except ValueError as error:
            self.report_error = (self._t(str(error)) if "range" in str(error)
                                 else self._t("Choose both dates of the range."))
            return
        sales = reports.sales_by_channel(who.operator_id, start, end)
        self.sales = [[self._channel(r.channel), self._number(r.new_cards), self._money(r.new_cards_cents, who.currency), self._number(r.topups),
                       self._money(r.topup_cents, who.currency)] for r in sales]
        self.sales_total = [self._t("Total"), self._number(sum(r.new_cards for r in sales)), self._money(sum(r.new_cards_cents for r in sales), who.currency),
                            self._number(sum(r.topups for r in sales)), self._money(sum(r.topup_cents for r in sales), who.currency)]
        for name, rows in (("by_location", reports.redemptions_by_location(who.operator_id, start, end)),
                           ("by_device", reports.redemptions_by_device(who.operator_id, start, end))):
            by_device = name == "by_device"  # a location's row names it once; a device's names its location too
            setattr(self, name, [[self._t(r.key) if by_device else r.key, *([r.location] if by_device else []), self._number(r.redemptions),
                                  self._money(r.redeemed_cents, who.currency)] for r in rows])
            setattr(self, f"{name}_total", [self._t("Total"), *([""] if by_device else []), self._number(sum(r.redemptions for r in rows)),
                                            self._money(sum(r.redeemed_cents for r in rows), who.currency)])
        aging = reports.liability_aging(who.operator_id)
        self.aging = [[self._t(b.label), self._number(b.cards), self._money(b.unredeemed_cents, who.currency)] for b in aging]
        self.aging_total = [self._t("Total"), self._number(sum(b.cards for b in aging)), self._money(sum(b.unredeemed_cents for b in aging), who.currency)]
        self._load_dormant(who)

    def _load_dormant(self, who) -> None:  # noqa: ANN001
        try:
            page, total_cents = reports.dormant_cards(who.operator_id, int(self.dormant_months or 0), self.dormant_page)
        except (ValueError, GiftnetError):
            self.report_error = self._t("Dormant cards: choose between 1 and 120 months.")
            return
        self.dormant = [[str(c.card_id), codes.mask(c.last4), self._money(c.balance_cents, who.currency),
                         format_local_time(c.issued_at, who.timezone), format_local_time(c.last_activity_at, who.timezone)]
                        for c in page.rows]
        self.dormant_total = self._money(total_cents, who.currency)
        self.dormant_count = self._number(page.total_rows)
        self.dormant_pages = page.pages

    @rx.event
    def set_report_from(self, value: str):
        self.report_from = value

    @rx.event
    def set_report_to(self, value: str):
        self.report_to = value

    @rx.event
    def set_dormant_months(self, value: str):
        self.dormant_months = value

    @rx.event
    def set_history_search(self, value: str):
        self.history_search = value

    @rx.event
    @dashboard_action("report_error", clear=False)
    def apply(self, who: SignedIn):
        self.dormant_page = 1
        self._refresh(who)
        return None

    @rx.event
    @dashboard_action("report_error", clear=False)
    def dormant_move(self, who: SignedIn, step: int):
        self.dormant_page = min(max(1, self.dormant_page + step), self.dormant_pages)
        self._load_dormant(who)
        return None

    def _load_history(self, who) -> None:  # noqa: ANN001
        self.history_error = ""
        self.history = []
        try:
            page = reports.card_history(who.operator_id, self.history_card_id, self.history_page)
        except GiftnetError as error:
            self.history_error = error.localized_message(self.lang)
            return
        self.history = [[format_local_time(e.created_at, who.timezone), self._t(LEDGER_KIND_LABELS[e.kind]) if e.kind in LEDGER_KIND_LABELS else e.kind,
                         self._money(e.amount_cents, who.currency), self._money(e.balance_after_cents, who.currency)] for e in page.rows]
        self.history_pages = page.pages

    @rx.event
    @dashboard_action("report_error", clear=False)
    def open_history(self, who: SignedIn):
        """Search by code, last 4 or recipient email: one card opens; several are listed to pick from."""
        self.history_error, self.history, self.history_matches = "", [], []
        self.history_card_id, self.history_card, self.history_page = 0, "", 1
        try:
            found = history_search.find_cards(self._actor(who), self.history_search, ip=client_ip(self))
        except GiftnetError as error:
            self.history_error = error.localized_message(self.lang)
            return None
        if len(found) == 1:
            self._show_card(who, found[0])
            return None
        self.history_matches = [
            {"card_id": str(card.card_id), "card": codes.mask(card.last4),
             "recipient": card.recipient_email or self._t("no recipient"), "balance": self._money(card.balance_cents),
             "issued": format_local_time(card.issued_at, who.timezone)}
            for card in found
        ]
        return None

    @rx.event
    @dashboard_action("report_error", clear=False)
    def pick_history_card(self, who: SignedIn, card_id: str):
        """One of the listed matches, chosen; only a card the last search listed can be picked."""
        chosen = next((match for match in self.history_matches if match["card_id"] == str(card_id)), None)
        if chosen is None:
            return None
        self.history_matches, self.history_page = [], 1
        self.history_card_id = int(chosen["card_id"])
        self.history_card = self._t("{card}, {recipient}, balance {balance}", card=chosen["card"],
                                    recipient=chosen["recipient"], balance=chosen["balance"])
        self._load_history(who)
        return None

    def _show_card(self, who, card: history_search.CardMatch) -> None:  # noqa: ANN001
        self.history_card_id = card.card_id
        self.history_card = self._t("{card}, {recipient}, balance {balance}", card=codes.mask(card.last4),
                                    recipient=card.recipient_email or self._t("no recipient"),
                                    balance=self._money(card.balance_cents))
        self._load_history(who)

    @rx.event
    @dashboard_action("report_error", clear=False)
    def history_move(self, who: SignedIn, step: int):
        if not self.history_card_id:
            return None
        self.history_page = min(max(1, self.history_page + step), self.history_pages)
        self._load_history(who)
        return None

    @rx.event
    @dashboard_action("report_error", clear=False)
    def export(self, who: SignedIn, report: str):
        """The CSV of one report, from the same service rows as the screen."""
        try:
            start, end = self._period(who)
            if report == "sales":
                text = reports.sales_csv(reports.sales_by_channel(who.operator_id, start, end))
            elif report == "by-location":
                text = reports.redeemed_csv(reports.redemptions_by_location(who.operator_id, start, end), "location")
            elif report == "by-device":
                text = reports.redeemed_csv(reports.redemptions_by_device(who.operator_id, start, end), "device")
            elif report == "aging":
                text = reports.aging_csv(reports.liability_aging(who.operator_id))
            elif report == "dormant":
                text = reports.dormant_csv(who.operator_id, int(self.dormant_months))
            elif self.history_card_id:
                text = reports.card_history_csv(who.operator_id, self.history_card_id)
            else:
                self.report_error = self._t("Find the card first (by its code, last 4 or recipient email), then export its history.")
                return None
        except (ValueError, GiftnetError):
            self.report_error = self._t("Fix the range or the months first.")
            return None
        return rx.download(data=text, filename=f"giftnet-{report}-{self.report_from}-{self.report_to}.csv",
                           mime_type="text/csv")

"""The Reports screen: a date range, five reports, each with its CSV export.

Rows arrive formatted (a handful per report, or one page of a long list); the CSV
comes from the same service rows, so the file's totals equal the screen's."""

from __future__ import annotations

from datetime import date

import reflex as rx

from app.services.access.accounts import SignedIn
from app.services.core import codes
from app.services.core.errors import GiftnetError
from app.services.core.money import format_cents
from app.services.core.timefmt import format_local_time
from app.services.reporting import dashboard_figures, reports
from app.state.card_detail import LEDGER_KIND_LABELS
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
    history_card_id: str = ""
    history: list[list[str]] = []
    history_page: int = 1
    history_pages: int = 1
    history_error: str = ""

    def _period(self, who: SignedIn):
        first, last = date.fromisoformat(self.report_from), date.fromisoformat(self.report_to)
        if last < first:
            raise ValueError("The range must end on or after its first day.")
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
            self.report_error = str(error) if "range" in str(error) else "Choose both dates of the range."
            return
        sales = reports.sales_by_channel(who.operator_id, start, end)
        self.sales = [[r.channel, f"{r.new_cards:,}", format_cents(r.new_cards_cents, who.currency), f"{r.topups:,}",
                       format_cents(r.topup_cents, who.currency)] for r in sales]
        self.sales_total = ["Total", f"{sum(r.new_cards for r in sales):,}", format_cents(sum(r.new_cards_cents for r in sales), who.currency),
                            f"{sum(r.topups for r in sales):,}", format_cents(sum(r.topup_cents for r in sales), who.currency)]
        for name, rows in (("by_location", reports.redemptions_by_location(who.operator_id, start, end)),
                           ("by_device", reports.redemptions_by_device(who.operator_id, start, end))):
            setattr(self, name, [[r.key, r.location, f"{r.redemptions:,}", format_cents(r.redeemed_cents, who.currency)] for r in rows])
            setattr(self, f"{name}_total", ["Total", "", f"{sum(r.redemptions for r in rows):,}",
                                            format_cents(sum(r.redeemed_cents for r in rows), who.currency)])
        aging = reports.liability_aging(who.operator_id)
        self.aging = [[b.label, f"{b.cards:,}", format_cents(b.unredeemed_cents, who.currency)] for b in aging]
        self.aging_total = ["Total", f"{sum(b.cards for b in aging):,}", format_cents(sum(b.unredeemed_cents for b in aging), who.currency)]
        self._load_dormant(who)

    def _load_dormant(self, who) -> None:  # noqa: ANN001
        try:
            page, total_cents = reports.dormant_cards(who.operator_id, int(self.dormant_months or 0), self.dormant_page)
        except (ValueError, GiftnetError):
            self.report_error = "Dormant cards: choose between 1 and 120 months."
            return
        self.dormant = [[str(c.card_id), codes.mask(c.last4), format_cents(c.balance_cents, who.currency),
                         format_local_time(c.issued_at, who.timezone), format_local_time(c.last_activity_at, who.timezone)]
                        for c in page.rows]
        self.dormant_total = format_cents(total_cents, who.currency)
        self.dormant_count = f"{page.total_rows:,}"
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
    def set_history_card_id(self, value: str):
        self.history_card_id = value

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
            page = reports.card_history(who.operator_id, int(self.history_card_id.strip().lstrip("#")), self.history_page)
        except ValueError:
            self.history_error = "Type the card's number (as on the Cards screen)."
            return
        except GiftnetError as error:
            self.history_error = error.message
            return
        self.history = [[format_local_time(e.created_at, who.timezone), LEDGER_KIND_LABELS.get(e.kind, e.kind),
                         format_cents(e.amount_cents, who.currency), format_cents(e.balance_after_cents, who.currency)] for e in page.rows]
        self.history_pages = page.pages

    @rx.event
    @dashboard_action("report_error", clear=False)
    def open_history(self, who: SignedIn):
        self.history_page = 1
        self._load_history(who)
        return None

    @rx.event
    @dashboard_action("report_error", clear=False)
    def history_move(self, who: SignedIn, step: int):
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
            else:
                text = reports.card_history_csv(who.operator_id, int(self.history_card_id.strip().lstrip("#")))
        except (ValueError, GiftnetError):
            self.report_error = "Fix the range, months or card number first."
            return None
        return rx.download(data=text, filename=f"giftnet-{report}-{self.report_from}-{self.report_to}.csv",
                           mime_type="text/csv")

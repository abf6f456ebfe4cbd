"""The Activity screen: live figures and feed (shared per operator), a chosen range's
figures and the charts (this tab's own)."""

from __future__ import annotations

from datetime import date, timedelta

import reflex as rx

from app.services.access.accounts import SignedIn
from app.services.core import i18n
from app.services.reporting import activity, dashboard_figures
from app.state.feed import OperatorFeed, apply_snapshot, operator_token, snapshot
from app.state.session import SessionState, dashboard_action

DEFAULT_RANGE_DAYS = 30
# The live feed's words (app/services/reporting/activity.py marks them), shown in the reader's language.
FEED_LABELS = (*activity.LEDGER_FEED_LABELS.values(), *dict.fromkeys(activity.ORDER_FEED_STATUSES.values()),
               *activity.OTHER_FEED_LABELS)
FEED_PLACES = activity.FEED_CHANNELS


def range_on_load(range_from: str, range_to: str, chosen: bool, today: date) -> tuple[str, str]:
    """The range the Activity screen shows as it opens. One the person chose stays; the default
    (the last DEFAULT_RANGE_DAYS days) follows the calendar, so a tab opened yesterday does not
    keep showing a range that ends yesterday."""
    if chosen and range_from and range_to:
        return range_from, range_to
    return (today - timedelta(days=DEFAULT_RANGE_DAYS - 1)).isoformat(), today.isoformat()


def range_includes(range_from: str, range_to: str, day: date) -> bool:
    """Whether `day` is one of the range's days (False for a range that does not parse)."""
    try:
        return date.fromisoformat(range_from) <= day <= date.fromisoformat(range_to)
    except ValueError:
        return False


def _percent(rate_bps: int, lang: str) -> str:
    """`12.5%` / `12,5 %`: a rate in basis points as the reader writes it."""
    if lang == "en":
        return f"{rate_bps / 100:.1f}%"
    return i18n.format_number(round(rate_bps / 100, 1), lang) + "\u00a0%"


class HomeState(SessionState):
    range_from: str = ""
    range_to: str = ""
    range_error: str = ""
    _range_chosen: bool = False  # the person applied a range of their own (the default follows the calendar)
    range_sold: str = ""
    range_sold_count: str = ""
    range_topups: str = ""
    range_redeemed: str = ""
    breakage: str = ""
    breakage_known: bool = False  # enough history to expect breakage
    breakage_rate: str = ""
    # The range's figures and the breakage as French writes them ({"range_sold": "1 234,56 $", ...}).
    fr: dict[str, str] = {}
    daily: list[dict] = []  # {"day", "day_fr", "sales", "redeemed", "liability"} in dollars
    by_location: list[dict] = []  # {"name", "redeemed"} in dollars

    @rx.event
    async def load(self):
        who = self._signed_in()
        if who is None:
            return rx.redirect("/login")
        feed = await self.get_state(OperatorFeed)
        feed = await feed._link_to(operator_token(who.operator_id))  # noqa: SLF001 - backend-only (underscored: Reflex keeps it from the browser)
        apply_snapshot(feed, snapshot(who.operator_id, who.timezone, who.currency))
        self.range_from, self.range_to = range_on_load(self.range_from, self.range_to, self._range_chosen,
                                                       dashboard_figures.local_today(who.timezone))
        self._load_range(who.operator_id, who.timezone)
        breakage = dashboard_figures.expected_breakage(who.operator_id)
        # The sentences are the page's (both languages compiled in); only the figures are written here.
        self.breakage_known = breakage.enough_history
        known = breakage.enough_history
        self.breakage = i18n.format_money(breakage.expected_cents, who.currency, "en") if known else ""
        self.breakage_rate = _percent(breakage.rate_bps, "en") if known else ""
        self.fr = {**self.fr, "breakage": i18n.format_money(breakage.expected_cents, who.currency, "fr") if known else "",
                   "breakage_rate": _percent(breakage.rate_bps, "fr") if known else ""}
        return None

    def _load_range(self, operator_id: int, timezone: str) -> None:
        self.range_error = ""
        try:
            first, last = date.fromisoformat(self.range_from), date.fromisoformat(self.range_to)
        except ValueError:
            self.range_error = self._t("Choose both dates of the range.")
            return
        if last < first:
            self.range_error = self._t("The range must end on or after its first day.")
            return
        if (last - first).days >= dashboard_figures.MAX_CHART_DAYS:
            self.range_error = self._t("Choose a range of at most a year.")
            return
        start, end = dashboard_figures.days_period(first, last, timezone)
        figures = dashboard_figures.period_figures(operator_id, start, end)
        # Written in both languages: a switch of language shows the other at once, no round trip.
        self.range_sold = i18n.format_money(figures.sold_cents, self.currency, "en")
        self.range_sold_count = f"{figures.sold_count:,}"
        self.range_topups = i18n.format_money(figures.topup_cents, self.currency, "en")
        self.range_redeemed = i18n.format_money(figures.redeemed_cents, self.currency, "en")
        self.fr = {**self.fr,
                   "range_sold": i18n.format_money(figures.sold_cents, self.currency, "fr"),
                   "range_sold_count": i18n.format_number(figures.sold_count, "fr"),
                   "range_topups": i18n.format_money(figures.topup_cents, self.currency, "fr"),
                   "range_redeemed": i18n.format_money(figures.redeemed_cents, self.currency, "fr")}
        self.daily = [
            {"day": point.day.strftime("%b %d"), "day_fr": i18n.format_date(point.day, "fr", "d MMM"),
             "sales": point.sales_cents / 100,
             "redeemed": point.redeemed_cents / 100, "liability": point.liability_cents / 100}
            for point in dashboard_figures.daily_series(operator_id, first, last, timezone)
        ]
        self.by_location = [
            {"name": row.name, "redeemed": row.redeemed_cents / 100}
            for row in dashboard_figures.redeemed_by_location(operator_id, start, end)[:12]
        ]

    @rx.event
    def set_range_from(self, value: str):
        self.range_from = value

    @rx.event
    def set_range_to(self, value: str):
        self.range_to = value

    @rx.event
    @dashboard_action("range_error", clear=False)
    def apply_range(self, who: SignedIn):
        self._range_chosen = True
        self._load_range(who.operator_id, who.timezone)
        return None

    @rx.event
    def refresh_live_range(self):
        """The live figures changed (a sale, a redemption): a range that includes today is read
        again, so it never shows less than the Today column beside it. The range was computed
        once as the screen opened while Today follows the live feed: that was the stale column."""
        who = self._signed_in()
        if who is None or not self.range_from or self.range_error:
            return
        if range_includes(self.range_from, self.range_to, dashboard_figures.local_today(who.timezone)):
            self._load_range(who.operator_id, who.timezone)

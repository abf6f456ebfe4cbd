"""The Settings screen's payout schedule card: when batches are created by themselves
(`payouts.schedule`), saved through app/services/settlement/payout_settings.py, the rules
`PATCH /settings` uses. Saved on its own (its own button), so the bank settings' form and
this one never hold each other's half-typed values."""

from __future__ import annotations

from datetime import datetime

import reflex as rx

from app.services.access.accounts import SignedIn
from app.services.core.errors import GiftnetError
from app.services.core.i18n import N_
from app.services.core.money import parse_amount
from app.services.core.timefmt import format_local_time
from app.services.settlement import payout_settings
from app.state.session import SessionState, dashboard_action

# Labels are catalog sentences: the page shows them through t().
FREQUENCY_CHOICES = [("off", N_("Off: batches are created by hand")), ("daily", N_("Daily")), ("weekly", N_("Weekly")),
                     ("semimonthly", N_("Twice a month (1st and 16th)")), ("monthly", N_("Monthly"))]
WEEKDAY_CHOICES = [("mon", N_("Monday")), ("tue", N_("Tuesday")), ("wed", N_("Wednesday")), ("thu", N_("Thursday")),
                   ("fri", N_("Friday")), ("sat", N_("Saturday")), ("sun", N_("Sunday"))]


class PayoutScheduleState(SessionState):
    frequency: str = "off"
    weekday: str = "fri"
    day: str = "1"
    cutoff_time: str = "17:00"
    minimum_net: str = "0.00"  # dollars, as typed
    next_run: str = ""  # "2026-12-11 16:30 (America/Toronto)", or why there is none
    schedule_error: str = ""
    schedule_field: str = ""  # the field the refusal names: frequency | weekday | day | cutoff_time | minimum_net
    schedule_saved: str = ""

    def _clear_messages(self) -> None:
        self.schedule_error, self.schedule_field, self.schedule_saved = "", "", ""

    def _show(self, schedule: dict, timezone: str) -> None:
        self.frequency = schedule["frequency"]
        self.weekday = schedule["weekday"] or "fri"
        self.day = str(schedule["day"] or 1)
        self.cutoff_time = schedule["cutoff_time"]
        cents = schedule["minimum_net_cents"]
        self.minimum_net = f"{cents // 100}.{cents % 100:02d}"
        upcoming = schedule["next_run_at"]
        self.next_run = (f"{format_local_time(datetime.fromisoformat(upcoming), timezone)} ({timezone})" if upcoming
                         else self._t("No run: batches are created by hand on the Settlements screen."))

    @rx.event
    @dashboard_action("schedule_error", owner=True)
    def load(self, who: SignedIn):
        self._show(payout_settings.get_settings(who.operator_id).schedule, who.timezone)

    @rx.event
    def set_frequency(self, value: str):
        self.frequency = value

    @rx.event
    def set_weekday(self, value: str):
        self.weekday = value

    @rx.event
    def set_day(self, value: str):
        self.day = value

    @rx.event
    def set_cutoff_time(self, value: str):
        self.cutoff_time = value

    @rx.event
    def set_minimum_net(self, value: str):
        self.minimum_net = value

    @rx.event
    @dashboard_action("schedule_error", owner=True)
    def save(self, who: SignedIn):
        change: dict = {"frequency": self.frequency, "cutoff_time": self.cutoff_time}
        if self.frequency == "weekly":
            change["weekday"] = self.weekday
        if self.frequency == "monthly":
            change["day"] = self.day.strip()
        try:
            change["minimum_net_cents"] = parse_amount(self.minimum_net.strip().lstrip("$") or "0",
                                                       field="minimum_net_cents")
            settings = payout_settings.update_settings(self._actor(who), {"payouts": {"schedule": change}})
        except GiftnetError as error:
            self.schedule_field = (error.field or "").rsplit(".", 1)[-1].replace("minimum_net_cents", "minimum_net")
            self.schedule_error = error.localized_message(self.lang) + " " + self._t("Nothing was saved.")
            return
        self._show(settings.schedule, who.timezone)
        self.schedule_saved = self._t("Payout schedule saved.")

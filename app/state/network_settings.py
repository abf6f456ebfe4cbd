"""The Settings screen's network part: the time zone, chosen from the IANA zones
(app/services/core/timezones.py offers them; `accounts.change_timezone` sets one)."""

from __future__ import annotations

import reflex as rx

from app.services.access import accounts
from app.services.access.accounts import SignedIn
from app.services.core.timezones import DEFAULT_TIMEZONE, timezone_groups
from app.state.session import SessionState, dashboard_action

# (group title, ((zone, label), ...)): what the sign-up and Settings selects offer.
TIMEZONE_GROUPS = timezone_groups()
DEFAULT_ZONE = DEFAULT_TIMEZONE


class NetworkSettingsState(SessionState):
    timezone: str = ""
    timezone_error: str = ""
    timezone_saved: str = ""

    def _clear_messages(self) -> None:
        self.timezone_error, self.timezone_saved = "", ""

    @rx.event
    @dashboard_action("timezone_error", owner=True)
    def load(self, who: SignedIn):
        self.timezone = who.timezone

    @rx.event
    def set_timezone(self, value: str):
        self.timezone = value

    @rx.event
    @dashboard_action("timezone_error", owner=True)
    def save_timezone(self, who: SignedIn):
        self.timezone = accounts.change_timezone(self._actor(who), self.timezone)
        self.timezone_saved = self._t("Time zone saved: {zone}. Days, reports and payout cut-offs follow it.",
                                      zone=self.timezone)

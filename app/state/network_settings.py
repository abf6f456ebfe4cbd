"""The Settings screen's network part: the time zone, chosen from the IANA zones
(app/services/core/timezones.py offers them; `accounts.change_timezone` sets one), and the
network's languages (`payout_settings.update_settings` with `languages`)."""

from __future__ import annotations

import reflex as rx

from app.services.access import accounts
from app.services.access.accounts import SignedIn
from app.services.core.i18n import LANGUAGE_NAMES
from app.services.core.timezones import DEFAULT_TIMEZONE, timezone_groups
from app.services.settlement import payout_settings
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


class NetworkLanguagesState(SessionState):
    """Settings: the network's default language and the languages it offers (owners)."""

    network_default: str = "en"
    network_offered: list[str] = ["en", "fr"]
    languages_error: str = ""
    languages_saved: str = ""

    def _clear_messages(self) -> None:
        self.languages_error, self.languages_saved = "", ""

    def _show_languages(self, languages: dict) -> None:
        self.network_default, self.network_offered = languages["default"], list(languages["offered"])

    @rx.event
    @dashboard_action("languages_error", owner=True)
    def load(self, who: SignedIn):
        self._show_languages(payout_settings.get_settings(who.operator_id).languages)

    @rx.event
    def set_network_default(self, lang: str):
        self.network_default = lang

    @rx.event
    def toggle_offered(self, lang: str, on: bool):
        chosen = set(self.network_offered) | {lang} if on else set(self.network_offered) - {lang}
        self.network_offered = [code for code in LANGUAGE_NAMES if code in chosen]

    @rx.event
    @dashboard_action("languages_error", owner=True)
    def save_languages(self, who: SignedIn):
        saved = payout_settings.update_settings(
            self._actor(who), {"languages": {"default": self.network_default, "offered": self.network_offered}})
        self._show_languages(saved.languages)
        self._signed_in()  # this screen follows at once if its language is no longer offered
        self.languages_saved = self._t("Languages saved. Default language: {default}.",
                                       default=LANGUAGE_NAMES[saved.languages["default"]])

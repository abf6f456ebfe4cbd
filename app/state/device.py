"""The counter device's side: activation through the emailed link, and the device home.

The device's secret lives in this browser's localStorage (`giftnet_device`) and is
resolved again on every load, so a revoked device is refused at once.
"""

from __future__ import annotations

from datetime import UTC, datetime

import reflex as rx

from app.models.base import utcnow
from app.services.core import i18n, link_guard
from app.services.core.errors import GiftnetError
from app.services.network import devices
from app.state.client import client_ip
from app.state.language import N_, LanguageState

REFUSAL_TITLES = {
    "unknown": N_("This activation link does not work"),
    "expired": N_("This activation link has expired"),
    "revoked": N_("This activation link was replaced"),
    "location_inactive": N_("This location is not active"),
    "rate_limited": N_("Too many attempts"),
}


class DeviceState(LanguageState):
    """The secret that makes this browser a device of a location."""

    device_secret: str = rx.LocalStorage("", name="giftnet_device", sync=True)

    def _show_device_language(self, context: devices.DeviceContext | None) -> None:
        """The counter in the device's own language (or the network's default); a browser that is
        not a device reads its own choice or its `Accept-Language`."""
        if context is None:
            self._show_in(self._browser_preference(), i18n.LANGUAGES)
        else:
            self._show_in(context.language, context.offered_languages)

    def _keep_language(self, lang: str) -> None:
        """A choice made on the counter is the device's: kept on it across visits."""
        context = devices.resolve_device(self.device_secret)
        if context is None:
            self.browser_language = lang
            return
        try:
            devices.set_language(context, lang)
        except GiftnetError:
            self._show_in(context.language, context.offered_languages)

    @rx.event
    def choose_language(self, lang: str):
        """The picker. Its own handler: Reflex runs an inherited handler on the class that defines
        it, whose `_keep_language` would not be this screen's."""
        lang = (lang or "").strip().lower()
        if lang in self.offered_languages:
            self.lang = lang
            self._keep_language(lang)


def _hours_left(expires_at: datetime | None, lang: str = i18n.DEFAULT_LANGUAGE) -> str:
    if expires_at is None:
        return ""
    if expires_at.tzinfo is None:
        expires_at = expires_at.replace(tzinfo=UTC)
    seconds = (expires_at - utcnow()).total_seconds()
    hours = int(seconds // 3600)
    if hours == 1:
        return i18n.translate(N_("This link works for 1 more hour."), lang)
    if hours > 1:
        return i18n.translate(N_("This link works for {hours} more hours."), lang, hours=hours)
    return i18n.translate(N_("This link works for {minutes} more minutes."), lang,
                          minutes=max(1, int(seconds // 60)))


class ActivateState(DeviceState):
    checked: bool = False
    link_ok: bool = False
    refusal_title: str = ""
    refusal_message: str = ""
    location_name: str = ""
    operator_name: str = ""
    validity: str = ""
    # this browser may already be a device (of this or another location)
    current_device_code: str = ""
    current_location_name: str = ""
    # after activation
    activated: bool = False
    device_code: str = ""
    device_name: str = ""
    error: str = ""

    def _keep_language(self, lang: str) -> None:
        """On the activation page the choice is this browser's (it may still be another location's
        device): the new device takes it once activated."""
        self.browser_language = lang

    @rx.event
    def choose_language(self, lang: str):
        """The picker. Its own handler: Reflex runs an inherited handler on the class that defines
        it, whose `_keep_language` would not be this screen's."""
        lang = (lang or "").strip().lower()
        if lang in self.offered_languages:
            self.lang = lang
            self._keep_language(lang)

    def _give_device_the_chosen_language(self, secret: str) -> None:
        context = devices.resolve_device(secret)
        if context is None or self.browser_language not in context.offered_languages:
            return
        if self.browser_language != context.language:
            try:
                devices.set_language(context, self.browser_language)
            except GiftnetError:
                return

    def _token(self) -> str:
        return str(self.router.page.params.get("activation_token", ""))

    def _guessing_refused(self) -> bool:
        """True (and the page says so) when this address opened too many unknown activation links."""
        try:
            link_guard.refuse_if_guessing("activation", client_ip(self))
        except GiftnetError as error:
            self._show_refusal("rate_limited")
            self.refusal_message = error.localized_message(self.lang)
            return True
        return False

    def _check_link(self, token: str) -> devices.LinkCheck:
        check = devices.check_activation_link(token)
        if check.reason == "unknown":
            link_guard.record_unknown("activation", client_ip(self))
        return check

    def _show_refusal(self, reason: str, location_name: str = "", operator_name: str = "") -> None:
        self.link_ok = False
        self.refusal_title = self._t(REFUSAL_TITLES.get(reason, REFUSAL_TITLES["unknown"]))
        self.refusal_message = self._t(devices.LINK_REFUSALS.get(reason, devices.LINK_REFUSALS["unknown"]))
        self.location_name, self.operator_name = location_name, operator_name

    @rx.event
    def load(self):
        self.activated, self.device_code, self.device_name, self.error = False, "", "", ""
        self._show_in(self._browser_preference(), i18n.LANGUAGES)
        if self._guessing_refused():
            self.checked = True
            return
        check = self._check_link(self._token())
        if check.ok:
            self.link_ok = True
            self.location_name, self.operator_name = check.location_name, check.operator_name
            self.validity = _hours_left(check.expires_at, self.lang)
        else:
            self._show_refusal(check.reason, check.location_name, check.operator_name)
        current = devices.resolve_device(self.device_secret)
        self.current_device_code = current.code if current else ""
        self.current_location_name = current.location_name if current else ""
        self.checked = True

    @rx.event
    def activate(self, form: dict):
        self.error = ""
        token = self._token()
        if self._guessing_refused():
            return None
        try:
            activated = devices.activate_device(token, str(form.get("device_name", "")))
        except GiftnetError as error:
            if error.field == "token":
                # The link stopped working while the page was open: say why, as on load.
                check = self._check_link(token)
                self._show_refusal(check.reason, check.location_name, check.operator_name)
            else:
                self.error = error.localized_message(self.lang)
            return None
        self.device_secret = activated.secret
        self._give_device_the_chosen_language(activated.secret)
        self.device_code = activated.device.code
        self.device_name = activated.device.name
        self.activated = True
        return None

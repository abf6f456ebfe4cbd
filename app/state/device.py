"""The counter device's side: activation through the emailed link, and the device home.

The device's secret lives in this browser's HttpOnly cookie (`giftnet_device`, set by
POST /auth/device right after activation, app/api/session_cookie.py), which no script on
the page can read. This state never holds the secret: the websocket's Cookie header
reaches Reflex rewritten to the device's handle (its keyed hash), and an activation on
this connection keeps that handle in a backend var. The device is resolved again on
every load, so a revoked device is refused at once.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import reflex as rx

from app.models.base import utcnow
from app.services.access.browser_cookies import DEVICE_HANDLE_COOKIE, handle_in
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
    """Which device this browser is, by the handle of its secret (never the secret)."""

    # The handle of a device activated on this connection, and the connection's cookie
    # handle at that moment: a later connection whose cookie differs (another activation
    # in another tab) is believed instead.
    _device_handle_now: str = ""
    _device_cookie_then: str = ""

    def _device_handle(self) -> str:
        cookie = handle_in(self.router.headers.cookie, DEVICE_HANDLE_COOKIE)
        if self._device_handle_now and cookie == self._device_cookie_then:
            return self._device_handle_now
        return cookie

    def _keep_device(self, secret: str, then):  # noqa: ANN001 - a Reflex event and its answer
        """A device just activated: this connection knows its handle, and the page trades a
        short-lived ticket for the HttpOnly cookie (the secret never sits in the page); `then`
        is called with whether the cookie was set."""
        self._device_cookie_then = handle_in(self.router.headers.cookie, DEVICE_HANDLE_COOKIE)
        self._device_handle_now = devices.device_handle(secret)
        ticket = json.dumps(devices.device_ticket(secret))
        return rx.call_script(f"fetch('/auth/device', {{method: 'POST', credentials: 'same-origin', headers: "
                              f"{{'Content-Type': 'application/json'}}, body: JSON.stringify({{ticket: {ticket}}})}})"
                              ".then((answer) => answer.ok, () => false)", callback=then)

    def _show_device_language(self, context: devices.DeviceContext | None) -> None:
        """The counter in the device's own language (or the network's default); a browser that is
        not a device reads its own choice or its `Accept-Language`."""
        if context is None:
            self._show_in(self._browser_preference(), i18n.LANGUAGES)
        else:
            self._show_in(context.language, context.offered_languages)

    def _keep_language(self, lang: str) -> None:
        """A choice made on the counter is the device's: kept on it across visits."""
        context = devices.resolve_device_handle(self._device_handle())
        if context is None:
            self.browser_language = lang
            return
        try:
            devices.set_language(context, lang)
        except GiftnetError:
            self._show_in(context.language, context.offered_languages)

    @rx.event
    def choose_language(self, lang: str):
        """The picker, its own handler here (see `LanguageState._choose`)."""
        self._choose(lang)


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
        """The picker, its own handler here (see `LanguageState._choose`)."""
        self._choose(lang)

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

    def _begin_attempt(self) -> link_guard.LinkAttempt | None:
        """This opening of the link, counted; None (and the page says so) when this address
        opened too many unknown activation links."""
        try:
            return link_guard.begin("activation", client_ip(self))
        except GiftnetError as error:
            self._show_refusal("rate_limited")
            self.refusal_message = error.localized_message(self.lang)
            return None

    def _check_link(self, token: str, attempt: link_guard.LinkAttempt) -> devices.LinkCheck:
        check = devices.check_activation_link(token)
        attempt.settle(unknown=check.reason == "unknown")
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
        attempt = self._begin_attempt()
        if attempt is None:
            self.checked = True
            return
        check = self._check_link(self._token(), attempt)
        if check.ok:
            self.link_ok = True
            self.location_name, self.operator_name = check.location_name, check.operator_name
            self.validity = _hours_left(check.expires_at, self.lang)
        else:
            self._show_refusal(check.reason, check.location_name, check.operator_name)
        current = devices.resolve_device_handle(self._device_handle())
        self.current_device_code = current.code if current else ""
        self.current_location_name = current.location_name if current else ""
        self.checked = True

    @rx.event
    def activate(self, form: dict):
        self.error = ""
        token = self._token()
        attempt = self._begin_attempt()
        if attempt is None:
            return None
        try:
            activated = devices.activate_device(token, str(form.get("device_name", "")))
        except GiftnetError as error:
            if error.field == "token":
                # The link stopped working while the page was open: say why, as on load.
                check = self._check_link(token, attempt)
                self._show_refusal(check.reason, check.location_name, check.operator_name)
            else:
                attempt.settle(unknown=False)
                self.error = error.localized_message(self.lang)
            return None
        attempt.settle(unknown=False)
        self._give_device_the_chosen_language(activated.secret)
        self.device_code = activated.device.code
        self.device_name = activated.device.name
        # Shown once the browser holds its cookie (or failed to: this connection still knows the device).
        return self._keep_device(activated.secret, ActivateState.device_kept)

    @rx.event
    def device_kept(self, kept: bool):
        self.activated = bool(self.device_code)
        if not kept:
            self.error = self._t("This browser did not keep the device's cookie: allow cookies for this site, or "
                                 "this device will have to be activated again after it is closed.")

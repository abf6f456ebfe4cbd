"""The counter device's side: activation through the emailed link, and the device home.

The device's secret lives in this browser's localStorage (`giftnet_device`) and is
resolved again on every load, so a revoked device is refused at once.
"""

from __future__ import annotations

from datetime import UTC, datetime

import reflex as rx

from app.models.base import utcnow
from app.services.core import link_guard
from app.services.core.errors import GiftnetError
from app.services.network import devices
from app.state.client import client_ip
from app.state.language import LanguageState

REFUSAL_TITLES = {
    "unknown": "This activation link does not work",
    "expired": "This activation link has expired",
    "revoked": "This activation link was replaced",
    "location_inactive": "This location is not active",
    "rate_limited": "Too many attempts",
}


class DeviceState(LanguageState):
    """The secret that makes this browser a device of a location."""

    device_secret: str = rx.LocalStorage("", name="giftnet_device", sync=True)


def _hours_left(expires_at: datetime | None) -> str:
    if expires_at is None:
        return ""
    if expires_at.tzinfo is None:
        expires_at = expires_at.replace(tzinfo=UTC)
    seconds = (expires_at - utcnow()).total_seconds()
    hours = int(seconds // 3600)
    if hours >= 1:
        return f"This link works for {hours} more hour{'s' if hours != 1 else ''}."
    return f"This link works for {max(1, int(seconds // 60))} more minutes."


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

    def _token(self) -> str:
        return str(self.router.page.params.get("activation_token", ""))

    def _guessing_refused(self) -> bool:
        """True (and the page says so) when this address opened too many unknown activation links."""
        try:
            link_guard.refuse_if_guessing("activation", client_ip(self))
        except GiftnetError as error:
            self._show_refusal("rate_limited")
            self.refusal_message = error.message
            return True
        return False

    def _check_link(self, token: str) -> devices.LinkCheck:
        check = devices.check_activation_link(token)
        if check.reason == "unknown":
            link_guard.record_unknown("activation", client_ip(self))
        return check

    def _show_refusal(self, reason: str, location_name: str = "", operator_name: str = "") -> None:
        self.link_ok = False
        self.refusal_title = REFUSAL_TITLES.get(reason, REFUSAL_TITLES["unknown"])
        self.refusal_message = devices.LINK_REFUSALS.get(reason, devices.LINK_REFUSALS["unknown"])
        self.location_name, self.operator_name = location_name, operator_name

    @rx.event
    def load(self):
        self.activated, self.device_code, self.device_name, self.error = False, "", "", ""
        if self._guessing_refused():
            self.checked = True
            return
        check = self._check_link(self._token())
        if check.ok:
            self.link_ok = True
            self.location_name, self.operator_name = check.location_name, check.operator_name
            self.validity = _hours_left(check.expires_at)
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
                self.error = error.message
            return None
        self.device_secret = activated.secret
        self.device_code = activated.device.code
        self.device_name = activated.device.name
        self.activated = True
        return None

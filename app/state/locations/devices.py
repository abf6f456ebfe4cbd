"""A location's devices: the activation link emailed to the location, the devices it
activated, and revoking one after a confirmation."""

from __future__ import annotations

from dataclasses import dataclass

import reflex as rx

from app.models import Location
from app.services.access.accounts import SignedIn
from app.services.core.timefmt import format_local_time
from app.services.network import device_emails, devices
from app.state import wording
from app.state.locations.parts import ConfirmedRow
from app.state.locations.screen import LocationDetailState
from app.state.session import dashboard_action


@dataclass
class DeviceRow:
    id: int = 0
    code: str = ""
    name: str = ""
    activated: str = ""
    last_seen: str = ""
    revoked: bool = False
    revoked_at: str = ""


class LocationDevicesState(ConfirmedRow, LocationDetailState):
    device_rows: list[DeviceRow] = []
    # Send new link retires the link the location was sent: while that one still works,
    # the screen asks first, saying when it was sent and until when it would have worked.
    asking_new_link: bool = False
    live_link_text: str = ""

    def _open(self, who: SignedIn, location: Location) -> None:
        self.confirm_id = 0
        self._show_devices(who)

    def _show_devices(self, who: SignedIn) -> None:
        zone = who.timezone
        self.device_rows = [
            DeviceRow(
                id=device.id,
                code=device.code,
                name=device.name,
                activated=format_local_time(device.activated_at, zone),
                last_seen=format_local_time(device.last_seen_at, zone) or self._t("Never"),
                revoked=device.revoked_at is not None,
                revoked_at=format_local_time(device.revoked_at, zone),
            )
            for device in devices.list_devices(who.operator_id, self._location_id())
        ]

    def _rows_to_confirm(self) -> list[DeviceRow]:
        return self.device_rows

    def _label(self, row: DeviceRow) -> str:
        return f"{row.code} ({row.name})"

    @rx.event
    @dashboard_action()
    def ask_new_link(self, who: SignedIn):
        """Send new link: asks first while the location's link still works, else sends at once."""
        live = devices.live_activation_link(who.operator_id, self._location_id())
        if live is None:
            self._send_link(who)
            return
        self.live_link_text = self._t("The link emailed to {email} on {sent} still works, until {until}.",
                                      email=self.location.email,
                                      sent=format_local_time(live.created_at, who.timezone),
                                      until=format_local_time(live.expires_at, who.timezone))
        self.asking_new_link = True

    @rx.event
    def keep_link(self):
        self.asking_new_link, self.live_link_text = False, ""

    @rx.event
    @dashboard_action()
    def send_link(self, who: SignedIn):
        """Confirmed: email a new link; the earlier one stops working."""
        self.asking_new_link, self.live_link_text = False, ""
        self._send_link(who)

    def _send_link(self, who: SignedIn) -> None:
        sent = device_emails.send_activation_email(self._actor(who), self._location_id())
        self.link_message = self._t("A new activation link was emailed to {email} at {sent}. It works for {duration}.",
                                    email=self.location.email,
                                    sent=format_local_time(sent.link.created_at, who.timezone),
                                    duration=wording.duration(devices.activation_ttl(), self.lang))
        if sent.replaced:
            self.link_message += " " + self._t("The earlier link no longer works; devices already activated keep working.")

    @rx.event
    @dashboard_action()
    def revoke_device(self, who: SignedIn):
        device = devices.revoke_device(self._actor(who), self._confirmed())
        self.action_message = self._t("Device {code} was revoked: it can no longer redeem cards.", code=device.code)
        self._show_devices(who)

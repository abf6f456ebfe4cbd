"""A location's POS: the keys its POS pushes payments with (owners only; a new key is shown
once), and the Square settings of a location that redeems POS payments."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import reflex as rx

from app.models import Location
from app.services.access.accounts import SignedIn
from app.services.core.roles import OWNER
from app.services.counter import pos_partner_settings
from app.services.network import locations, pos_keys
from app.settings import get_settings
from app.state.keys import KeyRow, key_row
from app.state.locations.money import LocationMoneyState
from app.state.locations.parts import ConfirmedRow
from app.state.locations.redemptions import LocationRedemptionsState
from app.state.locations.screen import LocationDetailState, location_view
from app.state.session import dashboard_action


@dataclass
class SquareView:
    """The location's Square integration as the form shows it (the signature key never comes back)."""

    configured: bool = False
    notification_url: str = ""
    tender_type: str = "OTHER_GIFT_CARD"
    receiver_url: str = ""


def square_receiver_url(location_id: int) -> str:
    """Where the location's Square webhook subscription must send `payment.created`."""
    return f"{get_settings().public_url}/api/v1/pos/square/{location_id}"


def _square_view(location: Location) -> SquareView:
    receiver = square_receiver_url(location.id)
    return SquareView(
        configured=bool(location.square_signature_key_encrypted and location.square_notification_url),
        notification_url=location.square_notification_url or receiver,
        tender_type=location.square_tender_type or "OTHER_GIFT_CARD",
        receiver_url=receiver,
    )


class LocationPosState(ConfirmedRow, LocationDetailState):
    """The POS keys (the row to confirm is the key to revoke) and the Square settings."""

    pos_key_rows: list[KeyRow] = []
    # shown once, right after creation
    pos_key_plaintext: str = ""
    pos_key_notice: str = ""  # "POS payments are now on ...", when the key turned them on
    square: SquareView = SquareView()
    # A new key per load remounts the Square form, so its inputs start from `square` again.
    square_form_key: str = ""

    def _open(self, who: SignedIn, location: Location) -> None:
        self.pos_key_plaintext, self.confirm_id = "", 0
        self.square_form_key = uuid.uuid4().hex
        self._show_keys(who)
        self.square = _square_view(location)

    def _show_keys(self, who: SignedIn) -> None:
        if who.role != OWNER:  # keys are for owners (app/services/core/roles.py)
            self.pos_key_rows = []
            return
        self.pos_key_rows = [
            key_row(key, who.timezone, self.lang) for key in pos_keys.list_pos_keys(who.operator_id, self._location_id())
        ]

    @rx.event
    @dashboard_action("pos_key_error")
    def create_pos_key(self, who: SignedIn, form: dict):
        self.pos_key_plaintext = self.pos_key_notice = ""
        created = pos_keys.create_pos_key(self._actor(who), self._location_id(), str(form.get("name", "")))
        self.pos_key_plaintext = created.plaintext
        if created.pos_payments_turned_on:
            self.pos_key_notice = created.notice or ""
            self.location = location_view(locations.get_location(who.operator_id, self._location_id()), who.timezone, self.lang)
        self._show_keys(who)
        return rx.set_value("pos-key-name", "")

    @rx.event
    def dismiss_pos_key(self):
        self.pos_key_plaintext = self.pos_key_notice = ""

    def _rows_to_confirm(self) -> list[KeyRow]:
        return self.pos_key_rows

    def _label(self, row: KeyRow) -> str:
        return f"{row.name} ({row.prefix})"

    @rx.event
    @dashboard_action()
    def revoke_pos_key(self, who: SignedIn):
        key = pos_keys.revoke_pos_key(self._actor(who), self._confirmed())
        self.action_message = self._t("POS key {name} was revoked: the POS can no longer push payments with it.",
                                      name=key.name)
        self._show_keys(who)

    @rx.event
    @dashboard_action("square_error")
    def save_square(self, who: SignedIn, form: dict):
        # Through configure_partner, as the API: owners only (staff are told so here).
        pos_partner_settings.configure_partner(self._actor(who), self._location_id(), "square", {
            "signature_key": str(form.get("signature_key", "")).strip(),
            "notification_url": str(form.get("notification_url", "")).strip(),
            "tender_type": str(form.get("tender_type", "") or "OTHER_GIFT_CARD"),
        })
        self.square_message = (self._t("Square settings saved. Square's payments with this tender now appear on this "
                               "location's counter screens."))
        self.square_form_key = uuid.uuid4().hex
        self.square = _square_view(locations.get_location(who.operator_id, self._location_id()))
        # The parts below the form are read again as on opening the screen: redemptions from the newest.
        return [LocationRedemptionsState.show_first_page, LocationMoneyState.refresh]

"""A location's POS setup guide: each partner's steps with this location's own addresses,
"Send a test payment" (a TEST payment on its open counter screens for a minute), and
turning POS payments on in one tap when they are off."""

from __future__ import annotations

import reflex as rx

from app.models import Location
from app.services.access.accounts import SignedIn
from app.services.counter import test_payments
from app.services.network import counter_modes, locations
from app.state.locations.screen import LocationDetailState, location_view
from app.state.pos_partners import GuideView, guide_views
from app.state.session import dashboard_action


class LocationPosSetupState(LocationDetailState):
    """The guide of the location on screen; its messages live in LocationDetailState."""

    guides: list[GuideView] = []

    def _open(self, who: SignedIn, location: Location) -> None:
        self.guides = guide_views(location.id, self._t("{network} gift card", network=who.operator_name), self.lang)

    @rx.event
    @dashboard_action("pos_setup_error")
    def send_test_payment(self, who: SignedIn):
        payment = test_payments.send_test_payment(self._actor(who), self._location_id())
        self.pos_setup_message = self._t(
            "A TEST payment of {amount} is on this location's open counter screens now. It goes away by itself in "
            "{seconds} seconds (or dismiss it there); nothing can be taken off a card with it.",
            amount=self._money(payment.amount_cents), seconds=test_payments.TEST_PAYMENT_SECONDS)

    @rx.event
    @dashboard_action("pos_setup_error")
    def turn_on_pos_payments(self, who: SignedIn):
        location = locations.update_location(self._actor(who), self._location_id(), {"accepts_pos_payments": True})
        self.location = location_view(location, who.timezone, self.lang)
        self.pos_setup_message = counter_modes.pos_payments_turned_on_message(location)

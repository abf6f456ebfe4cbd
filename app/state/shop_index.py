"""`/shop` without a shop's address: what the shop is; for a signed-in person, their
network's own shop, and for an owner the screen where it is set up."""

from __future__ import annotations

import reflex as rx

from app.services.shop import shop_settings
from app.state.session import SessionState


class ShopIndexState(SessionState):
    own_shop_path: str = ""  # /shop/<slug> of the signed-in person's network

    @rx.event
    def load(self):
        who = self._signed_in()
        self.own_shop_path = f"/shop/{shop_settings.shop_slug(who.operator_id)}" if who is not None else ""

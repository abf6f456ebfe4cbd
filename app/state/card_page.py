"""The recipient's card page `/c/<link token>`: no login, the link is the credential."""

from __future__ import annotations

import reflex as rx

from app.services.core import i18n, link_guard
from app.services.core.errors import GiftnetError
from app.services.money import card_page
from app.services.money.cards import find_card_by_link_token
from app.services.network import devices
from app.state.client import client_ip
from app.state.device import DeviceState


class CardPageState(DeviceState):
    """The recipient's page (a device's browser only to send a scan to its counter)."""

    def _keep_language(self, lang: str) -> None:
        """The recipient's choice, kept in this browser (never a device's setting)."""
        self.browser_language = lang

    @rx.event
    def choose_language(self, lang: str):
        """The picker: the page read again in `lang` (balance and sentences come from the server)."""
        return CardPageState.load if self._choose(lang) else None

    checked: bool = False
    valid: bool = False
    operator_name: str = ""
    balance: str = ""
    status: str = ""
    status_label: str = ""
    masked_code: str = ""
    where_to_use: str = ""
    qr_src: str = ""
    pdf_href: str = ""  # the printable card (app/api/public.py), its code masked
    limited_message: str = ""  # too many unknown card links from this address
    is_test: bool = False  # a test card (bought in the shop's test mode)

    def _clear(self) -> None:
        self.operator_name = self.balance = self.status = self.status_label = ""
        self.masked_code = self.where_to_use = self.qr_src = self.pdf_href = ""
        self.is_test = False

    @rx.event
    def load(self):
        token = str(self.router.page.params.get("link_token", ""))
        ip = client_ip(self)
        self.limited_message = ""
        try:
            attempt = link_guard.begin("card", ip)
        except GiftnetError as error:
            self._clear()
            self._show_in(self._browser_preference(), i18n.LANGUAGES)
            self.checked, self.valid, self.limited_message = True, False, error.localized_message(self.lang)
            return None
        # Scanned at the counter: on an activated device of the card's own network the
        # link opens the redemption screen for this card; anywhere else it stays the
        # recipient's page.
        handle = self._device_handle()
        device = devices.resolve_device_handle(handle) if handle else None
        if device is not None:
            card = find_card_by_link_token(token)
            if card is not None and card.operator_id == device.operator_id:
                attempt.settle(unknown=False)
                return rx.redirect(f"/redeem?link={token}")
        # The recipient's own choice on this browser, else the card's language (its emails').
        view = card_page.public_card(token, self.browser_language or None)
        attempt.settle(unknown=view is None)
        self.checked, self.valid = True, view is not None
        self._show_in(view.language if view else self._browser_preference(), i18n.LANGUAGES)
        if view is None:
            self._clear()
            return None
        self.operator_name = view.operator_name
        self.balance = view.balance
        self.status = view.status
        self.status_label = view.status_label
        self.masked_code = view.masked_code
        self.where_to_use = view.where_to_use
        self.qr_src = view.qr_data_url
        self.pdf_href = f"/c/{token}/card.pdf"
        self.is_test = view.is_test

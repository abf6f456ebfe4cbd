"""What the location screens share, and one location's screen (/locations/<id>).

`LocationScreensState` knows which location the address names and carries the one
message the form leaves for the location's screen ("Location created ..."). Its
`LocationDetailState` is that screen: the location's details and the message of the last
action. Each part of the screen (devices, POS, items, redemptions, money owed,
notifications) is a substate of `LocationDetailState` with its own rows and handlers;
opening the screen opens every part in the same event (`_open`).

The messages live here, not in the parts: every action clears the last one, wherever on
the screen it was shown.
"""

from __future__ import annotations

from dataclasses import dataclass

import reflex as rx

from app.models import Location
from app.services.access.accounts import SignedIn
from app.services.core import i18n
from app.services.core.errors import GiftnetError
from app.services.core.i18n import N_
from app.services.core.timefmt import format_local_time
from app.services.network import counter_modes, locations
from app.state.session import SessionState, dashboard_action

MODE_LABELS = {"pos": N_("POS payments"), "items": N_("Items"), "amount": N_("Amount")}


class LocationScreensState(SessionState):
    """The form and the location's screen: the location of the address, one message between them."""

    # One message from the previous screen (e.g. "Location created ..."), shown once.
    flash: str = ""

    def _location_id(self) -> int:
        """The location the address names (0 for none: no location has it)."""
        raw = str(self.router.page.params.get("location_id", ""))
        return int(raw) if (raw.isascii() and raw.isdigit()) else 0


@dataclass
class LocationView:
    id: int = 0
    name: str = ""
    email: str = ""
    phone: str = ""
    address: str = ""
    external_id: str = ""
    mode: str = ""
    mode_label: str = ""
    mode_hint: str = ""
    accepts_pos_payments: bool = False
    item_webhook_url: str = ""
    notify_items_email: str = ""
    notify_webhook_url: str = ""
    commission: str = ""
    bank: str = ""
    active: bool = True
    test_location: str = ""  # "Yes: test cards are accepted here" / "No"
    created: str = ""


def _commission(location: Location, lang: str) -> str:
    if location.commission_bps is None:
        return i18n.translate(N_("The network's default"), lang)
    percent = i18n.format_number(round(location.commission_bps / 100, 2), lang) if lang != "en" else f"{location.commission_bps / 100:.2f}"
    return i18n.translate(N_("{percent} % ({bps} bps, overrides the network's)"), lang, percent=percent,
                          bps=location.commission_bps)


def _ways(location: Location, lang: str) -> list[str]:
    return [i18n.translate(way, lang) for way in counter_modes.accepted_ways(location)]


def _counter_sentence(location: Location, lang: str) -> str:
    """`counter_modes.describe_counter` in the reader's language (the same sentence in English)."""
    if lang == i18n.DEFAULT_LANGUAGE:
        return counter_modes.describe_counter(location)
    ways = [way[0].lower() + way[1:] for way in _ways(location, lang)]
    listed = i18n.translate(N_("{ways} and {last}"), lang, ways=", ".join(ways[:-1]), last=ways[-1]) if len(ways) > 1 else ways[0]
    sentence = i18n.translate(N_("The counter accepts {ways}."), lang, ways=listed)
    if location.accepts_pos_payments and location.accepts_typed_amounts:
        sentence += " " + i18n.translate(
            N_("While no POS payment is waiting, the merchant can type an amount (if the POS is down)."), lang)
    elif location.accepts_pos_payments:
        sentence += " " + i18n.translate(
            N_("No typed-amount fallback: when the POS is down, the counter cannot redeem."), lang)
    return sentence


def _bank(location: Location, lang: str) -> str:
    """`locations.bank_summary` in the reader's language."""
    if lang == i18n.DEFAULT_LANGUAGE:
        return locations.bank_summary(location)
    if not location.bank_country:
        return i18n.translate(N_("No bank details"), lang)
    if location.bank_country == "US":
        route = i18n.translate(N_("routing {number}"), lang, number=location.routing_number)
    else:
        route = i18n.translate(N_("institution {institution}, transit {transit}"), lang,
                               institution=location.institution_number, transit=location.transit_number)
    kind = i18n.translate({"checking": N_("checking"), "savings": N_("savings")}.get(location.account_type or "", ""), lang) \
        or (location.account_type or "")
    return f"{location.bank_country} {kind} •••• {location.account_last4} ({route})"


def _view(location: Location, timezone: str, lang: str = i18n.DEFAULT_LANGUAGE) -> LocationView:
    return LocationView(
        id=location.id,
        name=location.name,
        email=location.email,
        phone=location.phone or "—",
        address=location.address or "—",
        external_id=location.external_id or "—",
        mode=location.mode,
        mode_label=" · ".join(_ways(location, lang)),
        mode_hint=_counter_sentence(location, lang),
        accepts_pos_payments=location.accepts_pos_payments,
        item_webhook_url=location.item_webhook_url or "—",
        notify_items_email=i18n.translate(N_("Yes") if location.notify_items_email else N_("No"), lang),
        notify_webhook_url=location.notify_webhook_url or "—",
        commission=_commission(location, lang),
        bank=_bank(location, lang),
        active=location.active,
        test_location="Yes: the shop's test cards can be redeemed here" if location.is_test else "No",
        created=format_local_time(location.created_at, timezone),
    )


location_view = _view  # for the parts that change what the details show (a POS key turning POS payments on)


class LocationDetailState(LocationScreensState):
    """One location: its details and the last action's message; its parts are substates."""

    location: LocationView = LocationView()
    not_found: bool = False
    action_message: str = ""
    action_error: str = ""
    link_message: str = ""
    pos_key_error: str = ""
    item_error: str = ""
    webhook_message: str = ""
    webhook_error: str = ""
    square_message: str = ""
    square_error: str = ""
    pos_setup_message: str = ""
    pos_setup_error: str = ""
    clover_message: str = ""
    clover_error: str = ""
    shopify_message: str = ""
    shopify_error: str = ""

    def _clear_messages(self) -> None:
        self.action_message, self.action_error, self.link_message = "", "", ""
        self.pos_key_error, self.item_error = "", ""
        self.webhook_message, self.webhook_error = "", ""
        self.square_message, self.square_error = "", ""
        self.pos_setup_message, self.pos_setup_error = "", ""
        self.clover_message, self.clover_error, self.shopify_message, self.shopify_error = "", "", "", ""

    def _open(self, who: SignedIn, location: Location) -> None:
        """What a part overrides: show its rows of `location`, as on a fresh visit (no dialog
        open, nothing revealed)."""

    @rx.event
    @dashboard_action()
    def load(self, who: SignedIn):
        self.action_message, self.flash = self.flash, ""
        try:
            location = locations.get_location(who.operator_id, self._location_id())
        except GiftnetError:  # the screen says so instead of showing any part
            self.not_found, self.location = True, LocationView()
            return
        self.not_found = False
        self.location = _view(location, who.timezone, self.lang)
        # Reflex brings a state's substates along with it: the parts of this screen.
        for part in self.substates.values():
            part._open(who, location)  # noqa: SLF001 - backend-only (underscored: Reflex keeps it from the browser)

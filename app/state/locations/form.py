"""The location form: create (/locations/new) and edit (/locations/<id>/edit), with the
payout bank details. The account number is never sent back to the browser."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import reflex as rx

from app.models import Location
from app.services.access.accounts import SignedIn
from app.services.core import i18n
from app.services.core.actor import Actor
from app.services.core.errors import GiftnetError
from app.services.core.i18n import N_
from app.services.network import device_emails, devices, locations
from app.services.network.counter_modes import COUNTER_FLAGS
from app.state import wording
from app.state.locations.screen import LocationScreensState
from app.state.session import dashboard_action

# The form's text fields, in screen order; the checkboxes and selects are read apart.
TEXT_FIELDS = ("name", "email", "phone", "address", "external_id", "item_webhook_url", "notify_webhook_url",
               "commission_bps")
BANK_INPUTS = ("routing_number", "institution_number", "transit_number", "account_number")
# Every field the form shows an error beside (the page's `_error(field)`); a refusal of any
# other field (or of none) is shown in the callout above the form instead: once, never both.
FIELDS_WITH_ERRORS = (*TEXT_FIELDS, "mode", "notify_items_email", "active", "is_test", "bank_country", *BANK_INPUTS,
                      "account_type")


@dataclass
class LocationForm:
    """What the form starts from. The account number is never sent back to the browser."""

    name: str = ""
    email: str = ""
    phone: str = ""
    address: str = ""
    external_id: str = ""
    accepts_pos_payments: bool = False
    accepts_typed_amounts: bool = True
    accepts_items: bool = False
    item_webhook_url: str = ""
    notify_items_email: bool = False
    notify_webhook_url: str = ""
    commission_bps: str = ""
    active: bool = True
    is_test: bool = False
    bank_country: str = "none"
    routing_number: str = ""
    institution_number: str = ""
    transit_number: str = ""
    account_type: str = "checking"
    bank_summary: str = ""


def _form_from(location: Location) -> LocationForm:
    return LocationForm(
        name=location.name,
        email=location.email,
        phone=location.phone or "",
        address=location.address or "",
        external_id=location.external_id or "",
        accepts_pos_payments=location.accepts_pos_payments,
        accepts_typed_amounts=location.accepts_typed_amounts,
        accepts_items=location.accepts_items,
        item_webhook_url=location.item_webhook_url or "",
        notify_items_email=location.notify_items_email,
        notify_webhook_url=location.notify_webhook_url or "",
        commission_bps="" if location.commission_bps is None else str(location.commission_bps),
        active=location.active,
        is_test=location.is_test,
        bank_country=location.bank_country or "none",
        routing_number=location.routing_number or "",
        institution_number=location.institution_number or "",
        transit_number=location.transit_number or "",
        account_type=location.account_type or "checking",
        bank_summary=locations.bank_summary(location) if location.bank_country else "",
    )


def _checked(value: object) -> bool:
    """A checkbox in the submitted form: True, "on" or "true" when ticked."""
    return value is True or str(value).lower() in ("on", "true")


def _send_link(actor: Actor, location: Location, lang: str) -> str:
    """Email a new activation link; the sentence (in `lang`) says what happened (or why not)."""
    _ = i18n.translator(lang)
    if not location.active:
        return _(N_("It is inactive, so no activation link was sent; make it active, then use Send new link."))
    try:
        device_emails.send_activation_email(actor, location.id)
    except GiftnetError as error:
        return _(N_("The activation link was not sent: {reason}"), reason=error.localized_message(lang))
    return _(N_("An activation link was emailed to {email}; it works for {duration}."),
             email=location.email, duration=wording.duration(devices.activation_ttl(), lang))


class LocationFormState(LocationScreensState):
    """Create (/locations/new) and edit (/locations/<id>/edit) share this form."""

    editing_id: int = 0
    initial: LocationForm = LocationForm()
    bank_country: str = "none"
    # A new key per load remounts the form, so its inputs start from `initial` again.
    form_key: str = ""
    loaded: bool = False
    not_found: bool = False
    error: str = ""
    error_field: str = ""

    def _clear_messages(self) -> None:
        self.error, self.error_field = "", ""

    @rx.var
    def general_error(self) -> str:
        """The refusal for the callout: only when no field of the form shows it beside itself."""
        return "" if self.error_field in FIELDS_WITH_ERRORS else self.error

    @rx.event
    @dashboard_action("error")
    def load_new(self, who: SignedIn):
        self.editing_id = 0
        self.initial = LocationForm()
        self._ready()

    @rx.event
    @dashboard_action("error")
    def load_edit(self, who: SignedIn):
        try:
            location = locations.get_location(who.operator_id, self._location_id())
        except GiftnetError:
            self.not_found, self.loaded = True, True
            return
        self.editing_id = location.id
        self.initial = _form_from(location)
        self._ready()

    def _ready(self) -> None:
        self.bank_country = self.initial.bank_country
        self.not_found = False
        self.form_key = uuid.uuid4().hex
        self.loaded = True

    @rx.event
    def set_bank_country(self, value: str):
        self.bank_country = value

    def _bank_fields(self, form: dict) -> dict:
        """The bank fields to send. Editing without retyping the account number keeps the
        stored details, unless the routing/institution/transit numbers were changed."""
        country = "" if self.bank_country == "none" else self.bank_country
        typed = {field: str(form.get(field, "")).strip() for field in BANK_INPUTS}
        bank = {"bank_country": country, "account_type": str(form.get("account_type", "")) if country else "", **typed}
        if not country:
            bank = {field: "" for field in bank}
        if self.editing_id and not typed["account_number"] and country and self.initial.bank_summary:
            unchanged = country == self.initial.bank_country and all(
                typed[field] == getattr(self.initial, field)
                for field in ("routing_number", "institution_number", "transit_number")
                if field in form
            )
            if unchanged and bank["account_type"] in ("", self.initial.account_type):
                return {}
        if self.editing_id and not country and not self.initial.bank_summary:
            return {}
        return bank

    @rx.event
    @dashboard_action("error")
    def save(self, who: SignedIn, form: dict):
        raw = {field: str(form.get(field, "")) for field in TEXT_FIELDS}
        for switch in COUNTER_FLAGS:  # a switch turned off is simply absent from the form
            raw[switch] = _checked(form.get(switch))
        raw["notify_items_email"] = _checked(form.get("notify_items_email"))
        raw["active"] = _checked(form.get("active"))
        raw["is_test"] = _checked(form.get("is_test"))
        raw.update(self._bank_fields(form))
        actor = self._actor(who)
        try:
            if self.editing_id:
                location = locations.update_location(actor, self.editing_id, raw)
                message = self._t("Changes saved.")
            else:
                location = locations.create_location(actor, raw)
                message = self._t("Location created. {what_happened}", what_happened=_send_link(actor, location, self.lang))
        except GiftnetError as refusal:  # the form marks the field the service named, and comes into view
            self.error, self.error_field = refusal.localized_message(self.lang), refusal.field or ""
            shown_beside = self.error_field in FIELDS_WITH_ERRORS
            return rx.scroll_to(f"location-form-{self.error_field}" if shown_beside else "location-error")
        self.flash = message
        return rx.redirect(f"/locations/{location.id}")

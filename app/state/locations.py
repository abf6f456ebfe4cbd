"""Locations screens: the list (search, filters, pages), the create/edit form, and one
location with its devices, POS keys, item catalog and recent redemptions."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass

import reflex as rx

from app.models import Location, WebhookDelivery
from app.models.base import utcnow
from app.services.counter import pos_payments, redemptions
from app.services.messaging import webhooks
from app.services.network import device_emails, devices, items, locations, pos_keys
from app.services.settlement import payables
from app.services.core.actor import Actor
from app.services.core.timefmt import describe_duration
from app.services.core.errors import ErrorCode, GiftnetError
from app.services.core.money import format_cents, parse_amount
from app.services.core.roles import OWNER
from app.services.core.timefmt import format_local_time
from app.settings import get_settings
from app.state.paging import KeysetPaging
from app.services.access.accounts import SignedIn
from app.state.session import SessionState, dashboard_action

PAGE_SIZE = 20
REDEMPTION_PAGE_SIZE = 10
PAYOUT_PAGE_SIZE = 10
MODE_LABELS = {"pos": "POS payments", "items": "Items", "amount": "Amount"}
MODE_HINTS = {
    "pos": "The counter selects the payment the location's POS just pushed.",
    "items": "The counter picks items from the catalog below (or from the item webhook).",
    "amount": "The counter types the amount to take off the card.",
}
# The form's text fields, in screen order; the checkboxes and selects are read apart.
TEXT_FIELDS = ("name", "email", "phone", "address", "external_id", "item_webhook_url", "notify_webhook_url",
               "commission_bps")
BANK_INPUTS = ("routing_number", "institution_number", "transit_number", "account_number")
# After "Retry now", the delivery log follows the delivery this long (the sender polls every second).
RETRY_FOLLOW_SECONDS = 8.0


def _actor(who) -> Actor:  # noqa: ANN001
    return Actor(who.operator_id, user_id=who.user_id, role=who.role, channel="dashboard")


@dataclass
class LocationRow:
    id: int = 0
    name: str = ""
    email: str = ""
    external_id: str = ""
    mode: str = ""
    mode_label: str = ""
    active: bool = True


def _location_row(location: Location) -> LocationRow:
    return LocationRow(
        id=location.id,
        name=location.name,
        email=location.email,
        external_id=location.external_id or "—",
        mode=location.mode,
        mode_label=MODE_LABELS.get(location.mode, location.mode),
        active=location.active,
    )


class LocationsState(KeysetPaging, SessionState):
    rows: list[LocationRow] = []
    query: str = ""
    mode_filter: str = "all"
    active_filter: str = "all"
    list_error: str = ""

    def _load_page(self, cursor: int | None = None):
        who = self._signed_in()
        if who is None:
            return rx.redirect("/login")
        try:
            page = locations.list_locations(
                who.operator_id,
                query=self.query or None,
                mode=None if self.mode_filter == "all" else self.mode_filter,
                active=None if self.active_filter == "all" else self.active_filter == "active",
                limit=PAGE_SIZE,
                cursor=cursor,
            )
        except GiftnetError as error:
            self.list_error = error.message
            return None
        self.list_error = ""
        self.rows = [_location_row(location) for location in page.locations]
        self.next_cursor = page.next_cursor or 0
        return None

    @rx.event
    def load(self):
        return self._first_page()

    @rx.event
    def search(self, form: dict):
        self.query = str(form.get("query", "")).strip()
        return self._first_page()

    @rx.event
    def clear_search(self):
        self.query = ""
        return self._first_page() or rx.set_value("locations-search", "")

    @rx.event
    def set_mode_filter(self, value: str):
        self.mode_filter = value
        return self._first_page()

    @rx.event
    def set_active_filter(self, value: str):
        self.active_filter = value
        return self._first_page()


# --------------------------------------------------------------------------- the form


@dataclass
class LocationForm:
    """What the form starts from. The account number is never sent back to the browser."""

    name: str = ""
    email: str = ""
    phone: str = ""
    address: str = ""
    external_id: str = ""
    mode: str = "amount"
    item_webhook_url: str = ""
    notify_items_email: bool = False
    notify_webhook_url: str = ""
    commission_bps: str = ""
    active: bool = True
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
        mode=location.mode,
        item_webhook_url=location.item_webhook_url or "",
        notify_items_email=location.notify_items_email,
        notify_webhook_url=location.notify_webhook_url or "",
        commission_bps="" if location.commission_bps is None else str(location.commission_bps),
        active=location.active,
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


class LocationFormState(SessionState):
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

    def _location_id(self) -> int | None:
        raw = str(self.router.page.params.get("location_id", ""))
        return int(raw) if (raw.isascii() and raw.isdigit()) else None

    @rx.event
    def load_new(self):
        if self._signed_in() is None:
            return rx.redirect("/login")
        self.editing_id = 0
        self.initial = LocationForm()
        return self._ready()

    @rx.event
    def load_edit(self):
        who = self._signed_in()
        if who is None:
            return rx.redirect("/login")
        location_id = self._location_id()
        try:
            if location_id is None:
                raise GiftnetError(ErrorCode.not_found, "No such location.")
            location = locations.get_location(who.operator_id, location_id)
        except GiftnetError:
            self.not_found, self.loaded = True, True
            return None
        self.editing_id = location.id
        self.initial = _form_from(location)
        return self._ready()

    def _ready(self):
        self.bank_country = self.initial.bank_country
        self.error, self.error_field = "", ""
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
    async def save(self, form: dict):
        who = self._signed_in()
        if who is None:
            return rx.redirect("/login")
        self.error, self.error_field = "", ""
        raw = {field: str(form.get(field, "")) for field in TEXT_FIELDS}
        raw["mode"] = str(form.get("mode", "") or "amount")
        raw["notify_items_email"] = _checked(form.get("notify_items_email"))
        raw["active"] = _checked(form.get("active"))
        raw.update(self._bank_fields(form))
        actor = _actor(who)
        try:
            if self.editing_id:
                location = locations.update_location(actor, self.editing_id, raw)
                message = "Changes saved."
            else:
                location = locations.create_location(actor, raw)
                message = f"Location created. {_send_link(actor, location)}"
        except GiftnetError as error:
            self.error = error.message
            self.error_field = error.field or ""
            return rx.scroll_to("location-error")
        detail = await self.get_state(LocationDetailState)
        detail.flash = message
        return rx.redirect(f"/locations/{location.id}")


def _send_link(actor: Actor, location: Location) -> str:
    """Email a new activation link; the sentence says what happened (or why not)."""
    if not location.active:
        return "It is inactive, so no activation link was sent; make it active, then use Send new link."
    try:
        device_emails.send_activation_email(actor, location.id)
    except GiftnetError as error:
        return f"The activation link was not sent: {error.message}"
    return (
        f"An activation link was emailed to {location.email}; it works for "
        f"{describe_duration(devices.activation_ttl())}."
    )


# --------------------------------------------------------------------------- one location


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
    item_webhook_url: str = ""
    notify_items_email: str = ""
    notify_webhook_url: str = ""
    commission: str = ""
    bank: str = ""
    active: bool = True
    created: str = ""


@dataclass
class DeviceRow:
    id: int = 0
    code: str = ""
    name: str = ""
    activated: str = ""
    last_seen: str = ""
    revoked: bool = False
    revoked_at: str = ""


@dataclass
class PosKeyRow:
    id: int = 0
    name: str = ""
    prefix: str = ""
    created: str = ""
    last_used: str = ""
    revoked: bool = False


@dataclass
class ItemRow:
    id: int = 0
    name: str = ""
    sku: str = ""
    price: str = ""
    active: bool = True


@dataclass
class RedemptionRow:
    id: int = 0
    time: str = ""
    card: str = ""
    kind: str = ""
    amount: str = ""
    device: str = ""
    status: str = ""
    voidable: bool = False  # completed, of today (the operator's day) and not in a payout batch yet


@dataclass
class DeliveryRow:
    id: int = 0
    event: str = ""
    status: str = ""
    attempts: int = 0
    last_result: str = ""  # "HTTP 200", "HTTP 500", "ConnectError: ..." or "—"
    created: str = ""
    delivered: str = ""
    retryable: bool = False


@dataclass
class AttemptRow:
    id: int = 0
    time: str = ""
    result: str = ""
    duration: str = ""
    ok: bool = False


@dataclass
class SquareView:
    """The location's Square integration as the form shows it (the signature key never comes back)."""

    configured: bool = False
    notification_url: str = ""
    tender_type: str = "OTHER_GIFT_CARD"
    receiver_url: str = ""


def _same_day(moment, timezone: str) -> bool:  # noqa: ANN001
    """Is `moment` today in the operator's time zone (the day a redemption can still be voided)?"""
    return format_local_time(moment, timezone)[:10] == format_local_time(utcnow(), timezone)[:10]


def _delivery_row(delivery: WebhookDelivery, timezone: str) -> DeliveryRow:
    if delivery.last_error:
        last_result = delivery.last_error
    elif delivery.last_status_code:
        last_result = f"HTTP {delivery.last_status_code}"
    else:
        last_result = "—"
    return DeliveryRow(
        id=delivery.id,
        event=delivery.event_type,
        status=delivery.status,
        attempts=delivery.attempts,
        last_result=last_result,
        created=format_local_time(delivery.created_at, timezone),
        delivered=format_local_time(delivery.delivered_at, timezone) or "—",
        retryable=delivery.status in ("pending", "failed"),
    )


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


def _commission(location: Location) -> str:
    if location.commission_bps is None:
        return "The network's default"
    return f"{location.commission_bps / 100:.2f} % ({location.commission_bps} bps, overrides the network's)"


def _view(location: Location, timezone: str) -> LocationView:
    return LocationView(
        id=location.id,
        name=location.name,
        email=location.email,
        phone=location.phone or "—",
        address=location.address or "—",
        external_id=location.external_id or "—",
        mode=location.mode,
        mode_label=MODE_LABELS.get(location.mode, location.mode),
        mode_hint=MODE_HINTS.get(location.mode, ""),
        item_webhook_url=location.item_webhook_url or "—",
        notify_items_email="Yes" if location.notify_items_email else "No",
        notify_webhook_url=location.notify_webhook_url or "—",
        commission=_commission(location),
        bank=locations.bank_summary(location),
        active=location.active,
        created=format_local_time(location.created_at, timezone),
    )


class LocationDetailState(KeysetPaging, SessionState):
    """One location; its paged list (the mixin's cursors) is its redemptions."""

    location: LocationView = LocationView()
    device_rows: list[DeviceRow] = []
    pos_key_rows: list[PosKeyRow] = []
    item_rows: list[ItemRow] = []
    redemption_rows: list[RedemptionRow] = []
    not_found: bool = False
    # One message from the previous screen (e.g. "Location created ..."), shown once.
    flash: str = ""
    action_message: str = ""
    action_error: str = ""
    link_message: str = ""
    # confirmation dialogs: the row about to be revoked
    confirm_device_id: int = 0
    confirm_device_label: str = ""
    confirm_pos_key_id: int = 0
    confirm_pos_key_label: str = ""
    # shown once, right after creation
    pos_key_plaintext: str = ""
    pos_key_error: str = ""
    item_error: str = ""
    # redemptions: the one about to be voided (confirmation dialog)
    confirm_void_id: int = 0
    confirm_void_label: str = ""
    # notifications: signing secret (only once revealed), delivery log, one delivery's attempts
    webhook_secret: str = ""
    delivery_rows: list[DeliveryRow] = []
    open_delivery_id: int = 0
    attempt_rows: list[AttemptRow] = []
    webhook_message: str = ""
    webhook_error: str = ""
    # Square (pos-mode locations)
    square: SquareView = SquareView()
    square_form_key: str = ""
    square_message: str = ""
    square_error: str = ""

    def _location_id(self) -> int:
        raw = str(self.router.page.params.get("location_id", ""))
        return int(raw) if (raw.isascii() and raw.isdigit()) else 0

    def _reload(self):
        who = self._signed_in()
        if who is None:
            return rx.redirect("/login")
        location_id = self._location_id()
        try:
            location = locations.get_location(who.operator_id, location_id)
            device_list = devices.list_devices(who.operator_id, location_id)
            key_list = pos_keys.list_pos_keys(who.operator_id, location_id) if who.role == OWNER else []  # owners' keys
            item_list = items.list_items(who.operator_id, location_id, include_inactive=True)
        except GiftnetError:
            self.not_found = True
            self.location, self.device_rows, self.pos_key_rows, self.item_rows, self.redemption_rows = LocationView(), [], [], [], []
            self.delivery_rows, self.attempt_rows, self.open_delivery_id = [], [], 0
            return None
        zone = who.timezone
        self.not_found = False
        self.location = _view(location, zone)
        self.square = _square_view(location)
        self._reload_deliveries(who.operator_id, location_id, zone)
        self.device_rows = [
            DeviceRow(
                id=device.id,
                code=device.code,
                name=device.name,
                activated=format_local_time(device.activated_at, zone),
                last_seen=format_local_time(device.last_seen_at, zone) or "Never",
                revoked=device.revoked_at is not None,
                revoked_at=format_local_time(device.revoked_at, zone),
            )
            for device in device_list
        ]
        self.pos_key_rows = [
            PosKeyRow(
                id=key.id,
                name=key.name,
                prefix=key.prefix + "…",
                created=format_local_time(key.created_at, zone),
                last_used=format_local_time(key.last_used_at, zone) or "Never",
                revoked=key.revoked_at is not None,
            )
            for key in key_list
        ]
        self.item_rows = [
            ItemRow(id=item.id, name=item.name, sku=item.sku or "—", price=format_cents(item.price_cents), active=item.active)
            for item in item_list
        ]
        return self._this_page()

    def _load_page(self, cursor: int | None = None):
        """A page of the location's redemptions, newest first."""
        who = self._signed_in()
        if who is None:
            return rx.redirect("/login")
        zone = who.timezone
        try:
            page = locations.redemption_page(who.operator_id, self._location_id(), limit=REDEMPTION_PAGE_SIZE,
                                             cursor=cursor)
        except GiftnetError:
            self.redemption_rows, self.next_cursor = [], 0
            return None
        self.redemption_rows = [
            RedemptionRow(
                id=redemption.id,
                time=format_local_time(redemption.created_at, zone),
                card=f"•••• {last4}",
                kind=MODE_LABELS.get(redemption.kind, redemption.kind),
                amount=format_cents(redemption.amount_cents),
                device=device_code or "—",
                status=redemption.status,
                voidable=redemption.status == "completed" and redemption.payout_batch_id is None
                and _same_day(redemption.created_at, zone),
            )
            for redemption, last4, device_code in page.rows
        ]
        self.next_cursor = page.next_cursor or 0
        return None

    def _reload_deliveries(self, operator_id: int, location_id: int, timezone: str) -> None:
        self.delivery_rows = [_delivery_row(delivery, timezone)
                              for delivery in webhooks.list_deliveries(operator_id, location_id=location_id, limit=25)]
        if self.open_delivery_id:
            self._load_attempts(operator_id, self.open_delivery_id, timezone)

    def _clear_messages(self) -> None:
        self.action_message, self.action_error, self.link_message = "", "", ""
        self.pos_key_error, self.item_error = "", ""
        self.webhook_message, self.webhook_error = "", ""
        self.square_message, self.square_error = "", ""

    @rx.event
    def load(self):
        self._clear_messages()
        self.action_message, self.flash = self.flash, ""
        self.pos_key_plaintext = ""
        self.confirm_device_id, self.confirm_pos_key_id, self.confirm_void_id = 0, 0, 0
        self.webhook_secret, self.open_delivery_id, self.attempt_rows = "", 0, []
        self.square_form_key = uuid.uuid4().hex
        self.cursor_stack = []
        return self._reload() or LocationMoneyState.load

    @rx.event
    def send_link(self):
        who = self._signed_in()
        if who is None:
            return rx.redirect("/login")
        self._clear_messages()
        try:
            sent = device_emails.send_activation_email(_actor(who), self._location_id())
        except GiftnetError as error:
            self.action_error = error.message
            return None
        self.link_message = (
            f"A new activation link was emailed to {self.location.email} at "
            f"{format_local_time(sent.link.created_at, who.timezone)}. It works for "
            f"{describe_duration(devices.activation_ttl())}; older links no longer work."
        )
        return None

    # devices ------------------------------------------------------------------

    @rx.event
    def ask_revoke_device(self, device_id: int):
        row = next((row for row in self.device_rows if row.id == int(device_id)), None)
        if row is not None:
            self.confirm_device_id, self.confirm_device_label = row.id, f"{row.code} ({row.name})"

    @rx.event
    def cancel_revoke_device(self):
        self.confirm_device_id = 0

    @rx.event
    @dashboard_action()
    def revoke_device(self, who: SignedIn):
        device_id, self.confirm_device_id = self.confirm_device_id, 0
        device = devices.revoke_device(_actor(who), device_id)
        self.action_message = f"Device {device.code} was revoked: it can no longer redeem cards."
        return self._reload()

    # POS keys -----------------------------------------------------------------

    @rx.event
    def create_pos_key(self, form: dict):
        who = self._signed_in()
        if who is None:
            return rx.redirect("/login")
        self._clear_messages()
        self.pos_key_plaintext = ""
        try:
            created = pos_keys.create_pos_key(_actor(who), self._location_id(), str(form.get("name", "")))
        except GiftnetError as error:
            self.pos_key_error = error.message
            return None
        self.pos_key_plaintext = created.plaintext
        return self._reload() or rx.set_value("pos-key-name", "")

    @rx.event
    def dismiss_pos_key(self):
        self.pos_key_plaintext = ""

    @rx.event
    def ask_revoke_pos_key(self, pos_key_id: int):
        row = next((row for row in self.pos_key_rows if row.id == int(pos_key_id)), None)
        if row is not None:
            self.confirm_pos_key_id, self.confirm_pos_key_label = row.id, f"{row.name} ({row.prefix})"

    @rx.event
    def cancel_revoke_pos_key(self):
        self.confirm_pos_key_id = 0

    @rx.event
    def revoke_pos_key(self):
        who = self._signed_in()
        if who is None:
            return rx.redirect("/login")
        self._clear_messages()
        pos_key_id, self.confirm_pos_key_id = self.confirm_pos_key_id, 0
        try:
            key = pos_keys.revoke_pos_key(_actor(who), pos_key_id)
        except GiftnetError as error:
            self.action_error = error.message
            return None
        self.action_message = f"POS key {key.name} was revoked: the POS can no longer push payments with it."
        return self._reload()

    # items --------------------------------------------------------------------

    @rx.event
    def add_item(self, form: dict):
        who = self._signed_in()
        if who is None:
            return rx.redirect("/login")
        self._clear_messages()
        try:
            price_cents = parse_amount(str(form.get("price", "")), field="price")
            item = items.create_item(
                _actor(who), self._location_id(), name=str(form.get("name", "")), price_cents=price_cents,
                sku=str(form.get("sku", "")),
            )
        except GiftnetError as error:
            self.item_error = error.message
            return None
        self.action_message = f"{item.name} ({format_cents(item.price_cents)}) was added to the catalog."
        return self._reload() or [rx.set_value("item-name", ""), rx.set_value("item-price", ""),
                                  rx.set_value("item-sku", "")]

    def _set_item_active(self, item_id: int, active: bool):
        who = self._signed_in()
        if who is None:
            return rx.redirect("/login")
        self._clear_messages()
        try:
            item = items.set_item_active(_actor(who), int(item_id), active)
        except GiftnetError as error:
            self.item_error = error.message
            return None
        self.action_message = f"{item.name} is {'back in' if active else 'no longer in'} the catalog."
        return self._reload()

    @rx.event
    def deactivate_item(self, item_id: int):
        return self._set_item_active(item_id, False)

    @rx.event
    def reactivate_item(self, item_id: int):
        return self._set_item_active(item_id, True)

    # redemptions --------------------------------------------------------------

    @rx.event
    def ask_void_redemption(self, redemption_id: int):
        row = next((row for row in self.redemption_rows if row.id == int(redemption_id)), None)
        if row is not None:
            self.confirm_void_id = row.id
            self.confirm_void_label = f"Redemption #{row.id} of {row.amount} on card {row.card}"

    @rx.event
    def cancel_void_redemption(self):
        self.confirm_void_id = 0

    @rx.event
    def void_redemption(self):
        who = self._signed_in()
        if who is None:
            return rx.redirect("/login")
        self._clear_messages()
        redemption_id, self.confirm_void_id = self.confirm_void_id, 0
        if not redemption_id:
            return None
        try:
            result = redemptions.void_redemption(_actor(who), redemption_id,
                                                 idempotency_key=f"dashboard-void-{redemption_id}")
        except GiftnetError as error:
            self.action_error = error.message
            return self._reload()
        self.action_message = (f"Redemption #{redemption_id} voided: {format_cents(result.redemption.amount_cents)} "
                               f"is back on card •••• {result.last4}.")
        return self._reload() or LocationMoneyState.load  # what the location is owed went down

    # notifications --------------------------------------------------------------

    @rx.event
    def reveal_webhook_secret(self):
        who = self._signed_in()
        if who is None:
            return rx.redirect("/login")
        self._clear_messages()
        try:
            self.webhook_secret = webhooks.reveal_location_secret(_actor(who), self._location_id())
        except GiftnetError as error:
            self.webhook_error = error.message
        return None

    @rx.event
    def hide_webhook_secret(self):
        self.webhook_secret = ""

    def _load_attempts(self, operator_id: int, delivery_id: int, timezone: str) -> None:
        try:
            attempts = webhooks.list_attempts(operator_id, delivery_id)
        except GiftnetError as error:
            self.open_delivery_id, self.attempt_rows = 0, []
            self.webhook_error = error.message
            return
        self.attempt_rows = [
            AttemptRow(
                id=attempt.id,
                time=format_local_time(attempt.attempted_at, timezone),
                result=attempt.error or (f"HTTP {attempt.status_code}" if attempt.status_code else "—"),
                duration=f"{attempt.duration_ms} ms",
                ok=attempt.error is None and attempt.status_code is not None and 200 <= attempt.status_code < 300,
            )
            for attempt in attempts
        ]

    @rx.event
    def toggle_attempts(self, delivery_id: int):
        who = self._signed_in()
        if who is None:
            return rx.redirect("/login")
        delivery_id = int(delivery_id)
        if self.open_delivery_id == delivery_id:
            self.open_delivery_id, self.attempt_rows = 0, []
            return None
        self.open_delivery_id = delivery_id
        self._load_attempts(who.operator_id, delivery_id, who.timezone)
        return None

    @rx.event
    def refresh_deliveries(self):
        who = self._signed_in()
        if who is None:
            return rx.redirect("/login")
        self._reload_deliveries(who.operator_id, self._location_id(), who.timezone)
        return None

    @rx.event
    def retry_delivery(self, delivery_id: int):
        who = self._signed_in()
        if who is None:
            return rx.redirect("/login")
        self._clear_messages()
        try:
            delivery = webhooks.retry_now(_actor(who), int(delivery_id))
        except GiftnetError as error:
            self.webhook_error = error.message
            self._reload_deliveries(who.operator_id, self._location_id(), who.timezone)
            return None
        self.webhook_message = f"Delivery #{delivery.id} ({delivery.event_type}) is queued again: it is sent within seconds."
        self._reload_deliveries(who.operator_id, self._location_id(), who.timezone)
        return LocationDetailState.follow_delivery(delivery.id, delivery.attempts)

    @rx.event(background=True)
    async def follow_delivery(self, delivery_id: int, attempts_before: int):
        """After a manual retry: refresh the log once the new attempt is recorded (or a few seconds pass)."""
        async with self:
            who = self._signed_in()
            location_id = self._location_id()
        if who is None:
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + RETRY_FOLLOW_SECONDS
        while loop.time() < deadline:
            await asyncio.sleep(0.5)
            rows = await asyncio.to_thread(webhooks.list_deliveries, who.operator_id, location_id=location_id, limit=25)
            current = next((row for row in rows if row.id == delivery_id), None)
            if current is None or current.status in ("delivered", "failed") or (
                    current.status == "pending" and current.attempts > attempts_before):
                break
        async with self:
            if self._location_id() == location_id:
                self._reload_deliveries(who.operator_id, location_id, who.timezone)

    # Square -----------------------------------------------------------------------

    @rx.event
    def save_square(self, form: dict):
        who = self._signed_in()
        if who is None:
            return rx.redirect("/login")
        self._clear_messages()
        try:
            pos_payments.configure_square(
                who.operator_id, self._location_id(),
                signature_key=str(form.get("signature_key", "")).strip(),
                notification_url=str(form.get("notification_url", "")).strip(),
                tender_type=str(form.get("tender_type", "") or "OTHER_GIFT_CARD"),
            )
        except GiftnetError as error:
            self.square_error = error.message
            return None
        self.square_message = ("Square settings saved. Square's payments with this tender now appear on this "
                               "location's counter screens.")
        self.square_form_key = uuid.uuid4().hex
        self.cursor_stack = []
        return self._reload() or LocationMoneyState.load


# --------------------------------------------------------------------------- its money


@dataclass
class PayableView:
    """What the location is owed now (completed redemptions in no payout batch)."""

    count: int = 0
    gross: str = ""
    commission: str = ""
    commission_rate: str = ""
    net: str = ""


@dataclass
class LocationPayoutRow:
    id: int = 0  # the payout line's id
    batch_id: int = 0
    status: str = ""
    redemptions: int = 0
    gross: str = ""
    net: str = ""
    created: str = ""
    paid: str = ""


class LocationMoneyState(KeysetPaging, SessionState):
    """The location screen's payables and payouts (its paged list: the payout lines)."""

    payable: PayableView = PayableView()
    payout_rows: list[LocationPayoutRow] = []

    def _location_id(self) -> int:
        raw = str(self.router.page.params.get("location_id", ""))
        return int(raw) if (raw.isascii() and raw.isdigit()) else 0

    def _load_page(self, cursor: int | None = None):
        who = self._signed_in()
        if who is None:
            return rx.redirect("/login")
        zone = who.timezone
        try:
            page = payables.location_payouts(who.operator_id, self._location_id(), limit=PAYOUT_PAGE_SIZE,
                                               cursor=cursor)
        except GiftnetError:
            self.payout_rows, self.next_cursor = [], 0
            return None
        self.payout_rows = [
            LocationPayoutRow(
                id=payout.line_id, batch_id=payout.batch_id, status=payout.status,
                redemptions=payout.redemption_count, gross=format_cents(payout.gross_cents),
                net=format_cents(payout.net_cents), created=format_local_time(payout.created_at, zone),
                paid=format_local_time(payout.paid_at, zone) or "—",
            )
            for payout in page.payouts
        ]
        self.next_cursor = page.next_cursor or 0
        return None

    @rx.event
    def load(self):
        who = self._signed_in()
        if who is None:
            return rx.redirect("/login")
        try:
            owed = payables.location_payable(who.operator_id, self._location_id())
        except GiftnetError:
            self.payable, self.payout_rows, self.cursor_stack, self.next_cursor = PayableView(), [], [], 0
            return None
        self.payable = PayableView(
            count=owed.redemption_count, gross=format_cents(owed.gross_cents),
            commission=format_cents(owed.commission_cents), commission_rate=f"{owed.commission_bps / 100:.2f} %",
            net=format_cents(owed.net_cents),
        )
        return self._first_page()

"""A location's POS partners beside Square: the Clover and Shopify POS settings (owners change
them through `pos_partner_settings.configure_partner`; staff read them), the location's POS
payments from every source a page at a time, and its POS log.

Secrets are write-only: the forms never get one back, only "stored, ends in 3f9a"
(`pos_partner_secrets.secret_endings`, owners only). Each part says when it has not been read
yet (`loaded`) and when it could not be read (`*_error`), instead of an empty list that lies.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import reflex as rx

from app.models import Location, PosLogEntry, PosPayment
from app.models.pos_partner import PosPartner
from app.models.redemption import POS_PAYMENT_STATUSES
from app.services.access.accounts import SignedIn
from app.services.core import i18n
from app.services.core.errors import GiftnetError
from app.services.core.i18n import N_
from app.services.core.roles import OWNER
from app.services.core.timefmt import format_local_seconds
from app.services.counter import pos_log, pos_partner_secrets, pos_partner_settings, pos_payment_list
from app.services.counter.pos_partner_settings import PartnerSettingsView
from app.services.network import locations
from app.state.locations.parts import PagedRows
from app.state.locations.screen import LocationDetailState, location_view
from app.state.session import dashboard_action

POS_PAYMENT_PAGE_SIZE = 10
POS_LOG_LENGTH = 25
ALL_STATUSES = "all"
SOURCE_LABELS = {"api": "API", "square": "Square", "clover": "Clover", "shopify": "Shopify POS", "test": N_("Test")}
CLOVER_FIELDS = ("merchant_id", "api_token", "tender_label", "auth_code", "base_url")
SHOPIFY_FIELDS = ("shop_domain", "webhook_secret", "payment_method_name")


def stored_secret(on_file: bool, ending: str, lang: str = i18n.DEFAULT_LANGUAGE) -> str:
    """How a write-only secret is named on screen: never the secret, at most its last characters."""
    if not on_file:
        return ""
    if ending:
        return i18n.translate(N_("stored, ends in {ending}"), lang, ending=ending)
    return i18n.translate(N_("stored"), lang)


@dataclass
class CloverForm:
    """The location's Clover settings as the form shows them (no secret comes back)."""

    saved: bool = False  # settings on file (the verification code can arrive)
    configured: bool = False  # the Clover Auth Code is on file too: payments are followed
    merchant_id: str = ""
    tender_label: str = ""
    base_url: str = ""
    api_token: str = ""  # "stored, ends in ..." or ""
    auth_code: str = ""
    verification_code: str = ""
    verification_code_at: str = ""
    receiver_url: str = ""


@dataclass
class ShopifyForm:
    saved: bool = False
    shop_domain: str = ""
    payment_method_name: str = ""
    webhook_secret: str = ""
    receiver_url: str = ""


def clover_form(view: PartnerSettingsView, endings: dict[str, str], timezone: str,
                lang: str = i18n.DEFAULT_LANGUAGE) -> CloverForm:
    settings, on_file = view.settings, view.secrets_on_file
    return CloverForm(
        saved=bool(settings.get("merchant_id")),
        configured=view.configured,
        merchant_id=settings.get("merchant_id") or "",
        tender_label=settings.get("tender_label") or "",
        base_url=settings.get("base_url") or pos_partner_settings.CLOVER_PRODUCTION_API,
        api_token=stored_secret(on_file.get("api_token", False), endings.get("api_token", ""), lang),
        auth_code=stored_secret(on_file.get("auth_code", False), endings.get("auth_code", ""), lang),
        verification_code=view.verification_code or "",
        verification_code_at=format_local_seconds(view.verification_code_at, timezone)
        if view.verification_code_at else "",
        receiver_url=view.receiver_url,
    )


def shopify_form(view: PartnerSettingsView, endings: dict[str, str], lang: str = i18n.DEFAULT_LANGUAGE) -> ShopifyForm:
    settings = view.settings
    return ShopifyForm(
        saved=view.configured,
        shop_domain=settings.get("shop_domain") or "",
        payment_method_name=settings.get("payment_method_name") or "",
        webhook_secret=stored_secret(view.secrets_on_file.get("webhook_secret", False),
                                     endings.get("webhook_secret", ""), lang),
        receiver_url=view.receiver_url,
    )


def partner_fields(form: dict, names: tuple[str, ...]) -> dict[str, str]:
    """The form's fields for `configure_partner`, trimmed (an empty secret keeps the one on file)."""
    return {name: str(form.get(name) or "").strip() for name in names}


def clover_saved_sentence(form: CloverForm, tender_label: str, lang: str = i18n.DEFAULT_LANGUAGE) -> str:
    if form.configured:
        return i18n.translate(N_("Clover connected: payments taken with the “{tender}” tender appear on this "
                                 "location's counter screens."), lang, tender=tender_label)
    if form.verification_code:
        return i18n.translate(N_("Clover settings saved. Paste the verification code below into Clover, then paste "
                                 "the Clover Auth Code Clover shows here and save again."), lang)
    return i18n.translate(N_("Clover settings saved. Next: set the webhook URL above in your Clover app; the "
                             "verification code Clover sends appears here."), lang)


@dataclass
class PosPaymentRow:
    id: int = 0
    time: str = ""
    source: str = ""  # api | square | clover | shopify
    source_label: str = ""
    reference: str = ""
    amount: str = ""  # tip included, as the card is asked for it
    tip: str = ""
    currency: str = ""
    status: str = ""


def pos_payment_row(payment: PosPayment, timezone: str, operator_currency: str,
                    lang: str = i18n.DEFAULT_LANGUAGE) -> PosPaymentRow:
    return PosPaymentRow(
        id=payment.id,
        time=format_local_seconds(payment.created_at, timezone),
        source=payment.source,
        source_label=i18n.translate(SOURCE_LABELS[payment.source], lang) if payment.source in SOURCE_LABELS else payment.source,
        reference=payment.reference,
        amount=i18n.format_money(payment.amount_cents, None, lang),
        tip=i18n.format_money(payment.tip_cents, None, lang) if payment.tip_cents else "—",
        currency=payment.currency or operator_currency,  # our own API's payments are in the operator's currency
        status=payment.status,
    )


@dataclass
class PosLogRow:
    id: int = 0
    time: str = ""
    source_label: str = ""
    event_type: str = ""
    outcome: str = ""
    message: str = ""
    trouble: bool = False  # refused or owed back: the operator may have to act


TROUBLE_WORDS = ("refused", "other_currency", "bad_signature", "refund", "unknown")


def pos_log_row(entry: PosLogEntry, timezone: str) -> PosLogRow:
    return PosLogRow(
        id=entry.id,
        time=format_local_seconds(entry.created_at, timezone),
        source_label=SOURCE_LABELS.get(entry.source, entry.source),
        event_type=entry.event_type,
        outcome=entry.outcome.replace("_", " "),
        message=entry.message,
        trouble=any(word in entry.outcome for word in TROUBLE_WORDS),
    )


class LocationPosPartnersState(LocationDetailState):
    """The Clover and Shopify POS cards; their messages live in LocationDetailState."""

    clover: CloverForm = CloverForm()
    shopify: ShopifyForm = ShopifyForm()
    partners_error: str = ""  # the settings could not be read
    # A new key per read remounts each form, so its inputs start from the settings again.
    clover_form_key: str = ""
    shopify_form_key: str = ""

    def _open(self, who: SignedIn, location: Location) -> None:
        self._show_partners(who)

    def _show_partners(self, who: SignedIn) -> None:
        try:
            views = pos_partner_settings.partner_settings(who.operator_id, self._location_id())
            endings = (pos_partner_secrets.secret_endings(self._actor(who), self._location_id())
                       if who.role == OWNER else {})
        except GiftnetError as refusal:
            self.partners_error = refusal.localized_message(self.lang)
            self.clover, self.shopify = CloverForm(), ShopifyForm()
            return
        self.partners_error = ""
        self.clover = clover_form(views[PosPartner.clover.value], endings.get(PosPartner.clover.value, {}),
                                  who.timezone, self.lang)
        self.shopify = shopify_form(views[PosPartner.shopify.value], endings.get(PosPartner.shopify.value, {}), self.lang)
        self.clover_form_key, self.shopify_form_key = uuid.uuid4().hex, uuid.uuid4().hex

    def _after_connecting(self, who: SignedIn) -> None:
        """Connecting a partner turns POS payments on: the details and the setup guide say so."""
        self._show_partners(who)
        self.location = location_view(locations.get_location(who.operator_id, self._location_id()), who.timezone, self.lang)

    @rx.event
    @dashboard_action("clover_error")
    def save_clover(self, who: SignedIn, form: dict):
        fields = partner_fields(form, CLOVER_FIELDS)
        pos_partner_settings.configure_partner(self._actor(who), self._location_id(), PosPartner.clover, fields)
        self._after_connecting(who)
        self.clover_message = clover_saved_sentence(self.clover, fields["tender_label"], self.lang)

    @rx.event
    @dashboard_action("clover_error", clear=False)
    def check_clover_code(self, who: SignedIn):
        """Read the settings again: Clover's verification code arrives by itself, after the URL is set."""
        self._show_partners(who)
        if not self.clover.verification_code:
            self.clover_error = (self._t("No verification code from Clover yet. Set the webhook URL above in your Clover app "
                                 "(Clover sends the code as soon as it is saved there), then check again."))
        else:  # the step the last save pointed to is done: the callout above says what is next
            self.clover_error = self.clover_message = ""

    @rx.event
    @dashboard_action("shopify_error")
    def save_shopify(self, who: SignedIn, form: dict):
        fields = partner_fields(form, SHOPIFY_FIELDS)
        pos_partner_settings.configure_partner(self._actor(who), self._location_id(), PosPartner.shopify, fields)
        self._after_connecting(who)
        self.shopify_message = self._t("Shopify POS connected: POS orders paid with “{method}” appear on this "
                                       "location's counter screens.", method=fields["payment_method_name"])


class LocationPosPaymentsState(PagedRows, LocationDetailState):
    """The location's POS payments, newest first, a page at a time, optionally of one status."""

    rows: list[PosPaymentRow] = []
    status_filter: str = ALL_STATUSES
    loaded: bool = False
    payments_error: str = ""

    def _open(self, who: SignedIn, location: Location) -> None:
        self.status_filter = ALL_STATUSES
        self._show_first_page(who)

    def _page(self, who: SignedIn, cursor: int | None) -> tuple[list[PosPaymentRow], int | None]:
        status = None if self.status_filter == ALL_STATUSES else self.status_filter
        page = pos_payment_list.list_pos_payments(who.operator_id, self._location_id(), status=status,
                                                  limit=POS_PAYMENT_PAGE_SIZE, cursor=cursor)
        return [pos_payment_row(payment, who.timezone, who.currency, self.lang) for payment in page.payments], page.next_cursor

    def _show_page(self, who: SignedIn, cursor: int | None) -> None:
        # As PagedRows does, but a refusal is said on screen rather than shown as "no payments".
        try:
            rows, next_cursor = self._page(who, cursor)
        except GiftnetError as refusal:
            self.rows, self.next_cursor, self.payments_error = [], 0, refusal.localized_message(self.lang)
        else:
            self.rows, self.next_cursor, self.payments_error = rows, next_cursor or 0, ""
        self.loaded = True

    @rx.event
    @dashboard_action(clear=False)
    def refresh(self, who: SignedIn):
        self._show_first_page(who)

    @rx.event
    @dashboard_action(clear=False)
    def filter_status(self, who: SignedIn, status: str):
        self.status_filter = status if status in POS_PAYMENT_STATUSES else ALL_STATUSES
        self._show_first_page(who)


class LocationPosLogState(LocationDetailState):
    """The location's POS log: what its partners told us, newest first (the last POS_LOG_LENGTH lines)."""

    log_rows: list[PosLogRow] = []
    loaded: bool = False

    def _open(self, who: SignedIn, location: Location) -> None:
        self._show_log(who)

    def _show_log(self, who: SignedIn) -> None:
        entries = pos_log.entries_for_location(who.operator_id, self._location_id(), limit=POS_LOG_LENGTH)
        self.log_rows = [pos_log_row(entry, who.timezone) for entry in entries]
        self.loaded = True

    @rx.event
    @dashboard_action(clear=False)
    def refresh(self, who: SignedIn):
        self._show_log(who)

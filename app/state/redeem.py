"""The merchant's counter: open a card, redeem it (POS payment, items or an amount),
show the receipt, void today's mistakes.

Every event resolves the device's secret again, so a revoked device loses the
screen on its next click. Pending POS payments live in this tab's `PosInbox`, loaded
here and refreshed by the POS push itself (app/state/live.py).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import reflex as rx

from app.models.card import CardStatus
from app.models.redemption import RedemptionStatus
from app.services.access import accounts
from app.services.core import i18n
from app.services.core.actor import Actor
from app.services.core.codes import mask
from app.services.core.errors import ErrorCode, GiftnetError
from app.services.core.money import format_cents
from app.services.core.timefmt import format_local_time
from app.services.counter import pos_payments, redemptions
from app.services.money.card_lookup import caller_name, lookup_card_by_code
from app.services.money.cards import find_card_by_link_token, get_card
from app.services.network import counter_modes, devices
from app.services.network import items as items_service
from app.services.network.devices import DeviceContext
from app.state.client import client_ip
from app.state.counter_keys import CARD_MAIN_ACTIONS, focus_first, install_keys
from app.state.device import DeviceState
from app.state.language import N_
from app.state.live import PosInbox

MAX_PAD_DIGITS = 7  # $99,999.99
# A card's status as the counter says it (the badge and the refusal).
CARD_STATUS_NAMES = {"active": N_("active"), "frozen": N_("frozen")}


@dataclass
class ItemRow:
    key: str = ""
    name: str = ""
    sku: str = ""
    price: str = ""
    price_fr: str = ""  # the price as a French counter writes it
    price_cents: int = 0
    quantity: int = 0


@dataclass
class Receipt:
    redemption_id: int = 0
    kind: str = ""
    amount: str = ""
    balance_after: str = ""
    remaining_due: str = ""
    device_code: str = ""
    time: str = ""
    lines: list[str] | None = None
    voided: bool = False
    test_card: bool = False  # redeemed with a test card (at a test location): never paid out


@dataclass(frozen=True)
class CounterItems:
    """The location's items as the counter offers them (its catalog, or its item webhook's list)."""

    rows: list[ItemRow]
    source: str = ""  # catalog | webhook
    error: str = ""  # the webhook failed: said on screen, the pad offered instead
    refusal: GiftnetError | None = None  # the same, to say in the counter's language


def read_counter_items(operator_id: int, location_id: int) -> CounterItems:
    try:
        from app.services.network.locations import get_location

        location = get_location(operator_id, location_id)
        if location.item_webhook_url:
            fetched = items_service.fetch_webhook_items(operator_id, location_id)
            return CounterItems([ItemRow(key=f"w{index}", name=item.name, sku=item.sku or "",
                                         price=format_cents(item.price_cents),
                                         price_fr=i18n.format_money(item.price_cents, None, "fr"),
                                         price_cents=item.price_cents)
                                 for index, item in enumerate(fetched)], "webhook")
        stored = items_service.list_items(operator_id, location_id)
        return CounterItems([ItemRow(key=f"i{item.id}", name=item.name, sku=item.sku or "",
                                     price=format_cents(item.price_cents),
                                     price_fr=i18n.format_money(item.price_cents, None, "fr"),
                                     price_cents=item.price_cents)
                             for item in stored], "catalog")
    except GiftnetError as error:
        return CounterItems([], "", error.message, error)


@dataclass(frozen=True)
class CounterUpdate:
    """A location's change as its open counters take it (read once for all of them, off the event loop)."""

    settings: counter_modes.CounterSettings
    items: CounterItems | None  # None when the counter takes no items


def read_counter_update(location_id: int) -> CounterUpdate | None:
    """For app/state/live.py when a location changed: its settings, and its items when it takes them."""
    settings = counter_modes.counter_settings(location_id)
    if settings is None:
        return None
    items = read_counter_items(settings.operator_id, location_id) if settings.accepts_items else None
    return CounterUpdate(settings, items)


@dataclass
class RecentRow:
    redemption_id: int = 0
    card: str = ""
    amount: str = ""
    time: str = ""
    voided: bool = False


class RedeemState(DeviceState):
    checked: bool = False
    status: str = "none"  # active | revoked | none
    device_code: str = ""
    device_name: str = ""
    location_id: int = 0
    location_name: str = ""
    operator_name: str = ""
    mode: str = "amount"
    # What this counter accepts (the location's switches, app/services/network/counter_modes.py).
    accepts_pos: bool = False
    accepts_amount: bool = True
    accepts_items: bool = False
    # With POS payments on, the amount pad hides while a POS payment waits; this shows it anyway.
    type_amount_anyway: bool = False
    timezone: str = "UTC"
    # the open card
    card_id: int = 0
    card_last4: str = ""
    card_balance: str = ""
    card_balance_cents: int = 0
    card_status: str = ""
    card_is_test: bool = False  # bought in the shop's test mode
    card_test_refusal: str = ""  # why this test card cannot be used at this (real) location
    card_error: str = ""
    opening: bool = False
    # what is being redeemed
    item_rows: list[ItemRow] = []
    items_source: str = ""  # catalog | webhook
    items_error: str = ""
    use_amount_pad: bool = False
    pad_digits: str = ""
    confirm_payment_id: int = 0
    confirm_message: str = ""
    working: bool = False
    error: str = ""
    notice: str = ""
    # A void waits for a second tap: the redemption it would reverse and its amount.
    void_asked_id: int = 0
    void_asked_amount: str = ""
    # Dismissing a POS payment cancels it in the POS's eyes: it waits for a second tap too.
    dismiss_asked_id: int = 0
    dismiss_asked_amount: str = ""
    dismiss_asked_reference: str = ""
    attempt_key: str = ""
    receipt: Receipt = Receipt()
    has_receipt: bool = False
    recent: list[RecentRow] = []

    # --- who is this device -------------------------------------------------------

    def _device(self) -> DeviceContext | None:
        """The device, checked again now; a revoked one loses the screen."""
        handle = self._device_handle()
        context = devices.resolve_device_handle(handle)
        if context is None:
            self.status = "revoked" if devices.device_handle_is_revoked(handle) else "none"
            self._forget_card()
            return None
        self.status = "active"
        self.device_code, self.device_name = context.code, context.name
        self.location_id, self.location_name = context.location_id, context.location_name
        self.operator_name, self.mode = context.operator_name, context.location_mode
        self.accepts_pos, self.accepts_amount = context.accepts_pos_payments, context.accepts_typed_amounts
        self.accepts_items = context.accepts_items
        return context

    def _actor(self, context: DeviceContext) -> Actor:
        return Actor(context.operator_id, device_id=context.device_id, location_id=context.location_id,
                     channel="device")

    @rx.var
    def pad_amount(self) -> str:
        return i18n.format_money(int(self.pad_digits or "0"), None, self.lang)

    @rx.var
    def items_total_cents(self) -> int:
        return sum(row.price_cents * row.quantity for row in self.item_rows)

    @rx.var
    def items_total(self) -> str:
        return i18n.format_money(self.items_total_cents, None, self.lang)

    @rx.var
    def card_open(self) -> bool:
        return self.card_id > 0

    # --- loading --------------------------------------------------------------------

    @rx.event
    async def load(self):
        self.error = self.notice = self.card_error = ""
        context = self._device()
        self._show_device_language(context)
        self.checked = True
        inbox = await self.get_state(PosInbox)
        if context is None:
            await inbox._forget_location()  # noqa: SLF001 - backend-only (underscored: Reflex keeps it from the browser)
            return None
        self.timezone = accounts.operator_timezone(context.operator_id)  # for receipts
        await inbox._show_location(context.location_id)  # noqa: SLF001 - backend-only (underscored: Reflex keeps it from the browser)
        self._load_items(context)
        self._load_recent(context)
        link = str(self.router.page.params.get("link", "") or "")
        if link:
            card = find_card_by_link_token(link)
            if card is not None and card.operator_id == context.operator_id:
                self._show_card(card.id, context)
                return [install_keys(), focus_first(*CARD_MAIN_ACTIONS)]
            self.card_error = self._t("This card link does not belong to this network.")
        return install_keys()

    def _load_items(self, context: DeviceContext) -> None:
        self._show_items(read_counter_items(context.operator_id, context.location_id)
                         if context.accepts_items else None)

    def _show_items(self, items: CounterItems | None) -> None:
        """The items the counter offers (None: it takes none); chosen quantities start again at 0."""
        self.items_error = (items.refusal.localized_message(self.lang) if items and items.refusal
                            else items.error if items else "")
        self.items_source = items.source if items else ""
        self.item_rows = list(items.rows) if items else []
        # No items to pick: the merchant enters an amount rather than being stuck.
        self.use_amount_pad = not self.item_rows

    def _apply_location(self, update: CounterUpdate) -> None:
        """The location changed while this counter is open (app/state/live.py): show its name and
        switches now. Items are offered again when their switch moved or no card is open (a
        basket being chosen is kept otherwise)."""
        settings = update.settings
        items_switched = settings.accepts_items != self.accepts_items
        self.location_name, self.mode = settings.name, settings.mode
        self.accepts_pos, self.accepts_amount = settings.accepts_pos_payments, settings.accepts_typed_amounts
        self.accepts_items = settings.accepts_items
        if items_switched or not self.card_open:
            self._show_items(update.items)
        if not settings.accepts_pos_payments:
            self.type_amount_anyway = False

    def _load_recent(self, context: DeviceContext) -> None:
        self.recent = [
            RecentRow(redemption_id=redemption.id, card=mask(last4), amount=self._money(redemption.amount_cents),
                      time=format_local_time(redemption.created_at, self.timezone),
                      voided=redemption.status == RedemptionStatus.voided)
            for redemption, last4 in redemptions.recent_redemptions(context.operator_id, device_id=context.device_id,
                                                                    limit=8)
        ]

    # --- the card -------------------------------------------------------------------

    def _show_card(self, card_id: int, context: DeviceContext) -> None:
        card = get_card(context.operator_id, card_id)
        self.card_id, self.card_last4 = card.id, card.last4
        self.card_balance_cents, self.card_balance = card.balance_cents, self._money(card.balance_cents)
        self.card_status = card.status
        self.card_is_test = card.is_test
        self.card_error = ""
        self.card_test_refusal = redemptions.refusal_of_test_card_at(card, context.location_id, self.lang) or ""
        if card.status != CardStatus.active:
            self.card_error = self._t("This card is {status} and cannot be used. Ask the customer to contact the "
                                      "network.", status=self._t(CARD_STATUS_NAMES.get(card.status, card.status)))
        elif card.balance_cents == 0:
            self.card_error = self._t("This card is empty.")
        self.attempt_key = uuid.uuid4().hex

    def _forget_card(self) -> None:
        self.card_id, self.card_last4, self.card_balance, self.card_balance_cents = 0, "", "", 0
        self.card_status = ""
        self.card_is_test, self.card_test_refusal = False, ""
        self.pad_digits = ""
        self.confirm_payment_id, self.confirm_message = 0, ""
        self.item_rows = [ItemRow(**{**row.__dict__, "quantity": 0}) for row in self.item_rows]

    @rx.event
    def open_card(self, form: dict):
        self.error = self.notice = self.card_error = ""
        self.has_receipt = False
        context = self._device()
        if context is None:
            return None
        try:
            card = lookup_card_by_code(context.operator_id, str(form.get("code", "")),
                                       caller=caller_name(self._actor(context)), ip=client_ip(self))
        except GiftnetError as error:
            self.card_error = error.localized_message(self.lang)
            return None
        self._show_card(card.id, context)
        return [rx.set_value("redeem-code-input", ""), focus_first(*CARD_MAIN_ACTIONS)]

    @rx.event
    def new_card(self):
        self.error = self.notice = self.card_error = ""
        self.has_receipt = False
        self._forget_card()
        self.type_amount_anyway = False
        context = self._device()
        if context is not None:
            self.use_amount_pad = not context.accepts_items or not self.item_rows
        return focus_first("#redeem-code-input")

    # --- amount pad -----------------------------------------------------------------

    @rx.event
    def pad_press(self, key: str):
        if key == "back":
            self.pad_digits = self.pad_digits[:-1]
        elif key == "clear":
            self.pad_digits = ""
        elif (key.isascii() and key.isdigit()) and len(self.pad_digits + key) <= MAX_PAD_DIGITS:
            self.pad_digits = (self.pad_digits + key).lstrip("0")

    @rx.event
    def show_amount_pad(self):
        self.use_amount_pad = True

    @rx.event
    def show_items(self):
        self.use_amount_pad = False

    @rx.event
    def show_amount_pad_anyway(self):
        """A POS payment waits, but the merchant types an amount (the POS took it another way)."""
        self.type_amount_anyway = True

    # --- items ----------------------------------------------------------------------

    @rx.event
    def change_quantity(self, key: str, delta: int):
        self.item_rows = [
            ItemRow(**{**row.__dict__, "quantity": max(0, min(99, row.quantity + delta))}) if row.key == key else row
            for row in self.item_rows
        ]

    # --- redeeming ------------------------------------------------------------------

    def _finish(self, result: redemptions.RedemptionResult, context: DeviceContext) -> None:
        redemption = result.redemption
        self.receipt = Receipt(
            redemption_id=redemption.id,
            kind=redemption.kind,
            amount=self._money(redemption.amount_cents),
            balance_after=self._money(result.balance_after_cents),  # the ledger's, after this act
            remaining_due=self._money(result.remaining_due_cents) if result.remaining_due_cents else "",
            device_code=result.device_code or context.code,
            time=format_local_time(redemption.created_at, self.timezone),
            lines=[f"{line.quantity} × {line.name} — {self._money(line.line_total_cents)}" for line in result.lines],
            voided=redemption.status == RedemptionStatus.voided,
            test_card=self.card_is_test,
        )
        self.has_receipt = True
        self.card_balance_cents = result.balance_after_cents
        self.card_balance = self._money(result.balance_after_cents)
        self.pad_digits = ""
        self.item_rows = [ItemRow(**{**row.__dict__, "quantity": 0}) for row in self.item_rows]
        self.attempt_key = uuid.uuid4().hex
        self._load_recent(context)

    def _redeem(self, **request: Any):
        self.error = self.notice = ""
        context = self._device()
        if context is None:
            return None
        if not self.card_id:
            self.error = self._t("Open a card first: type its code or scan its QR code.")
            return None
        self.working = True
        try:
            result = redemptions.redeem(self._actor(context), location_id=context.location_id, card_id=self.card_id,
                                        **request)
        except GiftnetError as error:
            self.error = error.localized_message(self.lang)
            if error.code in (ErrorCode.insufficient_funds, ErrorCode.card_not_active):
                self._show_card(self.card_id, context)
            return None
        finally:
            self.working = False
        self._finish(result, context)
        return focus_first("#receipt-next")

    @rx.event
    def redeem_amount(self):
        amount_cents = int(self.pad_digits or "0")
        if amount_cents <= 0:
            self.error = self._t("Enter the amount to take off the card.")
            return None
        return self._redeem(amount_cents=amount_cents, idempotency_key=f"device-amount-{self.attempt_key}")

    @rx.event
    def redeem_items(self):
        chosen = [row for row in self.item_rows if row.quantity > 0]
        if not chosen:
            self.error = self._t("Choose at least one item.")
            return None
        lines = [redemptions.LineRequest(price_cents=row.price_cents, quantity=row.quantity, sku=row.sku or None,
                                         name=row.name) for row in chosen]
        return self._redeem(items=lines, idempotency_key=f"device-items-{self.attempt_key}")

    @rx.event
    async def select_payment(self, payment_id: int):
        self.error = self.notice = ""
        if not self.card_id:
            self.error = self._t("Open the customer's card first, then SELECT the payment.")
            return None
        inbox = await self.get_state(PosInbox)
        payment = await inbox._waiting_payment(payment_id)  # noqa: SLF001 - backend-only (underscored: kept from the browser)
        if payment is None:
            self.error = self._t("This payment is no longer waiting (applied on another screen, cancelled or expired).")
            return None
        if payment.amount_cents > self.card_balance_cents:
            owed = payment.amount_cents - self.card_balance_cents
            self.confirm_payment_id = payment_id
            self.confirm_message = self._t(
                "The card holds {balance}, less than this payment of {amount}. Apply the whole {balance}? The "
                "customer still owes {owed}.", balance=self.card_balance,
                amount=self._money(payment.amount_cents), owed=self._money(owed))
            return None
        return self._apply_payment(payment_id, allow_partial=False)

    @rx.event
    def confirm_partial(self):
        payment_id, self.confirm_payment_id, self.confirm_message = self.confirm_payment_id, 0, ""
        if payment_id:
            return self._apply_payment(payment_id, allow_partial=True)
        return None

    @rx.event
    def cancel_partial(self):
        self.confirm_payment_id, self.confirm_message = 0, ""

    def _apply_payment(self, payment_id: int, *, allow_partial: bool):
        return self._redeem(pos_payment_id=payment_id, allow_partial=allow_partial,
                            idempotency_key=f"device-pos-{payment_id}-{self.attempt_key}")

    @rx.event
    async def ask_dismiss(self, payment_id: int):
        """Dismiss cancels the payment for the POS: ask first (a second, distant button confirms)."""
        inbox = await self.get_state(PosInbox)
        payment = await inbox._waiting_payment(payment_id)  # noqa: SLF001 - backend-only (underscored: kept from the browser)
        if payment is None:
            self.error = self._t("This payment is no longer waiting (applied on another screen, cancelled or expired).")
            return
        self.dismiss_asked_id = payment_id
        self.dismiss_asked_amount, self.dismiss_asked_reference = payment.amount, payment.reference

    @rx.event
    def keep_payment(self):
        self.dismiss_asked_id, self.dismiss_asked_amount, self.dismiss_asked_reference = 0, "", ""

    @rx.event
    def confirm_dismiss(self):
        payment_id = self.dismiss_asked_id
        self.keep_payment()
        if payment_id:
            return self._dismiss_payment(payment_id)
        return None

    def _dismiss_payment(self, payment_id: int):
        self.error = self.notice = ""
        context = self._device()
        if context is None:
            return None
        try:
            pos_payments.cancel_payment(context.operator_id, context.location_id, payment_id)
        except GiftnetError as error:
            self.error = error.localized_message(self.lang)
            return None
        self.notice = self._t("Payment dismissed. Push it again from the POS if that was a mistake.")
        return None

    @rx.event
    def ask_void(self, redemption_id: int, amount: str):
        self.void_asked_id, self.void_asked_amount = redemption_id, amount

    @rx.event
    def keep_redemption(self):
        self.void_asked_id, self.void_asked_amount = 0, ""

    @rx.event
    def confirm_void(self):
        redemption_id, self.void_asked_id, self.void_asked_amount = self.void_asked_id, 0, ""
        if redemption_id:
            self._void(redemption_id)
        return None

    def _void(self, redemption_id: int) -> None:
        self.error = self.notice = ""
        context = self._device()
        if context is None:
            return None
        try:
            result = redemptions.void_redemption(self._actor(context), redemption_id,
                                                 idempotency_key=f"device-void-{redemption_id}")
        except GiftnetError as error:
            self.error = error.localized_message(self.lang)
            return None
        balance_after = self._money(result.balance_after_cents)  # the void's ledger row: after the credit
        self.notice = self._t("Redemption #{number} voided: {amount} is back on card {card}, which now holds "
                              "{balance}.", number=redemption_id, amount=self._money(result.redemption.amount_cents),
                              card=mask(result.last4), balance=balance_after)
        if self.has_receipt and self.receipt.redemption_id == redemption_id:
            self.receipt = void_receipt(result, self.receipt, self.timezone, self.lang)
        if self.card_id == result.redemption.card_id:
            self._show_card(self.card_id, context)
        self._load_recent(context)
        return None


def void_receipt(result: redemptions.RedemptionResult, shown: Receipt, timezone: str, lang: str = "en") -> Receipt:
    """The receipt once its redemption is voided: the balance the void's ledger row holds, the void's time."""
    voided_at = result.redemption.voided_at
    return Receipt(**{
        **shown.__dict__,
        "voided": True,
        "remaining_due": "",
        "balance_after": i18n.format_money(result.balance_after_cents, None, lang),
        "time": format_local_time(voided_at, timezone) if voided_at else shown.time,
    })

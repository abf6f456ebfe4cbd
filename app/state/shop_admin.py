"""Dashboard screens of the shop: Widget (snippet, preview, settings, gateway) and Orders."""

from __future__ import annotations

from dataclasses import dataclass, field

import reflex as rx

from app.models.order import OrderLineKind, OrderStatus
from app.services.access.accounts import SignedIn
from app.services.core.money import parse_amount
from app.services.core.timefmt import format_local_time
from app.services.shop import orders, shop_settings
from app.settings import get_settings
from app.state.session import SessionState, dashboard_action


def _dollars(cents: int) -> str:
    return f"{cents / 100:.2f}"


class WidgetState(SessionState):
    """The shop's settings and payment gateway: owners only (staff load nothing here)."""

    slug: str = ""
    public_url: str = ""
    presets: str = ""
    allow_custom: bool = True
    custom_min: str = ""
    custom_max: str = ""
    primary_colour: str = ""
    background_colour: str = ""
    logo_url: str = ""
    terms: str = ""
    settings_error: str = ""
    settings_saved: str = ""
    gateway: str = "sandbox"
    gateway_fields: dict[str, str] = {}
    gateway_modes: dict[str, str] = {}  # each gateway -> "test" | "live", as saved
    gateway_error: str = ""
    gateway_saved: str = ""
    gateway_intent: str = "save"  # which of the gateway form's buttons submitted it: save | test
    preview_version: int = 0  # bumped on save, so the preview frame loads the new settings

    @rx.var
    def iframe_snippet(self) -> str:
        return f'<script src="{self.public_url}/embed.js" data-shop="{self.slug}" async></script>'

    @rx.var
    def button_snippet(self) -> str:
        return (f'<script src="{self.public_url}/embed.js" data-shop="{self.slug}" data-mode="button" '
                f'data-label="Buy a gift card" async></script>')

    @rx.var
    def preview_src(self) -> str:
        return f"/embed/{self.slug}?v={self.preview_version}" if self.slug else ""

    def _clear_messages(self) -> None:
        self.settings_error = self.settings_saved = self.gateway_error = self.gateway_saved = ""

    @rx.event
    @dashboard_action("settings_error", owner=True)
    def load(self, who: SignedIn):
        self._refresh(who.operator_id)

    def _refresh(self, operator_id: int) -> None:
        self.slug = shop_settings.shop_slug(operator_id)
        self.public_url = get_settings().public_url
        settings = shop_settings.get_shop_settings(operator_id)
        self.presets = ", ".join(_dollars(c) for c in settings.preset_amounts_cents)
        self.allow_custom = settings.allow_custom
        self.custom_min, self.custom_max = _dollars(settings.custom_min_cents), _dollars(settings.custom_max_cents)
        self.primary_colour, self.background_colour = settings.primary_colour, settings.background_colour
        self.logo_url, self.terms = settings.logo_url or "", settings.terms or ""
        gateway = shop_settings.get_gateway_settings(operator_id)
        self.gateway = gateway.gateway
        self.gateway_fields = {k: v or "" for k, v in gateway.fields.items()}
        self.gateway_modes = dict(gateway.modes)

    @rx.event
    def set_allow_custom(self, value: bool):
        self.allow_custom = bool(value)

    @rx.event
    @dashboard_action("settings_error", owner=True, clear=False)
    def save_settings(self, who: SignedIn, form: dict):
        """Each form says only its own outcome: the gateway form's message stays."""
        self.settings_saved = ""
        presets = [parse_amount(part, field="preset_amounts_cents")
                   for part in str(form.get("presets", "")).split(",") if part.strip()]
        changes = {
            "preset_amounts_cents": presets,
            "allow_custom": self.allow_custom,
            "custom_min_cents": parse_amount(str(form.get("custom_min", "")), field="custom_min_cents"),
            "custom_max_cents": parse_amount(str(form.get("custom_max", "")), field="custom_max_cents"),
            "primary_colour": str(form.get("primary_colour", "")),
            "background_colour": str(form.get("background_colour", "")),
            "logo_url": str(form.get("logo_url", "")) or None,
            "terms": str(form.get("terms", "")) or None,
        }
        shop_settings.update_shop_settings(self._actor(who), changes)
        self.settings_error = ""
        self.settings_saved = self._t("Saved. The preview below shows the shop as shoppers see it.")
        self.preview_version += 1
        self._refresh(who.operator_id)

    @rx.event
    def choose_gateway(self, gateway: str):
        self.gateway = gateway
        self.gateway_error = self.gateway_saved = ""

    @rx.event
    def mean_to(self, intent: str):
        """The gateway form's buttons both submit it; the click (handled first) says which one."""
        self.gateway_intent = "test" if intent == "test" else "save"

    @rx.event
    @dashboard_action("gateway_error", owner=True, clear=False)
    def save_gateway(self, who: SignedIn, form: dict):
        """Save the gateway, or with "Test connection" only ask the gateway about the typed
        credentials. Each form says only its own outcome: the settings form's message stays."""
        intent, self.gateway_intent = self.gateway_intent, "save"
        self.gateway_saved = ""
        fields = shop_settings.GATEWAY_FIELDS.get(self.gateway, {})
        values = {name: str(form.get(name, "")) for name in fields}
        if intent == "test":
            self.gateway_saved = shop_settings.check_gateway_connection(self._actor(who), self.gateway, values)
            self.gateway_error = ""
            return
        view = shop_settings.update_gateway_settings(self._actor(who), self.gateway, values)
        self.gateway_error = ""
        self.gateway_saved = (self._t("Saved: the shop takes payments through {gateway} (TEST MODE).", gateway=self.gateway.title())
                              if view.test_mode else
                              self._t("Saved: the shop takes payments through {gateway} (LIVE: real cards are charged).",
                                      gateway=self.gateway.title()))
        self.preview_version += 1
        self._refresh(who.operator_id)


@dataclass
class OrderLineRow:
    id: int = 0
    order_id: int = 0
    text: str = ""
    refundable: str = ""
    refundable_cents: int = 0


@dataclass
class OrderRow:
    id: int = 0
    number: str = ""
    created: str = ""
    buyer: str = ""
    total: str = ""
    status: str = ""
    gateway: str = ""
    test_mode: bool = False
    reference: str = ""
    message: str = ""
    refunded: str = ""
    card_form_error: str = ""
    lines: list[OrderLineRow] = field(default_factory=list)


class OrdersState(SessionState):
    rows: list[OrderRow] = []
    refund_error: str = ""
    refund_done: str = ""
    card_form_problem: str = ""  # the gateway's card form failed to load for a shopper lately

    @rx.event
    @dashboard_action("refund_error", clear=False)
    def load(self, who: SignedIn):
        self.rows = []
        failed = orders.latest_card_form_failure(who.operator_id)
        self.card_form_problem = "" if failed is None else self._t(
            "Shoppers could not pay by card: on {when} (order {number}) {error}. Check the payment gateway on the "
            "Shop and widget screen; orders stay payable.",
            when=format_local_time(failed.card_form_failed_at, who.timezone), number=failed.number,
            error=failed.card_form_error)
        for order in orders.list_orders(who.operator_id, limit=50):
            lines = [
                OrderLineRow(
                    id=line.id, order_id=order.id,
                    text=(self._t("Card {amount} for {recipient}", amount=self._money(line.amount_cents, order.currency),
                                  recipient=line.recipient) if line.kind == OrderLineKind.card
                          else self._t("Top-up {amount}", amount=self._money(line.amount_cents, order.currency)))
                    + (f" · •••• {line.card_last4}" if line.card_last4 else "")
                    + (" · " + self._t("refunded {amount}", amount=self._money(line.refunded_cents, order.currency))
                       if line.refunded_cents else ""),
                    refundable=self._money(line.refundable_cents, order.currency), refundable_cents=line.refundable_cents,
                )
                for line in order.lines
            ]
            self.rows.append(OrderRow(
                id=order.id, number=order.number, created=format_local_time(order.created_at, who.timezone),
                buyer=f"{order.buyer_name} <{order.buyer_email}>", total=self._money(order.total_cents, order.currency),
                status=order.status, gateway=order.gateway, test_mode=order.test_mode,
                reference=order.gateway_reference or "—", message=order.gateway_message or "",
                refunded=self._money(order.refunded_cents, order.currency) if order.refunded_cents else "", lines=lines,
                card_form_error=(order.card_form_error or "" if order.status not in (OrderStatus.paid, OrderStatus.refunded)
                                 else ""),
            ))

    def _clear_messages(self) -> None:
        self.refund_error, self.refund_done = "", ""

    @rx.event
    @dashboard_action("refund_error")
    def refund(self, who: SignedIn, order_id: int, line_id: int):
        view = orders.refund_line(self._actor(who), order_id, line_id)
        self.refund_done = self._t("Refunded on order {number}; the card was debited by the same amount.", number=view.number)
        return OrdersState.load

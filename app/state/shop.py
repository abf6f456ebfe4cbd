"""The public shop `/shop/<slug>` and its compact twin `/embed/<slug>` (for an iframe):
the cart, the payment step and the result. No login: anyone may buy."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import date

import reflex as rx

from app.integrations import sandbox
from app.models.order import OrderLineKind, OrderStatus
from app.services.core import colours, i18n
from app.services.core.errors import GiftnetError
from app.services.core.money import parse_amount
from app.services.shop import checkout_script, orders, shop_settings
from app.services.shop.orders import CartInvalid, CartLine
from app.state.client import client_ip
from app.state.language import N_, LanguageState

SANDBOX_CARD_INPUT = "sandbox-card-number"
# The pay step's card form for Bambora and Forte (assets/card_form.js, loaded on first use).
CARD_FORM_JS = "/card_form.js"
CARD_FORM_BOOT = """
(function (load) {
  return load.then(function () { return window.giftnetCardForm.%s(%s); },
                   function () { return {ok: false, error: "The card form could not start.", reason: "card_form.js did not load"}; });
})(window.giftnetCardForm ? Promise.resolve() : new Promise(function (resolve, reject) {
  var script = document.createElement("script");
  script.src = "%s"; script.onload = resolve; script.onerror = reject;
  document.head.appendChild(script);
}))
"""
CARD_FORM_UNAVAILABLE = N_("Card payment is unavailable right now: the payment provider's card form did not load. "
                         "Your order is kept; try again in a few minutes.")
# The embed page tells its host page how tall it is (assets/embed.js listens).
POST_HEIGHT_JS = """
(function(){
  if (window.parent === window || window.__giftnetHeight) return;
  window.__giftnetHeight = true;
  var last = 0, shown = null;
  function contentHeight(){
    // The shop's own box, not the document: the document is at least as tall as the iframe,
    // so measuring it would let the frame grow but never shrink.
    var shop = document.getElementById('shop');
    if (!shop) return Math.ceil(document.documentElement.scrollHeight);
    return Math.ceil(shop.getBoundingClientRect().bottom + window.scrollY);
  }
  function post(){
    var h = contentHeight();
    if (h !== last) { last = h; window.parent.postMessage({type: 'giftnet:height', height: h}, '*'); }
    // A result (paid, or not) is the shopper's next thing to read: ask the host page to show the
    // frame's top, where it is, instead of leaving it scrolled out of view.
    var result = document.getElementById('order-paid') || document.getElementById('order-failed');
    var id = result ? result.id : null;
    if (id && id !== shown) window.parent.postMessage({type: 'giftnet:show-top'}, '*');
    shown = id;
  }
  new ResizeObserver(post).observe(document.body);
  setInterval(post, 300);
  post();
})();
"""

SANDBOX_NAME = N_("the sandbox")  # where a test shop's payments go, as the test-mode banner names it
LINE_FIELDS = ("recipient_name", "recipient_email", "message", "delivery_date", "card_code", "custom_amount")


@dataclass
class LineForm:
    kind: str = OrderLineKind.card
    amount_choice: str = ""  # a preset's cents, or "custom"
    custom_amount: str = ""
    for_self: bool = True
    recipient_name: str = ""
    recipient_email: str = ""
    message: str = ""
    delivery_date: str = ""
    card_code: str = ""
    amount_error: str = ""
    recipient_name_error: str = ""
    recipient_email_error: str = ""
    message_error: str = ""
    delivery_date_error: str = ""
    card_code_error: str = ""


@dataclass
class Preset:
    cents: str = ""
    label: str = ""


@dataclass
class ResultLine:
    text: str = ""


def shop_language(asked: str | None, browser_choice: str | None, accept_language: str | None,
                  offered: tuple[str, ...] | list[str], default: str = i18n.DEFAULT_LANGUAGE) -> str:
    """The language a shopper reads the shop and widget in, among the network's `offered`:
    the address's `?lang=` (the embed snippet's `lang`), else this browser's earlier choice,
    else its `Accept-Language`, else the network's default (else the first offered)."""
    offered = tuple(offered) or (i18n.DEFAULT_LANGUAGE,)
    fallback = default if default in offered else offered[0]
    for choice in (asked, browser_choice):
        code = (choice or "").strip().replace("_", "-").split("-")[0].lower()
        if code in offered:
            return code
    negotiated = i18n.negotiate(accept_language, fallback)
    return negotiated if negotiated in offered else fallback


class ShopState(LanguageState):
    found: bool = False
    checked: bool = False
    embed: bool = False
    slug: str = ""
    shop_name: str = ""
    test_mode: bool = True
    gateway: str = "sandbox"
    gateway_test_mode: bool = True  # Bambora or Forte at a test address: no real card is charged
    card_form: str = ""  # Bambora/Forte pay step: "" | loading | ready | unavailable
    presets: list[Preset] = []
    allow_custom: bool = True
    range_label: str = ""
    primary_colour: str = "#0f766e"
    primary_text_colour: str = "#ffffff"  # dark when the operator's colour is too light for white
    background_colour: str = "#ffffff"
    logo_url: str = ""
    terms: str = ""

    lines: list[LineForm] = []
    buyer_name: str = ""
    buyer_email: str = ""
    buyer_name_error: str = ""
    buyer_email_error: str = ""
    cart_error: str = ""

    step: str = "cart"  # cart | pay | result
    order_id: int = 0
    order_number: str = ""
    order_status: str = ""
    order_total: str = ""
    order_message: str = ""
    result_lines: list[ResultLine] = []
    attempt_key: str = ""
    paying: bool = False
    pay_error: str = ""

    _operator_id: int = 0
    _script_url: str = ""
    _api_login_id: str = ""

    _order_total_cents: int = 0
    _order_currency: str = ""
    _custom_range: tuple[int, int] = (0, 0)

    @rx.var
    def gateway_label(self) -> str:
        if self.gateway in ("bambora", "forte"):
            return {"bambora": "Bambora", "forte": "Forte"}[self.gateway]
        return i18n.translate(SANDBOX_NAME, self.lang)

    @rx.var
    def total(self) -> str:
        cents = 0
        for line in self.lines:
            amount = self._line_cents(line)
            cents += amount or 0
        return i18n.format_money(cents, None, self.lang)

    def _line_cents(self, line: LineForm) -> int | None:
        if line.kind == OrderLineKind.card and line.amount_choice and line.amount_choice != "custom":
            return int(line.amount_choice)
        try:
            return parse_amount(line.custom_amount) if line.custom_amount.strip() else None
        except GiftnetError:
            return None

    @rx.event
    def load(self):
        params = self.router.page.params
        self.slug = str(params.get("slug", ""))
        self.embed = self.router.page.path.startswith("/embed")
        shop = shop_settings.shop_by_slug(self.slug)
        self.checked, self.found = True, shop is not None
        if shop is None:
            return
        self._operator_id = shop.operator_id
        self._show_in(shop_language(params.get("lang"), self.browser_language, self.router.headers.accept_language,
                                    shop.offered_languages, shop.default_language), shop.offered_languages)
        self.shop_name = shop.name
        self.test_mode, self.gateway = shop.test_mode, shop.gateway
        script = checkout_script.checkout_script_for(shop.operator_id)
        self._script_url, self._api_login_id = script.url or "", script.api_login_id
        self.gateway_test_mode = script.test_mode
        settings = shop.settings
        self.presets = [Preset(cents=str(c)) for c in settings.preset_amounts_cents]
        self.allow_custom = settings.allow_custom
        self._custom_range = (settings.custom_min_cents, settings.custom_max_cents)
        self._label_amounts()
        self.primary_colour, self.background_colour = settings.primary_colour, settings.background_colour
        self.primary_text_colour = colours.text_colour_on(settings.primary_colour)
        self.logo_url, self.terms = settings.logo_url or "", settings.terms or ""
        self._start_over()
        if self.embed:
            return rx.call_script(POST_HEIGHT_JS)

    def _label_amounts(self) -> None:
        """The amounts the shop shows, written the shopper's way (again after a language change)."""
        self.presets = [Preset(cents=preset.cents, label=self._money(int(preset.cents))) for preset in self.presets]
        low, high = self._custom_range
        self.range_label = self._t("{low} to {high}", low=self._money(low), high=self._money(high))
        if self._order_total_cents:
            self.order_total = self._money(self._order_total_cents, self._order_currency)

    def _keep_language(self, lang: str) -> None:
        super()._keep_language(lang)
        self._label_amounts()

    @rx.event
    def choose_language(self, lang: str):
        """The picker, its own handler here (see `LanguageState._choose`)."""
        self._choose(lang)

    def _start_over(self) -> None:
        first = self.presets[0].cents if self.presets else "custom"
        self.lines = [LineForm(amount_choice=first)]
        self.buyer_name_error = self.buyer_email_error = self.cart_error = ""
        self.step, self.order_id, self.order_status, self.pay_error = "cart", 0, "", ""
        self.result_lines = []

    # --- the cart -------------------------------------------------------------------

    @rx.event
    def add_card(self):
        self.lines.append(LineForm(amount_choice=self.presets[0].cents if self.presets else "custom"))

    @rx.event
    def add_topup(self):
        self.lines.append(LineForm(kind=OrderLineKind.topup, amount_choice="custom"))

    @rx.event
    def remove_line(self, index: int):
        if 0 <= index < len(self.lines) and len(self.lines) > 1:
            self.lines.pop(index)

    @rx.event
    def choose_amount(self, index: int, choice: str):
        self.lines[index].amount_choice = choice
        self.lines[index].amount_error = ""

    @rx.event
    def set_recipient(self, index: int, who: str):
        self.lines[index].for_self = who == "myself"

    @rx.event
    def set_line_field(self, index: int, name: str, value: str):
        if name in LINE_FIELDS and 0 <= index < len(self.lines):
            setattr(self.lines[index], name, value)
            error_name = "amount_error" if name == "custom_amount" else f"{name}_error"
            if hasattr(self.lines[index], error_name):
                setattr(self.lines[index], error_name, "")

    @rx.event
    def set_buyer_name(self, value: str):
        self.buyer_name, self.buyer_name_error = value, ""

    @rx.event
    def set_buyer_email(self, value: str):
        self.buyer_email, self.buyer_email_error = value, ""

    @rx.event
    def checkout(self):
        errors: dict[str, str] = {}
        cart: list[CartLine] = []
        for index, line in enumerate(self.lines):
            amount = None
            if line.kind == OrderLineKind.card and line.amount_choice not in ("", "custom"):
                amount = int(line.amount_choice)
            elif line.custom_amount.strip():
                try:
                    amount = parse_amount(line.custom_amount)
                except GiftnetError as error:
                    errors[f"lines.{index}.amount"] = error.localized_message(self.lang)
            delivery = None
            if line.delivery_date and not line.for_self:
                try:
                    delivery = date.fromisoformat(line.delivery_date)
                except ValueError:
                    errors[f"lines.{index}.delivery_date"] = self._t("Choose a date.")
            cart.append(CartLine(kind=line.kind, amount_cents=amount, for_self=line.for_self,
                                 recipient_name=line.recipient_name, recipient_email=line.recipient_email,
                                 message=line.message, delivery_date=delivery, card_code=line.card_code))
        try:
            if errors:
                raise CartInvalid(errors)
            order = orders.create_order(self._operator_id, buyer_name=self.buyer_name, buyer_email=self.buyer_email,
                                        lines=cart, client_ip=client_ip(self), language=self.lang)
        except CartInvalid as invalid:
            self._show_errors({**invalid.field_errors, **errors})
            return
        except GiftnetError as error:
            self.cart_error = error.localized_message(self.lang)
            return
        self.order_id, self.order_number = order.id, order.number
        self._order_total_cents, self._order_currency = order.total_cents, order.currency
        self.order_total = self._money(order.total_cents, order.currency)
        self.order_status, self.pay_error = order.status, ""
        self.attempt_key = secrets.token_hex(8)
        self.step = "pay"
        return self._mount_card_form()

    def _show_errors(self, errors: dict[str, str]) -> None:
        self.buyer_name_error = errors.get("buyer_name", "")
        self.buyer_email_error = errors.get("buyer_email", "")
        self.cart_error = errors.get("lines", "") or self._t("Please correct the fields marked below.")
        for index, line in enumerate(self.lines):
            for name in ("amount", "recipient_name", "recipient_email", "message", "delivery_date", "card_code"):
                setattr(line, f"{name}_error", errors.get(f"lines.{index}.{name}", ""))

    @rx.event
    def back_to_cart(self):
        self.step = "cart"

    # --- the gateway's card form (Bambora Custom Checkout, Forte.js) -----------------------

    def _card_form_call(self, function: str, options: dict) -> str:
        return CARD_FORM_BOOT % (function, json.dumps(options), CARD_FORM_JS)

    def _mount_card_form(self):
        """Load the gateway's script and mount its card fields (nothing for the sandbox)."""
        if self.test_mode:
            return None
        if not self._script_url or (self.gateway == "forte" and not self._api_login_id):
            incomplete = f"the shop's {self.gateway.title()} settings are incomplete"
            return ShopState.card_form_mounted({"ok": False, "reason": incomplete})
        self.card_form = "loading"
        options = {"gateway": self.gateway, "scriptUrl": self._script_url, "colour": self.primary_colour}
        return rx.call_script(self._card_form_call("mount", options), callback=ShopState.card_form_mounted)

    @rx.event
    def card_form_mounted(self, result: dict):
        if self.step != "pay":
            return
        if isinstance(result, dict) and result.get("ok"):
            self.card_form = "ready"
            return
        self.card_form = "unavailable"
        reason = str((result or {}).get("reason") if isinstance(result, dict) else "") or "no answer from the script"
        if self.order_id:
            orders.record_card_form_failure(self._operator_id, self.order_id,
                                            f"{self.gateway.title()}'s card form did not load: {reason}")

    @rx.event
    def retry_card_form(self):
        return self._mount_card_form()

    @rx.event
    def pay_card(self):
        """The gateway's script turns the card into a one-time token in the browser."""
        if self.paying or self.card_form != "ready":
            return
        self.pay_error = ""
        return rx.call_script(self._card_form_call("token", {"apiLoginId": self._api_login_id}),
                              callback=ShopState.card_tokenized)

    @rx.event
    def card_tokenized(self, result: dict):
        result = result if isinstance(result, dict) else {}
        token = str(result.get("token") or "")
        if not token:
            self.pay_error = str(result.get("error") or self._t("Check the card details."))
            return
        yield from self._pay(token)

    # --- paying ---------------------------------------------------------------------

    @rx.event
    def pay_sandbox(self):
        """The test card is turned into a token in the browser; only the token comes back."""
        if self.paying:
            return
        return rx.call_script(sandbox.tokenize_script(SANDBOX_CARD_INPUT), callback=ShopState.pay_with_token)

    @rx.event
    def pay_with_token(self, token: str):
        if not token:
            self.pay_error = self._t("Use one of the test card numbers shown above.")
            return
        yield from self._pay(token)

    def _pay(self, token: str):
        if self.paying or not self.order_id:
            return
        self.paying, self.pay_error = True, ""
        yield
        try:
            order = orders.pay_order(self._operator_id, self.order_id, token, self.attempt_key)
        except GiftnetError as error:
            self.paying, self.pay_error = False, error.localized_message(self.lang)
            return
        self.paying = False
        self._show_order(order)

    def _show_order(self, order: orders.OrderView) -> None:
        self.order_status = order.status
        self.order_message = order.gateway_message or ""
        if order.status in (OrderStatus.paid, OrderStatus.refunded):
            self.step = "result"
            self.result_lines = [
                ResultLine(text=(self._t("Gift card {amount} for {recipient} (card •••• {last4})",
                                         amount=self._money(line.amount_cents),
                                         recipient=self._t("the buyer") if line.recipient == "the buyer" else line.recipient,
                                         last4=line.card_last4)
                                 if line.kind == OrderLineKind.card else
                                 self._t("Top-up {amount} on card •••• {last4}", amount=self._money(line.amount_cents),
                                         last4=line.card_last4)))
                for line in order.lines
            ]
        elif order.status == OrderStatus.charging:
            self.step = "pay"
            self.pay_error = self._t("Your payment is being processed; this page updates in a moment.")
        else:
            # declined or error: the shopper may try again with a new attempt.
            self.step = "result"
            self.attempt_key = secrets.token_hex(8)

    @rx.event
    def check_order(self):
        if self.order_id:
            self._show_order(orders.order_view(self._operator_id, self.order_id))

    @rx.event
    def try_again(self):
        self.step, self.pay_error = "pay", ""
        return self._mount_card_form()

    @rx.event
    def new_order(self):
        self._start_over()

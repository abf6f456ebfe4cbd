"""The shop: `/shop/<slug>` (a full page) and `/embed/<slug>` (compact, inside an
iframe on the operator's site). Cart, payment, result; errors beside each field."""

from __future__ import annotations

import reflex as rx

from app.components.i18n import language_picker, t
from app.components.layout import page_ready_marker
from app.state.shop import CARD_FORM_UNAVAILABLE, LineForm, ShopState
from app.state.shop import SANDBOX_CARD_INPUT as _STATE_CARD_INPUT

SHOP_META = [{"name": "robots", "content": "noindex"}]
# The test card field; the state's tokenizing script reads it by this id.
SANDBOX_CARD_INPUT = "sandbox-card-number"
assert SANDBOX_CARD_INPUT == _STATE_CARD_INPUT


def _id(index: rx.Var, suffix: str) -> rx.Var:
    return "line-" + index.to_string() + "-" + suffix


def _field_error(message: rx.Var, element_id: rx.Var | str) -> rx.Component:
    return rx.cond(message != "", rx.text(message, color=rx.color("red", 11), size="2", id=element_id, role="alert"))


def _labelled(label: rx.Var | str, control: rx.Component, error: rx.Var, error_id, html_for) -> rx.Component:  # noqa: ANN001
    return rx.vstack(
        rx.el.label(label, html_for=html_for, style={"fontWeight": "500", "fontSize": "14px"}),
        control,
        _field_error(error, error_id),
        spacing="1",
        width="100%",
    )


def _test_mode_banner() -> rx.Component:
    return rx.cond(
        ShopState.test_mode,
        rx.callout(
            t("TEST MODE: this shop uses the sandbox gateway. No real card is charged and no real money moves. "
              "Test mode: cards bought here are test cards; they work only at the network's test locations."),
            icon="flask-conical", color_scheme="amber", id="test-mode-banner", width="100%", role="status",
        ),
        rx.cond(
            ShopState.gateway_test_mode,
            rx.callout(
                t("TEST MODE: payments go to {gateway}'s test environment. No real card is charged. Test mode: cards "
                  "bought here are test cards; they work only at the network's test locations.",
                  gateway=ShopState.gateway_label),
                icon="flask-conical", color_scheme="amber", id="test-mode-banner", width="100%", role="status",
            ),
        ),
    )


def _amount_buttons(line: LineForm, index: rx.Var) -> rx.Component:
    return rx.hstack(
        rx.foreach(
            ShopState.presets,
            lambda preset: rx.button(
                preset.label,
                type="button",
                size="3",
                variant=rx.cond(line.amount_choice == preset.cents, "solid", "outline"),
                id=_id(index, "amount-" + preset.cents),
                aria_pressed=rx.cond(line.amount_choice == preset.cents, "true", "false"),
                on_click=ShopState.choose_amount(index, preset.cents),
            ),
        ),
        rx.cond(
            ShopState.allow_custom,
            rx.button(t("Other amount"), type="button", size="3",
                      variant=rx.cond(line.amount_choice == "custom", "solid", "outline"),
                      id=_id(index, "amount-custom"), on_click=ShopState.choose_amount(index, "custom")),
        ),
        wrap="wrap",
        spacing="2",
    )


def _card_line(line: LineForm, index: rx.Var) -> rx.Component:
    return rx.vstack(
        _amount_buttons(line, index),
        rx.cond(
            line.amount_choice == "custom",
            _labelled(
                t("Amount ({range})", range=ShopState.range_label),
                rx.input(value=line.custom_amount, on_change=lambda v: ShopState.set_line_field(index, "custom_amount", v),
                         id=_id(index, "custom-amount"), input_mode="decimal", placeholder="40.00", size="3"),
                "", "", _id(index, "custom-amount"),
            ),
        ),
        _field_error(line.amount_error, _id(index, "amount-error")),
        rx.hstack(
            rx.button(t("For myself"), type="button", size="2", id=_id(index, "for-self"),
                      variant=rx.cond(line.for_self, "solid", "outline"), on_click=ShopState.set_recipient(index, "myself")),
            rx.button(t("For someone else"), type="button", size="2", id=_id(index, "for-other"),
                      variant=rx.cond(line.for_self, "outline", "solid"), on_click=ShopState.set_recipient(index, "other")),
            spacing="2",
        ),
        rx.cond(
            ~line.for_self,
            rx.vstack(
                _labelled(t("Recipient's name"),
                          rx.input(value=line.recipient_name, id=_id(index, "recipient-name"), size="3", width="100%",
                                   on_change=lambda v: ShopState.set_line_field(index, "recipient_name", v)),
                          line.recipient_name_error, _id(index, "recipient-name-error"), _id(index, "recipient-name")),
                _labelled(t("Recipient's email"),
                          rx.input(value=line.recipient_email, id=_id(index, "recipient-email"), type="email", size="3",
                                   width="100%", on_change=lambda v: ShopState.set_line_field(index, "recipient_email", v)),
                          line.recipient_email_error, _id(index, "recipient-email-error"), _id(index, "recipient-email")),
                _labelled(t("Message (optional)"),
                          rx.text_area(value=line.message, id=_id(index, "message"), width="100%",
                                       on_change=lambda v: ShopState.set_line_field(index, "message", v)),
                          line.message_error, _id(index, "message-error"), _id(index, "message")),
                _labelled(t("Delivery date (optional; today if empty)"),
                          rx.input(value=line.delivery_date, id=_id(index, "delivery-date"), type="date", size="3",
                                   on_change=lambda v: ShopState.set_line_field(index, "delivery_date", v)),
                          line.delivery_date_error, _id(index, "delivery-date-error"), _id(index, "delivery-date")),
                width="100%",
                spacing="2",
            ),
        ),
        width="100%",
        spacing="2",
    )


def _topup_line(line: LineForm, index: rx.Var) -> rx.Component:
    return rx.vstack(
        _labelled(t("Card code"),
                  rx.input(value=line.card_code, id=_id(index, "card-code"), placeholder="XXXX-XXXX-XXXX-XXXX", size="3",
                           width="100%", on_change=lambda v: ShopState.set_line_field(index, "card_code", v)),
                  line.card_code_error, _id(index, "card-code-error"), _id(index, "card-code")),
        _labelled(t("Top-up amount ({range})", range=ShopState.range_label),
                  rx.input(value=line.custom_amount, id=_id(index, "custom-amount"), input_mode="decimal", size="3",
                           placeholder="20.00", on_change=lambda v: ShopState.set_line_field(index, "custom_amount", v)),
                  line.amount_error, _id(index, "amount-error"), _id(index, "custom-amount")),
        width="100%",
        spacing="2",
    )


def _line(line: LineForm, index: rx.Var) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading(rx.cond(line.kind == "card", t("Gift card"), t("Top up a card")), size="4"),
                rx.spacer(),
                rx.cond(ShopState.lines.length() > 1,
                        rx.button(t("Remove"), type="button", variant="ghost", color_scheme="red", size="2",
                                  id=_id(index, "remove"), on_click=ShopState.remove_line(index))),
                width="100%",
                align="center",
            ),
            rx.cond(line.kind == "card", _card_line(line, index), _topup_line(line, index)),
            width="100%",
            spacing="3",
        ),
        id="line-" + index.to_string(),
        class_name="cart-line",
        width="100%",
    )


def _cart() -> rx.Component:
    return rx.vstack(
        rx.foreach(ShopState.lines, _line),
        rx.hstack(
            rx.button(rx.icon("plus"), t("Add a gift card"), type="button", variant="soft", size="3", id="add-card",
                      on_click=ShopState.add_card),
            rx.button(rx.icon("wallet"), t("Top up a card"), type="button", variant="soft", size="3", id="add-topup",
                      on_click=ShopState.add_topup),
            wrap="wrap",
            spacing="2",
        ),
        rx.heading(t("Your details"), size="4", margin_top="8px"),
        _labelled(t("Your name"), rx.input(value=ShopState.buyer_name, on_change=ShopState.set_buyer_name, id="buyer-name",
                                        size="3", width="100%", auto_complete="name"),
                  ShopState.buyer_name_error, "buyer-name-error", "buyer-name"),
        _labelled(t("Your email (for the receipt)"),
                  rx.input(value=ShopState.buyer_email, on_change=ShopState.set_buyer_email, id="buyer-email",
                           type="email", size="3", width="100%", auto_complete="email"),
                  ShopState.buyer_email_error, "buyer-email-error", "buyer-email"),
        rx.cond(ShopState.terms != "", rx.text(ShopState.terms, size="2", color=rx.color("gray", 11), id="shop-terms",
                                               white_space="pre-wrap")),
        rx.cond(ShopState.cart_error != "",
                rx.callout(ShopState.cart_error, icon="triangle-alert", color_scheme="red", id="cart-error", width="100%")),
        rx.hstack(
            rx.text(t("Total "), rx.text.strong(ShopState.total, id="cart-total"), size="5"),
            rx.spacer(),
            rx.button(t("Continue to payment"), size="3", id="checkout", on_click=ShopState.checkout,
                      style={"background": ShopState.primary_colour, "color": ShopState.primary_text_colour}),
            width="100%",
            align="center",
        ),
        width="100%",
        spacing="3",
    )


def _sandbox_form() -> rx.Component:
    return rx.vstack(
        rx.text(t("Test cards: "), rx.code("4030 0000 1000 1234"), t(" approves, "), rx.code("4003 0505 0004 0005"),
                t(" declines, "), rx.code("4000 0000 0000 0119"), t(" loses the answer (like a timeout)."), size="2"),
        rx.el.label(t("Test card number"), html_for=SANDBOX_CARD_INPUT, style={"fontWeight": "500", "fontSize": "14px"}),
        # Not bound to state: the number stays in the browser, only its sbx_ token is sent.
        rx.el.input(id=SANDBOX_CARD_INPUT, input_mode="numeric", autocomplete="off",
                    placeholder="4030 0000 1000 1234",
                    style={"fontSize": "18px", "padding": "10px", "width": "100%", "borderRadius": "6px",
                           "border": "1px solid #ccc"}),
        rx.button(rx.cond(ShopState.paying, t("Paying…"), t("Pay {total}", total=ShopState.order_total)), size="3",
                  id="pay-button", disabled=ShopState.paying, on_click=ShopState.pay_sandbox, width="100%",
                  style={"background": ShopState.primary_colour, "color": ShopState.primary_text_colour}),
        width="100%",
        spacing="2",
    )


CARD_FIELD_STYLE = {"border": "1px solid #c4c9d0", "borderRadius": "8px", "padding": "0 12px", "height": "52px",
                    "background": "#ffffff", "display": "flex", "alignItems": "center", "width": "100%"}
CARD_INPUT_STYLE = {"fontSize": "18px", "border": "none", "outline": "none", "width": "100%", "height": "100%",
                    "background": "transparent"}


def _card_field(label: rx.Var | str, name: str, control: rx.Component) -> rx.Component:
    """One card field: its label, its box (an iframe of the gateway's, or our own input for
    Forte.js) and, beside it, what the gateway's script says of it (filled by card_form.js)."""
    return rx.vstack(
        rx.text(label, id=f"card-{name}-label", weight="medium", size="2"),
        control,
        rx.el.div(id=f"card-{name}-status", aria_live="polite", style={"minHeight": "20px", "fontSize": "14px"}),
        spacing="1",
        width="100%",
    )


def _bambora_host(name: str) -> rx.Component:
    """Custom Checkout mounts its iframe in here; React leaves it empty."""
    return rx.el.div(id=f"card-{name}", class_name="card-field-host", style=CARD_FIELD_STYLE)


def _forte_input(element_id: str, name: str, placeholder: str, autocomplete: str, mode: str = "numeric") -> rx.Component:
    # Not bound to state: the value stays in the browser; Forte.js turns it into a token.
    return rx.el.div(
        rx.el.input(id=element_id, placeholder=placeholder,
                    autocomplete=autocomplete, input_mode=mode, aria_labelledby=f"card-{name}-label",
                    style=CARD_INPUT_STYLE),
        style=CARD_FIELD_STYLE,
    )


def _card_fields() -> rx.Component:
    bambora = ShopState.gateway == "bambora"
    return rx.vstack(
        _card_field(t("Card number"), "number",
                    rx.cond(bambora, _bambora_host("number"), _forte_input("forte-card-number", "number", "1234 5678 9012 3456", "cc-number"))),
        rx.hstack(
            _card_field(t("Expiry"), "expiry",
                        rx.cond(bambora, _bambora_host("expiry"), _forte_input("forte-expiry", "expiry", "MM/YY", "cc-exp", "text"))),
            _card_field("CVV", "cvv", rx.cond(bambora, _bambora_host("cvv"), _forte_input("forte-cvv", "cvv", "123", "cc-csc"))),
            width="100%",
            spacing="3",
        ),
        width="100%",
        spacing="2",
        id="card-fields",
        display=rx.cond(ShopState.card_form == "unavailable", "none", "flex"),
    )


def _live_gateway_form() -> rx.Component:
    return rx.vstack(
        rx.cond(
            ShopState.card_form == "loading",
            rx.hstack(rx.spinner(size="2"), rx.text(t("Loading the secure card form…")), id="card-form-loading",
                      align="center", spacing="2", role="status"),
        ),
        rx.cond(
            ShopState.card_form == "unavailable",
            rx.callout(
                rx.vstack(
                    rx.text(t(CARD_FORM_UNAVAILABLE)),
                    rx.button(t("Try again"), size="3", variant="soft", id="card-form-retry",
                              on_click=ShopState.retry_card_form),
                    spacing="2",
                ),
                icon="circle-alert", color_scheme="red", id="card-form-unavailable", width="100%", role="alert",
            ),
        ),
        _card_fields(),
        rx.hstack(
            rx.icon("lock", size=14, flex_shrink="0", margin_top="3px"),
            rx.text(t("The card is sent straight to "), rx.text.strong(ShopState.gateway_label),
                    t("; this shop never sees its number."), size="2"),
            color=rx.color("gray", 11), id="card-form-note", spacing="2", align="start",
        ),
        rx.button(rx.cond(ShopState.paying, t("Paying…"), t("Pay {total}", total=ShopState.order_total)), size="3",
                  id="pay-button", disabled=ShopState.paying | (ShopState.card_form != "ready"), on_click=ShopState.pay_card,
                  width="100%", style={"background": ShopState.primary_colour, "color": ShopState.primary_text_colour}),
        width="100%",
        spacing="2",
    )


def _pay_step() -> rx.Component:
    return rx.vstack(
        rx.heading(t("Payment"), size="5"),
        rx.text(t("Order "), rx.text.strong(ShopState.order_number, id="order-number"), t(" · total "),
                rx.text.strong(ShopState.order_total, id="pay-total")),
        rx.cond(ShopState.test_mode, _sandbox_form(), _live_gateway_form()),
        rx.cond(ShopState.pay_error != "",
                rx.callout(ShopState.pay_error, icon="triangle-alert", color_scheme="red", id="pay-error", width="100%")),
        rx.button(t("Back to the cart"), variant="ghost", id="back-to-cart", on_click=ShopState.back_to_cart),
        width="100%",
        spacing="3",
    )


def _result_step() -> rx.Component:
    return rx.cond(
        ShopState.order_status == "paid",
        rx.vstack(
            rx.heading(t("Thank you!"), size="6", id="order-paid"),
            rx.text(t("Order "), rx.text.strong(ShopState.order_number),
                    t(" is paid ({total}).", total=ShopState.order_total)),
            rx.vstack(rx.foreach(ShopState.result_lines, lambda row: rx.text(row.text, class_name="order-result-line")),
                      id="order-result-lines", spacing="1"),
            rx.text(t("Each card's code is on its way by email to its recipient, and your receipt to you."),
                    id="emails-on-their-way"),
            rx.button(t("Buy another"), variant="soft", id="new-order", on_click=ShopState.new_order),
            width="100%",
            spacing="3",
        ),
        rx.vstack(
            rx.heading(rx.cond(ShopState.order_status == "declined", t("Your card was declined"),
                               t("The payment did not go through")), size="6", id="order-failed"),
            rx.text(ShopState.order_message, id="order-failed-message"),
            rx.text(t("Nothing was issued. You can try again.")),
            rx.button(t("Try again"), size="3", id="try-again", on_click=ShopState.try_again),
            width="100%",
            spacing="3",
        ),
    )


def _shop_body() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.cond(ShopState.logo_url != "", rx.image(src=ShopState.logo_url, height="40px", alt="", id="shop-logo")),
            rx.heading(ShopState.shop_name, size=rx.cond(ShopState.embed, "5", "7"), id="shop-name"),
            rx.spacer(),
            language_picker(ShopState, id="shop-language"),
            align="center",
            spacing="3",
            width="100%",
            wrap="wrap",
        ),
        rx.cond(~ShopState.embed, rx.text(t("Gift cards accepted across the network."), color=rx.color("gray", 11))),
        _test_mode_banner(),
        rx.match(ShopState.step, ("pay", _pay_step()), ("result", _result_step()), _cart()),
        width="100%",
        spacing="3",
    )


def _shop(compact: bool) -> rx.Component:
    return rx.box(
        rx.cond(
            ShopState.checked,
            rx.cond(
                ShopState.found,
                _shop_body(),
                rx.callout(t("There is no shop at this address."), icon="circle-x", color_scheme="red", id="shop-not-found"),
            ),
            rx.center(rx.spinner(size="3"), padding="32px"),
        ),
        page_ready_marker(),
        id="shop",
        lang=ShopState.lang,
        max_width="640px" if not compact else "100%",
        margin="0 auto",
        padding="24px 16px" if not compact else "12px",
        background=ShopState.background_colour,
        min_height="100vh" if not compact else "auto",
        # A shopper's finger on a phone: every button and field at least 44 px tall.
        style={"& button, & input, & textarea, & select": {"minHeight": "44px"}},
    )


def shop_page() -> rx.Component:
    return _shop(compact=False)


def embed_page() -> rx.Component:
    return _shop(compact=True)


__all__ = ["SHOP_META", "embed_page", "shop_page"]

"""Dashboard: the Widget screen (snippet, live preview, shop and gateway settings) and
the Orders screen (status, gateway reference, refunds)."""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex.event import EventType

from app.components.badges import status_word
from app.components.copy import copy_button
from app.components.i18n import t
from app.components.layout import dashboard_shell, error_callout, owners_only, page_title, success_callout
from app.components.tables import data_table, table_row
from app.state.language import N_
from app.state.shop_admin import OrdersState, WidgetState

ORDER_STATUS_COLORS = (("paid", "green"), ("pending", "gray"), ("charging", "blue"), ("declined", "red"),
                       ("error", "amber"), ("refunded", "purple"))


def _card(title: str, *children: rx.Component) -> rx.Component:
    """One titled card of the Widget screen."""
    return rx.card(rx.vstack(rx.heading(title, size="4"), *children, spacing="3", width="100%"), width="100%")


def _form_card(title: str, *children: rx.Component, on_submit: EventType) -> rx.Component:
    """A card that is one form of settings: its title, then the fields, what happened and the save button."""
    return rx.card(
        rx.form(
            rx.vstack(rx.heading(title, size="4"), *children, spacing="3", width="100%"),
            on_submit=on_submit,
            reset_on_submit=False,
        ),
        width="100%",
    )


def _widget_field(label: str, element_id: str, control: rx.Component) -> rx.Component:
    """A control of the Widget screen under its label (its own name: test_docs_ids reads ids by helper name)."""
    return rx.vstack(
        rx.el.label(label, html_for=element_id, style={"fontWeight": "500", "fontSize": "14px"}),
        control,
        spacing="1",
        width="100%",
    )


def _text_field(label: str, name: str, value: rx.Var, element_id: str, **props: Any) -> rx.Component:
    return _widget_field(label, element_id,
                     rx.input(name=name, id=element_id, default_value=value, size="3", width="100%", **props))


def _snippet(code: rx.Var, element_id: str, what: str) -> rx.Component:
    """One snippet, wrapped so that none of it is cut off on screen, and its Copy button."""
    return rx.vstack(
        rx.code_block(code, language="markup", id=element_id, width="100%", wrap_long_lines=True,
                      code_tag_props={"style": {"whiteSpace": "pre-wrap", "wordBreak": "break-all"}}),
        copy_button(code, element_id + "-copy", what=what),
        spacing="2", width="100%", align="start",
    )


def _snippets() -> rx.Component:
    return _card(
        t("Put the shop on your site"),
        rx.text(t("Paste one of these where the shop should appear. The first inserts the shop in a frame that "
                "grows with its content; the second is a button that opens the shop in a new tab.")),
        _snippet(WidgetState.iframe_snippet, "widget-snippet-iframe", N_("Shop frame code")),
        _snippet(WidgetState.button_snippet, "widget-snippet-button", N_("Shop button code")),
        rx.link(t("Open the shop page"), href="/shop/" + WidgetState.slug, is_external=True, id="widget-shop-link"),
    )


def _shop_settings_form() -> rx.Component:
    return _form_card(
        t("Shop settings"),
        _text_field(t("Preset amounts (dollars, separated by commas)"), "presets", WidgetState.presets,
                    "widget-presets"),
        rx.hstack(
            rx.checkbox(t("Allow a custom amount"), checked=WidgetState.allow_custom,
                        on_change=WidgetState.set_allow_custom, id="widget-allow-custom"),
        ),
        rx.hstack(
            _text_field(t("Smallest custom amount"), "custom_min", WidgetState.custom_min, "widget-custom-min"),
            _text_field(t("Largest custom amount"), "custom_max", WidgetState.custom_max, "widget-custom-max"),
            width="100%",
        ),
        rx.hstack(
            _text_field(t("Main colour (#rrggbb)"), "primary_colour", WidgetState.primary_colour,
                        "widget-primary-colour"),
            _text_field(t("Background colour (#rrggbb)"), "background_colour", WidgetState.background_colour,
                        "widget-background-colour"),
            width="100%",
        ),
        _text_field(t("Logo address (https://...)"), "logo_url", WidgetState.logo_url, "widget-logo-url"),
        _widget_field(t("Terms shown in the cart"), "widget-terms",
                  rx.text_area(name="terms", id="widget-terms", default_value=WidgetState.terms, width="100%")),
        error_callout(WidgetState.settings_error, "widget-settings-error"),
        success_callout(WidgetState.settings_saved, "widget-settings-saved", icon="check"),
        rx.button(t("Save shop settings"), size="3", id="widget-settings-save", type="submit"),
        on_submit=WidgetState.save_settings,
    )


def _gateway_field(label: str, name: str, element_id: str, secret: bool = False) -> rx.Component:
    shown = WidgetState.gateway_fields.get(name.replace("passcode", "passcode_last4").replace(
        "secure_key", "secure_key_last4") if secret else name, "")
    return _widget_field(label, element_id, rx.input(
        name=name, id=element_id, size="3", width="100%", type="password" if secret else "text",
        default_value="" if secret else shown,
        placeholder=rx.cond(shown != "", t("stored, ends in {last4} (leave empty to keep)", last4=shown), "") if secret else "",
    ))


def _gateway_mode(gateway: str, element_id: str) -> rx.Component:
    """Which mode the saved settings of `gateway` are in: live charges real cards."""
    return rx.cond(
        WidgetState.gateway_modes.get(gateway, "test") == "live",
        rx.badge(t("{gateway}: LIVE, real cards are charged", gateway=gateway.title()), color_scheme="red", size="2",
                 id=element_id),
        rx.badge(t("{gateway}: TEST MODE, no real money moves", gateway=gateway.title()), color_scheme="amber", size="2",
                 id=element_id),
    )


def _gateway_form() -> rx.Component:
    return _form_card(
        t("Payment gateway"),
        rx.select(["sandbox", "bambora", "forte"], value=WidgetState.gateway,
                  on_change=WidgetState.choose_gateway, id="widget-gateway", size="3",
                  custom_attrs={"aria-label": t("Payment gateway")}),
        rx.match(
            WidgetState.gateway,
            ("bambora", rx.vstack(
                _gateway_mode("bambora", "gateway-bambora-mode"),
                _gateway_field(t("Merchant ID"), "merchant_id", "gateway-bambora-merchant-id"),
                _gateway_field(t("Payments API passcode"), "payments_passcode", "gateway-bambora-payments-passcode",
                               secret=True),
                _gateway_field(t("Reporting API passcode"), "reporting_passcode",
                               "gateway-bambora-reporting-passcode", secret=True),
                _gateway_field(t("API address (empty: Bambora's live address)"), "base_url",
                               "gateway-bambora-base-url"),
                width="100%")),
            ("forte", rx.vstack(
                _gateway_mode("forte", "gateway-forte-mode"),
                _gateway_field(t("Organization ID (org_...)"), "organization_id", "gateway-forte-organization-id"),
                _gateway_field(t("Location ID (loc_...)"), "location_id", "gateway-forte-location-id"),
                _gateway_field(t("API access ID"), "api_access_id", "gateway-forte-api-access-id"),
                _gateway_field(t("API secure key"), "api_secure_key", "gateway-forte-api-secure-key", secret=True),
                _gateway_field(t("API Login ID (for Forte.js; public, sent from the shopper's browser)"), "api_login_id",
                               "gateway-forte-api-login-id"),
                _gateway_field(t("API address (empty: Forte's live address)"), "base_url",
                               "gateway-forte-base-url"),
                width="100%")),
            rx.callout(t("Sandbox: TEST MODE. Test card numbers approve or decline; no real money moves."),
                       icon="flask-conical", color_scheme="amber", id="widget-sandbox-note", width="100%"),
        ),
        rx.text(t("Credentials are tried with the gateway before they are saved (nothing is charged), then "
                "stored encrypted and never shown again."), size="2", color=rx.color("gray", 11)),
        error_callout(WidgetState.gateway_error, "widget-gateway-error"),
        success_callout(WidgetState.gateway_saved, "widget-gateway-saved", icon="check"),
        rx.hstack(
            rx.button(t("Save gateway"), size="3", id="widget-gateway-save", type="submit",
                      on_click=WidgetState.mean_to("save")),
            rx.button(t("Test connection"), size="3", variant="soft", id="widget-gateway-test", type="submit",
                      on_click=WidgetState.mean_to("test")),
            spacing="2",
        ),
        on_submit=WidgetState.save_gateway,
    )


def _preview() -> rx.Component:
    return _card(
        t("Live preview"),
        rx.el.iframe(src=WidgetState.preview_src, id="widget-preview", title=t("Shop preview"),
                     style={"width": "100%", "height": "640px", "border": "1px solid #ddd", "borderRadius": "8px"}),
    )


def widget_page() -> rx.Component:
    return dashboard_shell(
        owners_only(rx.vstack(
            page_title(t("Shop and widget"), t("Sell cards on your own site: the shop, its widget, and how it takes payments.")),
            _snippets(),
            _shop_settings_form(),
            _gateway_form(),
            _preview(),
            spacing="4",
            width="100%",
        ), N_("The Shop and widget screen")),
        active="shop",
    )


def _order_line(line: rx.Var) -> rx.Component:
    return rx.hstack(
        rx.text(line.text, size="2"),
        rx.cond(
            line.refundable_cents > 0,
            rx.button(t("Refund {amount}", amount=line.refundable), size="1", variant="soft", color_scheme="red",
                      id="refund-line-" + line.id.to_string(),
                      on_click=OrdersState.refund(line.order_id, line.id)),
        ),
        align="center",
        spacing="2",
        wrap="wrap",
    )


def _order_row(row: rx.Var) -> rx.Component:
    return table_row(
        "order-row", row.id,
        rx.table.cell(rx.text(row.number, weight="medium"), rx.text(row.created, size="1", color=rx.color("gray", 11))),
        rx.table.cell(row.buyer),
        rx.table.cell(row.total, rx.cond(row.refunded != "", rx.text(t("refunded {amount}", amount=row.refunded), size="1"))),
        rx.table.cell(rx.badge(status_word(row.status), color_scheme=rx.match(row.status, *ORDER_STATUS_COLORS, "gray"),
                               id="order-status-" + row.id.to_string())),
        rx.table.cell(rx.text(row.reference, id="order-reference-" + row.id.to_string(), size="2"),
                      rx.cond(row.test_mode, rx.badge(t("TEST"), color_scheme="amber")),
                      rx.text(row.message, size="1", color=rx.color("gray", 11)),
                      rx.cond(row.card_form_error != "",
                              rx.text(row.card_form_error, size="1", color=rx.color("red", 11),
                                      id="order-card-form-error-" + row.id.to_string()))),
        rx.table.cell(rx.vstack(rx.foreach(row.lines, _order_line), spacing="1")),
        align=None,
    )


def orders_page() -> rx.Component:
    return dashboard_shell(
        rx.vstack(
            page_title(t("Orders"), t("What shoppers bought in your shop, how each payment went, and refunds.")),
            rx.cond(
                OrdersState.card_form_problem != "",
                rx.callout(OrdersState.card_form_problem, icon="triangle-alert", color_scheme="red",
                           id="orders-card-form-problem", width="100%", role="alert"),
            ),
            error_callout(OrdersState.refund_error, "orders-refund-error"),
            success_callout(OrdersState.refund_done, "orders-refund-done", icon="check"),
            data_table(
                [t("Order"), t("Buyer"), t("Total"), t("Status"), t("Gateway reference"), t("Lines")], OrdersState.rows, _order_row,
                table_id="orders-table",
                empty=rx.text(t("No orders yet."), id="orders-empty"),
            ),
            width="100%",
            spacing="3",
        ),
        active="orders",
    )

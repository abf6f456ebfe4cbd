"""The POS partners beside Square on a location's screen: the Clover and Shopify POS cards
(settings for owners, read-only for staff, each with the URL to give the partner), the
location's POS payments from every source and its POS log."""

from __future__ import annotations

import reflex as rx

from app.components.badges import status_word
from app.components.copy import copy_button
from app.components.forms import form_field
from app.components.i18n import t
from app.components.layout import error_callout, success_callout
from app.components.tables import data_table, empty_note, pager, table_row
from app.pages.locations.layout import section
from app.state.language import N_
from app.state.locations.pos_partners import (
    ALL_STATUSES,
    LocationPosLogState,
    LocationPosPartnersState,
    LocationPosPaymentsState,
)

partners = LocationPosPartnersState
payments = LocationPosPaymentsState
pos_log = LocationPosLogState
STATUS_CHOICES = {ALL_STATUSES: N_("All statuses"), "pending": N_("Pending"), "applied": N_("Applied"), "expired": N_("Expired"),
                  "cancelled": N_("Cancelled")}
STATUS_COLORS = {"pending": "amber", "applied": "green", "expired": "gray", "cancelled": "red"}
SOURCE_COLORS = {"api": "gray", "square": "blue", "clover": "green", "shopify": "purple"}


def _url_to_paste(step: str, url: rx.Var, element_id: str, copy_id: str) -> rx.Component:
    return rx.vstack(
        rx.text(step, size="3"),
        rx.flex(
            rx.code(url, id=element_id, size="3", style={"wordBreak": "break-all"}),
            copy_button(url, copy_id, what=N_("Webhook URL")),
            gap="8px", align="center", wrap="wrap",
        ),
        spacing="2",
        width="100%",
    )


def _secret_input(label: str, name: str, element_id: str, stored: rx.Var, hint: str) -> rx.Component:
    """A write-only secret: empty on screen; what is on file is named by its last characters only."""
    return form_field(
        label, element_id,
        rx.input(name=name, id=element_id, type="password", size="3", width="100%", auto_complete="off",
                 placeholder=rx.cond(stored != "", t("Leave empty to keep the one on file"), "")),
        hint=rx.cond(stored != "", rx.text(rx.text.strong(stored, id=element_id + "-stored"), " · ", hint), hint),
    )


def _text_input(label: str, name: str, element_id: str, value: rx.Var, *, hint: str = "", required: bool = True,
                placeholder: str = "", input_type: str = "text") -> rx.Component:
    return form_field(label, element_id, rx.input(
        name=name, id=element_id, default_value=value, size="3", width="100%", required=required, type=input_type,
        placeholder=placeholder), hint=hint)


def _grid(*children: rx.Component) -> rx.Component:
    return rx.grid(*children, columns=rx.breakpoints(initial="1", sm="2"), spacing="4", width="100%")


def _fact(label: str, value: rx.Var, element_id: str) -> rx.Component:
    return rx.vstack(
        rx.text(label, size="2", color=rx.color("gray", 11)),
        rx.text(rx.cond(value != "", value, "—"), size="3", weight="medium", id=element_id,
                style={"overflowWrap": "anywhere"}),
        spacing="0",
    )


def _owners_only_note(partner: str, element_id: str) -> rx.Component:
    return rx.callout(t("Only an owner can change the {partner} settings; ask an owner of your network.", partner=partner),
                      icon="lock", color_scheme="gray", size="1", id=element_id, width="100%")


# --------------------------------------------------------------------------- Clover


def _clover_status() -> rx.Component:
    clover = partners.clover
    return rx.cond(
        clover.configured,
        rx.badge("connected", color_scheme="green", size="2", id="clover-status"),
        rx.cond(clover.saved, rx.badge(t("waiting for the Clover Auth Code"), color_scheme="amber", size="2",
                                       id="clover-status"),
                rx.badge(t("not set up"), color_scheme="gray", size="2", id="clover-status")),
    )


def _clover_verification() -> rx.Component:
    clover = partners.clover
    return rx.cond(
        clover.configured,
        rx.fragment(),  # the handshake is done: nothing left to copy back into Clover
        _clover_handshake(),
    )


def _clover_handshake() -> rx.Component:
    clover = partners.clover
    return rx.cond(
        clover.verification_code != "",
        rx.callout(
            rx.vstack(
                rx.text(t("Clover sent this verification code: paste it in Clover where it asks for it (your app's "
                        "Webhooks page), then Clover shows the Clover Auth Code to paste below."), size="3"),
                rx.flex(
                    rx.code(clover.verification_code, id="clover-verification-code", size="4",
                            style={"wordBreak": "break-all"}),
                    copy_button(clover.verification_code, "clover-verification-copy", what=N_("Verification code")),
                    gap="8px", align="center", wrap="wrap",
                ),
                rx.text(t("Received "), clover.verification_code_at, size="2", color=rx.color("gray", 11),
                        id="clover-verification-at"),
                spacing="2",
            ),
            icon="shield-check", color_scheme="blue", width="100%", id="clover-verification",
        ),
        rx.cond(
            clover.saved,
            rx.flex(
                rx.text(t("Waiting for Clover's verification code: it arrives once the webhook URL is saved in your "
                        "Clover app."), size="3", id="clover-verification-waiting", flex="1", min_width="240px"),
                rx.button(rx.icon("refresh-cw", size=16), t("Check for the code"), size="3", variant="soft",
                          id="clover-verification-check", on_click=partners.check_clover_code),
                gap="12px", align="center", wrap="wrap", width="100%",
            ),
        ),
    )


def _clover_form() -> rx.Component:
    clover = partners.clover
    return rx.form(
        rx.vstack(
            _grid(
                _text_input(t("Merchant id"), "merchant_id", "clover-merchant-id", clover.merchant_id,
                            hint=t("13 letters and digits, in Clover's dashboard under Account & Setup."),
                            placeholder=t("TC4DGCJW1K4EW")),
                _secret_input(t("API token"), "api_token", "clover-api-token", clover.api_token,
                              t("A merchant API token with Payments: read.")),
                _text_input(t("Tender label"), "tender_label", "clover-tender-label", clover.tender_label,
                            hint=t("The custom tender's name exactly as in Clover (Setup → Tenders)."),
                            placeholder=t("Gift card")),
                _secret_input(t("Clover Auth Code"), "auth_code", "clover-auth-code", clover.auth_code,
                              t("Clover shows it once the verification code is pasted there.")),
            ),
            _text_input(t("API address"), "base_url", "clover-base-url", clover.base_url, input_type="url",
                        hint="https://api.clover.com for merchants in North America; your region's or the sandbox's "
                             "address otherwise."),
            _save_row(t("Save Clover settings"), "clover-save", _clover_status()),
            spacing="3",
            width="100%",
        ),
        on_submit=partners.save_clover,
        reset_on_submit=False,
        key=partners.clover_form_key,
        width="100%",
    )


def _save_row(label: str, element_id: str, status: rx.Component) -> rx.Component:
    """A partner form's Save button beside the partner's status."""
    return rx.flex(
        rx.button(rx.icon("save", size=16), label, type="submit", size="3", id=element_id),
        status,
        gap="12px", align="center", wrap="wrap",
    )


def _read_only(partner: str, note_id: str, status: rx.Component, *facts: rx.Component) -> rx.Component:
    """What staff see of a partner's settings: the plain facts and the status, no form."""
    return rx.vstack(
        _grid(*facts, rx.vstack(rx.text(t("Status"), size="2", color=rx.color("gray", 11)), status, spacing="1")),
        _owners_only_note(partner, note_id),
        spacing="3",
        width="100%",
    )


def _clover_read_only() -> rx.Component:
    clover = partners.clover
    return _read_only(t("Clover"), "clover-owners-only", _clover_status(),
                      _fact(t("Merchant id"), clover.merchant_id, "clover-view-merchant-id"),
                      _fact(t("Tender label"), clover.tender_label, "clover-view-tender-label"),
                      _fact(t("API address"), clover.base_url, "clover-view-base-url"))


def clover_card() -> rx.Component:
    clover = partners.clover
    return rx.box(section(
        t("Clover"),
        _url_to_paste(t("1. In your Clover app's settings (Webhooks), set this URL and tick Payments:"),
                      clover.receiver_url, "clover-receiver-url", "clover-receiver-copy"),
        _clover_verification(),
        rx.text(t("2. Fill in the merchant, its API token and the gift card tender below and save; once Clover shows "
                "the Clover Auth Code, paste it and save again."), size="3"),
        rx.cond(partners.is_owner, _clover_form(), _clover_read_only()),
        success_callout(partners.clover_message, "clover-message"),
        error_callout(partners.clover_error, "clover-error"),
        description=t("Payments taken on Clover with the gift card's custom tender appear on this location's counter "
                    "screens: Clover tells us a payment happened, we read its amount and tip from Clover."),
    ), id="clover-card", width="100%")


# --------------------------------------------------------------------------- Shopify POS


def _shopify_status() -> rx.Component:
    return rx.cond(partners.shopify.saved,
                   rx.badge("connected", color_scheme="green", size="2", id="shopify-status"),
                   rx.badge(t("not set up"), color_scheme="gray", size="2", id="shopify-status"))


def _shopify_form() -> rx.Component:
    shopify = partners.shopify
    return rx.form(
        rx.vstack(
            _grid(
                _text_input(t("Shop domain"), "shop_domain", "shopify-shop-domain", shopify.shop_domain,
                            hint=t("Your shop's .myshopify.com address."), placeholder="your-shop.myshopify.com"),
                _text_input(t("Payment method name"), "payment_method_name", "shopify-payment-method",
                            shopify.payment_method_name, placeholder=t("Gift card"),
                            hint=t("The manual payment method's name exactly as in Shopify.")),
            ),
            _secret_input(t("Webhook secret"), "webhook_secret", "shopify-webhook-secret", shopify.webhook_secret,
                          t("Shown in Shopify under the webhooks list: “Your webhooks will be signed with …”.")),
            _save_row(t("Save Shopify POS settings"), "shopify-save", _shopify_status()),
            spacing="3",
            width="100%",
        ),
        on_submit=partners.save_shopify,
        reset_on_submit=False,
        key=partners.shopify_form_key,
        width="100%",
    )


def _shopify_read_only() -> rx.Component:
    shopify = partners.shopify
    return _read_only(t("Shopify POS"), "shopify-owners-only", _shopify_status(),
                      _fact(t("Shop domain"), shopify.shop_domain, "shopify-view-shop-domain"),
                      _fact(t("Payment method name"), shopify.payment_method_name, "shopify-view-payment-method"))


def shopify_card() -> rx.Component:
    shopify = partners.shopify
    return rx.box(section(
        t("Shopify POS"),
        _url_to_paste(t("1. In Shopify admin → Settings → Notifications → Webhooks, create “Order creation” and "
                      "“Order transaction creation” webhooks (JSON) with this URL:"),
                      shopify.receiver_url, "shopify-receiver-url", "shopify-receiver-copy"),
        rx.text(t("2. Paste the webhook secret Shopify shows there, your shop's domain and the name of the manual "
                "payment method the gift card is taken with."), size="3"),
        rx.cond(partners.is_owner, _shopify_form(), _shopify_read_only()),
        success_callout(partners.shopify_message, "shopify-message"),
        error_callout(partners.shopify_error, "shopify-error"),
        description=t("POS orders paid with the gift card's payment method appear on this location's counter screens."),
    ), id="shopify-card", width="100%")


# --------------------------------------------------------------------------- POS payments, POS log


def _loading(text: str, element_id: str) -> rx.Component:
    return rx.flex(rx.spinner(size="2"), rx.text(text, size="2", color=rx.color("gray", 11)), gap="8px",
                   align="center", id=element_id)


def _pos_payment_row(row: rx.Var) -> rx.Component:
    row_id = row.id.to_string()
    return table_row(
        "location-pos-payment-row", row.id,
        rx.table.cell(row.time),
        rx.table.cell(rx.badge(row.source_label, size="2", id="location-pos-payment-source-" + row_id,
                               color_scheme=rx.match(row.source, *SOURCE_COLORS.items(), "gray"))),
        rx.table.cell(row.reference, style={"overflowWrap": "anywhere"}),
        rx.table.cell(row.amount, id="location-pos-payment-amount-" + row_id),
        rx.table.cell(row.tip, id="location-pos-payment-tip-" + row_id),
        rx.table.cell(row.currency, id="location-pos-payment-currency-" + row_id),
        rx.table.cell(rx.badge(status_word(row.status), size="2", id="location-pos-payment-status-" + row_id,
                               color_scheme=rx.match(row.status, *STATUS_COLORS.items(), "gray"))),
    )


def _status_filter() -> rx.Component:
    return rx.select.root(
        rx.select.trigger(id="location-pos-payments-status", aria_label=t("Show POS payments of one status"), min_width="170px"),
        rx.select.content(*[rx.select.item(t(label), value=value) for value, label in STATUS_CHOICES.items()]),
        value=payments.status_filter,
        on_change=payments.filter_status,
        size="3",
    )


def pos_payments_card() -> rx.Component:
    return rx.box(section(
        t("POS payments"),
        rx.flex(
            _status_filter(),
            rx.button(rx.icon("refresh-cw", size=16), t("Refresh"), size="3", variant="soft", id="location-pos-payments-refresh",
                      on_click=payments.refresh),
            gap="8px", align="center", wrap="wrap",
        ),
        error_callout(payments.payments_error, "location-pos-payments-error"),
        rx.cond(
            payments.loaded,
            data_table(
                [t("When"), t("Source"), t("Reference"), t("Amount"), t("Tip"), t("Currency"), t("Status")], payments.rows,
                _pos_payment_row, table_id="location-pos-payments-table", scroll=True,
                empty=empty_note(rx.cond(payments.status_filter == ALL_STATUSES,
                                         t("No POS payments yet: they appear here as the location's POS sends them."),
                                         t("No POS payments of this status.")), "location-pos-payments-empty"),
            ),
            _loading(t("Loading POS payments…"), "location-pos-payments-loading"),
        ),
        pager(payments, "location-pos-payments", only_when_paged=True),
        description=t("Every payment the location's POS sent, newest first: from our API or from Square, Clover or "
                    "Shopify POS. The amount includes the tip; pending ones wait for SELECT on a counter screen."),
    ), id="location-pos-payments-card", width="100%")


def _pos_log_row(row: rx.Var) -> rx.Component:
    return table_row(
        "pos-log-row", row.id,
        rx.table.cell(row.time),
        rx.table.cell(rx.text(row.source_label, weight="medium"),
                      rx.text(row.event_type, size="1", color=rx.color("gray", 11))),
        rx.table.cell(rx.badge(row.outcome, size="2", color_scheme=rx.cond(row.trouble, "red", "gray"),
                               id="pos-log-outcome-" + row.id.to_string())),
        rx.table.cell(row.message, style={"overflowWrap": "anywhere"}),
        align="start",
    )


def pos_log_card() -> rx.Component:
    return rx.box(section(
        t("POS log"),
        rx.button(rx.icon("refresh-cw", size=16), t("Refresh"), size="3", variant="soft", id="pos-log-refresh",
                  on_click=pos_log.refresh),
        rx.cond(
            pos_log.loaded,
            data_table([t("When"), t("From"), t("Outcome"), t("What happened")], pos_log.log_rows, _pos_log_row,
                       table_id="pos-log-table", scroll=True,
                       empty=empty_note(t("Nothing yet: what the POS partners send about gift card payments is "
                                        "written here."), "pos-log-empty")),
            _loading(t("Loading the POS log…"), "pos-log-loading"),
        ),
        description=t("What Square, Clover and Shopify POS told us about gift card payments and what came of it, "
                    "newest first: payments in another currency refused, refunds, cancellations."),
    ), id="pos-log-card", width="100%")


def pos_partner_cards() -> rx.Component:
    """The cards after Square's on the location's screen."""
    return rx.fragment(
        error_callout(partners.partners_error, "pos-partners-error"),
        clover_card(),
        shopify_card(),
        pos_payments_card(),
        pos_log_card(),
    )

"""/redeem: the counter screen of an activated device, and what a browser that is not
one (revoked, never activated) sees there instead.

Built for a tablet at a busy counter: the location and device code always on top,
big targets, one clear state at a time (loading, no card, card open, receipt), and
POS payments that appear by themselves.
"""

from __future__ import annotations

import reflex as rx

from app.components.device_frame import brand, device_frame, device_notice, loading
from app.components.dialogs import confirm_dialog
from app.components.i18n import language_picker, t
from app.components.layout import page_ready_marker
from app.components.qr_scanner import qr_scanner_panel, scan_button
from app.pages.counter_refunds import refunds_to_give_back
from app.state.live import PosInbox
from app.state.redeem import RedeemState

# Every target on the counter at least 44 px (fingers at a till), and a focus ring seen from a step away.
COUNTER_TARGETS = {
    "& button, & a, & input": {"minHeight": "44px"},
    "& button": {"minWidth": "44px"},
    "& :focus-visible": {"outline": "3px solid var(--accent-11)", "outlineOffset": "3px",
                         "boxShadow": "0 0 0 6px var(--color-background)"},
}
MONO = {"fontFamily": "ui-monospace, 'Courier New', monospace", "letterSpacing": "0.04em"}


def _amount(payment) -> rx.Var:  # noqa: ANN001
    """A POS payment's amount as this counter's language writes it."""
    return rx.cond(RedeemState.lang == "fr", payment.amount_fr, payment.amount)


def _age(created_iso: rx.Var) -> rx.Component:
    """How long ago a payment arrived ("a few seconds ago" / "il y a quelques secondes"), kept current."""
    return rx.cond(RedeemState.lang == "fr",
                   rx.moment(created_iso, from_now=True, interval=15000, locale="fr-ca"),
                   rx.moment(created_iso, from_now=True, interval=15000))


def _status_name(status: rx.Var) -> rx.Var:
    return rx.match(status, ("active", t("active")), ("frozen", t("frozen")), status)


def _device_bar() -> rx.Component:
    """Always on top of the device's screens: where this is, and which device."""
    state = RedeemState
    return rx.flex(
        rx.vstack(
            rx.text(state.location_name, size="6", weight="bold", id="redeem-location-name"),
            rx.text(state.operator_name, size="3", color=rx.color("gray", 11)),
            spacing="0",
        ),
        rx.spacer(),
        rx.vstack(
            rx.text(t("Device"), size="2", color=rx.color("gray", 11)),
            rx.text(state.device_code, size="6", weight="bold", id="redeem-device-code", style=MONO),
            spacing="0",
            align="end",
        ),
        language_picker(RedeemState, id="counter-language"),
        align="center",
        gap="16px",
        padding="16px 24px",
        width="100%",
        background=rx.color("gray", 1),
        border_bottom=f"1px solid {rx.color('gray', 5)}",
        position="sticky",
        top="0",
        z_index="10",
    )


def _messages() -> rx.Component:
    state = RedeemState
    return rx.vstack(
        rx.cond(state.error != "", rx.callout(state.error, icon="triangle-alert", color_scheme="red", size="3",
                                              role="alert", id="redeem-error", width="100%")),
        rx.cond(state.notice != "", rx.callout(state.notice, icon="circle-check", color_scheme="green", size="3",
                                               id="redeem-notice", width="100%")),
        width="100%",
        spacing="2",
    )


def _open_card() -> rx.Component:
    state = RedeemState
    return rx.vstack(
        rx.heading(t("Open a card"), size="6"),
        rx.text(t("Type the card code, or press Scan and show the QR code of the customer's email or card page."),
                size="3", color=rx.color("gray", 11)),
        rx.form(
            rx.flex(
                rx.input(name="code", id="redeem-code-input", placeholder="XXXX-XXXX-XXXX-XXXX", size="3",
                         auto_complete="off", auto_capitalize="characters", spell_check=False,
                         style={**MONO, "fontSize": "22px", "height": "56px"}, flex="1", min_width="240px"),
                rx.button(rx.icon("search"), t("Open card"), id="redeem-code-submit", type="submit", size="4",
                          loading=state.opening, style={"height": "56px"}),
                scan_button(),
                gap="12px", wrap="wrap", width="100%",
            ),
            on_submit=RedeemState.open_card,
            reset_on_submit=False,
            width="100%",
        ),
        qr_scanner_panel(),
        rx.cond(state.card_error != "", rx.callout(state.card_error, icon="triangle-alert", color_scheme="red",
                                                   size="3", role="alert", id="redeem-card-error", width="100%")),
        width="100%",
        spacing="3",
    )


def _card_panel() -> rx.Component:
    state = RedeemState
    return rx.flex(
        rx.vstack(
            rx.text(t("Card"), size="2", color=rx.color("gray", 11)),
            rx.text("•••• ", state.card_last4, size="7", weight="bold", id="redeem-card-last4", style=MONO),
            spacing="0",
        ),
        rx.vstack(
            rx.text(t("Balance"), size="2", color=rx.color("gray", 11)),
            rx.text(state.card_balance, size="8", weight="bold", id="redeem-card-balance",
                    color=rx.color("accent", 11)),
            spacing="0",
        ),
        rx.badge(_status_name(state.card_status), id="redeem-card-status", size="3",
                 color_scheme=rx.cond(state.card_status == "active", "green", "red")),
        rx.cond(state.card_is_test, rx.badge(t("TEST CARD"), id="redeem-card-test", size="3", color_scheme="amber")),
        rx.spacer(),
        rx.button(rx.icon("x"), t("Close card"), id="redeem-new-card", size="3", variant="soft",
                  on_click=RedeemState.new_card),
        gap="24px", align="center", wrap="wrap", width="100%",
        padding="16px", border_radius="12px", background=rx.color("accent", 2),
        border=f"1px solid {rx.color('accent', 6)}",
    )


def _dismiss_button(payment) -> rx.Component:  # noqa: ANN001
    """Under the payment's details, far from SELECT (on the row's other side), quieter, and it
    only asks: the payment is cancelled after a second tap in the dialog."""
    return rx.button(rx.icon("x", size=18), t("Dismiss"), size="3", variant="outline", color_scheme="gray",
                     id="pos-dismiss-" + payment.id.to_string(), class_name="pos-dismiss",
                     aria_label=t("Dismiss the payment of {amount}, {reference}", amount=_amount(payment),
                                  reference=payment.reference),
                     on_click=RedeemState.ask_dismiss(payment.id),
                     style={"minHeight": "48px", "minWidth": "120px"}, margin_top="8px")


def _payment_actions(payment) -> rx.Component:  # noqa: ANN001
    """SELECT; a test payment has none: it says it is only a test."""
    state = RedeemState
    return rx.cond(
        payment.is_test,
        rx.text(t("Test only: nothing to apply"), size="3", weight="medium", color=rx.color("amber", 11),
                class_name="pos-payment-test-note"),
        rx.button(t("SELECT"), size="4", id="pos-select-" + payment.id.to_string(),
                  disabled=~state.card_open | state.working,
                  aria_label=t("SELECT the payment of {amount}, {reference}", amount=_amount(payment),
                               reference=payment.reference),
                  on_click=RedeemState.select_payment(payment.id), style={"minWidth": "150px", "height": "60px"}),
    )


def _payment_row(payment) -> rx.Component:  # noqa: ANN001
    return rx.flex(
        rx.vstack(
            rx.hstack(
                rx.cond(payment.is_test, rx.badge(t("TEST"), size="3", color_scheme="amber", variant="solid",
                                                  class_name="pos-payment-test",
                                                  id="pos-test-" + payment.id.to_string())),
                rx.text(_amount(payment), size="7", weight="bold", class_name="pos-payment-amount"),
                align="center",
            ),
            rx.hstack(
                rx.text(payment.reference, size="3", class_name="pos-payment-reference"),
                rx.cond(payment.terminal != "", rx.text("· ", payment.terminal, size="3",
                                                        color=rx.color("gray", 11))),
                rx.text("· ", _age(payment.created_iso), size="3",
                        color=rx.color("gray", 11), class_name="pos-payment-age"),
                spacing="1", wrap="wrap",
            ),
            _dismiss_button(payment),
            spacing="0",
        ),
        rx.spacer(),
        _payment_actions(payment),
        id="pos-payment-" + payment.id.to_string(),
        class_name="pos-payment",
        gap="48px", align="center", wrap="wrap", width="100%",
        padding="16px", border_radius="12px",
        border=rx.cond(payment.is_test, f"2px dashed {rx.color('amber', 8)}", f"1px solid {rx.color('gray', 6)}"),
        background=rx.cond(payment.is_test, rx.color("amber", 2), rx.color("gray", 1)),
    )


def _pos_section() -> rx.Component:
    state = RedeemState
    return rx.vstack(
        rx.hstack(rx.heading(t("Payments from your POS"), size="6"), rx.badge(PosInbox.payments.length(),
                                                                          size="3", id="pos-payment-count")),
        rx.cond(
            state.confirm_payment_id > 0,
            rx.callout(
                rx.vstack(
                    rx.text(state.confirm_message, size="4", id="pos-partial-message"),
                    rx.hstack(
                        rx.button(t("Apply the whole balance"), size="4", id="pos-partial-confirm",
                                  on_click=RedeemState.confirm_partial),
                        rx.button(t("Cancel"), size="4", variant="soft", id="pos-partial-cancel",
                                  on_click=RedeemState.cancel_partial),
                        wrap="wrap",
                    ),
                    spacing="3",
                ),
                icon="circle-alert", color_scheme="amber", size="3", width="100%",
            ),
        ),
        rx.cond(
            PosInbox.payments.length() > 0,
            rx.vstack(rx.foreach(PosInbox.payments, _payment_row), width="100%", spacing="3",
                      id="pos-payments"),
            rx.callout(rx.cond(state.accepts_amount,
                               t("No payment waiting. Take the payment on your POS with the gift card tender: it "
                                 "appears here by itself. POS down? Open the card and type the amount below."),
                               t("No payment waiting. Take the payment on your POS with the gift card tender: it "
                                 "appears here by itself.")),
                       icon="clock", size="3", id="pos-payments-empty", width="100%"),
        ),
        width="100%",
        spacing="3",
    )


def _item_row(row) -> rx.Component:  # noqa: ANN001
    return rx.flex(
        rx.vstack(rx.text(row.name, size="5", weight="medium"), rx.text(rx.cond(RedeemState.lang == "fr", row.price_fr, row.price), size="3",
                                                                       color=rx.color("gray", 11)), spacing="0"),
        rx.spacer(),
        rx.button(rx.icon("minus"), size="4", variant="soft", id="item-minus-" + row.key,
                  aria_label=t("Remove one {item}", item=row.name),
                  on_click=RedeemState.change_quantity(row.key, -1), disabled=row.quantity == 0),
        rx.text(row.quantity, size="7", weight="bold", id="item-qty-" + row.key, min_width="48px",
                text_align="center", aria_live="polite"),
        rx.button(rx.icon("plus"), size="4", id="item-plus-" + row.key,
                  aria_label=t("Add one {item}", item=row.name),
                  on_click=RedeemState.change_quantity(row.key, 1)),
        gap="12px", align="center", width="100%", padding="12px 16px", border_radius="12px",
        border=f"1px solid {rx.color('gray', 6)}", class_name="redeem-item",
    )


def _items_section() -> rx.Component:
    state = RedeemState
    over = state.items_total_cents > state.card_balance_cents
    return rx.vstack(
        rx.hstack(rx.heading(t("Items"), size="6"), rx.spacer(),
                  rx.cond(state.accepts_amount,
                          rx.button(t("Enter an amount instead"), size="3", variant="soft", id="redeem-use-amount",
                                    on_click=RedeemState.show_amount_pad)),
                  width="100%", align="center"),
        rx.vstack(rx.foreach(state.item_rows, _item_row), width="100%", spacing="2", id="redeem-items"),
        rx.flex(
            rx.text(t("Total "), rx.text.strong(state.items_total, id="redeem-items-total"), size="6"),
            rx.spacer(),
            rx.button(rx.icon("check"), t("Redeem items"), size="4", id="redeem-items-submit",
                      disabled=~state.card_open | over | (state.items_total_cents == 0) | state.working,
                      on_click=RedeemState.redeem_items, style={"height": "60px"}),
            align="center", width="100%", gap="12px", wrap="wrap",
        ),
        rx.cond(state.card_open & over, rx.callout(t("More than the card holds: remove items."), icon="circle-alert",
                                                   color_scheme="amber", size="3", width="100%",
                                                   id="redeem-items-over")),
        width="100%",
        spacing="3",
    )


def _pad_key(label: str, key: str) -> rx.Component:
    return rx.button(label, size="4", variant="soft", id=f"pad-{key}", on_click=RedeemState.pad_press(key),
                     style={"height": "68px", "fontSize": "26px"}, width="100%")


def _amount_section() -> rx.Component:
    state = RedeemState
    keys = [("1", "1"), ("2", "2"), ("3", "3"), ("4", "4"), ("5", "5"), ("6", "6"), ("7", "7"), ("8", "8"),
            ("9", "9"), ("C", "clear"), ("0", "0"), ("⌫", "back")]
    # Portrait: amount, pad, then the Redeem button under the thumb. Landscape (from 62em):
    # amount and Redeem beside the pad, so the button stays on screen under a message.
    areas = ['"display" "pad" "submit"'] * 3 + ['"display pad" "submit pad"']
    return rx.vstack(
        rx.hstack(
            rx.heading(t("Amount"), size="6"), rx.spacer(),
            rx.cond(state.accepts_items & (state.item_rows.length() > 0),
                    rx.button(t("Choose items instead"), size="3", variant="soft", id="redeem-use-items",
                              on_click=RedeemState.show_items)),
            width="100%",
            align="center",
        ),
        rx.cond(state.items_error != "", rx.callout(state.items_error, icon="triangle-alert", color_scheme="amber",
                                                    id="redeem-items-error", width="100%")),
        rx.box(
            rx.text(state.pad_amount, size="9", weight="bold", id="redeem-amount-display", text_align="center", aria_live="polite",
                    width="100%", grid_area="display", align_self="end"),
            rx.grid(*[_pad_key(label, key) for label, key in keys], columns="3", spacing="3", width="100%",
                    grid_area="pad"),
            rx.button(rx.icon("check"), t("Redeem {amount}", amount=state.pad_amount), size="4",
                      id="redeem-amount-submit",
                      disabled=~state.card_open | (state.pad_digits == "") | state.working,
                      on_click=RedeemState.redeem_amount, width="100%", grid_area="submit", align_self="start",
                      style={"height": "64px"}),
            display="grid",
            grid_template_areas=areas,
            grid_template_columns=["minmax(0, 420px)"] * 3 + ["minmax(0, 380px) minmax(0, 420px)"],
            justify_content="center",
            gap="12px 40px",
            width="100%",
        ),
        width="100%",
        spacing="3",
    )


def _receipt() -> rx.Component:
    receipt = RedeemState.receipt
    return rx.card(
        rx.vstack(
            rx.hstack(rx.cond(receipt.voided, rx.icon("undo-2", size=32, color=rx.color("gray", 10)),
                              rx.icon("circle-check", size=32, color=rx.color("green", 10))),
                      rx.heading(rx.cond(receipt.voided, t("Voided"), t("Redeemed")), size="7", id="receipt-title"),
                      align="center"),
            rx.text(receipt.amount, size="9", weight="bold", id="receipt-amount"),
            rx.cond(receipt.test_card, rx.badge(t("TEST CARD: no real money, never paid out"), id="receipt-test-card",
                                                size="3", color_scheme="amber")),
            rx.cond(receipt.remaining_due != "",
                    rx.callout(rx.text(t("The customer still owes "), rx.text.strong(receipt.remaining_due,
                                                                                     id="receipt-remaining-due"),
                                       t(": collect it another way.")),
                               icon="circle-alert", color_scheme="amber", size="3")),
            rx.foreach(receipt.lines, lambda line: rx.text(line, size="3", class_name="receipt-line")),
            rx.grid(
                rx.text(t("New balance"), color=rx.color("gray", 11)),
                rx.text(receipt.balance_after, weight="bold", id="receipt-balance"),
                rx.text(t("Device"), color=rx.color("gray", 11)),
                rx.text(receipt.device_code, id="receipt-device", style=MONO),
                rx.text(t("Time"), color=rx.color("gray", 11)), rx.text(receipt.time, id="receipt-time"),
                rx.text(t("Redemption"), color=rx.color("gray", 11)),
                rx.text("#", receipt.redemption_id.to_string(), id="receipt-redemption-id"),
                columns="2", spacing="2", width="100%", max_width="420px",
            ),
            rx.flex(
                rx.cond(~receipt.voided,
                        rx.button(rx.icon("undo-2"), t("Void"), size="4", color_scheme="red", variant="soft",
                                  id="receipt-void",
                                  on_click=RedeemState.ask_void(receipt.redemption_id, receipt.amount))),
                rx.button(t("Next customer"), size="4", id="receipt-next", on_click=RedeemState.new_card),
                gap="12px", wrap="wrap",
            ),
            spacing="3",
        ),
        id="receipt", size="4", width="100%",
    )


def _recent_row(row) -> rx.Component:  # noqa: ANN001
    return rx.table.row(
        rx.table.cell(row.time),
        rx.table.cell(row.card),
        rx.table.cell(row.amount),
        rx.table.cell(rx.cond(row.voided, rx.badge(t("voided"), color_scheme="gray"),
                              rx.button(rx.icon("undo-2", size=16), t("Void"), size="3", variant="soft",
                                        color_scheme="red", id="recent-void-" + row.redemption_id.to_string(),
                                        on_click=RedeemState.ask_void(row.redemption_id, row.amount),
                                        style={"minHeight": "44px"})),
                      text_align="right"),
        id="recent-row-" + row.redemption_id.to_string(), class_name="recent-row",
    )


def _void_dialog() -> rx.Component:
    return confirm_dialog(
        title=(t("Void redemption #{number}?", number=RedeemState.void_asked_id.to_string()),),
        description=(t("{amount} goes back on the card. Only void a redemption made by mistake, the same business "
                       "day.", amount=RedeemState.void_asked_amount),),
        description_size="4",
        confirm_label=(rx.icon("undo-2"), t("Void {amount}", amount=RedeemState.void_asked_amount)),
        confirm_id="void-confirm",
        on_confirm=RedeemState.confirm_void,
        cancel_label=t("Keep it"),
        cancel_id="void-cancel",
        on_cancel=RedeemState.keep_redemption,
        dialog_id="void-dialog",
        open_=RedeemState.void_asked_id != 0,
        button_size="4",
        escape_cancels=True,
        wrap=True,
    )


def _dismiss_dialog() -> rx.Component:
    """Dismiss asks first: a mis-tap beside SELECT must not cancel the customer's payment."""
    state = RedeemState
    return confirm_dialog(
        title=(t("Dismiss the payment of {amount}?", amount=state.dismiss_asked_amount),),
        description=(t("The POS payment "), rx.text.strong(state.dismiss_asked_reference),
                     t(" is cancelled: the POS is told, and the sale must be pushed again or paid another way. "
                       "Nothing was taken off a card.")),
        description_size="4",
        confirm_label=(rx.icon("x"), t("Dismiss the payment")),
        confirm_id="pos-dismiss-confirm",
        on_confirm=RedeemState.confirm_dismiss,
        cancel_label=t("Keep it"),
        cancel_id="pos-dismiss-cancel",
        on_cancel=RedeemState.keep_payment,
        dialog_id="pos-dismiss-dialog",
        open_=state.dismiss_asked_id != 0,
        button_size="4",
        escape_cancels=True,
        wrap=True,
    )


def _recent() -> rx.Component:
    return rx.cond(
        RedeemState.recent.length() > 0,
        rx.vstack(
            rx.heading(t("Latest at this device"), size="4"),
            rx.table.root(rx.table.body(rx.foreach(RedeemState.recent, _recent_row)), id="recent-table",
                          width="100%", size="3"),
            width="100%",
        ),
    )


def _accepts_bar() -> rx.Component:
    """What this counter takes, in plain words, so the merchant knows what to do."""
    state = RedeemState

    def way(accepted: rx.Var, icon: str, label: rx.Var | str, element_id: str) -> rx.Component:
        return rx.cond(accepted, rx.badge(rx.icon(icon, size=18), label, size="3", variant="soft", id=element_id,
                                          style={"padding": "6px 12px"}))

    return rx.flex(
        rx.text(t("This counter takes:"), size="3", color=rx.color("gray", 11)),
        way(state.accepts_pos, "monitor-smartphone", t("Payments from your POS"), "redeem-accepts-pos"),
        way(state.accepts_amount, "keyboard",
            rx.cond(state.accepts_pos, t("A typed amount when no POS payment waits"), t("A typed amount")),
            "redeem-accepts-amount"),
        way(state.accepts_items, "shopping-basket", t("Items"), "redeem-accepts-items"),
        gap="8px", align="center", wrap="wrap", width="100%", id="redeem-accepts",
    )


def _pos_payment_waits() -> rx.Component:
    """The amount pad folded away while a POS payment waits (SELECT it), with a way past it."""
    return rx.callout(
        rx.flex(
            rx.text(t("A payment from your POS is waiting above: SELECT it. Type an amount only if the POS took "
                      "this sale another way."), size="3"),
            rx.button(rx.icon("keyboard"), t("Type an amount instead"), size="4", variant="soft",
                      id="redeem-type-anyway", on_click=RedeemState.show_amount_pad_anyway,
                      style={"minHeight": "56px"}),
            gap="12px", align="center", wrap="wrap", width="100%",
        ),
        icon="info", size="3", width="100%", id="redeem-amount-waits",
    )


def _typed_or_items() -> rx.Component:
    """Items or the amount pad for the open card, as the location's switches say; with POS
    payments on, the pad is the fallback shown while no POS payment waits."""
    state = RedeemState
    amount = rx.cond(state.accepts_pos & (PosInbox.real_payment_count > 0) & ~state.type_amount_anyway,
                     _pos_payment_waits(), _amount_section())
    return rx.cond(
        state.accepts_items & ~state.use_amount_pad,
        _items_section(),
        # Items on but none to pick: the pad, rather than a counter with nothing to do.
        rx.cond(state.accepts_amount | (state.accepts_items & (state.item_rows.length() == 0)), amount),
    )


def _counter() -> rx.Component:
    state = RedeemState
    return rx.vstack(
        _messages(),
        _accepts_bar(),
        refunds_to_give_back(),
        rx.cond(
            state.has_receipt,
            _receipt(),
            rx.vstack(
                rx.cond(state.card_open, _card_panel(), _open_card()),
                rx.cond(state.card_open & (state.card_test_refusal != ""),
                        rx.callout(state.card_test_refusal, icon="flask-conical", color_scheme="red", size="3",
                                   role="alert", id="redeem-card-test-refusal", width="100%")),
                rx.cond(state.accepts_pos, _pos_section()),
                rx.cond(state.card_open, _typed_or_items()),
                width="100%", spacing="5",
            ),
        ),
        _recent(),
        _void_dialog(),
        _dismiss_dialog(),
        width="100%",
        spacing="5",
        id="redeem-counter",
    )


# --- a browser that cannot redeem --------------------------------------------------


def _redeem_revoked() -> rx.Component:
    return device_notice(
        "ban", "red", t("This device was revoked"),
        rx.callout(
            t("This device was revoked by your network; ask for a new activation link."),
            icon="triangle-alert", color_scheme="red", size="3", role="alert", id="device-revoked", width="100%",
        ),
        rx.text(t("It can no longer redeem cards. Once a new link arrives by email, open it on this device."), size="3",
                text_align="center"),
    )


def _redeem_not_activated() -> rx.Component:
    return device_notice(
        "tablet-smartphone", "gray", t("Not an activated device"),
        rx.callout(
            t("This browser is not an activated device. Open the activation link emailed to your location on this "
              "device to activate it."),
            icon="info", size="3", id="device-not-activated", width="100%",
        ),
        rx.text(t("Lost the email? Ask your network to send a new link."), size="3", color=rx.color("gray", 11)),
    )


def redeem_page() -> rx.Component:
    state = RedeemState
    return rx.box(
        rx.cond(state.checked & (state.status == "active"), _device_bar()),
        rx.cond(
            state.checked,
            rx.match(
                state.status,
                ("active", rx.box(_counter(), page_ready_marker(), padding="20px", width="100%", max_width="980px",
                                  margin="0 auto")),
                ("revoked", device_frame(brand(), _redeem_revoked())),
                device_frame(brand(), _redeem_not_activated()),
            ),
            loading("redeem-loading"),
        ),
        min_height="100vh",
        width="100%",
        background=rx.color("gray", 2),
        id="redeem-page",
        lang=RedeemState.lang,
        style=COUNTER_TARGETS,
    )

"""Cards: list with search, filters and bulk actions, issue a card, one card with its ledger."""

from __future__ import annotations

import reflex as rx

from app.components.badges import status_badge, test_card_badge
from app.components.copy import copy_button
from app.components.dialogs import confirm_dialog
from app.components.i18n import t
from app.components.layout import dashboard_shell, error_callout, page_title
from app.components.tables import data_table, pager
from app.pages.card_prints import card_pdf_button, print_batch_dialog
from app.state.card_detail import CardDetailState
from app.state.cards import CardsState
from app.state.language import N_


def _issue_dialog() -> rx.Component:
    form = rx.form(
        rx.vstack(
            error_callout(CardsState.issue_error, "issue-card-error"),
            rx.text(t("Amount ($)"), as_="label", custom_attrs={"htmlFor": "issue-card-amount"}, weight="medium"),
            rx.input(name="amount", id="issue-card-amount", placeholder="50.00", size="3", required=True, input_mode="decimal", width="100%"),
            rx.text(t("Recipient email (optional)"), as_="label", custom_attrs={"htmlFor": "issue-card-recipient-email"}, weight="medium"),
            rx.input(name="recipient_email", id="issue-card-recipient-email", type="email", size="3", width="100%"),
            rx.text(t("Recipient name (optional)"), as_="label", custom_attrs={"htmlFor": "issue-card-recipient-name"}, weight="medium"),
            rx.input(name="recipient_name", id="issue-card-recipient-name", size="3", width="100%"),
            rx.text(t("From (optional)"), as_="label", custom_attrs={"htmlFor": "issue-card-sender-name"}, weight="medium"),
            rx.input(name="sender_name", id="issue-card-sender-name", size="3", width="100%"),
            rx.text(t("Message (optional)"), as_="label", custom_attrs={"htmlFor": "issue-card-message"}, weight="medium"),
            rx.text_area(name="message", id="issue-card-message", size="3", width="100%", max_length=500),
            rx.el.label(rx.checkbox(name="attach_pdf", id="issue-card-attach-pdf", size="3", margin_right="8px"),
                        t("Attach the printable card (PDF) to the email"),
                        style={"display": "flex", "alignItems": "center", "minHeight": "44px", "cursor": "pointer"}),
            rx.hstack(
                rx.dialog.close(rx.button(t("Cancel"), variant="soft", size="3", type="button", id="issue-card-cancel")),
                rx.button(t("Issue card"), id="issue-card-submit", type="submit", size="3"),
                justify="end",
                width="100%",
            ),
            spacing="2",
            width="100%",
        ),
        on_submit=CardsState.issue,
        reset_on_submit=False,
    )
    issued = rx.vstack(
        rx.callout(t("Card issued. Copy the code now: it is shown only once."), icon="circle-check", color_scheme="green"),
        rx.text(t("Card code"), weight="medium"),
        rx.hstack(
            rx.code(CardsState.issued_code, id="issued-card-code", size="7", padding="12px"),
            copy_button(CardsState.issued_code, "issued-card-copy", what=N_("Card code")),
            align="center", spacing="3", wrap="wrap",
        ),
        rx.cond(
            CardsState.issued_email_to != "",
            rx.text(t("The card's email to "), rx.text.strong(CardsState.issued_email_to), t(" is queued: the Outbox screen shows it."), id="issued-card-email"),
        ),
        rx.hstack(
            rx.link(rx.button(t("Open card"), size="3", id="issued-card-open"), href="/cards/" + CardsState.issued_card_id.to_string()),
            rx.dialog.close(rx.button(t("Done"), size="3", variant="soft", id="issued-card-done", on_click=CardsState.close_issue)),
            justify="end",
            width="100%",
        ),
        spacing="3",
        width="100%",
    )
    return rx.dialog.root(
        # No on_click on the trigger (Reflex would wrap it in a div): on_open_change opens it.
        rx.dialog.trigger(rx.button(rx.icon("plus"), t("Issue card"), size="3", id="issue-card-open")),
        rx.dialog.content(
            rx.dialog.title(t("Issue a gift card")),
            rx.cond(CardsState.issued_code != "", issued, form),
            max_width="480px",
        ),
        open=CardsState.issue_open,
        on_open_change=lambda is_open: rx.cond(is_open, CardsState.open_issue, CardsState.close_issue),
    )


def _tick(checked: rx.Var, on_change, element_id, label: str, disabled=False) -> rx.Component:  # noqa: ANN001
    """A checkbox with a 40 px tap area (the box itself stays small)."""
    return rx.checkbox(checked=checked, on_change=on_change, id=element_id, size="3", disabled=disabled,
                       aria_label=label, min_height="40px", min_width="40px", justify_content="center")


def _card_row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(_tick(CardsState.all_matching | CardsState.selected_ids.contains(row.id),
                            lambda checked: CardsState.toggle_card(row.id, checked),
                            "card-select-" + row.id.to_string(), t("Select this card")),
                      padding_y="0", vertical_align="middle"),
        rx.table.cell(rx.link(row.masked, href="/cards/" + row.id.to_string(), id="card-link-" + row.last4, weight="medium", display="inline-block", padding_y="10px", min_width="96px")),
        rx.table.cell(row.balance, id="card-row-balance-" + row.last4),
        rx.table.cell(rx.hstack(status_badge(row.status, "card-row-status-" + row.id.to_string()),
                                test_card_badge(row.is_test, "card-row-test-" + row.id.to_string()), spacing="1")),
        rx.table.cell(row.recipient, overflow_wrap="anywhere"),
        rx.table.cell(row.channel),
        rx.table.cell(row.created),
        id="card-row-" + row.id.to_string(),
        class_name="card-row",
        align="center",
    )


def _select(element_id: str, label: str, value: rx.Var, on_change, options: list[tuple[str, str]]) -> rx.Component:  # noqa: ANN001
    return rx.select.root(
        rx.select.trigger(id=element_id, aria_label=label),
        rx.select.content(*(rx.select.item(t(text), value=option, id=f"{element_id.removesuffix('-filter')}-{option}")
                            for option, text in options)),
        value=value,
        on_change=on_change,
        size="3",
    )


def _labelled(label: str, element_id: str, control: rx.Component) -> rx.Component:
    return rx.vstack(
        rx.text(label, as_="label", custom_attrs={"htmlFor": element_id}, size="2", weight="medium"),
        control,
        spacing="1",
        flex="1 1 160px",
        min_width="150px",
    )


def _range_filters() -> rx.Component:
    """Balance range (dollars) and issue days (the operator's time zone), applied together."""
    return rx.form(
        rx.flex(
            _labelled(t("Balance from ($)"), "cards-min-balance", rx.input(
                name="min_balance", id="cards-min-balance", placeholder="0.00", input_mode="decimal", size="3",
                default_value=CardsState.min_balance, width="100%")),
            _labelled(t("Balance to ($)"), "cards-max-balance", rx.input(
                name="max_balance", id="cards-max-balance", placeholder="any", input_mode="decimal", size="3",
                default_value=CardsState.max_balance, width="100%")),
            _labelled(t("Issued from"), "cards-issued-from", rx.input(
                name="issued_from", id="cards-issued-from", type="date", size="3",
                default_value=CardsState.issued_from, width="100%")),
            _labelled(t("Issued to"), "cards-issued-to", rx.input(
                name="issued_to", id="cards-issued-to", type="date", size="3",
                default_value=CardsState.issued_to, width="100%")),
            rx.hstack(
                rx.button(rx.icon("filter"), t("Apply"), id="cards-filter-apply", type="submit", size="3"),
                rx.cond(CardsState.filtered, rx.button(t("Clear filters"), id="cards-filter-clear", type="button",
                                                       size="3", variant="soft", on_click=CardsState.clear_filters)),
                align="end",
            ),
            gap="12px",
            wrap="wrap",
            align="end",
            width="100%",
        ),
        on_submit=CardsState.apply_filters,
        reset_on_submit=False,
        width="100%",
    )


def _bulk_bar() -> rx.Component:
    """What is selected, widening to every matching card, and the actions (each confirmed)."""
    return rx.cond(
        CardsState.selected_count > 0,
        rx.flex(
            rx.text(CardsState.selection_text, id="cards-selection", weight="medium"),
            rx.cond(
                CardsState.can_select_all_matching,
                rx.button(CardsState.select_all_label, id="cards-select-all-matching",
                          size="3", variant="ghost", on_click=CardsState.select_all_matching),
            ),
            rx.button(t("Clear selection"), id="cards-clear-selection", size="3", variant="ghost",
                      on_click=CardsState.clear_selection),
            rx.spacer(),
            rx.button(rx.icon("snowflake"), t("Freeze"), id="cards-bulk-freeze", size="3", disabled=CardsState.bulk_running, color_scheme="blue",
                      on_click=CardsState.ask_bulk("freeze")),
            rx.button(rx.icon("sun"), t("Unfreeze"), id="cards-bulk-unfreeze", size="3", disabled=CardsState.bulk_running, variant="soft",
                      color_scheme="green", on_click=CardsState.ask_bulk("unfreeze")),
            rx.button(rx.icon("mail"), t("Resend email"), id="cards-bulk-resend", size="3", disabled=CardsState.bulk_running, variant="soft",
                      on_click=CardsState.ask_bulk("resend_email")),
            gap="12px",
            wrap="wrap",
            align="center",
            width="100%",
            padding="12px",
            border_radius="8px",
            background_color=rx.color("accent", 3),
            id="cards-bulk-bar",
        ),
    )


def _bulk_dialog() -> rx.Component:
    return confirm_dialog(
        title=CardsState.bulk_question,
        title_id="cards-bulk-question",
        description=CardsState.bulk_consequence,
        confirm_label=t("Yes, go ahead"),
        confirm_id="cards-bulk-confirm",
        confirm_color=None,
        on_confirm=CardsState.confirm_bulk(CardsState.bulk_action),
        cancel_id="cards-bulk-cancel",
        on_cancel=CardsState.cancel_bulk,
        max_width="460px",
        open_=CardsState.bulk_action != "",
        on_open_change=lambda is_open: rx.cond(is_open, rx.noop(), CardsState.cancel_bulk),
    )


def cards_page() -> rx.Component:
    toolbar = rx.flex(
        rx.form(
            rx.hstack(
                rx.input(name="query", id="cards-search", placeholder=t("Last 4 or recipient email"), size="3", width="100%", min_width="0", flex="1", default_value=CardsState.query),
                rx.button(rx.icon("search"), t("Search"), id="cards-search-submit", type="submit", size="3"),
                rx.cond(CardsState.query != "", rx.button(t("Clear"), id="cards-search-clear", size="3", variant="soft", type="button", on_click=CardsState.clear_search)),
                width="100%",
            ),
            on_submit=CardsState.search,
            reset_on_submit=False,
            flex="1 1 420px",
            max_width="560px",
        ),
        _select("cards-status-filter", t("Status"), CardsState.status_filter, CardsState.set_status_filter,
                [("all", N_("All statuses")), ("active", N_("Active")), ("frozen", N_("Frozen")), ("empty", N_("Empty (no balance)"))]),
        _select("cards-channel-filter", t("Channel"), CardsState.channel_filter, CardsState.set_channel_filter,
                [("all", N_("All channels")), ("dashboard", N_("Dashboard")), ("api", N_("API")), ("shop", N_("Shop"))]),
        rx.spacer(),
        print_batch_dialog(),
        _issue_dialog(),
        gap="12px",
        wrap="wrap",
        width="100%",
        align="center",
    )
    tick_all = rx.table.column_header_cell(
        _tick(CardsState.page_selected, CardsState.toggle_page, "cards-select-page", t("Select every card on this page")),
        padding_y="0", width="56px")
    table = data_table(
        [tick_all, t("Card"), t("Balance"), t("Status"), t("Recipient"), t("Channel"), t("Issued")], CardsState.rows, _card_row,
        table_id="cards-table",
        empty=rx.callout(
            rx.cond(CardsState.filtered, t("No card matches these filters."), t("No cards yet. Issue the first one.")),
            icon="info",
            id="cards-empty",
        ),
    )
    return dashboard_shell(
        rx.vstack(
            page_title(t("Cards"), t("Every card of your network. Search by the last 4 of the code or the recipient's email, "
                       "filter, and act on many cards at once.")),
            toolbar,
            _range_filters(),
            error_callout(CardsState.filter_error, "cards-error"),
            rx.text(CardsState.match_count_text, id="cards-count", size="3", color=rx.color("gray", 11)),
            _bulk_bar(),
            rx.cond(CardsState.bulk_running,
                    rx.callout(t("Working on the selected cards…"), icon="loader", id="cards-bulk-running", width="100%")),
            error_callout(CardsState.bulk_error, "cards-bulk-error"),
            rx.cond(CardsState.bulk_message != "",
                    rx.callout(CardsState.bulk_message, icon="circle-check", color_scheme="green", id="cards-bulk-result",
                               width="100%")),
            table,
            pager(CardsState, "cards"),
            _bulk_dialog(),
            spacing="4",
            width="100%",
        ),
        active="cards",
    )


def _ledger_row(entry: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(entry.time),
        rx.table.cell(rx.badge(entry.label, color_scheme=rx.cond(entry.credit, "green", "orange"), size="2"), class_name="ledger-kind"),
        rx.table.cell(entry.amount, class_name="ledger-amount"),
        rx.table.cell(entry.balance_after, class_name="ledger-balance-after"),
        rx.table.cell(entry.who, rx.cond(entry.memo != "", rx.text(entry.memo, size="1", color=rx.color("gray", 11)))),
        id="ledger-row-" + entry.id.to_string(),
        class_name="ledger-row",
        align="center",
    )


def _figure(label: str, value: rx.Var, element_id: str, size: str = "7") -> rx.Component:
    return rx.card(
        rx.vstack(rx.text(label, size="2", color=rx.color("gray", 11)), rx.text(value, size=size, weight="bold", id=element_id, overflow_wrap="anywhere"), spacing="1"),
        min_width="150px",
        flex="1",
    )


def _gift_words(card: rx.Var) -> rx.Component:
    """Who the card is for, from whom, and the message they wrote (as the recipient's email shows them)."""
    return rx.cond(
        (card.recipient_name != "") | (card.sender_name != "") | (card.message != ""),
        rx.card(
            rx.vstack(
                rx.hstack(
                    rx.text(t("To: "), rx.text.strong(rx.cond(card.recipient_name != "", card.recipient_name, "—"),
                                                   id="card-recipient-name"), size="3"),
                    rx.text(t("From: "), rx.text.strong(rx.cond(card.sender_name != "", card.sender_name, "—"),
                                                     id="card-sender-name"), size="3"),
                    spacing="5", wrap="wrap",
                ),
                rx.cond(card.message != "",
                        rx.blockquote(card.message, id="card-message", size="3", white_space="pre-wrap",
                                      overflow_wrap="anywhere")),
                spacing="2", width="100%",
            ),
            id="card-gift-words",
            width="100%",
        ),
    )


def _confirmed_action(trigger: rx.Component, title: str, description: str, confirm_label: str, confirm_id: str, on_confirm) -> rx.Component:  # noqa: ANN001
    return confirm_dialog(
        trigger=trigger,
        title=title,
        description=description,
        confirm_label=confirm_label,
        confirm_id=confirm_id,
        confirm_color=None,
        on_confirm=on_confirm,
        cancel_id=confirm_id + "-cancel",
        max_width="460px",
    )


def _email_actions(card: rx.Var) -> rx.Component:
    resend = _confirmed_action(
        rx.button(rx.icon("mail"), t("Resend email"), id="card-resend-email", size="3", variant="soft", disabled=~card.has_email),
        t("Resend the card email?"),
        t("The recipient gets the email again, with the card code, its link and QR code."),
        t("Resend"),
        "card-resend-email-confirm",
        CardDetailState.resend_email,
    )
    rotate = _confirmed_action(
        rx.button(rx.icon("refresh-cw"), t("Rotate link"), id="card-rotate-link", size="3", variant="soft", color_scheme="orange"),
        t("Replace the card link?"),
        t("The current link and its QR code stop working at once. The card code and balance do not change."),
        t("Rotate link"),
        "card-rotate-link-confirm",
        CardDetailState.rotate_link,
    )
    text = CardDetailState.email_message
    message = rx.cond(
        text != "",
        rx.cond(
            CardDetailState.email_failed,
            rx.callout(text, icon="triangle-alert", color_scheme="red", role="alert", id="card-email-message", width="100%"),
            rx.callout(text, icon="mail-check", color_scheme="green", id="card-email-message", width="100%"),
        ),
    )
    return rx.vstack(rx.flex(resend, rotate, gap="12px", wrap="wrap"), message, spacing="3", width="100%")


def card_detail_page() -> rx.Component:
    card = CardDetailState.card
    actions = rx.flex(
        rx.form(
            rx.hstack(
                rx.input(name="amount", id="topup-amount", placeholder=t("Amount, e.g. 20.00"), size="3", input_mode="decimal", required=True),
                rx.button(rx.icon("plus"), t("Top up"), id="topup-submit", type="submit", size="3", disabled=card.frozen),
            ),
            on_submit=CardDetailState.top_up,
            reset_on_submit=False,
        ),
        rx.cond(
            card.frozen,
            rx.button(rx.icon("sun"), t("Unfreeze"), id="card-unfreeze", size="3", color_scheme="green", on_click=CardDetailState.unfreeze),
            rx.button(rx.icon("snowflake"), t("Freeze"), id="card-freeze", size="3", color_scheme="blue", variant="soft", on_click=CardDetailState.freeze),
        ),
        gap="12px",
        wrap="wrap",
    )
    found = rx.vstack(
        rx.hstack(
            rx.link(rx.hstack(rx.icon("arrow-left", size=20), rx.text(t("All cards")), spacing="2", align="center"), href="/cards", id="card-back", padding_y="10px", min_height="44px", display="inline-flex", align_items="center"),
        ),
        rx.hstack(rx.heading(card.masked, size="7", id="card-last4"), status_badge(card.status, "card-status"),
                  test_card_badge(card.is_test, "card-test-badge"), align="center", spacing="3"),
        rx.flex(
            _figure(t("Balance"), card.balance, "card-balance"),
            _figure(t("Issued for"), card.initial, "card-initial"),
            _figure(t("Recipient"), card.recipient, "card-recipient", size="4"),
            _figure(t("Channel"), card.channel, "card-channel", size="4"),
            gap="12px",
            wrap="wrap",
            width="100%",
        ),
        _gift_words(card),
        error_callout(CardDetailState.action_error, "card-action-error"),
        rx.cond(CardDetailState.action_message != "", rx.callout(CardDetailState.action_message, icon="circle-check", color_scheme="green", id="card-action-message")),
        actions,
        _email_actions(card),
        card_pdf_button(),
        rx.heading(t("Ledger"), size="5", margin_top="16px"),
        data_table([t("When"), t("What"), t("Amount"), t("Balance after"), t("Who / where")], CardDetailState.entries, _ledger_row,
                   table_id="card-ledger", size="3"),
        spacing="4",
        width="100%",
    )
    return dashboard_shell(
        rx.cond(
            CardDetailState.not_found,
            rx.vstack(
                rx.callout(t("No such card in your network."), icon="triangle-alert", color_scheme="red", id="card-not-found", size="3", width="100%"),
                rx.link(rx.button(rx.icon("arrow-left"), t("All cards"), size="3", variant="soft"), href="/cards", id="card-not-found-back"),
                spacing="4",
                width="100%",
            ),
            found,
        ),
        active="cards",
    )

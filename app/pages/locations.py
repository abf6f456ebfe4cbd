"""Locations: the list (search, filters), the create/edit form, and one location with
its devices, activation link, POS keys, item catalog, redemptions (paged), what it is
owed now and the payouts it was paid in (paged)."""

from __future__ import annotations

import reflex as rx

from app.components.layout import dashboard_shell, error_callout, page_title
from app.state.locations import LocationDetailState, LocationFormState, LocationMoneyState, LocationsState


def _active_badge(active: rx.Var, element_id: str | rx.Var = "") -> rx.Component:
    return rx.badge(
        rx.cond(active, "active", "inactive"), color_scheme=rx.cond(active, "green", "gray"), size="2", id=element_id
    )


def _filter(element_id: str, value: rx.Var, on_change, options: list[tuple[str, str]]) -> rx.Component:  # noqa: ANN001
    return rx.select.root(
        rx.select.trigger(id=element_id, min_width="150px"),
        rx.select.content(*[rx.select.item(label, value=option) for option, label in options]),
        value=value,
        on_change=on_change,
        size="3",
    )


def back_to_locations() -> rx.Component:
    return rx.link(
        rx.hstack(rx.icon("arrow-left", size=18), rx.text("All locations"), align="center", spacing="1"),
        href="/locations",
        id="location-back",
    )


# --------------------------------------------------------------------------- the list


def _location_row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(
            rx.link(row.name, href="/locations/" + row.id.to_string(), id="location-link-" + row.id.to_string(), weight="medium")
        ),
        rx.table.cell(row.email),
        rx.table.cell(row.external_id),
        rx.table.cell(row.mode_label),
        rx.table.cell(_active_badge(row.active)),
        id="location-row-" + row.id.to_string(),
        class_name="location-row",
    )


def locations_page() -> rx.Component:
    state = LocationsState
    toolbar = rx.flex(
        rx.form(
            rx.hstack(
                rx.input(
                    name="query", id="locations-search", placeholder="Name, email or external id", size="3",
                    width="280px", default_value=state.query,
                ),
                rx.button(rx.icon("search"), "Search", id="locations-search-submit", type="submit", size="3"),
                rx.cond(
                    state.query != "",
                    rx.button("Clear", id="locations-search-clear", size="3", variant="soft", type="button",
                              on_click=state.clear_search),
                ),
            ),
            on_submit=state.search,
            reset_on_submit=False,
        ),
        _filter("locations-mode-filter", state.mode_filter, state.set_mode_filter,
                [("all", "All modes"), ("pos", "POS payments"), ("items", "Items"), ("amount", "Amount")]),
        _filter("locations-active-filter", state.active_filter, state.set_active_filter,
                [("all", "Active and inactive"), ("active", "Active"), ("inactive", "Inactive")]),
        rx.spacer(),
        rx.link(rx.button(rx.icon("upload"), "Import CSV", size="3", variant="soft", id="locations-import-open"),
                href="/locations/import"),
        rx.link(rx.button(rx.icon("plus"), "New location", size="3", id="location-create-open"), href="/locations/new"),
        gap="12px",
        wrap="wrap",
        width="100%",
        align="center",
    )
    filtering = (state.query != "") | (state.mode_filter != "all") | (state.active_filter != "all")
    table = rx.cond(
        state.rows.length() > 0,
        rx.table.root(
            rx.table.header(
                rx.table.row(
                    rx.table.column_header_cell("Location"),
                    rx.table.column_header_cell("Email"),
                    rx.table.column_header_cell("External id"),
                    rx.table.column_header_cell("Redeems by"),
                    rx.table.column_header_cell("Status"),
                )
            ),
            rx.table.body(rx.foreach(state.rows, _location_row)),
            id="locations-table",
            width="100%",
            size="3",
        ),
        rx.callout(
            rx.cond(
                filtering,
                "No location matches this search or filter.",
                "No locations yet. Add the first business of your network, or import your existing file.",
            ),
            icon="info",
            id="locations-empty",
            size="3",
        ),
    )
    pager = rx.hstack(
        rx.button("Previous", id="locations-prev", size="3", variant="soft", disabled=state.cursor_stack.length() == 0,
                  on_click=state.previous_page),
        rx.button("Next", id="locations-next", size="3", variant="soft", disabled=state.next_cursor == 0,
                  on_click=state.next_page),
        justify="end",
        width="100%",
    )
    return dashboard_shell(
        rx.vstack(
            page_title("Locations", "The businesses of your network: where cards are redeemed, and who gets paid."),
            toolbar,
            error_callout(state.list_error, "locations-error"),
            table,
            pager,
            spacing="4",
            width="100%",
        ),
        active="locations",
    )


# --------------------------------------------------------------------------- the form


def _field_error(field: str) -> rx.Component:
    state = LocationFormState
    return rx.cond(
        state.error_field == field,
        rx.text(state.error, color=rx.color("red", 11), size="2", id=f"location-form-{field}-error", role="alert"),
    )


def _labelled(label: str, field: str, control: rx.Component, hint: str = "") -> rx.Component:
    return rx.vstack(
        rx.text(label, as_="label", html_for=f"location-form-{field}", weight="medium", size="3"),
        control,
        rx.cond(hint != "", rx.text(hint, size="2", color=rx.color("gray", 11))),
        _field_error(field),
        spacing="1",
        width="100%",
    )


def _text_input(label: str, field: str, *, hint: str = "", input_type: str = "text", placeholder: str = "",
                required: bool = False, input_mode: str | None = None) -> rx.Component:
    state = LocationFormState
    props = {"input_mode": input_mode} if input_mode else {}
    return _labelled(
        label,
        field,
        rx.input(
            name=field,
            id=f"location-form-{field}",
            type=input_type,
            default_value=getattr(state.initial, field),
            placeholder=placeholder,
            required=required,
            size="3",
            width="100%",
            color_scheme=rx.cond(state.error_field == field, "red", "gray"),
            **props,
        ),
        hint,
    )


def _checkbox(label: str, field: str, hint: str = "") -> rx.Component:
    return rx.vstack(
        rx.text(
            rx.hstack(
                rx.checkbox(name=field, id=f"location-form-{field}", default_checked=getattr(LocationFormState.initial, field),
                            size="3"),
                rx.text(label, size="3", weight="medium"),
                align="center",
                spacing="2",
            ),
            as_="label",
        ),
        rx.cond(hint != "", rx.text(hint, size="2", color=rx.color("gray", 11))),
        _field_error(field),
        spacing="1",
        width="100%",
    )


def _section(title: str, *children: rx.Component, description: str = "") -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading(title, size="4"),
            rx.cond(description != "", rx.text(description, size="2", color=rx.color("gray", 11))),
            *children,
            spacing="3",
            width="100%",
        ),
        width="100%",
        size="3",
    )


def _two_columns(*children: rx.Component) -> rx.Component:
    return rx.grid(*children, columns=rx.breakpoints(initial="1", sm="2"), spacing="4", width="100%")


def _bank_section() -> rx.Component:
    state = LocationFormState
    country = rx.vstack(
        rx.text("Country of the bank account", as_="label", html_for="location-form-bank_country", weight="medium", size="3"),
        rx.select.root(
            rx.select.trigger(id="location-form-bank_country", width="100%"),
            rx.select.content(
                rx.select.item("No bank details yet", value="none"),
                rx.select.item("United States (ACH)", value="US"),
                rx.select.item("Canada (EFT)", value="CA"),
            ),
            value=state.bank_country,
            on_change=state.set_bank_country,
            size="3",
        ),
        _field_error("bank_country"),
        spacing="1",
        width="100%",
    )
    account_type = _labelled(
        "Account type",
        "account_type",
        rx.select.root(
            rx.select.trigger(id="location-form-account_type", width="100%"),
            rx.select.content(rx.select.item("Checking", value="checking"), rx.select.item("Savings", value="savings")),
            name="account_type",
            default_value=state.initial.account_type,
            size="3",
        ),
    )
    account_hint = rx.cond(
        state.initial.bank_summary != "",
        "Never shown again once saved. Leave empty to keep the account on file; type it again to change any bank detail.",
        "Stored encrypted; screens show only its last 4 digits.",
    )
    account = _labelled(
        "Account number",
        "account_number",
        rx.input(name="account_number", id="location-form-account_number", default_value="", size="3", width="100%",
                 input_mode="numeric", auto_complete="off",
                 placeholder=rx.cond(state.initial.bank_summary != "", "•••• (on file)", ""),
                 color_scheme=rx.cond(state.error_field == "account_number", "red", "gray")),
    )
    us_fields = _two_columns(
        _text_input("ABA routing number", "routing_number", hint="9 digits, checked with its check digit.",
                    input_mode="numeric"),
        rx.vstack(account, rx.text(account_hint, size="2", color=rx.color("gray", 11)), spacing="1", width="100%"),
        account_type,
    )
    ca_fields = _two_columns(
        _text_input("Institution number", "institution_number", hint="3 digits, e.g. 001.", input_mode="numeric"),
        _text_input("Transit number", "transit_number", hint="5 digits (the branch).", input_mode="numeric"),
        rx.vstack(account, rx.text(account_hint, size="2", color=rx.color("gray", 11)), spacing="1", width="100%"),
        account_type,
    )
    return _section(
        "Payout bank details",
        rx.cond(
            state.initial.bank_summary != "",
            rx.callout(rx.text("On file: ", rx.text.strong(state.initial.bank_summary)), icon="landmark",
                       id="location-form-bank-current", size="2", width="100%"),
        ),
        country,
        rx.match(state.bank_country, ("US", us_fields), ("CA", ca_fields), rx.fragment()),
        description="Where this business is paid for what it redeems (ACH in the US, EFT in Canada).",
    )


def _mode_select() -> rx.Component:
    return _labelled(
        "Redeems cards by",
        "mode",
        rx.select.root(
            rx.select.trigger(id="location-form-mode", width="100%"),
            rx.select.content(
                rx.select.item("Amount typed at the counter", value="amount"),
                rx.select.item("Items from a catalog", value="items"),
                rx.select.item("POS payments", value="pos"),
            ),
            name="mode",
            default_value=LocationFormState.initial.mode,
            size="3",
        ),
    )


def _location_form() -> rx.Component:
    state = LocationFormState
    return rx.form(
        rx.vstack(
            error_callout(state.error, "location-error"),
            _section(
                "The business",
                _two_columns(
                    _text_input("Name", "name", required=True, placeholder="Main Street Books"),
                    _text_input("Email", "email", input_type="email", required=True, placeholder="owner@business.com",
                                hint="Device activation links are emailed here."),
                    _text_input("Phone", "phone", input_type="tel"),
                    _text_input("External id", "external_id", hint="Your own reference; CSV imports match on it."),
                ),
                _text_input("Address", "address"),
                _checkbox("Active", "active", "Inactive locations cannot activate devices."),
            ),
            _section(
                "Redemption",
                _two_columns(
                    _mode_select(),
                    _text_input("Item webhook URL", "item_webhook_url", input_type="url",
                                hint="Optional: lists the items live instead of the stored catalog.",
                                placeholder="https://"),
                ),
                _checkbox("Email the redeemed items to the location", "notify_items_email"),
                _two_columns(
                    _text_input("Notification webhook URL", "notify_webhook_url", input_type="url",
                                hint="Optional: every redemption is posted here, signed.", placeholder="https://"),
                    _text_input("Commission (basis points)", "commission_bps", input_mode="numeric",
                                hint="Optional: 250 = 2.50 %. Empty uses the network's commission."),
                ),
            ),
            _bank_section(),
            rx.hstack(
                rx.cond(
                    state.editing_id != 0,
                    rx.link(rx.button("Cancel", size="3", variant="soft", type="button", id="location-cancel"),
                            href="/locations/" + state.editing_id.to_string()),
                    rx.link(rx.button("Cancel", size="3", variant="soft", type="button", id="location-cancel"),
                            href="/locations"),
                ),
                rx.button(
                    rx.cond(state.editing_id != 0, "Save changes", "Create location"),
                    id="location-save", type="submit", size="3",
                ),
                justify="end",
                width="100%",
            ),
            spacing="4",
            width="100%",
        ),
        on_submit=state.save,
        reset_on_submit=False,
        # The service checks every field and says what is wrong in its own words.
        no_validate=True,
        id="location-form",
        key=state.form_key,
        width="100%",
    )


def _form_page(title: str, subtitle: str) -> rx.Component:
    state = LocationFormState
    return dashboard_shell(
        rx.vstack(
            back_to_locations(),
            page_title(title, subtitle),
            rx.cond(
                state.not_found,
                rx.callout("No such location in your network.", icon="triangle-alert", color_scheme="red",
                           id="location-not-found"),
                rx.cond(state.loaded, _location_form(), rx.center(rx.spinner(size="3"), padding="48px")),
            ),
            spacing="3",
            width="100%",
            max_width="900px",
        ),
        active="locations",
    )


def location_new_page() -> rx.Component:
    return _form_page("New location", "Once created, the location is emailed a link to activate its devices.")


def location_edit_page() -> rx.Component:
    return _form_page("Edit location", "Changes apply at once, on every device of the location.")


# --------------------------------------------------------------------------- one location


def _fact(label: str, value: rx.Var, element_id: str) -> rx.Component:
    return rx.vstack(
        rx.text(label, size="2", color=rx.color("gray", 11)),
        rx.text(value, size="3", weight="medium", id=element_id, style={"overflowWrap": "anywhere"}),
        spacing="0",
    )


def _details_card() -> rx.Component:
    loc = LocationDetailState.location
    return _section(
        "Details",
        rx.grid(
            _fact("Email", loc.email, "location-detail-email"),
            _fact("Phone", loc.phone, "location-detail-phone"),
            _fact("Address", loc.address, "location-detail-address"),
            _fact("External id", loc.external_id, "location-detail-external-id"),
            _fact("Redeems by", loc.mode_label, "location-detail-mode"),
            _fact("Item webhook", loc.item_webhook_url, "location-detail-item-webhook"),
            _fact("Email redeemed items", loc.notify_items_email, "location-detail-notify-email"),
            _fact("Notification webhook", loc.notify_webhook_url, "location-detail-notify-webhook"),
            _fact("Commission", loc.commission, "location-detail-commission"),
            _fact("Payout account", loc.bank, "location-detail-bank"),
            _fact("Created", loc.created, "location-detail-created"),
            columns=rx.breakpoints(initial="1", sm="2", lg="3"),
            spacing="4",
            width="100%",
        ),
        rx.text(loc.mode_hint, size="2", color=rx.color("gray", 11)),
    )


def _confirm_dialog(*, open_: rx.Var, title: str, label: rx.Var, consequence: str, confirm_text: str,
                    on_confirm, on_cancel, prefix: str) -> rx.Component:  # noqa: ANN001
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title(title),
            rx.alert_dialog.description(rx.text(rx.text.strong(label), " ", consequence), size="3"),
            rx.hstack(
                rx.alert_dialog.cancel(
                    rx.button("Keep it", variant="soft", color_scheme="gray", size="3", id=f"{prefix}-cancel",
                              on_click=on_cancel)
                ),
                rx.alert_dialog.action(
                    rx.button(confirm_text, color_scheme="red", size="3", id=f"{prefix}-confirm", on_click=on_confirm)
                ),
                justify="end",
                spacing="3",
                margin_top="16px",
            ),
            max_width="460px",
            on_escape_key_down=on_cancel,
        ),
        open=open_,
    )


def _device_row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.code(row.code, size="3", weight="bold", id="device-code-" + row.id.to_string()),
                      white_space="nowrap"),
        rx.table.cell(row.name),
        rx.table.cell(row.activated),
        rx.table.cell(row.last_seen),
        rx.table.cell(
            rx.cond(
                row.revoked,
                rx.badge("revoked ", row.revoked_at, color_scheme="red", size="2", id="device-status-" + row.id.to_string()),
                rx.badge("active", color_scheme="green", size="2", id="device-status-" + row.id.to_string()),
            )
        ),
        rx.table.cell(
            rx.cond(
                row.revoked,
                rx.fragment(),
                rx.button(rx.icon("ban", size=16), "Revoke", size="2", color_scheme="red", variant="soft",
                          id="device-revoke-" + row.id.to_string(),
                          on_click=LocationDetailState.ask_revoke_device(row.id)),
            )
        ),
        id="device-row-" + row.id.to_string(),
        class_name="device-row",
        align="center",
    )


def _devices_card() -> rx.Component:
    state = LocationDetailState
    return _section(
        "Devices",
        rx.flex(
            rx.button(rx.icon("send"), "Send new link", size="3", id="send-activation-link", on_click=state.send_link,
                      disabled=~state.location.active),
            rx.text("Emails the location a new activation link; links sent before stop working.", size="2",
                    color=rx.color("gray", 11)),
            gap="12px",
            align="center",
            wrap="wrap",
        ),
        rx.cond(
            state.link_message != "",
            rx.callout(state.link_message, icon="mail-check", color_scheme="green", id="activation-link-message",
                       width="100%"),
        ),
        rx.cond(
            state.device_rows.length() > 0,
            rx.table.root(
                rx.table.header(
                    rx.table.row(
                        rx.table.column_header_cell("Device code"),
                        rx.table.column_header_cell("Name"),
                        rx.table.column_header_cell("Activated"),
                        rx.table.column_header_cell("Last seen"),
                        rx.table.column_header_cell("Status"),
                        rx.table.column_header_cell(""),
                    )
                ),
                rx.table.body(rx.foreach(state.device_rows, _device_row)),
                id="devices-table",
                width="100%",
                size="2",
            ),
            rx.callout(
                "No devices yet. Each device at the counter opens the activation link emailed to the location.",
                icon="tablet-smartphone", id="devices-empty", width="100%",
            ),
        ),
        _confirm_dialog(
            open_=state.confirm_device_id != 0,
            title="Revoke this device?",
            label=state.confirm_device_label,
            consequence="will no longer redeem cards, from its next screen on. Another device needs a new activation link.",
            confirm_text="Revoke device",
            on_confirm=state.revoke_device,
            on_cancel=state.cancel_revoke_device,
            prefix="device-revoke",
        ),
        description="Every device that redeems cards here, each with its own code.",
    )


def _pos_key_row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(row.name, weight="medium"),
        rx.table.cell(rx.code(row.prefix)),
        rx.table.cell(row.created),
        rx.table.cell(row.last_used),
        rx.table.cell(
            rx.cond(
                row.revoked,
                rx.badge("revoked", color_scheme="red", size="2"),
                rx.button("Revoke", size="2", color_scheme="red", variant="soft", id="pos-key-revoke-" + row.id.to_string(),
                          on_click=LocationDetailState.ask_revoke_pos_key(row.id)),
            )
        ),
        id="pos-key-row-" + row.id.to_string(),
        class_name="pos-key-row",
        align="center",
    )


def _pos_keys_card() -> rx.Component:
    state = LocationDetailState
    return _section(
        "POS keys",
        rx.form(
            rx.hstack(
                rx.input(name="name", id="pos-key-name", placeholder="Key name, e.g. Main till", size="3", width="280px",
                         required=True),
                rx.button(rx.icon("key-round"), "Create POS key", id="pos-key-create", type="submit", size="3"),
                wrap="wrap",
            ),
            on_submit=state.create_pos_key,
            reset_on_submit=False,
        ),
        error_callout(state.pos_key_error, "pos-key-error"),
        rx.cond(
            state.pos_key_plaintext != "",
            rx.callout(
                rx.vstack(
                    rx.text("Copy this key into the POS now: it is shown only once.", weight="bold"),
                    rx.code(state.pos_key_plaintext, id="pos-key-plaintext", size="4", style={"wordBreak": "break-all"}),
                    rx.button("Done", size="2", variant="soft", id="pos-key-done", on_click=state.dismiss_pos_key),
                    spacing="2",
                ),
                icon="key-round", color_scheme="green", width="100%",
            ),
        ),
        rx.cond(
            state.pos_key_rows.length() > 0,
            rx.table.root(
                rx.table.header(
                    rx.table.row(
                        rx.table.column_header_cell("Name"),
                        rx.table.column_header_cell("Key"),
                        rx.table.column_header_cell("Created"),
                        rx.table.column_header_cell("Last used"),
                        rx.table.column_header_cell(""),
                    )
                ),
                rx.table.body(rx.foreach(state.pos_key_rows, _pos_key_row)),
                id="pos-keys-table",
                width="100%",
                size="2",
            ),
            rx.text("No POS keys yet.", size="2", color=rx.color("gray", 11), id="pos-keys-empty"),
        ),
        _confirm_dialog(
            open_=state.confirm_pos_key_id != 0,
            title="Revoke this POS key?",
            label=state.confirm_pos_key_label,
            consequence="stops working at once: the POS can no longer push payments with it.",
            confirm_text="Revoke key",
            on_confirm=state.revoke_pos_key,
            on_cancel=state.cancel_revoke_pos_key,
            prefix="pos-key-revoke",
        ),
        description="The location's POS sends its gift-card payments with one of these keys (gkpos_…).",
    )


def _item_row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(row.name, weight="medium"),
        rx.table.cell(row.sku),
        rx.table.cell(row.price),
        rx.table.cell(_active_badge(row.active)),
        rx.table.cell(
            rx.cond(
                row.active,
                rx.button("Deactivate", size="2", variant="soft", color_scheme="gray",
                          id="item-deactivate-" + row.id.to_string(), on_click=LocationDetailState.deactivate_item(row.id)),
                rx.button("Reactivate", size="2", variant="soft", id="item-reactivate-" + row.id.to_string(),
                          on_click=LocationDetailState.reactivate_item(row.id)),
            )
        ),
        id="item-row-" + row.id.to_string(),
        class_name="item-row",
        align="center",
    )


def _items_card() -> rx.Component:
    state = LocationDetailState
    return _section(
        "Item catalog",
        rx.form(
            rx.flex(
                rx.input(name="name", id="item-name", placeholder="Item name", size="3", required=True, width="240px"),
                rx.input(name="price", id="item-price", placeholder="Price, e.g. 4.50", size="3", required=True,
                         input_mode="decimal", width="160px"),
                rx.input(name="sku", id="item-sku", placeholder="SKU (optional)", size="3", width="160px"),
                rx.button(rx.icon("plus"), "Add item", id="item-add", type="submit", size="3"),
                gap="8px",
                wrap="wrap",
            ),
            on_submit=state.add_item,
            reset_on_submit=False,
        ),
        error_callout(state.item_error, "item-error"),
        rx.cond(
            state.item_rows.length() > 0,
            rx.table.root(
                rx.table.header(
                    rx.table.row(
                        rx.table.column_header_cell("Item"),
                        rx.table.column_header_cell("SKU"),
                        rx.table.column_header_cell("Price"),
                        rx.table.column_header_cell("Status"),
                        rx.table.column_header_cell(""),
                    )
                ),
                rx.table.body(rx.foreach(state.item_rows, _item_row)),
                id="items-table",
                width="100%",
                size="2",
            ),
            rx.text("No items yet.", size="2", color=rx.color("gray", 11), id="items-empty"),
        ),
        description="What a card can be redeemed against at this location, with prices (used when it redeems by items).",
    )


def _redemption_row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(row.time),
        rx.table.cell(row.card),
        rx.table.cell(row.kind),
        rx.table.cell(row.amount),
        rx.table.cell(row.device),
        rx.table.cell(rx.badge(row.status, color_scheme=rx.cond(row.status == "voided", "gray", "green"), size="2",
                               id="redemption-status-" + row.id.to_string())),
        rx.table.cell(
            rx.cond(
                row.voidable,
                rx.button(rx.icon("undo-2", size=16), "Void", size="2", color_scheme="red", variant="soft",
                          id="redemption-void-" + row.id.to_string(),
                          on_click=LocationDetailState.ask_void_redemption(row.id)),
            )
        ),
        id="redemption-row-" + row.id.to_string(),
        class_name="redemption-row",
        align="center",
    )


def _redemptions_card() -> rx.Component:
    state = LocationDetailState
    return _section(
        "Redemptions",
        rx.cond(
            state.redemption_rows.length() > 0,
            rx.table.root(
                rx.table.header(
                    rx.table.row(
                        rx.table.column_header_cell("When"),
                        rx.table.column_header_cell("Card"),
                        rx.table.column_header_cell("By"),
                        rx.table.column_header_cell("Amount"),
                        rx.table.column_header_cell("Device"),
                        rx.table.column_header_cell("Status"),
                        rx.table.column_header_cell(""),
                    )
                ),
                rx.table.body(rx.foreach(state.redemption_rows, _redemption_row)),
                id="redemptions-table",
                width="100%",
                size="2",
            ),
            rx.text("Redemptions appear here once this location redeems cards.", size="2", color=rx.color("gray", 11),
                    id="redemptions-empty"),
        ),
        _pager(state, "redemptions"),
        _confirm_dialog(
            open_=state.confirm_void_id != 0,
            title="Void this redemption?",
            label=state.confirm_void_label,
            consequence="goes back on the card as a new ledger row, and the location is no longer paid for it.",
            confirm_text="Void redemption",
            on_confirm=state.void_redemption,
            on_cancel=state.cancel_void_redemption,
            prefix="redemption-void",
        ),
        description="Today's redemptions can be voided here or on the device (the money goes back on the card).",
    )


def _pager(state, prefix: str) -> rx.Component:  # noqa: ANN001 - a state with the KeysetPaging mixin
    return rx.cond(
        (state.cursor_stack.length() > 0) | (state.next_cursor != 0),
        rx.hstack(
            rx.button("Previous", id=f"{prefix}-prev", size="3", variant="soft",
                      disabled=state.cursor_stack.length() == 0, on_click=state.previous_page),
            rx.button("Next", id=f"{prefix}-next", size="3", variant="soft", disabled=state.next_cursor == 0,
                      on_click=state.next_page),
            justify="end",
            width="100%",
        ),
    )


def _money_figure(label: str, value: rx.Var, element_id: str) -> rx.Component:
    return rx.vstack(
        rx.text(label, size="2", color=rx.color("gray", 11)),
        rx.text(value, size="5", weight="bold", id=element_id),
        spacing="0",
        min_width="120px",
        flex="1",
    )


PAYOUT_STATUS_COLORS = {"draft": "gray", "exported": "blue", "paid": "green", "cancelled": "red"}


def _payout_row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.text("#", row.batch_id.to_string(), weight="medium")),
        rx.table.cell(rx.badge(row.status, color_scheme=rx.match(row.status, *PAYOUT_STATUS_COLORS.items(), "gray"),
                               size="2", id="location-payout-status-" + row.id.to_string())),
        rx.table.cell(row.redemptions),
        rx.table.cell(row.gross),
        rx.table.cell(row.net, id="location-payout-net-" + row.id.to_string()),
        rx.table.cell(row.created),
        rx.table.cell(row.paid),
        id="location-payout-row-" + row.id.to_string(),
        class_name="location-payout-row",
        align="center",
    )


def _money_card() -> rx.Component:
    state = LocationMoneyState
    owed = state.payable
    return _section(
        "Payables and payouts",
        rx.heading("Owed now", size="3"),
        rx.flex(
            _money_figure("Redemptions", owed.count, "location-payable-count"),
            _money_figure("Gross", owed.gross, "location-payable-gross"),
            _money_figure(rx.text("Commission (", owed.commission_rate, ")"), owed.commission,
                          "location-payable-commission"),
            _money_figure("Net to pay", owed.net, "location-payable-net"),
            gap="16px",
            wrap="wrap",
            width="100%",
            id="location-payables",
        ),
        rx.heading("Payouts", size="3", margin_top="8px"),
        rx.cond(
            state.payout_rows.length() > 0,
            rx.box(
                rx.table.root(
                    rx.table.header(
                        rx.table.row(
                            rx.table.column_header_cell("Batch"),
                            rx.table.column_header_cell("Status"),
                            rx.table.column_header_cell("Redemptions"),
                            rx.table.column_header_cell("Gross"),
                            rx.table.column_header_cell("Net"),
                            rx.table.column_header_cell("Created"),
                            rx.table.column_header_cell("Paid"),
                        )
                    ),
                    rx.table.body(rx.foreach(state.payout_rows, _payout_row)),
                    id="location-payouts-table",
                    width="100%",
                    size="2",
                ),
                overflow_x="auto",
                width="100%",
            ),
            rx.text("No payout batch has paid this location yet.", size="2", color=rx.color("gray", 11),
                    id="location-payouts-empty"),
        ),
        _pager(state, "location-payouts"),
        description="Completed redemptions not yet in a payout batch, with the commission the network keeps; "
        "then every batch line that paid (or will pay) this location. Batches are made on the Settlements screen.",
    )


DELIVERY_STATUS_COLORS = {"delivered": "green", "pending": "amber", "sending": "blue", "failed": "red"}


def _delivery_status(row: rx.Var) -> rx.Component:
    return rx.badge(
        row.status,
        color_scheme=rx.match(row.status, *DELIVERY_STATUS_COLORS.items(), "gray"),
        size="2",
        id="webhook-delivery-status-" + row.id.to_string(),
    )


def _attempt_row(attempt: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(attempt.time),
        rx.table.cell(rx.text(attempt.result, color=rx.cond(attempt.ok, rx.color("green", 11), rx.color("red", 11)),
                              style={"overflowWrap": "anywhere"})),
        rx.table.cell(attempt.duration),
        class_name="webhook-attempt",
    )


def _delivery_rows(row: rx.Var) -> rx.Component:
    state = LocationDetailState
    is_open = state.open_delivery_id == row.id
    muted = rx.color("gray", 11)
    return rx.fragment(
        rx.table.row(
            rx.table.cell(rx.vstack(rx.code(row.event, size="2"), rx.text(row.created, size="1", color=muted),
                                    spacing="1")),
            rx.table.cell(_delivery_status(row)),
            rx.table.cell(row.attempts, text_align="center", class_name="webhook-delivery-attempts"),
            rx.table.cell(rx.text(row.last_result, size="2", style={"overflowWrap": "anywhere"}), max_width="180px"),
            rx.table.cell(rx.text(row.delivered, size="2")),
            rx.table.cell(
                rx.flex(
                    rx.button(rx.icon(rx.cond(is_open, "chevron-up", "chevron-down"), size=16), "Attempts", size="2",
                              variant="soft", color_scheme="gray", id="webhook-attempts-" + row.id.to_string(),
                              on_click=state.toggle_attempts(row.id)),
                    rx.cond(
                        row.retryable,
                        rx.button(rx.icon("refresh-cw", size=16), "Retry now", size="2", variant="soft",
                                  id="webhook-retry-" + row.id.to_string(), on_click=state.retry_delivery(row.id)),
                    ),
                    direction="column",
                    gap="6px",
                    align="stretch",
                ),
            ),
            id="webhook-delivery-row-" + row.id.to_string(),
            class_name="webhook-delivery-row",
            align="center",
        ),
        rx.cond(
            is_open,
            rx.table.row(
                rx.table.cell(
                    rx.cond(
                        state.attempt_rows.length() > 0,
                        rx.table.root(
                            rx.table.header(rx.table.row(
                                rx.table.column_header_cell("Attempted"),
                                rx.table.column_header_cell("Result"),
                                rx.table.column_header_cell("Took"),
                            )),
                            rx.table.body(rx.foreach(state.attempt_rows, _attempt_row)),
                            size="1",
                            variant="surface",
                            width="100%",
                        ),
                        rx.text("Not attempted yet: the first attempt goes out within seconds.", size="2",
                                color=muted),
                    ),
                    col_span=6,
                    background=rx.color("gray", 2),
                ),
                id="webhook-attempt-list-" + row.id.to_string(),
            ),
        ),
    )


def _notifications_card() -> rx.Component:
    state = LocationDetailState
    loc = state.location
    secret = rx.flex(
        rx.text("Signing secret", weight="medium", size="3"),
        rx.cond(
            state.webhook_secret != "",
            rx.hstack(
                rx.code(state.webhook_secret, id="webhook-secret", size="3", style={"wordBreak": "break-all"}),
                rx.button("Hide", size="2", variant="soft", color_scheme="gray", id="webhook-secret-hide",
                          on_click=state.hide_webhook_secret),
                align="center",
                wrap="wrap",
            ),
            rx.cond(
                state.is_owner,
                rx.button(rx.icon("eye", size=16), "Reveal secret", size="2", variant="soft", id="webhook-secret-reveal",
                          on_click=state.reveal_webhook_secret),
                rx.text("Only an owner can reveal it.", size="2", color=rx.color("gray", 11), id="webhook-secret-owners-only"),
            ),
        ),
        rx.text("The location's receiver checks each webhook's signature (Standard Webhooks) with this secret.",
                size="2", color=rx.color("gray", 11), width="100%"),
        gap="8px 12px",
        align="center",
        wrap="wrap",
        width="100%",
    )
    deliveries = rx.cond(
        state.delivery_rows.length() > 0,
        rx.box(
            rx.table.root(
                rx.table.header(
                    rx.table.row(
                        rx.table.column_header_cell("Event, created"),
                        rx.table.column_header_cell("Status"),
                        rx.table.column_header_cell("Attempts"),
                        rx.table.column_header_cell("Last result"),
                        rx.table.column_header_cell("Delivered"),
                        rx.table.column_header_cell(""),
                    )
                ),
                rx.table.body(rx.foreach(state.delivery_rows, _delivery_rows)),
                id="webhook-deliveries-table",
                width="100%",
                size="2",
            ),
            width="100%",
            overflow_x="auto",
        ),
        rx.text("No webhook deliveries yet: each redemption here sends one to the notification webhook.", size="2",
                color=rx.color("gray", 11), id="webhook-deliveries-empty"),
    )
    return _section(
        "Notifications",
        rx.text(
            "Webhook URL: ",
            rx.cond(loc.notify_webhook_url != "—", rx.code(loc.notify_webhook_url, id="webhook-url"),
                    rx.text.em("none (edit the location to add one)")),
            " · Email of redeemed items: ", loc.notify_items_email,
            size="3",
            style={"overflowWrap": "anywhere"},
        ),
        secret,
        rx.cond(state.webhook_message != "",
                rx.callout(state.webhook_message, icon="circle-check", color_scheme="green", id="webhook-message",
                           width="100%")),
        error_callout(state.webhook_error, "webhook-error"),
        rx.hstack(
            rx.heading("Delivery log", size="3"),
            rx.spacer(),
            rx.button(rx.icon("rotate-cw", size=16), "Refresh", size="2", variant="soft", color_scheme="gray",
                      id="webhook-deliveries-refresh", on_click=state.refresh_deliveries),
            width="100%",
            align="center",
        ),
        deliveries,
        description="What this location is told after each redemption, and whether its webhook receiver got it.",
    )


def _square_card() -> rx.Component:
    state = LocationDetailState
    square = state.square
    tender_labels = {
        "OTHER_GIFT_CARD": "Other gift card (OTHER_GIFT_CARD)",
        "OTHER": "Other (OTHER)",
        "EXTERNAL": "External (EXTERNAL)",
    }
    return _section(
        "Square",
        rx.vstack(
            rx.text("1. In Square's Developer Dashboard, add a webhook subscription for payment.created with this URL:",
                    size="3"),
            rx.hstack(
                rx.code(square.receiver_url, id="square-receiver-url", size="3", style={"wordBreak": "break-all"}),
                rx.button(rx.icon("copy", size=16), "Copy", size="2", variant="soft", color_scheme="gray",
                          id="square-receiver-copy", on_click=rx.set_clipboard(square.receiver_url)),
                align="center",
                wrap="wrap",
            ),
            rx.text("2. Paste the subscription's signature key and its notification URL (exactly as Square shows it) "
                    "below; take gift cards on Square with the tender chosen here.", size="3"),
            spacing="2",
            width="100%",
        ),
        rx.form(
            rx.vstack(
                rx.grid(
                    rx.vstack(
                        rx.text("Signature key", as_="label", html_for="square-signature-key", weight="medium",
                                size="3"),
                        rx.input(name="signature_key", id="square-signature-key", type="password", size="3",
                                 width="100%", auto_complete="off", required=True,
                                 placeholder=rx.cond(square.configured, "•••• (on file; type it again to change)", "")),
                        spacing="1",
                        width="100%",
                    ),
                    rx.vstack(
                        rx.text("Tender type", as_="label", html_for="square-tender-type", weight="medium", size="3"),
                        rx.select.root(
                            rx.select.trigger(id="square-tender-type", width="100%"),
                            rx.select.content(*[rx.select.item(label, value=value)
                                                for value, label in tender_labels.items()]),
                            name="tender_type",
                            default_value=square.tender_type,
                            size="3",
                        ),
                        spacing="1",
                        width="100%",
                    ),
                    columns=rx.breakpoints(initial="1", sm="2"),
                    spacing="4",
                    width="100%",
                ),
                rx.vstack(
                    rx.text("Notification URL", as_="label", html_for="square-notification-url", weight="medium",
                            size="3"),
                    rx.input(name="notification_url", id="square-notification-url", default_value=square.notification_url,
                             size="3", width="100%", required=True, type="url"),
                    rx.text("Square signs this URL with the body: it must match the subscription's URL exactly.",
                            size="2", color=rx.color("gray", 11)),
                    spacing="1",
                    width="100%",
                ),
                rx.hstack(
                    rx.button(rx.icon("save", size=16), "Save Square settings", type="submit", size="3",
                              id="square-save"),
                    rx.cond(square.configured,
                            rx.badge("connected", color_scheme="green", size="2", id="square-status"),
                            rx.badge("not set up", color_scheme="gray", size="2", id="square-status")),
                    align="center",
                ),
                spacing="3",
                width="100%",
            ),
            on_submit=state.save_square,
            reset_on_submit=False,
            key=state.square_form_key,
            width="100%",
        ),
        rx.cond(state.square_message != "",
                rx.callout(state.square_message, icon="circle-check", color_scheme="green", id="square-message",
                           width="100%")),
        error_callout(state.square_error, "square-error"),
        description="Payments taken on Square with the gift-card tender appear on this location's counter screens.",
    )


def location_detail_page() -> rx.Component:
    state = LocationDetailState
    loc = state.location
    found = rx.vstack(
        back_to_locations(),
        rx.flex(
            rx.heading(loc.name, size="7", id="location-detail-name"),
            _active_badge(loc.active, "location-detail-active"),
            rx.spacer(),
            rx.link(rx.button(rx.icon("pencil"), "Edit", size="3", variant="soft", id="location-edit"),
                    href="/locations/" + loc.id.to_string() + "/edit"),
            align="center",
            gap="12px",
            width="100%",
            wrap="wrap",
        ),
        rx.cond(
            state.action_message != "",
            rx.callout(state.action_message, icon="circle-check", color_scheme="green", id="location-action-message",
                       width="100%"),
        ),
        error_callout(state.action_error, "location-action-error"),
        _details_card(),
        _devices_card(),
        rx.cond(LocationDetailState.is_owner, _pos_keys_card()),  # keys are for owners (app/services/core/roles.py)
        _items_card(),
        rx.cond(loc.mode == "pos", _square_card()),
        _redemptions_card(),
        _money_card(),
        _notifications_card(),
        spacing="4",
        width="100%",
    )
    return dashboard_shell(
        rx.cond(
            state.not_found,
            rx.callout("No such location in your network.", icon="triangle-alert", color_scheme="red",
                       id="location-not-found"),
            found,
        ),
        active="locations",
    )

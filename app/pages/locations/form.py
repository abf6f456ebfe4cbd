"""/locations/new and /locations/<id>/edit: the business, how it redeems, its payout bank details."""

from __future__ import annotations

import reflex as rx

from app.components.forms import checkbox_field, field_error, form_field, hint_text
from app.components.i18n import t
from app.components.layout import dashboard_shell, error_callout, page_title
from app.pages.locations.layout import back_to_locations, section, two_columns
from app.state.language import N_
from app.state.locations.form import LocationFormState

state = LocationFormState


def _field_id(field: str) -> str:
    return f"location-form-{field}"


def _error(field: str) -> rx.Component:
    return field_error(state.error, state.error_field == field, f"location-form-{field}-error")


def _labelled(label: str, field: str, control: rx.Component, hint: str = "") -> rx.Component:
    return form_field(label, _field_id(field), control, hint=hint, error=_error(field))


def _text_input(label: str, field: str, *, hint: str = "", input_type: str = "text", placeholder: str = "",
                required: bool = False, input_mode: str | None = None) -> rx.Component:
    props = {"input_mode": input_mode} if input_mode else {}
    return _labelled(
        label,
        field,
        rx.input(
            name=field,
            id=_field_id(field),
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
    checkbox = rx.checkbox(name=field, id=_field_id(field), default_checked=getattr(state.initial, field), size="3")
    return checkbox_field(label, checkbox, hint=hint, error=_error(field))


def _switch(label: str, field: str, hint: str) -> rx.Component:
    """One of the counter's switches: what it accepts, in plain words (large, for a tablet too)."""
    switch = rx.switch(name=field, id=_field_id(field), default_checked=getattr(state.initial, field), size="3")
    return checkbox_field(label, switch, hint=hint)


def _choices(field: str, options: list[tuple[str, str]], **props: object) -> rx.Component:
    return rx.select.root(
        rx.select.trigger(id=_field_id(field), width="100%"),
        rx.select.content(*[rx.select.item(t(label), value=value) for value, label in options]),
        size="3",
        **props,
    )


def _bank_section() -> rx.Component:
    country = _labelled(
        t("Country of the bank account"),
        "bank_country",
        _choices("bank_country", [("none", N_("No bank details yet")), ("US", N_("United States (ACH)")),
                                 ("CA", N_("Canada (EFT)"))],
                value=state.bank_country, on_change=state.set_bank_country),
    )
    account_type = _labelled(
        t("Account type"),
        "account_type",
        _choices("account_type", [("checking", N_("Checking")), ("savings", N_("Savings"))], name="account_type",
                default_value=state.initial.account_type),
    )
    account_hint = rx.cond(
        state.initial.bank_summary != "",
        t("Never shown again once saved. Leave empty to keep the account on file; type it again to change any bank detail."),
        t("Stored encrypted; screens show only its last 4 digits."),
    )
    account = rx.vstack(
        _labelled(
            t("Account number"),
            "account_number",
            rx.input(name="account_number", id=_field_id("account_number"), default_value="", size="3", width="100%",
                     input_mode="numeric", auto_complete="off",
                     placeholder=rx.cond(state.initial.bank_summary != "", t("•••• (on file)"), ""),
                     color_scheme=rx.cond(state.error_field == "account_number", "red", "gray")),
        ),
        hint_text(account_hint),
        spacing="1",
        width="100%",
    )
    us_fields = two_columns(
        _text_input(t("ABA routing number"), "routing_number", hint=t("9 digits, checked with its check digit."),
                    input_mode="numeric"),
        account,
        account_type,
    )
    ca_fields = two_columns(
        _text_input(t("Institution number"), "institution_number", hint=t("3 digits, e.g. 001."), input_mode="numeric"),
        _text_input(t("Transit number"), "transit_number", hint=t("5 digits (the branch)."), input_mode="numeric"),
        account,
        account_type,
    )
    return section(
        t("Payout bank details"),
        rx.cond(
            state.initial.bank_summary != "",
            rx.callout(rx.text(t("On file: "), rx.text.strong(state.initial.bank_summary)), icon="landmark",
                       id="location-form-bank-current", size="2", width="100%"),
        ),
        country,
        rx.match(state.bank_country, ("US", us_fields), ("CA", ca_fields), rx.fragment()),
        description=t("Where this business is paid for what it redeems (ACH in the US, EFT in Canada)."),
    )


def _location_form() -> rx.Component:
    cancel = rx.button(t("Cancel"), size="3", variant="soft", type="button", id="location-cancel")
    return rx.form(
        rx.vstack(
            error_callout(state.general_error, "location-error"),
            section(
                t("The business"),
                two_columns(
                    _text_input(t("Name"), "name", required=True, placeholder=t("Main Street Books")),
                    _text_input(t("Email"), "email", input_type="email", required=True, placeholder="owner@business.com",
                                hint=t("Device activation links are emailed here.")),
                    _text_input(t("Phone"), "phone", input_type="tel"),
                    _text_input(t("External id"), "external_id", hint=t("Your own reference; CSV imports match on it.")),
                ),
                _text_input(t("Address"), "address"),
                _checkbox(t("Active"), "active", t("Inactive locations cannot activate devices.")),
                _checkbox(t("Test location"), "is_test",
                          t("Cards bought while the shop is in test mode are test cards: they can be redeemed only at "
                            "test locations, and are never paid out.")),
            ),
            section(
                t("Redemption"),
                _switch(t("Payments from the location's POS"), "accepts_pos_payments",
                        t("The counter shows each payment the POS takes with the gift card tender; the merchant taps "
                        "SELECT. Creating a POS key or connecting Square, Clover or Shopify turns this on.")),
                _switch(t("An amount typed at the counter"), "accepts_typed_amounts",
                        t("The merchant types what to take off the card. With POS payments on, this is the fallback "
                        "while the POS is down (shown when no POS payment is waiting).")),
                _switch(t("Items from the catalog"), "accepts_items",
                        t("The merchant picks items from the location's catalog (or its item webhook).")),
                _error("accepts_typed_amounts"),
                _text_input(t("Item webhook URL"), "item_webhook_url", input_type="url",
                            hint=t("Optional: lists the items live instead of the stored catalog."),
                            placeholder="https://"),
                _checkbox(t("Email the redeemed items to the location"), "notify_items_email"),
                two_columns(
                    _text_input(t("Notification webhook URL"), "notify_webhook_url", input_type="url",
                                hint=t("Optional: every redemption is posted here, signed."), placeholder="https://"),
                    _text_input(t("Commission (basis points)"), "commission_bps", input_mode="numeric",
                                hint=t("Optional: 250 = 2.50 %. Empty uses the network's commission.")),
                ),
            ),
            _bank_section(),
            rx.hstack(
                rx.cond(
                    state.editing_id != 0,
                    rx.link(cancel, href="/locations/" + state.editing_id.to_string()),
                    rx.link(cancel, href="/locations"),
                ),
                rx.button(
                    rx.cond(state.editing_id != 0, t("Save changes"), t("Create location")),
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
    return dashboard_shell(
        rx.vstack(
            back_to_locations(),
            page_title(title, subtitle),
            rx.cond(
                state.not_found,
                rx.callout(t("No such location in your network."), icon="triangle-alert", color_scheme="red",
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
    return _form_page(t("New location"), t("Once created, the location is emailed a link to activate its devices."))


def location_edit_page() -> rx.Component:
    return _form_page(t("Edit location"), t("Changes apply at once, on every device of the location."))

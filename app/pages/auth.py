"""Login and sign-up screens."""

from __future__ import annotations

import reflex as rx

from app.components.account import account_card, account_field, account_form, account_title, other_way_in
from app.components.i18n import language_picker, t
from app.components.layout import error_callout
from app.components.timezone_select import timezone_select
from app.state.auth import LoginState, SignupState
from app.state.network_settings import DEFAULT_ZONE


def sign_in_form() -> rx.Component:
    """The sign-in form with its title and the way to sign up (on /login, and beside the words of /)."""
    return rx.vstack(
        language_picker(LoginState, id="login-language"),
        account_title(t("Sign in to Giftnet")),
        error_callout(LoginState.error, "login-error"),
        account_form(
            account_field(t("Email"), "email", "login-email", type="email", required=True, auto_complete="username"),
            account_field(t("Password"), "password", "login-password", type="password", required=True,
                          auto_complete="current-password"),
            submit=t("Sign in"), submit_id="login-submit", on_submit=LoginState.submit,
        ),
        other_way_in(t("New network? "), t("Create an account"), "/signup", "signup-link"),
        other_way_in(t("A business in a network? "), t("See which POS systems work with it"), "/pos-partners",
                     "pos-partners-link"),
        spacing="4",
        width="100%",
    )


def login_page() -> rx.Component:
    return account_card(sign_in_form())


def signup_page() -> rx.Component:
    return account_card(
        language_picker(SignupState, id="signup-language"),
        account_title(t("Create your network")),
        error_callout(SignupState.error, "signup-error"),
        account_form(
            account_field(t("Network name"), "operator_name", "signup-operator-name", required=True,
                          placeholder=t("Downtown Association")),
            account_field(t("Your name"), "user_name", "signup-user-name"),
            account_field(t("Email"), "email", "signup-email", type="email", required=True),
            account_field(t("Password (10 characters or more)"), "password", "signup-password", type="password",
                          required=True),
            rx.vstack(
                rx.text(t("Currency"), size="3", weight="medium"),
                rx.select(["CAD", "USD"], name="currency", default_value="CAD", id="signup-currency", size="3",
                          custom_attrs={"aria-label": t("Currency")}),
                spacing="1",
            ),
            rx.vstack(
                rx.text(t("Time zone"), as_="label", custom_attrs={"htmlFor": "signup-timezone"}, size="3",
                        weight="medium"),
                timezone_select("signup-timezone", name="timezone", default_value=DEFAULT_ZONE),
                spacing="1",
                width="100%",
            ),
            submit=t("Create account"), submit_id="signup-submit", on_submit=SignupState.submit,
        ),
        other_way_in(t("Already have an account? "), t("Sign in"), "/login", "login-link"),
    )

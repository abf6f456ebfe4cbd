"""Login and sign-up screens."""

from __future__ import annotations

import reflex as rx

from app.components.layout import error_callout, page_ready_marker
from app.state.auth import LoginState, SignupState


def _card(*children: rx.Component) -> rx.Component:
    return rx.center(
        rx.card(rx.vstack(*children, spacing="4", width="100%"), width="100%", max_width="440px", padding="32px"),
        page_ready_marker(),
        min_height="100vh",
        padding="16px",
        background=rx.color("gray", 2),
    )


def _field(label: str, name: str, element_id: str, **props) -> rx.Component:
    return rx.vstack(
        rx.text(label, as_="label", custom_attrs={"htmlFor": element_id}, size="3", weight="medium"),
        rx.input(name=name, id=element_id, size="3", width="100%", **props),
        spacing="1",
        width="100%",
    )


def login_page() -> rx.Component:
    return _card(
        rx.hstack(rx.icon("gift", size=28), rx.heading("Sign in to Giftnet", size="6")),
        error_callout(LoginState.error, "login-error"),
        rx.form(
            rx.vstack(
                _field("Email", "email", "login-email", type="email", required=True, auto_complete="username"),
                _field("Password", "password", "login-password", type="password", required=True, auto_complete="current-password"),
                rx.button("Sign in", id="login-submit", type="submit", size="4", width="100%"),
                spacing="4",
                width="100%",
            ),
            on_submit=LoginState.submit,
            reset_on_submit=False,
            width="100%",
        ),
        rx.text("New network? ", rx.link("Create an account", href="/signup", id="signup-link", display="inline-block", padding_y="10px"), size="3"),
    )


def signup_page() -> rx.Component:
    return _card(
        rx.hstack(rx.icon("gift", size=28), rx.heading("Create your network", size="6")),
        error_callout(SignupState.error, "signup-error"),
        rx.form(
            rx.vstack(
                _field("Network name", "operator_name", "signup-operator-name", required=True, placeholder="Downtown Association"),
                _field("Your name", "user_name", "signup-user-name"),
                _field("Email", "email", "signup-email", type="email", required=True),
                _field("Password (10 characters or more)", "password", "signup-password", type="password", required=True),
                rx.vstack(
                    rx.text("Currency", size="3", weight="medium"),
                    rx.select(["CAD", "USD"], name="currency", default_value="CAD", id="signup-currency", size="3"),
                    spacing="1",
                ),
                _field("Time zone", "timezone", "signup-timezone", default_value="America/Toronto"),
                rx.button("Create account", id="signup-submit", type="submit", size="4", width="100%"),
                spacing="4",
                width="100%",
            ),
            on_submit=SignupState.submit,
            reset_on_submit=False,
            width="100%",
        ),
        rx.text("Already have an account? ", rx.link("Sign in", href="/login", id="login-link", display="inline-block", padding_y="10px"), size="3"),
    )

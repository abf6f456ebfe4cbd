"""Login and sign-up screens."""

from __future__ import annotations

import reflex as rx

from app.services.access import accounts
from app.services.core.errors import GiftnetError
from app.state.client import client_ip
from app.state.session import SessionState

HOME_ROUTE = "/dashboard"


class LoginState(SessionState):
    error: str = ""
    submitting: bool = False

    @rx.event
    def redirect_if_signed_in(self):
        self.error = ""
        if self._signed_in() is not None:
            return rx.redirect(HOME_ROUTE)

    @rx.event
    def submit(self, form: dict):
        self.error = ""
        try:
            token = accounts.log_in(
                str(form.get("email", "")), str(form.get("password", "")), ip=client_ip(self)
            )
        except GiftnetError as error:
            self.error = error.message
            return
        return self._open_session(token, HOME_ROUTE)


class SignupState(SessionState):
    error: str = ""
    error_field: str = ""

    @rx.event
    def submit(self, form: dict):
        self.error, self.error_field = "", ""
        try:
            accounts.sign_up(
                operator_name=str(form.get("operator_name", "")),
                email=str(form.get("email", "")),
                password=str(form.get("password", "")),
                currency=str(form.get("currency", "CAD")),
                timezone=str(form.get("timezone", "America/Toronto")),
                user_name=str(form.get("user_name", "")),
            )
            token = accounts.log_in(
                str(form.get("email", "")), str(form.get("password", "")), ip=client_ip(self)
            )
        except GiftnetError as error:
            self.error, self.error_field = error.message, error.field or ""
            return
        return self._open_session(token, HOME_ROUTE)

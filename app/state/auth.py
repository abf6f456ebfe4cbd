"""Login and sign-up screens."""

from __future__ import annotations

import reflex as rx

from app.services.access import accounts
from app.services.core import i18n
from app.services.core.errors import GiftnetError
from app.state.client import client_ip
from app.state.session import SessionState

HOME_ROUTE = "/dashboard"


class SignedOutState(SessionState):
    """The screens before sign-in: this browser's language (its own choice, else its `Accept-Language`)."""

    def _keep_language(self, lang: str) -> None:
        if self._signed_in() is not None:
            super()._keep_language(lang)
        self.browser_language = lang

    @rx.event
    def choose_language(self, lang: str):
        """The picker, its own handler here (see `LanguageState._choose`)."""
        self._choose(lang)

    def _keep_for_the_person(self) -> None:
        """Just signed in or up with a language chosen in this browser: the person keeps it."""
        who = self._signed_in()
        if who is None or self.browser_language not in who.offered_languages:
            return
        try:
            accounts.set_language(self._actor(who), self.browser_language)
        except GiftnetError:
            return


class LoginState(SignedOutState):
    error: str = ""
    submitting: bool = False

    @rx.event
    def redirect_if_signed_in(self):
        self.error = ""
        if self._signed_in() is not None:
            return rx.redirect(HOME_ROUTE)
        self._show_in(self._browser_preference(), i18n.LANGUAGES)
        return None

    @rx.event
    def submit(self, form: dict):
        self.error = ""
        try:
            token = accounts.log_in(
                str(form.get("email", "")), str(form.get("password", "")), ip=client_ip(self)
            )
        except GiftnetError as error:
            self.error = error.localized_message(self.lang)
            return
        return self._open_session(token, HOME_ROUTE)


class SignupState(SignedOutState):
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
            self.error, self.error_field = error.localized_message(self.lang), error.field or ""
            return
        opened = self._open_session(token, HOME_ROUTE)
        self._keep_for_the_person()  # the new network's first person reads the language they signed up in
        return opened

"""Who is signed in, for every dashboard screen.

The browser keeps only the session token (localStorage); each event resolves it
again, so a logout or an expired session closes the dashboard on the next click.
"""

from __future__ import annotations

import reflex as rx

from app.services import accounts
from app.services.accounts import SignedIn
from app.services.money import format_cents

LOGIN_ROUTE = "/login"


class SessionState(rx.State):
    auth_token: str = rx.LocalStorage("", name="giftnet_session", sync=True)
    signed_in: bool = False
    user_email: str = ""
    user_role: str = ""
    operator_name: str = ""
    currency: str = "CAD"

    def _signed_in(self) -> SignedIn | None:
        """The signed-in person, refreshed from the database; None after logout or expiry."""
        who = accounts.resolve_session(self.auth_token)
        self.signed_in = who is not None
        if who is not None:
            self.user_email = who.email
            self.user_role = who.role
            self.operator_name = who.operator_name
            self.currency = who.currency
        return who

    def _money(self, amount_cents: int) -> str:
        return format_cents(amount_cents)

    @rx.event
    def require_login(self):
        """on_load of every dashboard page: send strangers to the login screen."""
        if self._signed_in() is None:
            return rx.redirect(LOGIN_ROUTE)

    @rx.event
    def log_out(self):
        accounts.log_out(self.auth_token, ip=self.router.session.client_ip)
        self.auth_token = ""
        self.signed_in = False
        self.user_email = ""
        self.operator_name = ""
        return rx.redirect(LOGIN_ROUTE)

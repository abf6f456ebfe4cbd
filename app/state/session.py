"""Who is signed in, for every dashboard screen.

The browser keeps only the session token (localStorage); each event resolves it
again, so a logout or an expired session closes the dashboard on the next click.

Owner-only screens (settings, keys, payouts, team, audit) ask `_signed_in_owner()`
instead: staff get None, load nothing and see the owners-only notice; the services
they would call refuse staff anyway (app/services/roles.py).
"""

from __future__ import annotations

import reflex as rx

from app.services import accounts
from app.services.accounts import SignedIn
from app.services.actor import Actor
from app.services.money import format_cents
from app.services.roles import OWNER

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

    @rx.var
    def is_owner(self) -> bool:
        return self.user_role == OWNER

    def _actor(self, who: SignedIn) -> Actor:
        """The signed-in person as the services see them: their network, themselves, their role."""
        return Actor(who.operator_id, user_id=who.user_id, role=who.role, channel="dashboard")

    def _signed_in_owner(self) -> SignedIn | None:
        """For owner-only screens: the signed-in owner, or None for a stranger and for
        staff (the screen then shows its owners-only notice and loads nothing)."""
        who = self._signed_in()
        return who if who is not None and who.role == OWNER else None

    def _not_an_owner(self):
        """What an owner-only handler answers when `_signed_in_owner()` found nobody:
        strangers go to the login screen, staff stay on the owners-only notice."""
        return None if self.signed_in else rx.redirect(LOGIN_ROUTE)

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
        self.user_role = ""
        self.operator_name = ""
        return rx.redirect(LOGIN_ROUTE)

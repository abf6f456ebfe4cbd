"""Who is signed in, for every dashboard screen.

The browser keeps only the session token (localStorage); each event resolves it
again, so a logout or an expired session closes the dashboard on the next click.

Owner-only screens (settings, keys, payouts, team, audit) ask `_signed_in_owner()`
instead: staff get None, load nothing and see the owners-only notice; the services
they would call refuse staff anyway (app/services/core/roles.py).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable

import reflex as rx

from app.services.access import accounts
from app.services.access.accounts import SignedIn
from app.services.core.actor import Actor
from app.services.core.errors import GiftnetError
from app.services.core.roles import OWNER
from app.state.language import LanguageState

LOGIN_ROUTE = "/login"


def dashboard_action(error: str = "action_error", *, owner: bool = False, clear: bool = True) -> Callable:
    """The one preamble of every dashboard handler that acts on the signed-in person's behalf.

    Decorates `handler(self, who, *args)`: a stranger (or, with `owner=True`, anyone but an
    owner) is turned away as `_signed_in()` / `_signed_in_owner()` say; otherwise the screen's
    messages are cleared (`_clear_messages`), the handler runs with the signed-in person, and
    a refusal of the services (`GiftnetError`) is shown in the state field named by `error`
    instead of escaping. With `clear=False` (handlers that only show more: another page, a
    row's details) the last action's message stays on screen. The event's own arguments
    are unchanged for Reflex (the `who` parameter is hidden from its signature). For plain
    handlers only: a generator's refusals would escape the `try`, so one is refused here.
    """

    def decorate(handler: Callable) -> Callable:
        if inspect.isgeneratorfunction(handler) or inspect.iscoroutinefunction(handler):
            raise TypeError(f"dashboard_action takes plain handlers, not {handler.__name__}")

        @functools.wraps(handler)
        def run(self, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003 - Reflex passes the event's arguments
            who = self._signed_in_owner() if owner else self._signed_in()
            if who is None:
                return self._not_an_owner() if owner else rx.redirect(LOGIN_ROUTE)
            if clear:
                self._clear_messages()
            try:
                return handler(self, who, *args, **kwargs)
            except GiftnetError as refusal:
                setattr(self, error, refusal.localized_message(self.lang))
                return None

        signature = inspect.signature(handler)
        self_parameter, who_parameter, *event_parameters = signature.parameters.values()
        run.__signature__ = signature.replace(parameters=[self_parameter, *event_parameters])
        run.__annotations__ = {name: hint for name, hint in handler.__annotations__.items()
                               if name != who_parameter.name}
        del run.__wrapped__  # Reflex must read the signature above, not the handler's own
        return run

    return decorate


class SessionState(LanguageState):
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
            self._show_in(who.language, who.offered_languages)
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

    def _clear_messages(self) -> None:
        """Forget the last action's messages before the next one; screens with messages override it."""

    def _money(self, amount_cents: int, currency: str | None = None) -> str:
        return super()._money(amount_cents, currency or self.currency)

    def _keep_language(self, lang: str) -> None:
        """A signed-in person's choice is theirs, on every browser they sign in from."""
        who = self._signed_in()
        if who is not None:
            accounts.set_language(self._actor(who), lang)
            self.lang = lang

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

"""The one preamble of the dashboard's handlers (`app/state/session.py: dashboard_action`):
strangers are sent to sign in, staff are kept off owner-only actions, the screen's messages
are cleared first, a refusal of the services lands in the named field, and Reflex sees the
event's own arguments only."""

from __future__ import annotations

import inspect

import pytest

from app.services.core.errors import ErrorCode, GiftnetError
from app.services.core.i18n import N_
from app.state.session import dashboard_action


class FakeScreen:
    """Just what the preamble asks of a dashboard state."""

    def __init__(self, who: str | None, *, owner: bool = True) -> None:
        self.who, self.owner = who, owner
        self.signed_in = who is not None
        self.action_error, self.item_error, self.message = "", "", "old message"
        self.ran_with: list = []
        self.lang = "en"  # the screen's language (LanguageState)

    def _signed_in(self) -> str | None:
        return self.who

    def _signed_in_owner(self) -> str | None:
        return self.who if self.owner else None

    def _not_an_owner(self) -> str | None:
        return None if self.signed_in else "to the login screen"

    def _clear_messages(self) -> None:
        self.message = ""

    @dashboard_action()
    def rename(self, who: str, item_id: int, name: str = "") -> str:
        self.ran_with.append((who, item_id, name))
        return "renamed"

    @dashboard_action("item_error")
    def refuse(self, who: str) -> None:
        raise GiftnetError(ErrorCode.invalid_input, "The price must be more than zero.", field="price")

    @dashboard_action()
    def open_missing(self, who: str) -> None:
        raise GiftnetError(ErrorCode.not_found, N_("No such location."))

    @dashboard_action(owner=True)
    def change_settings(self, who: str) -> str:
        return "changed"

    @dashboard_action(clear=False)
    def next_page(self, who: str) -> str:
        return "next"


def test_a_signed_in_person_acts_with_the_events_own_arguments_after_the_messages_are_cleared():
    screen = FakeScreen("ana@downtown.example")
    assert screen.rename(7, name="Latte") == "renamed"
    assert screen.ran_with == [("ana@downtown.example", 7, "Latte")]
    assert screen.message == ""


def test_a_stranger_is_sent_to_sign_in_and_nothing_runs():
    screen = FakeScreen(None)
    redirect = screen.rename(7)
    assert screen.ran_with == [] and screen.message == "old message"
    assert "login" in repr(redirect)


def test_a_refusal_of_the_services_is_shown_in_the_named_field_and_does_not_escape():
    screen = FakeScreen("ana@downtown.example")
    assert screen.refuse() is None
    assert screen.item_error == "The price must be more than zero."
    assert screen.action_error == ""


def test_staff_stay_on_the_owners_only_notice_and_strangers_go_to_sign_in():
    assert FakeScreen("sam@downtown.example", owner=False).change_settings() is None
    assert FakeScreen(None).change_settings() == "to the login screen"
    assert FakeScreen("ana@downtown.example").change_settings() == "changed"


def test_paging_keeps_the_last_message_on_screen():
    screen = FakeScreen("ana@downtown.example")
    assert screen.next_page() == "next"
    assert screen.message == "old message"


def test_reflex_sees_only_the_events_arguments():
    parameters = list(inspect.signature(FakeScreen.rename).parameters)
    assert parameters == ["self", "item_id", "name"]
    assert "who" not in FakeScreen.rename.__annotations__


def test_a_generator_handler_is_refused_because_its_refusals_would_escape():
    with pytest.raises(TypeError, match="plain handlers"):
        @dashboard_action()
        def streaming(self, who):
            yield None


def test_a_refusal_is_shown_in_the_screens_language():
    screen = FakeScreen("ana@downtown.example")
    screen.lang = "fr"
    screen.open_missing()
    assert screen.action_error == "Ce commerce est introuvable."

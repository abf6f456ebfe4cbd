"""The dashboard's language picker keeps the choice on the signed-in person: its event runs on
SessionState (whose `_keep_language` calls `accounts.set_language`), not on LanguageState
(which would keep it in the browser only and lose it on the next sign-in elsewhere)."""

from __future__ import annotations

from app.state.language import LanguageState
from app.state.session import SessionState


def test_the_header_picker_event_runs_on_the_session_state():
    assert SessionState.choose_language.state_full_name == SessionState.get_full_name()
    assert LanguageState.choose_language.state_full_name == LanguageState.get_full_name()
    assert SessionState._keep_language is not LanguageState._keep_language

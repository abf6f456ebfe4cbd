"""The network's languages in the settings: its default and the ones it offers (the default is
always offered), refused with the field named; and each person's own dashboard language,
chosen among the offered ones and kept on their own account only."""

from __future__ import annotations

import pytest

from app.db import read_session
from app.models import Operator, User
from app.services.access import accounts
from app.services.core.actor import Actor
from app.services.core.errors import ErrorCode
from app.services.settlement import payout_settings
from tests.support.services import refused


@pytest.fixture
def owner(make_operator):
    return make_operator("Bilingual Gifts")


def stored(operator_id: int) -> tuple[str, str]:
    with read_session() as session:
        operator = session.get(Operator, operator_id)
        return operator.default_language, operator.offered_languages


def test_a_new_network_speaks_english_by_default_and_offers_both(owner):
    settings = payout_settings.get_settings(owner.operator.id)
    assert settings.as_dict()["languages"] == {"default": "en", "offered": ["en", "fr"]}


def test_the_owner_makes_french_the_default_and_then_offers_french_only(owner):
    settings = payout_settings.update_settings(owner.actor, {"languages": {"default": "fr"}})
    assert settings.languages == {"default": "fr", "offered": ["en", "fr"]}
    assert stored(owner.operator.id) == ("fr", "en,fr")

    settings = payout_settings.update_settings(owner.actor, {"languages": {"offered": ["FR"]}})
    assert settings.languages == {"default": "fr", "offered": ["fr"]}
    assert stored(owner.operator.id) == ("fr", "fr")
    # Both parts at once: back to English only.
    settings = payout_settings.update_settings(owner.actor, {"languages": {"default": "en", "offered": ["en"]}})
    assert settings.as_dict()["languages"] == {"default": "en", "offered": ["en"]}


@pytest.mark.parametrize(
    ("languages", "field", "words"),
    [
        ({"default": "de"}, "languages.default", "one of these languages: en, fr"),
        ({"default": 1}, "languages.default", "one of these languages"),
        ({"offered": []}, "languages.offered", "one or more"),
        ({"offered": ["en", "es"]}, "languages.offered", "one or more of these languages: en, fr"),
        ({"offered": "en"}, "languages.offered", "a list"),
        ({"offered": ["fr"]}, "languages.default", "The default language (en) must be one of the offered languages (fr)."),
        ({"default": "fr", "offered": ["en"]}, "languages.default", "must be one of the offered languages (en)"),
        ({"spoken": ["en"]}, "languages.spoken", "Unknown field: languages.spoken."),
        ("fr", "languages", "must be an object"),
    ],
)
def test_bad_languages_are_refused_with_the_field_named_and_nothing_changes(owner, languages, field, words):
    error = refused(payout_settings.update_settings, owner.actor, {"languages": languages, "commission_bps": 300})
    assert error.code == ErrorCode.invalid_input
    assert error.field == field
    assert words in error.message
    assert stored(owner.operator.id) == ("en", "en,fr")
    assert payout_settings.get_settings(owner.operator.id).commission_bps == 0


def test_the_refusal_reads_in_french_for_a_french_reader(owner):
    error = refused(payout_settings.update_settings, owner.actor, {"languages": {"offered": ["fr"]}})
    assert error.localized_message("fr") == ("La langue par défaut (en) doit faire partie des langues offertes "
                                             "(fr).")


def test_staff_cannot_change_the_languages(owner):
    staff = Actor(owner.operator.id, user_id=owner.user.id, role="staff")
    assert refused(payout_settings.update_settings, staff, {"languages": {"default": "fr"}}).code == ErrorCode.forbidden
    assert stored(owner.operator.id) == ("en", "en,fr")


def test_a_person_chooses_their_own_language_among_the_offered_ones_only(owner, make_operator):
    other = make_operator("Other Network")
    with read_session() as session:
        others_before = session.get(User, other.user.id).language
    assert accounts.set_language(owner.actor, "fr") == "fr"
    with read_session() as session:
        assert session.get(User, owner.user.id).language == "fr"
        assert session.get(User, other.user.id).language == others_before  # only their own account changed

    payout_settings.update_settings(owner.actor, {"languages": {"default": "en", "offered": ["en"]}})
    error = refused(accounts.set_language, owner.actor, "fr")
    assert (error.code, error.field) == (ErrorCode.invalid_input, "language")
    assert refused(accounts.set_language, owner.actor, "de").field == "language"
    # Someone of another network cannot be changed through this one.
    stranger = Actor(owner.operator.id, user_id=other.user.id)
    assert refused(accounts.set_language, stranger, "en").code == ErrorCode.not_found
    with read_session() as session:
        assert session.get(User, other.user.id).language == others_before

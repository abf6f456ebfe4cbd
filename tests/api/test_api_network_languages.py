"""`languages` in GET/PATCH /api/v1/settings over real HTTP: the network's default and offered
languages, refusals naming the field (in French with Accept-Language), scoped to the caller's network."""

from __future__ import annotations

from tests.support.backend import Backend, Operator


def test_the_languages_are_read_and_changed_through_the_settings(backend: Backend, rival: Operator):
    operator = backend.new_operator("Réseau bilingue")
    assert operator.http.get("/settings").json()["languages"] == {"default": "en", "offered": ["en", "fr"]}

    changed = operator.http.patch("/settings", json={"languages": {"default": "fr"}})
    assert changed.status_code == 200, changed.text
    assert changed.json()["languages"] == {"default": "fr", "offered": ["en", "fr"]}
    only_french = operator.http.patch("/settings", json={"languages": {"offered": ["fr"]}}).json()
    assert only_french["languages"] == {"default": "fr", "offered": ["fr"]}
    assert operator.http.get("/settings").json()["languages"] == {"default": "fr", "offered": ["fr"]}
    # Another network's settings did not move.
    assert rival.http.get("/settings").json()["languages"]["offered"] == ["en", "fr"]


def test_a_default_outside_the_offered_languages_is_refused_naming_the_field(backend: Backend):
    operator = backend.new_operator("English Only")
    english = operator.http.patch("/settings", json={"languages": {"offered": ["en"], "default": "fr"}})
    assert english.status_code == 400
    assert english.json()["error"] == {
        "code": "invalid_input", "field": "languages.default",
        "message": "The default language (fr) must be one of the offered languages (en).",
    }
    french = operator.http.patch("/settings", json={"languages": {"offered": ["en"], "default": "fr"}},
                                 headers={"Accept-Language": "fr-CA"})
    assert french.json()["error"]["code"] == "invalid_input"
    assert french.json()["error"]["message"] == "La langue par défaut (fr) doit faire partie des langues offertes (en)."
    bad_code = operator.http.patch("/settings", json={"languages": {"offered": ["en", "klingon"]}})
    assert bad_code.status_code == 400 and bad_code.json()["error"]["field"] == "languages.offered"
    unknown = operator.http.patch("/settings", json={"languages": {"spoken": ["en"]}})
    assert unknown.status_code == 400 and unknown.json()["error"]["field"] == "languages.spoken"
    assert operator.http.get("/settings").json()["languages"] == {"default": "en", "offered": ["en", "fr"]}


def test_the_openapi_documents_the_languages(backend: Backend, rival: Operator):
    schema = rival.http.get("/openapi.json").json()
    answer = schema["components"]["schemas"]["LanguagesAnswer"]
    assert set(answer["properties"]) == {"default", "offered"}
    assert "languages" in schema["components"]["schemas"]["SettingsChange"]["properties"]

"""The dashboard's small sentences in each language: durations, card counts, the bank file
settings' labels and hints, and the readiness checklist's missing-setting sentence (English
exactly as the services write it, French from the catalog)."""

from __future__ import annotations

from datetime import timedelta

from app.services.core.timefmt import describe_duration
from app.services.settlement import payout_settings
from app.state import bank_wording, wording

NBSP = "\u00a0"


def test_durations_and_card_counts_read_in_english_as_before_and_in_french():
    for span in (timedelta(days=3), timedelta(hours=36), timedelta(minutes=90), timedelta(hours=1), timedelta(minutes=1)):
        assert wording.duration(span, "en") == describe_duration(span)
    assert wording.duration(timedelta(days=3), "fr") == "3 jours"
    assert wording.duration(timedelta(hours=36), "fr") == "36 heures"
    assert wording.cards(1, "en") == "1 card"
    assert wording.cards(1234, "en") == "1,234 cards"
    assert wording.cards(1234, "fr") == f"1{NBSP}234 cartes"


def test_bank_settings_labels_and_hints_in_french_and_english_unchanged():
    rule = payout_settings.CPA005_RULES["data_centre"]
    assert bank_wording.label(rule, "en") == "Data centre"
    assert bank_wording.hint(rule, "en") == "Exactly 5 digits."
    assert bank_wording.label(rule, "fr") == "Centre de traitement"
    assert bank_wording.hint(rule, "fr") == "Exactement 5 chiffres."
    secret = payout_settings.CPA005_RULES["return_account_number"]
    assert bank_wording.hint(secret, "en") == "7 to 12 digits; leave blank to keep it."
    assert bank_wording.hint(secret, "fr") == "De 7 à 12 chiffres; laissez vide pour le garder."


def test_a_missing_bank_setting_reads_in_french_on_the_checklist():
    rule = payout_settings.CPA005_RULES["originator_id"]
    english = payout_settings.SettingProblem("cpa005", "originator_id", rule.label, missing=True).message
    assert english == "The CPA-005 originator ID is missing."
    assert bank_wording.setting_problem("payouts.cpa005.originator_id", english, "en") == english
    assert bank_wording.setting_problem("payouts.cpa005.originator_id", english, "fr") == (
        f"CPA-005{NBSP}: le champ «{NBSP}identifiant de l’émetteur{NBSP}» est manquant.")
    assert bank_wording.summary("CA savings •••• 4567 (institution 001, transit 00011)", "fr") == (
        "CA épargne •••• 4567 (institution 001, transit 00011)")

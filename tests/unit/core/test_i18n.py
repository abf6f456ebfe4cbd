"""English and Canadian French: the language a header asks for, amounts and dates per
locale, and catalogs that are complete and compile."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from app.services.core import i18n
from app.services.core.errors import ErrorCode, GiftnetError
from app.services.core.i18n import Money, format_date, format_money, negotiate, translate
from app.services.core.money import format_cents

LOCALE = Path(i18n.LOCALE_DIR)
FR_PO = LOCALE / "fr" / "LC_MESSAGES" / "messages.po"
NBSP, NNBSP = "\u00a0", "\u202f"


@pytest.mark.parametrize(("header", "expected"), [
    (None, "en"),
    ("", "en"),
    ("fr", "fr"),
    ("fr-CA", "fr"),
    ("FR_ca", "fr"),
    ("fr-FR,fr;q=0.9", "fr"),
    ("fr-CA,fr;q=0.9,en-US;q=0.8,en;q=0.7", "fr"),
    ("en-US,en;q=0.9,fr;q=0.8", "en"),
    ("en;q=0.5,fr;q=0.8", "fr"),
    ("de-DE,fr;q=0.3", "fr"),
    ("de-DE,es", "en"),
    ("fr;q=0", "en"),
    ("fr;q=abc,en", "en"),
    ("*", "en"),
    (" fr-ca ; q=1 , en ; q=0.5", "fr"),
])
def test_negotiate_picks_english_or_french_by_quality(header, expected):
    assert negotiate(header) == expected


def test_negotiate_falls_back_to_the_given_default():
    assert negotiate("de", default="fr") == "fr"
    assert negotiate(None, default="fr") == "fr"
    assert negotiate("de", default="xx") == "en"


def test_french_amounts_are_written_the_canadian_way():
    assert format_money(123456, "CAD", "fr") == f"1{NBSP}234,56{NBSP}$"
    assert format_money(123456, "USD", "fr") == f"1{NBSP}234,56{NBSP}${NBSP}US"
    assert format_money(-500, "CAD", "fr") == f"-5,00{NBSP}$"
    assert format_money(123456, None, "fr-CA") == f"1{NBSP}234,56{NBSP}$"


def test_english_amounts_stay_as_format_cents_writes_them():
    assert format_money(123456, None, "en") == "$1,234.56" == format_cents(123456)
    assert format_money(123456, "CAD", "en") == "$1,234.56 CAD" == format_cents(123456, "CAD")
    assert format_money(-5, "USD", "en") == "-$0.05 USD"
    assert format_money(100, None, "de") == "$1.00"  # an unknown language is English


def test_dates_per_language():
    assert format_date(date(2026, 3, 5), "en") == "March 5, 2026"
    assert format_date(date(2026, 3, 5), "fr") == "5 mars 2026"
    assert format_date(datetime(2026, 12, 1, 15, 0), "fr") == "1 décembre 2026"
    assert format_date(date(2026, 3, 5), "fr", form="short") == "2026-03-05"


def test_translate_fills_named_placeholders_in_the_language():
    template = "The amount must be between {low} and {high}."
    assert translate(template, "en", low=Money(500), high=Money(100000)) == \
        "The amount must be between $5.00 and $1,000.00."
    assert translate(template, "fr", low=Money(500), high=Money(100000)) == \
        f"Le montant doit se situer entre 5,00{NBSP}$ et 1{NBSP}000,00{NBSP}$."
    assert translate("A sentence nobody translated.", "fr") == "A sentence nobody translated."
    assert translate("Hi {name},", "fr") == "Bonjour {name},"  # a missing value is left visible, no crash


def test_an_error_keeps_its_english_message_and_translates_at_answer_time():
    error = GiftnetError(ErrorCode.amount_out_of_range, "The amount must be between {low} and {high}.",
                         params={"low": Money(500), "high": Money(100000)}, field="amount_cents")
    assert error.message == str(error) == "The amount must be between $5.00 and $1,000.00."
    assert error.as_dict()["error"]["message"] == error.message
    french = error.as_dict("fr")["error"]
    assert french == {"code": "amount_out_of_range", "field": "amount_cents",
                      "message": f"Le montant doit se situer entre 5,00{NBSP}$ et 1{NBSP}000,00{NBSP}$."}
    plain = GiftnetError(ErrorCode.card_not_found, "No such card.")
    assert plain.localized_message("fr") == "Cette carte n’existe pas."
    assert plain.localized_message("en") == "No such card."


def test_every_message_of_the_french_catalog_is_translated():
    with FR_PO.open("rb") as handle:
        catalog = read_po(handle)
    assert not catalog.fuzzy
    messages = [message for message in catalog if message.id]
    assert len(messages) >= 30
    untranslated = [message.id for message in messages if not message.string or message.fuzzy]
    assert untranslated == []
    for message in messages:  # the translator kept every placeholder
        assert set(_placeholders(message.id)) == set(_placeholders(message.string)), message.id


def test_the_french_catalog_holds_every_sentence_of_the_template():
    with (LOCALE / "messages.pot").open("rb") as handle:
        template = {message.id for message in read_po(handle) if message.id}
    with FR_PO.open("rb") as handle:
        french = {message.id for message in read_po(handle) if message.id}
    assert template <= french


def test_the_catalogs_compile(tmp_path):
    target = tmp_path / "messages.mo"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "compile", "-i", str(FR_PO),
                    "-o", str(target), "-l", "fr"], check=True, capture_output=True)
    with target.open("rb") as handle:
        compiled = read_mo(handle)
    assert compiled.get("No such card.").string == "Cette carte n’existe pas."


def _placeholders(text: str) -> list[str]:
    import string

    return [name for _literal, name, _spec, _conv in string.Formatter().parse(text) if name]

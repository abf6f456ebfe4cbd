"""Every email the platform sends, written in French when its reader's language is French:
no sentence of the English catalog left in it, amounts the fr-CA way, the HTML marked `lang="fr"`."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from babel.messages.pofile import read_po

from app.services.access.team import compose_invitation_email
from app.services.core import i18n
from app.services.network.device_emails import compose_activation_email
from app.services.reporting.daily_summary import SummaryFigures, compose
from app.services.settlement.statements import Statement, StatementRow, compose_statement_email

CATALOG = Path(__file__).resolve().parents[3] / "app" / "locale" / "fr" / "LC_MESSAGES" / "messages.po"


def english_sentences() -> list[str]:
    """The English catalog's sentences that French writes differently, long enough to be words
    (placeholders cut out: what stays between them must not appear in a French email)."""
    with CATALOG.open("rb") as handle:
        catalog = read_po(handle)
    pieces: set[str] = set()
    for message in catalog:
        if not message.id or not message.string or message.id == message.string:
            continue
        for piece in re.split(r"\{[a-z_]+\}", message.id):
            piece = piece.strip(" .,:;()#")
            if len(piece) > 12 and " " in piece:
                pieces.add(piece)
    return sorted(pieces)


def assert_french(*texts: str) -> None:
    leftovers = [sentence for sentence in english_sentences() for text in texts if sentence in text]
    assert not leftovers, f"English left in a French email: {leftovers}"


def test_the_activation_email_in_french():
    email = compose_activation_email(
        operator_name="Vieux-Québec", location_name="Café Clocher", url="https://example.test/activate/x",
        valid_for=timedelta(hours=72), expires_at=datetime(2026, 12, 8, 15, 0, tzinfo=UTC),
        timezone="America/Toronto", replaces_sent_at=datetime(2026, 12, 1, 15, 0, tzinfo=UTC), lang="fr",
    )
    assert email.subject.startswith("Nouveau lien d’activation pour Café Clocher")
    assert "3 jours" in email.text_body and "Activer cet appareil" in email.html_body
    assert 'lang="fr"' in email.html_body
    assert_french(email.subject, email.text_body, email.html_body)


def test_the_invitation_email_in_french():
    email = compose_invitation_email(
        operator_name="Vieux-Québec", inviter="Marie Tremblay", role="staff", url="https://example.test/join/x",
        expires_at=datetime(2026, 12, 8, 15, 0, tzinfo=UTC), timezone="America/Toronto", lang="fr",
    )
    assert email.subject == "Marie Tremblay vous invite à rejoindre Vieux-Québec sur Giftnet"
    assert "avec le rôle « employé » (cartes, commerces" in email.text_body
    assert "Accepter l’invitation" in email.html_body
    assert_french(email.subject, email.text_body, email.html_body)


def test_the_daily_summary_in_french_writes_amounts_the_canadian_way():
    figures = SummaryFigures(day=date(2026, 12, 4), sold_count=1200, sold_cents=123_456, topup_count=3,
                             topup_cents=5_000, redemption_count=8, redeemed_cents=40_000, active_cards=950,
                             outstanding_cents=9_876_543)
    subject, text, html = compose("Vieux-Québec", "CAD", figures, lang="fr")
    assert "1\u00a0234,56\u00a0$" in subject
    assert "Cartes vendues" in text and "vendredi 4 décembre 2026" in text
    assert_french(subject, text, html)
    english = compose("Vieux-Québec", "CAD", figures, lang="en")
    assert "$1,234.56" in english[0] and "Cards sold: 1,200, $1,234.56 CAD" in english[1]


def test_the_statement_email_in_french():
    statement = Statement(
        operator_name="Vieux-Québec", currency="CAD", batch_id=7, batch_status="paid",
        period_from=datetime(2026, 11, 1), period_through=datetime(2026, 11, 30, 23, 59),
        effective_date=date(2026, 12, 2), paid_at=datetime(2026, 12, 2), location_id=3,
        location_name="Café Clocher", location_email="cafe@example.test",
        rows=[StatementRow(redemption_id=41, redeemed_at=datetime(2026, 11, 12, 10, 5), card_last4="4821",
                           amount_cents=2_550)],
        gross_cents=2_550, commission_bps=250, commission_cents=64, net_cents=2_486,
        bank_summary="CA chequing •••• 6789", language="fr",
    )
    subject, text, html = compose_statement_email(statement)
    assert subject == "Vieux-Québec : versement de cartes-cadeaux no 7, 24,86\u00a0$"
    assert "Commission (2,50 %)" in text and "Net versé" in html
    assert_french(subject, text, html)
    assert "Net paid: $24.86 CAD" in compose_statement_email(statement, "en")[1]


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_every_email_composer_takes_the_language(lang):
    """A composer that forgot `lang` would write English to French readers: each one takes it."""
    import inspect

    from app.services.messaging.notifications import compose_items_email

    for composer in (compose_activation_email, compose_invitation_email, compose, compose_statement_email,
                     compose_items_email):
        assert "lang" in inspect.signature(composer).parameters, composer.__name__
    assert i18n.normalize(lang) == lang


def test_the_items_email_in_french():
    from app.services.messaging.notifications import compose_items_email

    location = SimpleNamespace(name="Café Clocher")
    redemption = SimpleNamespace(id=41, amount_cents=2_550, balance_after_cents=2_450,
                                 created_at=datetime(2026, 11, 12, 10, 5))
    lines = [SimpleNamespace(quantity=2, name="Latte", sku="LAT", unit_price_cents=1_275, line_total_cents=2_550)]
    subject, text, html = compose_items_email("Vieux-Québec", location, redemption, lines, last4="4821",
                                              device_code="DV-7KQ2-M9", lang="fr")
    assert subject == "Échange de carte-cadeau de 25,50\u00a0$ chez Café Clocher"
    assert "l’appareil DV-7KQ2-M9" in text and "Solde de la carte après" in html
    assert_french(subject, text, html)


def test_a_french_card_prints_in_french():
    """The printed card's words follow the card's language (the PDF itself is drawn in
    test_printable_cards; here, what it is given to draw)."""
    from app.integrations.card_pdf import ENGLISH_LABELS
    from app.services.printing.printable_cards import CARD_LABELS, amount_text, card_labels

    assert CARD_LABELS == ENGLISH_LABELS  # the catalog's sentences are the drawing's own
    french = card_labels("fr")
    assert french["scan"] == "À balayer au comptoir" and french["code"] == "Code de la carte"
    assert french["for"].format(name="Léa") == "Pour Léa"
    assert "{link}" in french["keep_safe"]
    assert amount_text(5_000, "CAD", "fr") == "50,00\u00a0$"
    assert amount_text(0, "CAD", "fr") == "Chargée à l’achat"
    assert card_labels("en") == ENGLISH_LABELS

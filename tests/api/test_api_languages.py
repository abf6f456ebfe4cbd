"""The API in English and French: an error's `message` follows Accept-Language (its `code`
never changes), and a card issued in French gets its recipient email in French."""

from __future__ import annotations

from sqlmodel import select

from tests.support.backend import Backend, Operator

NBSP = "\u00a0"


def test_the_same_bad_request_answers_the_same_code_with_a_french_message(shop: Operator):
    body = {"amount_cents": 1, "send_email": False}
    english = shop.http.post("/cards", json=body)
    french = shop.http.post("/cards", json=body, headers={"Accept-Language": "fr-CA,fr;q=0.9,en;q=0.8"})
    assert english.status_code == french.status_code == 422
    assert english.json()["error"] == {"code": "amount_out_of_range", "field": "amount_cents",
                                       "message": "The amount must be between $5.00 and $1,000.00."}
    assert french.json()["error"] == {"code": "amount_out_of_range", "field": "amount_cents",
                                      "message": f"Le montant doit se situer entre 5,00{NBSP}$ et 1{NBSP}000,00{NBSP}$."}
    assert french.headers["content-language"] == "fr"
    assert english.headers["content-language"] == "en"


def test_validation_not_found_and_unauthenticated_answers_in_french(shop: Operator, backend: Backend):
    fr = {"Accept-Language": "fr"}
    unknown = shop.http.post("/cards", json={"amount_cents": 5000, "amount": 1}, headers=fr)
    assert unknown.status_code == 400
    assert unknown.json()["error"] == {"code": "invalid_input", "field": "amount",
                                       "message": "Champ inconnu\u00a0: `amount`."}
    missing = shop.http.get("/cards/999999999", headers=fr)
    assert missing.json()["error"]["code"] == "card_not_found"
    assert missing.json()["error"]["message"] == "Cette carte n’existe pas."
    nowhere = shop.http.get("/no-such-thing", headers=fr)
    assert nowhere.status_code == 404 and nowhere.json()["error"]["message"] == "Rien n’existe à cette adresse."
    with backend.client("gk_not_a_real_key", **fr) as stranger:
        refused = stranger.get("/cards")
    assert refused.status_code == 401
    assert refused.json()["error"] == {"code": "unauthenticated",
                                       "message": "Cette clé d’API n’est pas valide ou a été révoquée."}
    # A language we do not speak is answered in English.
    german = shop.http.get("/cards/999999999", headers={"Accept-Language": "de-DE"})
    assert german.json()["error"]["message"] == "No such card."


def test_a_card_issued_in_french_gets_its_email_in_french(shop: Operator, on_backend_db: Backend):
    from app.db import read_session
    from app.models import Card, OutboxMessage
    from app.services.core import crypto

    french = shop.issue(2500, recipient_email="camille@example.com", recipient_name="Camille",
                        sender_name="Luc", language="fr")
    english = shop.issue(2500, recipient_email="sam@example.com", recipient_name="Sam")
    with read_session() as session:
        assert session.get(Card, french["id"]).language == "fr"
        assert session.get(Card, english["id"]).language == "en"  # the network's default
        to_camille = session.exec(select(OutboxMessage).where(OutboxMessage.card_id == french["id"])).one()
        to_sam = session.exec(select(OutboxMessage).where(OutboxMessage.card_id == english["id"])).one()
    camille_text, camille_html, sam_text = (crypto.decrypt(body) for body in (
        to_camille.text_body, to_camille.html_body, to_sam.text_body))
    assert to_camille.subject == f"Luc vous a envoyé une carte-cadeau de 25,00{NBSP}$"
    assert f"Vous avez reçu une carte-cadeau de 25,00{NBSP}$ de la part de Luc." in camille_text
    assert "Bonjour Camille," in camille_text
    assert "Le code de votre carte\u00a0:" in camille_text
    assert "Conservez ce courriel en lieu sûr" in camille_text
    assert '<html lang="fr">' in camille_html and "Voir ma carte" in camille_html
    assert "gift card" not in camille_text and "Keep this email" not in camille_html
    assert to_sam.subject == "Downtown Gifts sent you a $25.00 CAD gift card"
    assert "You received a $25.00 CAD gift card" in sam_text


def test_a_card_language_other_than_en_or_fr_is_refused(shop: Operator):
    answer = shop.http.post("/cards", json={"amount_cents": 2500, "language": "de", "send_email": False})
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "invalid_input" and answer.json()["error"]["field"] == "language"

"""The whole journey in French: a shopper buys a card in the French widget (the embed
snippet's `data-lang="fr"`, on a page of another origin, sandbox gateway), the recipient's
email arrives in French, the card is redeemed at a counter set to French on the device
with a POS payment pushed through the API, and the Activity screen in French shows it.

On each screen the test reads the visible text (innerText) and fails on any English
sentence of the catalog left on it (tests/support/french.py), and saves a screenshot at a
tablet's 820 px in screenshots/french/ (widget, counter, dashboard) to be looked at.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.support.browser import (
    app_python,
    deliver_outbox,
    log_in,
    make_location,
    open_card,
    open_page,
    push_payment,
    wait_ready,
)
from tests.support.french import english_left

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "screenshots" / "french"
TABLET_820 = {"width": 820, "height": 1180}
APPROVE = "4030000010001234"
CARD_CODE = re.compile(r"\b[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}\b")
NBSP = "\u00a0"


def _no_english(text: str, screen: str) -> None:
    left = english_left(text)
    assert not left, f"English left on the {screen} in French: {left}\n--- visible text ---\n{text}"


def _widen_check(page) -> None:
    """Nothing wider than the screen: a French label longer than its English must wrap, not overflow."""
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1, f"the page scrolls sideways by {overflow}px at {TABLET_820['width']}px"


def _slug(app_server, operator_id: int) -> str:
    return app_python(app_server, f"""
import json
from app.db import read_session
from app.models import Operator
with read_session() as session:
    print(json.dumps({{"slug": session.get(Operator, {operator_id}).slug}}))
""")["slug"]


def test_a_card_bought_in_the_french_widget_is_redeemed_at_a_french_counter_and_shown_in_french(
    new_context, make_operator, app_server, other_origin, smtp_inbox
):
    SHOTS.mkdir(parents=True, exist_ok=True)
    tag = uuid.uuid4().hex[:6]
    owner = make_operator(f"Réseau du Vieux-Port {tag}")
    slug = _slug(app_server, owner.operator_id)
    recipient = f"camille-{tag}@example.com"

    # --- the widget, in French from its snippet's lang, on another site -------------------------
    folder, host_origin = other_origin
    (folder / "index.html").write_text(
        "<!doctype html><html lang='fr'><head><meta charset='utf-8'></head><body>"
        "<h1 id='host-title'>Association du Vieux-Port</h1>"
        f"<script src='{app_server.base_url}/embed.js' data-shop='{slug}' data-lang='fr'></script>"
        "</body></html>", encoding="utf-8"
    )
    shopper = new_context(TABLET_820, locale="en-US").new_page()  # an English browser: the snippet's lang wins
    shopper.goto(host_origin + "/index.html")
    expect(shopper.locator("#giftnet-shop-frame")).to_have_attribute("src", re.compile(r"\?lang=fr$"))
    frame = shopper.frame_locator("#giftnet-shop-frame")
    frame.locator("#page-ready").wait_for(state="attached")
    expect(frame.locator("#test-mode-banner")).to_contain_text("MODE ESSAI")
    expect(frame.locator("#shop-language-fr")).to_have_attribute("aria-pressed", "true")

    frame.locator("#line-0-amount-custom").click()
    frame.locator("#line-0-custom-amount").fill("40")
    frame.locator("#line-0-for-other").click()
    frame.locator("#line-0-recipient-name").fill("Camille Tremblay")
    frame.locator("#line-0-recipient-email").fill(recipient)
    frame.locator("#line-0-message").fill("Bonne fête!")
    frame.locator("#buyer-name").fill("Julie Gagnon")
    frame.locator("#buyer-email").fill(f"julie-{tag}@example.com")
    expect(frame.locator("#cart-total")).to_have_text(f"40,00{NBSP}$")
    cart_text = frame.locator("body").inner_text()
    _no_english(cart_text, "widget's cart")
    assert "Carte-cadeau" in cart_text and "Vos coordonnées" in cart_text
    shopper.screenshot(path=str(SHOTS / "widget.png"), full_page=True)

    frame.locator("#checkout").click()
    expect(frame.locator("#pay-total")).to_have_text(f"40,00{NBSP}$")
    _no_english(frame.locator("body").inner_text(), "widget's payment step")
    frame.locator("#sandbox-card-number").fill(APPROVE)
    frame.locator("#pay-button").click()
    expect(frame.locator("#order-paid")).to_have_text("Merci!")
    result_text = frame.locator("body").inner_text()
    _no_english(result_text, "widget's result")
    assert "Camille Tremblay" in result_text and f"40,00{NBSP}$" in result_text
    shopper.screenshot(path=str(SHOTS / "widget-paid.png"), full_page=True)

    # --- the recipient's email, in French --------------------------------------------------------
    deliver_outbox(app_server, smtp_inbox)
    [email] = smtp_inbox.to(recipient)
    # (the header's no-break space travels as a plain one)
    assert email["Subject"].replace(NBSP, " ") == "Julie Gagnon vous a envoyé une carte-cadeau de 40,00 $"
    body = email.get_body(("plain",)).get_content()
    _no_english(body, "recipient's email")
    [code] = set(CARD_CODE.findall(body))

    # --- the counter, set to French on the device, a POS payment ------------------------------
    location = make_location(app_server, owner.operator_id, f"Boulangerie du Port {tag}", "pos",
                             is_test=True)  # the card comes from the sandbox shop: a test card
    counter = new_context(TABLET_820, locale="en-US").new_page()
    counter.goto(location["activation_url"])
    wait_ready(counter)
    counter.fill("#activate-device-name", "Caisse avant")
    counter.click("#activate-submit")
    expect(counter.locator("#device-code")).to_be_visible()
    open_page(counter, "/redeem")
    expect(counter.locator("#counter-language-en")).to_have_attribute("aria-pressed", "true")  # the network's default
    counter.click("#counter-language-fr")
    expect(counter.locator("#redeem-code-submit")).to_have_text("Ouvrir la carte")
    open_page(counter, "/redeem")  # kept on the device: a new visit opens in French
    expect(counter.locator("#counter-language-fr")).to_have_attribute("aria-pressed", "true")
    expect(counter.locator("#redeem-code-submit")).to_have_text("Ouvrir la carte")

    open_card(counter, code)
    expect(counter.locator("#redeem-card-balance")).to_have_text(f"40,00{NBSP}$")
    payment = push_payment(app_server.base_url, location["pos_key"], 1234, f"Facture {tag}")
    row = counter.locator(f"#pos-payment-{payment['id']}")
    expect(row.locator(".pos-payment-amount")).to_have_text(f"12,34{NBSP}$")
    _no_english(counter.locator("body").inner_text(), "counter with a POS payment waiting")
    _widen_check(counter)
    counter.click(f"#pos-select-{payment['id']}")
    expect(counter.locator("#receipt-title")).to_have_text("Échangé")
    expect(counter.locator("#receipt-amount")).to_have_text(f"12,34{NBSP}$")
    expect(counter.locator("#receipt-balance")).to_have_text(f"27,66{NBSP}$")
    receipt_text = counter.locator("body").inner_text()
    _no_english(receipt_text, "counter's receipt")
    assert "Nouveau solde" in receipt_text and "Client suivant" in receipt_text
    _widen_check(counter)
    counter.screenshot(path=str(SHOTS / "counter.png"), full_page=True)

    # --- the Activity screen, in French --------------------------------------------------------
    dashboard = new_context(TABLET_820, locale="en-US").new_page()
    log_in(dashboard, owner.email, owner.password)
    dashboard.click("#dashboard-language-fr")
    expect(dashboard.locator("#page-title")).to_have_text("Activité")
    redeemed = dashboard.locator(".activity-row").filter(has_text=f"Boulangerie du Port {tag}").filter(
        has_text="Échangé")
    expect(redeemed.locator(".feed-amount")).to_contain_text(f"12,34{NBSP}$")
    expect(dashboard.locator("#figure-redeemed-today")).to_have_text(f"12,34{NBSP}$")
    expect(dashboard.locator("#figure-outstanding")).to_have_text(f"27,66{NBSP}$")
    # The chosen range was written in English as the screen opened: the switch writes it again in French.
    expect(dashboard.locator("#figure-redeemed-range")).to_have_text(f"12,34{NBSP}$")
    expect(dashboard.locator(".activity-row").filter(has_text="Carte émise").filter(has_text="boutique")).to_have_count(1)
    # The first-steps checklist of a new network is the dashboard translators' part (app/components/first_steps.py);
    # everything else on the Activity screen is read here.
    text = dashboard.evaluate("""() => {
        const steps = document.getElementById('first-steps');
        if (steps) steps.style.display = 'none';
        const text = document.body.innerText;
        if (steps) steps.style.display = '';
        return text;
    }""")
    _no_english(text, "Activity screen")
    _widen_check(dashboard)
    dashboard.screenshot(path=str(SHOTS / "dashboard.png"), full_page=True)

    # Reloaded, the dashboard stays French: the choice is kept on the person.
    open_page(dashboard, "/dashboard")
    expect(dashboard.locator("#page-title")).to_have_text("Activité")

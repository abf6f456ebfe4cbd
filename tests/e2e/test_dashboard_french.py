"""The dashboard in French: an owner chooses Français in the header (kept on their account),
then every dashboard screen is visited with data on it; each screen's visible text is listed
and no line of it may be a sentence of the English catalog (a msgid whose French differs).
Screenshots land in screenshots/french/ (gitignored) for a person to look at."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from playwright.sync_api import expect

from tests.support.browser import log_in, open_page

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "screenshots" / "french"
SHOT_HEIGHT = 1100
# The dashboard screens of this part of issue 18 (Activity, /dashboard, is checked with the
# French journey); `{card}` and `{location}` are filled with the rows made below.
SCREENS = [
    ("cards", "/cards"),
    ("card", "/cards/{card}"),
    ("locations", "/locations"),
    ("location", "/locations/{location}"),
    ("location-edit", "/locations/{location}/edit"),
    ("location-new", "/locations/new"),
    ("location-import", "/locations/import"),
    ("reports", "/reports"),
    ("reconciliation", "/reconciliation"),
    ("settlements", "/settlements"),
    ("settings", "/settings"),
    ("team", "/team"),
    ("audit", "/audit"),
    ("outbox", "/outbox"),
    ("developers", "/developers"),
    ("widget", "/widget"),
    ("orders", "/orders"),
]


def english_sentences() -> set[str]:
    """The English catalog's sentences that French writes differently (longer than 3 characters,
    without placeholders: those never stand whole on a screen)."""
    with (ROOT / "app/locale/messages.pot").open("rb") as handle:
        english = read_po(handle)
    mo = ROOT / "app/locale/fr/LC_MESSAGES/messages.mo"
    with mo.open("rb") if mo.exists() else (ROOT / "app/locale/fr/LC_MESSAGES/messages.po").open("rb") as handle:
        french = read_mo(handle) if mo.exists() else read_po(handle)
    sentences = set()
    for message in english:
        text = message.id
        if not isinstance(text, str) or len(text.strip()) <= 3 or re.search(r"\{\w+\}", text):
            continue
        translated = french.get(text)
        if translated is not None and translated.string and translated.string != text:
            sentences.add(text.strip())
    return sentences


def test_every_dashboard_screen_reads_in_french(page, make_operator, base_url):
    owner = make_operator()
    api = httpx.Client(base_url=f"{base_url}/api/v1", headers={"Authorization": f"Bearer {owner.api_key}"}, timeout=30)
    location = api.post("/locations", json={
        "name": "Librairie du Plateau", "email": "plateau@example.com", "mode": "amount",
        "bank_country": "CA", "institution_number": "001", "transit_number": "00011",
        "account_number": "1234567", "account_type": "checking",
    })
    assert location.status_code == 201, location.text
    location_id = location.json()["id"]
    card = api.post("/cards", json={"amount_cents": 5_000, "send_email": False}).json()
    assert api.post("/redemptions", json={"card_id": card["id"], "location_id": location_id,
                                          "amount_cents": 1_250}).status_code == 201

    log_in(page, owner.email, owner.password)
    page.click("#dashboard-language-fr")
    expect(page.locator("#nav-cards")).to_have_text("Cartes")
    expect(page.locator("#dashboard-language-fr")).to_have_attribute("aria-pressed", "true")

    english = english_sentences()
    assert len(english) > 500  # the catalog is read: a vacuous list would let anything through
    SHOTS.mkdir(parents=True, exist_ok=True)
    found: dict[str, list[str]] = {}
    for name, path in SCREENS:
        # A full load each time: the French choice is kept on the account, not in this page.
        open_page(page, path.format(card=card["id"], location=location_id))
        expect(page.locator("#nav-cards")).to_have_text("Cartes")
        page.wait_for_timeout(400)  # the screen's own rows (loaded by its on_load) paint
        # The screen in parts a person can read (a long screen is several pictures).
        height = page.evaluate("document.documentElement.scrollHeight")
        for part, top in enumerate(range(0, min(height, 6 * SHOT_HEIGHT), SHOT_HEIGHT), start=1):
            clip = {"x": 0, "y": top, "width": page.viewport_size["width"], "height": min(SHOT_HEIGHT, height - top)}
            page.screenshot(path=str(SHOTS / f"{name}-{part}.png"), full_page=True, clip=clip)
        lines = {line.strip() for line in page.evaluate("document.body.innerText").splitlines() if line.strip()}
        left = sorted(lines & english)
        if left:
            found[name] = left
    assert found == {}, f"English left on the French screens: {found}"


def test_the_owner_makes_french_the_network_default_on_settings(page, make_operator, base_url):
    owner = make_operator()
    log_in(page, owner.email, owner.password)
    open_page(page, "/settings")
    expect(page.locator("#settings-language-offered-fr")).to_have_attribute("data-state", "checked")
    page.click("#settings-language-default")
    page.click("#settings-language-default-fr")
    page.click("#settings-languages-save")
    # The owner never chose a language of their own: the screen follows the network's new default at once.
    expect(page.locator("#settings-languages-saved")).to_have_text(re.compile(r"Langue par défaut\s:\sFrançais"))
    api = httpx.Client(base_url=f"{base_url}/api/v1", headers={"Authorization": f"Bearer {owner.api_key}"}, timeout=30)
    assert api.get("/settings").json()["languages"] == {"default": "fr", "offered": ["en", "fr"]}
    open_page(page, "/settings")
    expect(page.locator("#nav-settings")).to_have_text("Paramètres")
    # Offering English only while French is the default is refused, naming why.
    page.click("#settings-language-offered-fr")
    page.click("#settings-languages-save")
    expect(page.locator("#settings-languages-error")).to_contain_text("langues offertes")
    assert api.get("/settings").json()["languages"]["offered"] == ["en", "fr"]

"""What the French end-to-end tests share: the English sentences of the catalog that French
writes differently, and the ones of them left in a screen's visible text.

A sentence counts when it (or, for a template, a literal piece of it between placeholders)
is longer than 3 characters and stands on the screen as a whole line or a whole phrase
(not inside a longer word). The catalog is app/locale/messages.pot, as `make i18n` extracts it.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from babel.messages.pofile import read_po

from app.services.core import i18n

POT = Path(__file__).resolve().parents[2] / "app" / "locale" / "messages.pot"
MIN_LENGTH = 4
PLACEHOLDER = re.compile(r"\{[a-z_0-9]*\}")


@cache
def english_phrases() -> tuple[str, ...]:
    """Every English phrase of the catalog whose French differs (templates cut at their placeholders)."""
    with POT.open("rb") as handle:
        catalog = read_po(handle)
    phrases: set[str] = set()
    for message in catalog:
        if not message.id or not isinstance(message.id, str):
            continue
        if i18n.translate(message.id, "fr") == message.id:
            continue  # the same in both languages ("Total ", "TEST MODE"...)
        for piece in PLACEHOLDER.split(message.id):
            piece = piece.strip(" .,:;·()?!\u00a0")
            if len(piece) >= MIN_LENGTH and re.search(r"[A-Za-z]{2}", piece):
                phrases.add(piece)
    return tuple(sorted(phrases, key=len, reverse=True))


def english_left(visible_text: str) -> list[str]:
    """The English phrases of the catalog found in `visible_text` (a screen's innerText)."""
    found = []
    for phrase in english_phrases():
        pattern = r"(?<![\w’'-])" + re.escape(phrase) + r"(?![\w’'-])"
        if re.search(pattern, visible_text):
            found.append(phrase)
    return found

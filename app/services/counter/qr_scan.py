"""What a QR code read by the counter's camera holds: one of our card links, a card code, or
something else.

The customer's email and card page carry the card link `<PUBLIC_URL>/c/<token>`
(`money.card_page.card_link`); a printed card may carry the bare code. A link counts as
ours only on our own host (PUBLIC_URL's, or the host the counter page itself was opened
on); any other address, even with a path that looks like ours, is "not a Giftnet card".
Nothing here touches the database: the counter opens the card with the same look-ups as a
typed code or an opened link.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from app.services.core import codes
from app.services.core.errors import GiftnetError

# A card link token: `secrets.token_urlsafe` (URL-safe base64), at most 128 characters.
CARD_LINK_PATH = re.compile(r"^/c/([A-Za-z0-9_-]{16,128})/?$")
MAX_SCANNED_CHARS = 2048

ScanKind = Literal["link", "code", "foreign"]


@dataclass(frozen=True)
class ScannedCard:
    """`kind` "link" with the link token, "code" with the normalized code, or "foreign"."""

    kind: ScanKind
    value: str = ""


def _host(url_or_host: str) -> str:
    """`example.com:3000` from a URL or a bare host, lower-case; '' when there is none."""
    text = (url_or_host or "").strip()
    if not text:
        return ""
    netloc = urlsplit(text if "//" in text else f"//{text}").netloc
    return netloc.lower()


def read_scanned(text: str, *, our_hosts: tuple[str, ...]) -> ScannedCard:
    """What the scanned `text` is. `our_hosts` are the addresses (URLs or host[:port]) whose
    `/c/<token>` links are ours: PUBLIC_URL and the counter page's own host."""
    text = (text or "").strip()
    if not text or len(text) > MAX_SCANNED_CHARS:
        return ScannedCard("foreign")
    if "://" in text:
        parts = urlsplit(text)
        hosts = {host for host in (_host(item) for item in our_hosts) if host}
        match = CARD_LINK_PATH.match(parts.path)
        if parts.scheme.lower() in ("http", "https") and parts.netloc.lower() in hosts and match:
            return ScannedCard("link", match.group(1))
        return ScannedCard("foreign")
    try:
        return ScannedCard("code", codes.normalize_code(text))
    except GiftnetError:
        return ScannedCard("foreign")

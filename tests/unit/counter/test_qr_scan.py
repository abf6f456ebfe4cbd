"""What the counter's QR scanner read: a card link of ours, a card code, or not a Giftnet card."""

from __future__ import annotations

import pytest

from app.services.core import codes
from app.services.counter.qr_scan import ScannedCard, read_scanned

OURS = ("https://gifts.example.com", "192.168.1.20:3000")
TOKEN = codes.new_link_token()


@pytest.mark.parametrize("text", [
    f"https://gifts.example.com/c/{TOKEN}",
    f"https://GIFTS.example.com/c/{TOKEN}/",
    f"  https://gifts.example.com/c/{TOKEN}\n",
    f"http://192.168.1.20:3000/c/{TOKEN}",  # the host the counter page itself was opened on
    f"https://gifts.example.com/c/{TOKEN}?utm_source=email#top",
])
def test_a_card_link_of_ours_gives_its_token(text: str):
    assert read_scanned(text, our_hosts=OURS) == ScannedCard("link", TOKEN)


@pytest.mark.parametrize("text", [
    f"https://evil.example.net/c/{TOKEN}",  # our path on another site
    f"https://gifts.example.com.evil.net/c/{TOKEN}",
    f"https://gifts.example.com/cards/{TOKEN}",
    f"https://gifts.example.com/c/{TOKEN}/card.pdf",
    "https://gifts.example.com/c/short",
    f"ftp://gifts.example.com/c/{TOKEN}",
    f"javascript://gifts.example.com/c/{TOKEN}",
    "WIFI:S:cafe;T:WPA;P:secret;;",
    "https://www.example.org/menu",
    "hello",
    "",
    "   ",
    "x" * 5000,
])
def test_anything_else_is_not_a_giftnet_card(text: str):
    assert read_scanned(text, our_hosts=OURS) == ScannedCard("foreign")


def test_a_code_is_read_as_typed_any_case_with_or_without_dashes():
    code = codes.generate_code()
    for text in (code, codes.format_code(code), codes.format_code(code).lower(), f" {code} "):
        assert read_scanned(text, our_hosts=OURS) == ScannedCard("code", code)
    assert read_scanned("ABCD-EFGH-JKMN-PQR0", our_hosts=OURS).kind == "foreign"  # 0 is not in the alphabet


def test_without_a_host_of_ours_no_link_is_ours():
    assert read_scanned(f"https://gifts.example.com/c/{TOKEN}", our_hosts=("", )).kind == "foreign"

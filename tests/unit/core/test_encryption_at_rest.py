"""Values at rest are sealed with AES-256-GCM; values sealed earlier with Fernet still open."""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet

from app.services.core import crypto
from app.settings import get_settings


def test_a_sealed_value_opens_only_whole_and_only_with_our_key(monkeypatch):
    sealed = crypto.encrypt("ABCDEFGHJKMNPQRS")
    again = crypto.encrypt("ABCDEFGHJKMNPQRS")
    flipped = sealed[:-2] + ("A" if sealed[-2] != "A" else "B") + sealed[-1]

    assert sealed.startswith("a1:") and "ABCDEFGHJKMNPQRS" not in sealed
    assert sealed != again  # a fresh nonce each time: equal codes do not look equal at rest
    assert crypto.decrypt(sealed) == crypto.decrypt(again) == "ABCDEFGHJKMNPQRS"
    assert crypto.decrypt(flipped) is None  # tampered: the tag no longer matches
    assert crypto.decrypt("a1:not base64!") is None
    assert crypto.decrypt("a1:") is None
    assert crypto.decrypt("ABCDEFGHJKMNPQRS") is None  # never sealed

    monkeypatch.setenv("SECRET_KEY", "another-networks-secret")
    get_settings.cache_clear()
    try:
        assert crypto.decrypt(sealed) is None
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()


def test_a_value_sealed_with_fernet_before_still_opens():
    """Rows written before AES-GCM (Fernet tokens under the "encryption" sub-key) stay readable."""
    key = crypto._subkey("encryption", get_settings().secret_key)  # the key such rows used
    legacy = Fernet(base64.urlsafe_b64encode(key)).encrypt(b"123456789").decode()

    assert crypto.decrypt(legacy) == "123456789"
    assert crypto.decrypt(legacy[:-4] + "AAAA") is None

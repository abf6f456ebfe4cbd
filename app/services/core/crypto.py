"""Keyed hashes and encryption at rest, all derived from SECRET_KEY.

Separate sub-keys per purpose, so that a hash of one kind can never be replayed
as another (a card code hash is not a session token hash).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken

from app.settings import get_settings


@functools.cache
def _subkey(purpose: str, secret_key: str) -> bytes:
    return hmac.new(secret_key.encode(), f"giftnet:{purpose}".encode(), hashlib.sha256).digest()


def keyed_hash(purpose: str, value: str) -> str:
    """Deterministic HMAC-SHA256 (hex) for look-ups of secrets we must not store."""
    key = _subkey(purpose, get_settings().secret_key)
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def _fernet() -> Fernet:
    key = _subkey("encryption", get_settings().secret_key)
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt(plaintext: str) -> str:
    return _fernet().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str | None:
    """The plaintext, or None when the value was not encrypted with our key."""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        return None

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


def seal_ticket(purpose: str, plaintext: str) -> str:
    """A short-lived encrypted ticket of one purpose (its own sub-key): `open_ticket` reads it back."""
    return Fernet(base64.urlsafe_b64encode(_subkey(f"ticket:{purpose}", get_settings().secret_key))) \
        .encrypt(plaintext.encode()).decode()


def open_ticket(purpose: str, ticket: str, *, max_age_seconds: int) -> str | None:
    """The ticket's plaintext; None when it is not ours, of another purpose, or older than `max_age_seconds`."""
    fernet = Fernet(base64.urlsafe_b64encode(_subkey(f"ticket:{purpose}", get_settings().secret_key)))
    try:
        return fernet.decrypt(ticket.encode(), ttl=max_age_seconds).decode()
    except (InvalidToken, ValueError, UnicodeError):
        return None


def decrypt(token: str) -> str | None:
    """The plaintext, or None when the value was not encrypted with our key."""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        return None

"""Keyed hashes and encryption at rest, all derived from SECRET_KEY.

Separate sub-keys per purpose, so that a hash of one kind can never be replayed
as another (a card code hash is not a session token hash).

Values at rest (card codes and links, bank numbers, stored API answers) are sealed with
AES-256-GCM under their own sub-key (`encrypt`: "a1:" + base64url of nonce and sealed
bytes); values sealed before with Fernet still open (`decrypt` reads both). AES-GCM
with one reused cipher object costs a few microseconds a value, Fernet some tens
(several values per card issue). Short-lived tickets stay Fernet tokens: they carry
their own time, which `open_ticket` checks.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from app.settings import get_settings


@functools.cache
def _subkey(purpose: str, secret_key: str) -> bytes:
    return hmac.new(secret_key.encode(), f"giftnet:{purpose}".encode(), hashlib.sha256).digest()


def keyed_hash(purpose: str, value: str) -> str:
    """Deterministic HMAC-SHA256 (hex) for look-ups of secrets we must not store."""
    key = _subkey(purpose, get_settings().secret_key)
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


_SEALED = "a1:"  # AES-256-GCM, 96-bit random nonce
_NONCE_BYTES = 12


@functools.cache
def _aead(secret_key: str) -> AESGCM:
    return AESGCM(_subkey("encryption:aes-gcm", secret_key))


@functools.cache
def _fernet(secret_key: str) -> Fernet:
    """The key of values sealed before AES-GCM (read only)."""
    return Fernet(base64.urlsafe_b64encode(_subkey("encryption", secret_key)))


def encrypt(plaintext: str) -> str:
    nonce = os.urandom(_NONCE_BYTES)
    sealed = _aead(get_settings().secret_key).encrypt(nonce, plaintext.encode(), None)
    return _SEALED + base64.urlsafe_b64encode(nonce + sealed).decode()


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
    secret_key = get_settings().secret_key
    if token.startswith(_SEALED):
        try:
            raw = base64.urlsafe_b64decode(token[len(_SEALED):])
            return _aead(secret_key).decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], None).decode()
        except (InvalidTag, ValueError, binascii.Error):
            return None
    try:
        return _fernet(secret_key).decrypt(token.encode()).decode()
    except InvalidToken:
        return None

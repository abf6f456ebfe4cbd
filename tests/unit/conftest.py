"""Unit-test helpers shared by the service tests."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from app.services.access import accounts


@pytest.fixture(autouse=True)
def quick_password_hashing(monkeypatch):
    """Argon2 with its production cost takes ~0.2 s a hash; the rules under test do not
    depend on the cost, so the unit suite hashes cheaply (still argon2id)."""
    quick = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(accounts, "_hasher", quick)
    monkeypatch.setattr(accounts, "_DUMMY_HASH", quick.hash("unknown email"))

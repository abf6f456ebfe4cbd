"""Fault tests: what the system does when something it depends on fails (a gateway that
times out, SMTP down, a webhook receiver that errors, a worker killed mid-work, Square
webhooks twice or out of order, the database restarted under load).

They use the shared fixtures of tests/conftest.py (`database` on SQLite and
PostgreSQL, `make_operator`), the fakes of tests/fakes, the unit tests' helpers
(tests/unit) and the API tests' running backend (tests/api/api_helpers.py).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from argon2 import PasswordHasher

TESTS = Path(__file__).resolve().parent.parent
for helpers in (TESTS / "unit", TESTS / "api"):
    if str(helpers) not in sys.path:
        sys.path.append(str(helpers))

from app.services.access import accounts  # noqa: E402


@pytest.fixture(autouse=True)
def quick_password_hashing(monkeypatch):
    """As in the unit tests: argon2id at a low cost; no fault here depends on the cost."""
    quick = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(accounts, "_hasher", quick)
    monkeypatch.setattr(accounts, "_DUMMY_HASH", quick.hash("unknown email"))

"""Fixtures that more than one test directory uses. A directory's conftest.py imports the
ones it offers its tests (tests/unit/conftest.py, tests/faults/conftest.py)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from argon2 import PasswordHasher

from app.services.access import accounts
from app.services.core import events
from app.services.counter import square_pos
from tests.fakes.bambora import FakeBambora
from tests.fakes.forte import FakeForte
from tests.support.counter import open_location
from tests.support.square import NOTIFICATION_URL, SIGNATURE_KEY


@pytest.fixture(autouse=True)
def quick_password_hashing(monkeypatch):
    """Argon2 with its production cost takes ~0.2 s a hash; the rules under test do not
    depend on the cost, so these suites hash cheaply (still argon2id)."""
    quick = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(accounts, "_hasher", quick)
    monkeypatch.setattr(accounts, "_DUMMY_HASH", quick.hash("unknown email"))


@pytest.fixture
def published():
    """Every event the services publish while the test runs, in order."""
    seen: list[events.Event] = []
    unsubscribe = events.subscribe(seen.append)
    yield seen
    unsubscribe()


@pytest.fixture
def fake_bambora():
    """The fake Bambora gateway (tests/fakes/bambora.py), running on a loopback port."""
    fake = FakeBambora().start()
    yield fake
    fake.stop()


@pytest.fixture
def fake_forte():
    """The fake Forte gateway (tests/fakes/forte.py), running on a loopback port."""
    fake = FakeForte().start()
    yield fake
    fake.stop()


@pytest.fixture
def square_till(make_operator):
    """A POS-mode location whose Square account sends its payments to us."""
    owner = make_operator("Downtown Association")
    location = open_location(owner, "Bean There", mode="pos")
    square_pos.configure_square(owner.operator.id, location.id, signature_key=SIGNATURE_KEY,
                                  notification_url=NOTIFICATION_URL)
    return SimpleNamespace(owner=owner, location=location)

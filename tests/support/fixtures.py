"""Fixtures that more than one test directory uses. A directory's conftest.py imports the
ones it offers its tests (tests/unit/conftest.py, tests/faults/conftest.py)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from argon2 import PasswordHasher

from app.services.access import accounts
from app.services.core import events
from app.services.core.actor import Actor
from app.services.counter import pos_partner_settings, square_pos
from tests.fakes.bambora import FakeBambora
from tests.fakes.clover import FakeClover
from tests.fakes.forte import FakeForte
from tests.support.counter import open_location
from tests.support.pos_partners import CLOVER_AUTH_CODE, SHOPIFY_METHOD, SHOPIFY_SECRET, SHOPIFY_SHOP
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


@pytest.fixture
def fake_clover():
    """The fake Clover REST API (tests/fakes/clover.py), running on a loopback port."""
    fake = FakeClover().start()
    yield fake
    fake.stop()


@pytest.fixture
def clover_till(make_operator, fake_clover):
    """A POS-mode location whose Clover merchant sends its notifications to us (its API: the fake)."""
    owner = make_operator("Downtown Association")
    location = open_location(owner, "Bean There", mode="pos")
    pos_partner_settings.configure_partner(Actor(owner.operator.id), location.id, "clover", {
        "merchant_id": fake_clover.merchant_id, "api_token": fake_clover.api_token,
        "tender_label": "Giftnet gift card", "auth_code": CLOVER_AUTH_CODE, "base_url": fake_clover.base_url})
    return SimpleNamespace(owner=owner, location=location, clover=fake_clover)


@pytest.fixture
def shopify_till(make_operator):
    """A POS-mode location whose Shopify POS sends its orders to us."""
    owner = make_operator("Downtown Association")
    location = open_location(owner, "Bean There", mode="pos")
    pos_partner_settings.configure_partner(Actor(owner.operator.id), location.id, "shopify", {
        "shop_domain": SHOPIFY_SHOP, "webhook_secret": SHOPIFY_SECRET, "payment_method_name": SHOPIFY_METHOD})
    return SimpleNamespace(owner=owner, location=location)

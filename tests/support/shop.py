"""What the shop tests share: an operator selling through the fake Bambora gateway (or, in
US dollars, through the fake Forte), an order of two cards, and the cards an operator holds.

`shop` and `forte_shop` are fixtures; a module that wants one imports it (`from
tests.support.shop import shop`): the webhook tests have a `shop` of their own
(tests/support/webhooks.py).
"""

from __future__ import annotations

import pytest
from sqlmodel import select

from app.db import read_session
from app.models import Card
from app.services.shop import orders, shop_settings
from app.services.shop.orders import CartLine


@pytest.fixture
def shop(make_operator, fake_bambora, monkeypatch):
    """An operator selling through the fake Bambora."""
    monkeypatch.setattr(shop_settings, "GATEWAY_TIMEOUT_SECONDS", 5.0)
    owner = make_operator()
    shop_settings.update_gateway_settings(owner.actor, "bambora", {
        "merchant_id": fake_bambora.merchant_id, "payments_passcode": fake_bambora.passcode,
        "reporting_passcode": fake_bambora.reporting_passcode, "base_url": fake_bambora.base_url,
    })
    return owner


@pytest.fixture
def forte_shop(make_operator, fake_forte, monkeypatch):
    """An operator selling in US dollars (what Forte charges) through the fake Forte."""
    monkeypatch.setattr(shop_settings, "GATEWAY_TIMEOUT_SECONDS", 5.0)
    owner = make_operator(currency="USD")
    shop_settings.update_gateway_settings(owner.actor, "forte", {
        "organization_id": fake_forte.organization_id, "location_id": fake_forte.location_id,
        "api_access_id": fake_forte.api_access_id, "api_secure_key": fake_forte.api_secure_key,
        "api_login_id": fake_forte.api_login_id, "base_url": fake_forte.base_url,
    })
    return owner


def two_cards_order(owner, buyer_email="buyer@example.com"):
    return orders.create_order(owner.operator.id, buyer_name="Ada Buyer", buyer_email=buyer_email, lines=[
        CartLine(kind="card", amount_cents=5000, for_self=True),
        CartLine(kind="card", amount_cents=2500, for_self=False, recipient_name="Bo Friend",
                 recipient_email="bo@example.com", message="Happy birthday!"),
    ])


def cards_of(operator_id):
    with read_session() as session:
        return session.exec(select(Card).where(Card.operator_id == operator_id)).all()

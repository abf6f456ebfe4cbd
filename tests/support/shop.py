"""What the shop tests share: an operator selling through the fake Bambora gateway, an
order of two cards, and the cards an operator holds.

`shop` is a fixture; a module that wants it imports it (`from tests.support.shop import
shop`): the webhook tests have a `shop` of their own (tests/support/webhooks.py).
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


def two_cards_order(owner, buyer_email="buyer@example.com"):
    return orders.create_order(owner.operator.id, buyer_name="Ada Buyer", buyer_email=buyer_email, lines=[
        CartLine(kind="card", amount_cents=5000, for_self=True),
        CartLine(kind="card", amount_cents=2500, for_self=False, recipient_name="Bo Friend",
                 recipient_email="bo@example.com", message="Happy birthday!"),
    ])


def cards_of(operator_id):
    with read_session() as session:
        return session.exec(select(Card).where(Card.operator_id == operator_id)).all()

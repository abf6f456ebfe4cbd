"""What the webhook tests share: a location that wants a signed webhook after each
redemption (the `shop` fixture, with its own system as the `receiver` fixture), a
redemption there, and what its delivery log holds.

`receiver` and `shop` are fixtures; a module that wants them imports them by name: the
shop tests have a `shop` of their own (tests/support/shop.py).
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from app.models import WebhookDelivery
from app.services.counter import redemptions
from app.services.messaging import webhooks
from tests.support.counter import activate_counter, issue, open_location
from tests.support.receiver import Receiver


@pytest.fixture
def receiver():
    """The location's own system; tests script its answers before the first delivery."""
    with Receiver() as running:
        yield running


@pytest.fixture
def shop(make_operator, receiver):
    """A location that wants a webhook after each redemption, its counter, and a card."""
    owner = make_operator("Downtown Association")
    location = open_location(owner, "Bean There", external_id="BT-1", notify_webhook_url=receiver.url)
    receiver.secret = webhooks.reveal_location_secret(owner.actor, location.id)  # what the dashboard shows
    return SimpleNamespace(owner=owner, location=location, counter=activate_counter(owner, location),
                           card=issue(owner, 10000))


def redeem(shop, amount_cents: int = 1250) -> redemptions.RedemptionResult:
    return redemptions.redeem(shop.counter, location_id=shop.location.id, card_id=shop.card.card.id,
                              amount_cents=amount_cents)


def only_delivery(shop) -> WebhookDelivery:
    [delivery] = webhooks.list_deliveries(shop.owner.operator.id, location_id=shop.location.id)
    return delivery


def attempt_codes(shop, delivery: WebhookDelivery) -> list[int | None]:
    return [attempt.status_code for attempt in webhooks.list_attempts(shop.owner.operator.id, delivery.id)]

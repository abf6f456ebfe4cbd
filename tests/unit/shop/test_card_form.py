"""The pay step's card form: Forte.js's API Login ID and the test flag reach the page, and a
card form that failed to load in a shopper's browser is kept on the order for the Orders
screen, without touching an order that is already paid or another operator's."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import update

from app.db import write_session
from app.models import Operator, Order
from app.models.base import utcnow
from app.services.shop import orders
from app.services.shop.checkout_script import checkout_script_for
from tests.support.shop import two_cards_order


def use_gateway(operator_id: int, gateway: str, **fields: str) -> None:
    with write_session() as session:
        operator = session.get(Operator, operator_id)
        operator.gateway_settings = json.dumps({"gateway": gateway, gateway: fields})
        session.add(operator)


def test_forte_js_gets_the_public_api_login_id_and_the_test_flag(make_operator):
    owner = make_operator(currency="USD")
    use_gateway(owner.operator.id, "forte", organization_id="org_1", api_login_id="a1b2c3d4e5",
                base_url="https://sandbox.forte.net/api/v3")
    script = checkout_script_for(owner.operator.id)
    assert (script.api_login_id, script.test_mode) == ("a1b2c3d4e5", True)
    use_gateway(owner.operator.id, "forte", organization_id="org_1", api_login_id="a1b2c3d4e5",
                base_url="https://api.forte.net/v3")
    assert checkout_script_for(owner.operator.id).test_mode is False


def test_bambora_at_its_live_address_is_live_and_elsewhere_a_test(make_operator):
    owner = make_operator()
    use_gateway(owner.operator.id, "bambora", merchant_id="300200578")
    assert checkout_script_for(owner.operator.id).test_mode is False
    use_gateway(owner.operator.id, "bambora", merchant_id="300200578", base_url="http://127.0.0.1:9/")
    assert checkout_script_for(owner.operator.id).test_mode is True


def test_a_card_form_that_did_not_load_is_kept_on_the_payable_order(shop):
    order = two_cards_order(shop)
    assert orders.latest_card_form_failure(shop.operator.id) is None

    assert orders.record_card_form_failure(shop.operator.id, order.id, "Bambora's card form did not load:   the "
                                           "script could not be loaded")

    failed = orders.latest_card_form_failure(shop.operator.id)
    assert failed.id == order.id and failed.status == "pending"
    assert failed.card_form_error == "Bambora's card form did not load: the script could not be loaded"
    assert orders.order_view(shop.operator.id, order.id).card_form_failed_at is not None


def test_a_paid_order_or_another_operators_order_is_never_marked(shop, make_operator):
    order = two_cards_order(shop)
    stranger = make_operator()
    assert not orders.record_card_form_failure(stranger.operator.id, order.id, "nope")
    with write_session() as session:
        session.execute(update(Order).where(Order.id == order.id).values(status="paid"))
    assert not orders.record_card_form_failure(shop.operator.id, order.id, "too late")
    assert orders.latest_card_form_failure(shop.operator.id) is None
    assert orders.latest_card_form_failure(stranger.operator.id) is None


def test_only_recent_failures_are_shown(shop):
    order = two_cards_order(shop)
    orders.record_card_form_failure(shop.operator.id, order.id, "did not load")
    with write_session() as session:
        session.execute(update(Order).where(Order.id == order.id)
                        .values(card_form_failed_at=utcnow() - timedelta(days=2)))
    assert orders.latest_card_form_failure(shop.operator.id) is None
    assert orders.latest_card_form_failure(shop.operator.id, within=timedelta(days=3)).id == order.id

"""A payment gateway that times out: the charge may have happened, we cannot tell.

Already covered in tests/unit/shop/test_orders.py: a Bambora charge whose answer is lost is
found by the retry's look-up and never charged again
(test_a_timeout_then_a_retry_finds_the_charge_and_never_charges_twice), a 5xx that
never charged is charged on retry, ten clicks make one charge; and in
tests/unit/integrations/test_gateways.py each client's timeout becomes `unknown` and its look-up by
order number finds the charge (Bambora and Forte).

Added here: the same lost answer with Forte at the order level; several shoppers'
retries at once after the lost answer; a look-up that fails as well (nothing is charged
again, the shopper and the operator read why); and a worker that died while charging.
Each test runs on SQLite and on PostgreSQL against the fake gateways of tests/fakes.
"""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import update

from app.db import write_session
from app.integrations.bambora import BamboraGateway
from app.models import Order
from app.models.base import utcnow
from app.services.money import ledger
from app.services.shop import orders, shop_settings
from tests.fakes.bambora import APPROVED_CARD
from tests.support.shop import cards_of, forte_shop, shop, two_cards_order  # noqa: F401 - fixtures

LOST = "We could not reach the payment service, so we cannot tell yet whether the card was charged."


def test_a_forte_sale_whose_answer_is_lost_is_found_and_issues_the_cards_once(
        forte_shop, fake_forte, monkeypatch):  # noqa: F811
    monkeypatch.setattr(shop_settings, "GATEWAY_TIMEOUT_SECONDS", 0.3)
    fake_forte.delay_seconds = 1.5  # the sale is made, its answer comes too late
    order = two_cards_order(forte_shop)

    lost = orders.pay_order(forte_shop.operator.id, order.id, fake_forte.token_for("4111111111111111"), "click-1")

    assert lost.status == "error" and lost.gateway_message.startswith(LOST)
    assert cards_of(forte_shop.operator.id) == []
    fake_forte.delay_seconds = 0
    retried = orders.pay_order(forte_shop.operator.id, order.id, fake_forte.token_for("4111111111111111"), "click-2")

    assert retried.status == "paid"
    assert len(fake_forte.sale_requests()) == 1  # the filtered search found it: no second sale
    assert retried.gateway_reference == next(iter(fake_forte.transactions))
    assert len(cards_of(forte_shop.operator.id)) == 2 and ledger.check_ledger(forte_shop.operator.id) == []


def test_retries_from_several_tabs_after_a_lost_answer_charge_nothing_more_and_issue_once(
        shop, fake_bambora, monkeypatch):  # noqa: F811
    monkeypatch.setattr(shop_settings, "GATEWAY_TIMEOUT_SECONDS", 0.3)
    fake_bambora.delay_seconds = 1.0
    order = two_cards_order(shop)
    assert orders.pay_order(shop.operator.id, order.id, fake_bambora.token_for(APPROVED_CARD), "tab-0").status == (
        "error")
    fake_bambora.delay_seconds = 0
    answers, start = [], threading.Barrier(6)

    def retry(tab: int) -> None:
        start.wait()
        answers.append(orders.pay_order(shop.operator.id, order.id, fake_bambora.token_for(APPROVED_CARD),
                                        f"tab-{tab}").status)

    threads = [threading.Thread(target=retry, args=(tab,)) for tab in range(1, 7)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert set(answers) <= {"paid", "charging"} and "paid" in answers
    assert len(fake_bambora.payment_requests()) == 1
    look_ups = [r for r in fake_bambora.requests  # the credential check when the shop was set up is no look-up
                if r.path == "/v1/reports" and r.body["criteria"][0]["value"].startswith(order.number)]
    assert len(look_ups) == 1  # one tab looked it up
    assert orders.order_view(shop.operator.id, order.id).status == "paid"
    assert len(cards_of(shop.operator.id)) == 2 and ledger.check_ledger(shop.operator.id) == []


def test_when_the_look_up_fails_too_nothing_is_charged_again_and_everyone_reads_why(
        shop, fake_bambora, monkeypatch):  # noqa: F811
    monkeypatch.setattr(shop_settings, "GATEWAY_TIMEOUT_SECONDS", 0.3)
    fake_bambora.delay_seconds = 1.0
    order = two_cards_order(shop)
    orders.pay_order(shop.operator.id, order.id, fake_bambora.token_for(APPROVED_CARD), "click-1")
    fake_bambora.delay_seconds = 0
    fake_bambora.search_fail_status = 503  # the gateway is still having trouble

    unsure = orders.pay_order(shop.operator.id, order.id, fake_bambora.token_for(APPROVED_CARD), "click-2")

    # The shopper's screen and the operator's Orders list say the same thing.
    assert unsure.status == "error"
    assert unsure.gateway_message == ("The payment service did not confirm the earlier attempt yet. "
                                      "Nothing was charged again; try again in a minute.")
    [listed] = orders.list_orders(shop.operator.id, status="error")
    assert (listed.id, listed.gateway_message) == (order.id, unsure.gateway_message)
    assert len(fake_bambora.payment_requests()) == 1 and cards_of(shop.operator.id) == []

    fake_bambora.search_fail_status = None
    paid = orders.pay_order(shop.operator.id, order.id, fake_bambora.token_for(APPROVED_CARD), "click-3")

    assert paid.status == "paid" and len(fake_bambora.payment_requests()) == 1
    assert len(cards_of(shop.operator.id)) == 2 and ledger.check_ledger(shop.operator.id) == []


def test_a_charge_left_by_a_worker_that_died_is_looked_up_not_repeated(shop, fake_bambora):  # noqa: F811
    order = two_cards_order(shop)
    # The worker claimed the order, charged it at the gateway, and died before recording the answer.
    number = f"{order.number}-1"
    gateway = BamboraGateway(merchant_id=fake_bambora.merchant_id, payments_passcode=fake_bambora.passcode,
                             reporting_passcode=fake_bambora.reporting_passcode, base_url=fake_bambora.base_url)
    assert gateway.charge(number, order.total_cents, fake_bambora.token_for(APPROVED_CARD),
                          currency=order.currency).approved
    with write_session() as session:
        session.execute(update(Order).where(Order.id == order.id).values(
            status="charging", attempt_key="died", attempt_count=1, gateway_order_number=number,
            charging_started_at=utcnow() - orders.STALE_CHARGE - timedelta(seconds=5)))

    paid = orders.pay_order(shop.operator.id, order.id, fake_bambora.token_for(APPROVED_CARD), "after-the-crash")

    assert paid.status == "paid" and len(fake_bambora.payment_requests()) == 1
    assert len(cards_of(shop.operator.id)) == 2 and ledger.check_ledger(shop.operator.id) == []

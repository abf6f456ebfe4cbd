"""Shopify POS: `orders/create` and `order_transactions/create` webhooks signed as Shopify
signs them (base64 HMAC-SHA256 of the raw body), for POS orders paid with the network's
payment method, amounts in the order's currency. Each test runs on SQLite and PostgreSQL."""

from __future__ import annotations

import logging

import pytest

from app.models import PosPayment
from app.services.core.errors import ErrorCode
from app.services.counter import pos_payments, redemptions
from app.services.counter.shopify_pos import decimal_cents
from app.services.money import ledger
from tests.support.counter import activate_counter, balance, issue, rows_of
from tests.support.pos_partners import (
    deliver_to_shopify_receiver,
    shopify_pos_order,
    shopify_transaction,
    signed_by_shopify,
)
from tests.support.services import refused


def test_a_pos_order_paid_with_the_gift_card_method_waits_on_the_counter(shopify_till):
    outcome = deliver_to_shopify_receiver(shopify_till.location.id, shopify_pos_order(total="23.50", tip="3.50"))

    assert (outcome.accepted, outcome.reason) == (True, "created")
    [waiting] = pos_payments.pending_payments(shopify_till.location.id)
    assert (waiting.source, waiting.amount_cents, waiting.tip_cents, waiting.currency, waiting.reference) == (
        "shopify", 2350, 350, "CAD", "#1042")
    card = issue(shopify_till.owner, 5000)
    counter = activate_counter(shopify_till.owner, shopify_till.location)
    redemptions.redeem(counter, location_id=shopify_till.location.id, card_id=card.card.id, pos_payment_id=waiting.id)
    assert balance(card.card.id) == 2650
    assert ledger.check_ledger() == []


def test_the_same_order_twice_and_its_transaction_make_one_payment(shopify_till):
    order = shopify_pos_order(total="12.00", tip="0.00")
    transaction = shopify_transaction(amount="12.00")
    location_id = shopify_till.location.id

    first = deliver_to_shopify_receiver(location_id, transaction, topic="order_transactions/create", webhook_id="w-2")
    redelivered = deliver_to_shopify_receiver(location_id, transaction, topic="order_transactions/create",
                                              webhook_id="w-2")
    order_after = deliver_to_shopify_receiver(location_id, order, webhook_id="w-1")
    order_again = deliver_to_shopify_receiver(location_id, order, webhook_id="w-1b")

    assert [first.reason, redelivered.reason, order_after.reason, order_again.reason] == [
        "created", "duplicate", "duplicate", "duplicate"]
    assert [payment.amount_cents for payment in rows_of(PosPayment)] == [1200]


def test_an_order_split_between_tenders_takes_the_amount_of_its_transaction(shopify_till):
    location_id = shopify_till.location.id
    order = shopify_pos_order(total="30.00", gateways=("cash", "Giftnet gift card"))

    waiting = deliver_to_shopify_receiver(location_id, order, webhook_id="w-1")
    cash = deliver_to_shopify_receiver(location_id, shopify_transaction(transaction_id=1, amount="18.00", gateway="cash"),
                                       topic="order_transactions/create", webhook_id="w-2")
    gift = deliver_to_shopify_receiver(location_id, shopify_transaction(transaction_id=2, amount="12.00"),
                                       topic="order_transactions/create", webhook_id="w-3")

    assert (waiting.reason, cash.reason, gift.reason) == ("waits_for_transaction", "ignored_tender", "created")
    assert [payment.amount_cents for payment in rows_of(PosPayment)] == [1200]


def test_a_bad_signature_is_refused_and_creates_nothing(shopify_till):
    body = shopify_pos_order()
    tampered = body.replace(b'"23.50"', b'"2350.00"')

    for signature in (signed_by_shopify(body, secret="not-the-secret"), "", signed_by_shopify(body)):
        sent = tampered if signature == signed_by_shopify(body) else body
        error = refused(deliver_to_shopify_receiver, shopify_till.location.id, sent, signature=signature)
        assert (error.code, error.field) == (ErrorCode.unauthenticated, "X-Shopify-Hmac-Sha256")
    assert rows_of(PosPayment) == []


def test_online_orders_and_other_payment_methods_are_ignored(shopify_till, caplog):
    location_id = shopify_till.location.id
    with caplog.at_level(logging.INFO, logger="app.services.counter.shopify_pos"):
        online = deliver_to_shopify_receiver(location_id, shopify_pos_order(source_name="web"), webhook_id="a")
        card = deliver_to_shopify_receiver(location_id, shopify_pos_order(gateways=("shopify_payments",)),
                                           webhook_id="b")
        other_topic = deliver_to_shopify_receiver(location_id, shopify_pos_order(), topic="orders/updated",
                                                  webhook_id="c")

    assert [(o.accepted, o.reason) for o in (online, card, other_topic)] == [
        (False, "ignored_source"), (False, "ignored_tender"), (False, "ignored_event")]
    assert rows_of(PosPayment) == []
    assert "was not paid with Giftnet gift card" in caplog.text


def test_an_order_in_another_currency_is_refused(shopify_till):
    outcome = deliver_to_shopify_receiver(shopify_till.location.id, shopify_pos_order(currency="USD"))

    assert (outcome.accepted, outcome.reason) == (False, "other_currency")
    assert rows_of(PosPayment) == []


def test_a_refund_transaction_after_select_is_owed_back(shopify_till):
    location_id = shopify_till.location.id
    payment = deliver_to_shopify_receiver(location_id, shopify_pos_order(total="10.00", tip="0.00")).payment
    card = issue(shopify_till.owner, 3000)
    counter = activate_counter(shopify_till.owner, shopify_till.location)
    redemptions.redeem(counter, location_id=location_id, card_id=card.card.id, pos_payment_id=payment.id)

    refund = deliver_to_shopify_receiver(location_id, shopify_transaction(transaction_id=9, amount="4.00",
                                                                          kind="refund"),
                                         topic="order_transactions/create", webhook_id="w-r")

    assert (refund.reason, refund.refund.amount_cents) == ("refund_owed", 400)


@pytest.mark.parametrize(("text", "cents"), [("23.50", 2350), ("23.5", 2350), ("0.07", 7), ("12", 1200)])
def test_decimal_amounts_become_cents_without_floats(text, cents):
    assert decimal_cents(text, what="total_price") == cents


@pytest.mark.parametrize("text", ["23.505", "-1.00", "1e3", "", "abc", None])
def test_amounts_that_are_not_decimal_money_are_refused(text):
    assert refused(decimal_cents, text, what="total_price").code == ErrorCode.invalid_input

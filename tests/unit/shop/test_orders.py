"""Shop orders: one charge however many clicks, a lost answer never charges twice,
cards only for paid orders, top-ups, refunds of what is still on the card."""

from __future__ import annotations

import threading
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import update
from sqlmodel import select

from app.db import read_session, write_session
from app.models import LedgerEntry, Operator, Order, OutboxMessage
from app.services.core import crypto
from app.services.core.errors import GiftnetError
from app.services.money import ledger
from app.services.shop import orders, shop_settings
from app.services.shop.orders import CartInvalid, CartLine
from tests.fakes.bambora import APPROVED_CARD, DECLINED_CARD
from tests.support.shop import cards_of, forte_shop, two_cards_order  # noqa: F401 - forte_shop is a fixture


def outbox_to(address):
    with read_session() as session:
        return session.exec(select(OutboxMessage).where(OutboxMessage.to_address == address)).all()


def test_a_paid_order_issues_its_cards_and_queues_the_emails(shop, fake_bambora):
    order = two_cards_order(shop)
    assert order.status == "pending" and order.total_cents == 7500 and order.gateway == "bambora"
    assert cards_of(shop.operator.id) == []

    paid = orders.pay_order(shop.operator.id, order.id, fake_bambora.token_for(APPROVED_CARD), "click-1")

    assert paid.status == "paid" and paid.gateway_reference
    assert fake_bambora.payment_requests()[0].body["amount"] == 75.0
    cards = cards_of(shop.operator.id)
    assert sorted(card.balance_cents for card in cards) == [2500, 5000]
    assert all(card.channel == "shop" for card in cards)
    assert {m.kind for m in outbox_to("bo@example.com")} == {"card_recipient"}
    assert {m.kind for m in outbox_to("buyer@example.com")} == {"card_recipient", "order_receipt"}
    with read_session() as session:
        entries = session.exec(select(LedgerEntry).where(LedgerEntry.order_id == order.id)).all()
    assert len(entries) == 2 and ledger.check_ledger(shop.operator.id) == []


def test_ten_clicks_on_pay_make_one_charge(shop, fake_bambora):
    fake_bambora.delay_seconds = 0.3  # the charge is slow: the other clicks arrive meanwhile
    order = two_cards_order(shop)
    token = fake_bambora.token_for(APPROVED_CARD)
    answers, barrier = [], threading.Barrier(10)

    def click(n):
        barrier.wait()
        answers.append(orders.pay_order(shop.operator.id, order.id, token, f"click-{n}").status)

    threads = [threading.Thread(target=click, args=(n,)) for n in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(fake_bambora.payment_requests()) == 1
    assert answers.count("paid") >= 1 and set(answers) <= {"paid", "charging"}
    assert orders.order_view(shop.operator.id, order.id).status == "paid"
    assert len(cards_of(shop.operator.id)) == 2


def test_a_timeout_then_a_retry_finds_the_charge_and_never_charges_twice(shop, fake_bambora, monkeypatch):
    monkeypatch.setattr(shop_settings, "GATEWAY_TIMEOUT_SECONDS", 0.3)
    fake_bambora.delay_seconds = 1.5
    order = two_cards_order(shop)

    lost = orders.pay_order(shop.operator.id, order.id, fake_bambora.token_for(APPROVED_CARD), "click-1")
    assert lost.status == "error" and "never charge twice" in lost.gateway_message
    assert cards_of(shop.operator.id) == []  # charged at the gateway, but no answer: nothing issued yet

    fake_bambora.delay_seconds = 0
    retried = orders.pay_order(shop.operator.id, order.id, fake_bambora.token_for(APPROVED_CARD), "click-2")

    assert retried.status == "paid"
    assert len(fake_bambora.payment_requests()) == 1  # the look-up found it; no second charge
    assert retried.gateway_reference == next(iter(fake_bambora.payments))
    assert len(cards_of(shop.operator.id)) == 2
    again = orders.pay_order(shop.operator.id, order.id, fake_bambora.token_for(APPROVED_CARD), "click-3")
    assert again.status == "paid" and len(cards_of(shop.operator.id)) == 2


def test_a_timeout_whose_charge_never_arrived_is_charged_on_retry(shop, fake_bambora):
    fake_bambora.fail_status = 503
    order = two_cards_order(shop)
    assert orders.pay_order(shop.operator.id, order.id, fake_bambora.token_for(APPROVED_CARD), "a").status == "error"
    fake_bambora.fail_status = None

    paid = orders.pay_order(shop.operator.id, order.id, fake_bambora.token_for(APPROVED_CARD), "b")

    assert paid.status == "paid"
    assert [r.body["order_number"] for r in fake_bambora.payment_requests()] == [
        f"{order.number}-1", f"{order.number}-2"]


def test_a_declined_card_issues_nothing_and_the_shopper_can_try_again(shop, fake_bambora):
    order = two_cards_order(shop)

    declined = orders.pay_order(shop.operator.id, order.id, fake_bambora.token_for(DECLINED_CARD), "click-1")
    assert declined.status == "declined" and declined.gateway_message == "DECLINE"
    assert cards_of(shop.operator.id) == [] and outbox_to("bo@example.com") == []

    paid = orders.pay_order(shop.operator.id, order.id, fake_bambora.token_for(APPROVED_CARD), "click-2")
    assert paid.status == "paid" and len(cards_of(shop.operator.id)) == 2
    assert len(fake_bambora.payment_requests()) == 2


def test_a_top_up_raises_the_cards_balance(shop, fake_bambora):
    # Fake Bambora is at a test address: the shop is in test mode and tops up its own test cards.
    bought = orders.create_order(shop.operator.id, buyer_name="Ada", buyer_email="ada@example.com",
                                 lines=[CartLine(kind="card", amount_cents=2500)])
    orders.pay_order(shop.operator.id, bought.id, fake_bambora.token_for(APPROVED_CARD), "buy")
    [card] = cards_of(shop.operator.id)
    existing = SimpleNamespace(card=card, code=crypto.decrypt(card.code_encrypted))
    order = orders.create_order(shop.operator.id, buyer_name="Ada", buyer_email="ada@example.com", lines=[
        CartLine(kind="topup", amount_cents=1000, card_code=existing.code.lower()),
    ])
    assert order.lines[0].card_last4 == existing.card.last4

    assert orders.pay_order(shop.operator.id, order.id, fake_bambora.token_for(APPROVED_CARD), "x").status == "paid"
    assert ledger.balance_of(shop.operator.id, existing.card.id) == 3500
    assert len(cards_of(shop.operator.id)) == 1
    assert len(fake_bambora.payment_requests()) == 2  # the card, then its top-up


def test_the_cart_names_every_mistake_beside_its_field(shop):
    other = ledger.issue_card(shop.actor, 2500)
    with pytest.raises(CartInvalid) as caught:
        orders.create_order(shop.operator.id, buyer_name=" ", buyer_email="not-an-email", lines=[
            CartLine(kind="card", amount_cents=50, for_self=True),
            CartLine(kind="card", amount_cents=2500, for_self=False, recipient_name="", recipient_email="bo@",
                     delivery_date=date.today() - timedelta(days=3)),
            CartLine(kind="topup", amount_cents=1000, card_code="AAAA-BBBB-CCCC-DDDD"),
            CartLine(kind="topup", amount_cents=99_999_00, card_code=other.code),
        ])
    errors = caught.value.field_errors
    assert set(errors) == {"buyer_name", "buyer_email", "lines.0.amount", "lines.1.recipient_name",
                           "lines.1.recipient_email", "lines.1.delivery_date", "lines.2.card_code", "lines.3.amount",
                           "lines.3.card_code"}
    assert errors["lines.2.card_code"] == "No card matches this code."
    assert errors["lines.3.card_code"] == orders.TEST_TOPUP_REFUSED  # a real card, and this shop is in test mode


def test_a_refund_gives_back_only_what_is_still_on_the_card(shop, fake_bambora):
    order = orders.create_order(shop.operator.id, buyer_name="Ada", buyer_email="ada@example.com",
                                lines=[CartLine(kind="card", amount_cents=5000)])
    paid = orders.pay_order(shop.operator.id, order.id, fake_bambora.token_for(APPROVED_CARD), "x")
    card_id = paid.lines[0].card_id
    ledger.debit_card(shop.actor, card_id, 3000)  # spent at a business
    assert orders.order_view(shop.operator.id, order.id).lines[0].refundable_cents == 2000

    with pytest.raises(Exception, match=r"At most \$20.00"):
        orders.refund_line(shop.actor, order.id, paid.lines[0].id, 2500)

    refunded = orders.refund_line(shop.actor, order.id, paid.lines[0].id)
    assert refunded.refunded_cents == 2000 and refunded.status == "paid"
    assert ledger.balance_of(shop.operator.id, card_id) == 0
    assert fake_bambora.requests[-1].path == f"/v1/payments/{paid.gateway_reference}/returns"
    assert fake_bambora.requests[-1].body["amount"] == 20.0
    assert ledger.check_ledger(shop.operator.id) == []
    with pytest.raises(Exception, match=r"At most \$0.00"):
        orders.refund_line(shop.actor, order.id, paid.lines[0].id)


def test_a_refund_the_gateway_refuses_puts_the_value_back(shop, fake_bambora):
    order = orders.create_order(shop.operator.id, buyer_name="Ada", buyer_email="ada@example.com",
                                lines=[CartLine(kind="card", amount_cents=5000)])
    paid = orders.pay_order(shop.operator.id, order.id, fake_bambora.token_for(APPROVED_CARD), "x")
    fake_bambora.payments.clear()  # the gateway no longer knows the payment

    with pytest.raises(Exception, match="refused the refund"):
        orders.refund_line(shop.actor, order.id, paid.lines[0].id)
    assert ledger.balance_of(shop.operator.id, paid.lines[0].card_id) == 5000
    assert orders.order_view(shop.operator.id, order.id).refunded_cents == 0


def test_the_sandbox_is_the_default_and_in_test_mode(make_operator):
    owner = make_operator()
    order = orders.create_order(owner.operator.id, buyer_name="Ada", buyer_email="ada@example.com",
                                lines=[CartLine(kind="card", amount_cents=2500)])
    assert order.gateway == "sandbox" and order.test_mode
    paid = orders.pay_order(owner.operator.id, order.id, "sbx_1234_approve", "k")
    assert paid.status == "paid"
    receipt = [m for m in outbox_to("ada@example.com") if m.kind == "order_receipt"]
    from app.services.messaging.outbox import read_email

    assert "TEST MODE" in read_email(receipt[0]).text_body


def test_another_operator_cannot_pay_or_see_the_order(shop, make_operator, fake_bambora):
    order = two_cards_order(shop)
    stranger = make_operator()
    with pytest.raises(Exception, match="No such order"):
        orders.pay_order(stranger.operator.id, order.id, fake_bambora.token_for(APPROVED_CARD), "x")
    assert fake_bambora.payment_requests() == []


# --- currency and the amounts the gateways are sent -----------------------------------


def test_an_order_in_another_currency_than_the_shops_is_refused(shop, fake_bambora):
    with pytest.raises(GiftnetError) as refused:
        orders.create_order(shop.operator.id, buyer_name="Ada", buyer_email="ada@example.com",
                            lines=[CartLine(kind="card", amount_cents=2500)], currency="USD")
    assert refused.value.code == "invalid_currency" and refused.value.field == "currency"
    assert refused.value.message == "This shop sells in CAD only; an order in USD cannot be placed."
    same = orders.create_order(shop.operator.id, buyer_name="Ada", buyer_email="ada@example.com",
                               lines=[CartLine(kind="card", amount_cents=2500)], currency="cad")
    assert same.currency == "CAD"


def forte_then_canadian_dollars(make_operator, fake_forte):
    """A network that chose Forte in US dollars, then moved to Canadian dollars (saving Forte
    for a CAD network is refused: test_forte_is_refused_for_a_network_in_canadian_dollars)."""
    owner = make_operator(currency="USD")
    shop_settings.update_gateway_settings(owner.actor, "forte", {
        "organization_id": fake_forte.organization_id, "location_id": fake_forte.location_id,
        "api_access_id": fake_forte.api_access_id, "api_secure_key": fake_forte.api_secure_key,
        "api_login_id": fake_forte.api_login_id, "base_url": fake_forte.base_url,
    })
    with write_session() as session:
        session.execute(update(Operator).where(Operator.id == owner.operator.id).values(currency="CAD"))
    return owner


def test_forte_is_refused_for_a_network_in_canadian_dollars(make_operator, fake_forte):
    owner = make_operator(currency="CAD")
    with pytest.raises(GiftnetError) as refused:
        shop_settings.update_gateway_settings(owner.actor, "forte", {
            "organization_id": fake_forte.organization_id, "location_id": fake_forte.location_id,
            "api_access_id": fake_forte.api_access_id, "api_secure_key": fake_forte.api_secure_key,
            "api_login_id": fake_forte.api_login_id, "base_url": fake_forte.base_url,
        })
    assert refused.value.code == "invalid_currency" and refused.value.field == "gateway"
    assert refused.value.message == ("Forte charges USD only, and this network sells its cards in CAD: choose a "
                                     "gateway that charges CAD.")
    assert fake_forte.requests == [] and shop_settings.get_gateway_settings(owner.operator.id).gateway == "sandbox"


def test_a_shop_in_canadian_dollars_cannot_take_orders_through_forte(make_operator, fake_forte):
    owner = forte_then_canadian_dollars(make_operator, fake_forte)
    asked_on_save = len(fake_forte.requests)  # the credentials were tried with Forte before saving
    with pytest.raises(GiftnetError) as refused:
        orders.create_order(owner.operator.id, buyer_name="Ada", buyer_email="ada@example.com",
                            lines=[CartLine(kind="card", amount_cents=2500)])
    assert refused.value.code == "invalid_currency"
    assert refused.value.message == ("This shop cannot take card payments in CAD right now "
                                     "(its payment service charges USD).")
    assert fake_forte.requests[asked_on_save:] == []


def test_an_order_left_in_a_currency_its_gateway_cannot_charge_is_not_charged(make_operator, fake_forte):
    owner = forte_then_canadian_dollars(make_operator, fake_forte)
    with write_session() as session:  # the order was placed in the sandbox, then the shop moved to Forte
        stored = session.get(Operator, owner.operator.id).gateway_settings
        session.execute(update(Operator).where(Operator.id == owner.operator.id)
                        .values(gateway_settings=stored.replace('"gateway": "forte"', '"gateway": "sandbox"')))
    order = orders.create_order(owner.operator.id, buyer_name="Ada", buyer_email="ada@example.com",
                                lines=[CartLine(kind="card", amount_cents=2500)])
    with write_session() as session:
        session.execute(update(Order).where(Order.id == order.id).values(gateway="forte"))
        session.execute(update(Operator).where(Operator.id == owner.operator.id).values(gateway_settings=stored))
    asked_on_save = len(fake_forte.requests)  # the credentials were tried with Forte before saving

    failed = orders.pay_order(owner.operator.id, order.id, fake_forte.token_for("4111111111111111"), "k")

    assert failed.status == "error"
    assert failed.gateway_message == ("The payment could not be made: Forte cannot charge CAD; it charges USD. "
                                      "Nothing was charged; you can try again.")
    assert fake_forte.requests[asked_on_save:] == [] and cards_of(owner.operator.id) == []


def test_bambora_is_charged_the_order_total_in_decimal_dollars(shop, fake_bambora):
    order = orders.create_order(shop.operator.id, buyer_name="Ada", buyer_email="ada@example.com", lines=[
        CartLine(kind="card", amount_cents=5000), CartLine(kind="card", amount_cents=2599)])
    assert orders.pay_order(shop.operator.id, order.id, fake_bambora.token_for(APPROVED_CARD), "k").status == "paid"
    (request,) = fake_bambora.payment_requests()
    assert request.body["amount"] == 75.99


def test_forte_is_charged_the_order_total_as_a_decimal_authorization_amount(forte_shop, fake_forte):  # noqa: F811
    order = orders.create_order(forte_shop.operator.id, buyer_name="Ada", buyer_email="ada@example.com", lines=[
        CartLine(kind="card", amount_cents=5000), CartLine(kind="card", amount_cents=2599)])
    assert order.currency == "USD"
    paid = orders.pay_order(forte_shop.operator.id, order.id, fake_forte.token_for("4111111111111111"), "k")
    assert paid.status == "paid"
    (request,) = fake_forte.sale_requests()
    assert request.body["authorization_amount"] == 75.99

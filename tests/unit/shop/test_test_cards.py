"""Test mode cannot move real money. An attacker buys a card in a network's shop while its
gateway is in test mode (the default sandbox, with the public test card number), then tries to
spend it at a real counter and to get it paid out: the card is a test card, refused at every
location that is not a test location (nothing moves), and its redemptions at a test location
never reach a payout batch or a bank file. A test-mode order cannot top up a real card either.
Every test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import uuid

import pytest
from sqlmodel import select

from app.api.schemas import card_answer
from app.db import read_session
from app.models import Card, LedgerEntry, OutboxMessage, PayoutLine, Redemption
from app.models.base import utcnow
from app.services.core.errors import ErrorCode, GiftnetError
from app.services.counter import redemptions
from app.services.messaging.outbox import read_email
from app.services.money import ledger
from app.services.network import locations
from app.services.settlement import bank_files, batches, payables
from app.services.shop import orders
from app.services.shop.orders import CartInvalid, CartLine
from tests.fakes.bambora import APPROVED_CARD
from tests.support.counter import activate_counter, balance
from tests.support.settlement import us_network
from tests.support.shop import cards_of

PUBLIC_TEST_CARD = "sbx_1234_approve"  # the sandbox's approved test card, as its card form tokenizes it


def _buy_in_sandbox(owner, amount_cents: int = 5_000) -> Card:
    order = orders.create_order(owner.operator.id, buyer_name="Mallory", buyer_email="mallory@example.com",
                                lines=[CartLine(kind="card", amount_cents=amount_cents)])
    paid = orders.pay_order(owner.operator.id, order.id, PUBLIC_TEST_CARD, f"click-{uuid.uuid4().hex[:8]}")
    assert paid.status == "paid"
    with read_session() as session:
        return session.get(Card, paid.lines[0].card_id)


def _rows(model) -> int:
    with read_session() as session:
        return len(session.exec(select(model)).all())


@pytest.fixture
def network(make_operator):
    return us_network(make_operator, "Test Mode Street")


def test_a_card_bought_in_the_sandbox_is_a_test_card_everywhere_it_is_shown(network):
    bought = _buy_in_sandbox(network.owner)
    issued = ledger.issue_card(network.owner.actor, 5_000).card

    assert bought.is_test is True and issued.is_test is False
    assert card_answer(bought).test is True and card_answer(issued).test is False
    with read_session() as session:
        receipt = session.exec(select(OutboxMessage).where(OutboxMessage.kind == orders.RECEIPT_KIND)).one()
    assert "The cards of this order are test cards" in read_email(receipt).text_body


def test_a_test_card_is_refused_at_a_real_counter_and_nothing_moves(network):
    card = _buy_in_sandbox(network.owner)
    counter = activate_counter(network.owner, network.checking)
    before = (_rows(Redemption), _rows(LedgerEntry))

    for actor in (counter, network.owner.actor):  # the counter screen, and the API's key
        with pytest.raises(GiftnetError) as refused:
            redemptions.redeem(actor, location_id=network.checking.id, card_id=card.id, amount_cents=1_000)
        assert refused.value.code == ErrorCode.test_card and refused.value.http_status == 409
        assert "test card" in refused.value.message and refused.value.field == "card_id"

    assert balance(card.id) == 5_000 and (_rows(Redemption), _rows(LedgerEntry)) == before
    assert ledger.check_ledger(network.owner.operator.id) == []


def test_a_test_cards_redemptions_at_a_test_location_are_never_paid_out(network):
    owner = network.owner
    test_card = _buy_in_sandbox(owner)
    real_card = ledger.issue_card(owner.actor, 5_000).card
    # The savings location has valid bank details: only the test card rule keeps it out of the file.
    tried = locations.update_location(owner.actor, network.savings.id, {"is_test": True})
    assert tried.is_test is True
    test_sale = redemptions.redeem(activate_counter(owner, network.savings), location_id=network.savings.id,
                                   card_id=test_card.id, amount_cents=3_000)
    real_sale = redemptions.redeem(owner.actor, location_id=network.checking.id, card_id=real_card.id,
                                   amount_cents=1_000)
    assert balance(test_card.id) == 2_000

    owed = payables.payables(owner.operator.id, through=utcnow())
    assert [(line.location_id, line.gross_cents) for line in owed.lines] == [(network.checking.id, 1_000)]

    payout = batches.create_payout(owner.actor, through=utcnow())

    assert [(line.location_id, line.gross_cents) for line in payout.lines] == [(network.checking.id, 1_000)]
    with read_session() as session:
        assert session.get(Redemption, test_sale.redemption.id).payout_batch_id is None
        assert session.get(Redemption, real_sale.redemption.id).payout_batch_id == payout.batch.id
        assert {line.location_id for line in session.exec(select(PayoutLine))} == {network.checking.id}
    content = bank_files.bank_file_bytes(bank_files.export_bank_file(owner.actor, payout.batch.id, "nacha"))
    assert b"00099887766" not in content and b"123456789" in content  # savings' account absent, checking's there
    # Nothing is left waiting for a later payout either.
    assert payables.location_payable(owner.operator.id, network.savings.id).gross_cents == 0
    with pytest.raises(GiftnetError) as nothing:
        batches.create_payout(owner.actor, through=utcnow())
    assert nothing.value.code == ErrorCode.conflict
    assert ledger.check_ledger(owner.operator.id) == []


def test_a_real_card_still_redeems_at_a_test_location(network):
    locations.update_location(network.owner.actor, network.savings.id, {"is_test": True})
    card = ledger.issue_card(network.owner.actor, 5_000).card

    sale = redemptions.redeem(network.owner.actor, location_id=network.savings.id, card_id=card.id, amount_cents=500)

    assert sale.balance_after_cents == 4_500


def test_a_test_mode_order_cannot_top_up_a_real_card(network):
    real = ledger.issue_card(network.owner.actor, 2_000)

    with pytest.raises(CartInvalid) as refused:
        orders.create_order(network.owner.operator.id, buyer_name="Mallory", buyer_email="mallory@example.com",
                            lines=[CartLine(kind="topup", amount_cents=5_000, card_code=real.code)])

    assert refused.value.field_errors == {"lines.0.card_code": orders.TEST_TOPUP_REFUSED}
    assert balance(real.card.id) == 2_000 and _rows(orders.Order) == 0


def test_a_test_mode_order_tops_up_a_test_card(network):
    card = _buy_in_sandbox(network.owner, 2_000)
    code = ledger.crypto.decrypt(card.code_encrypted)
    order = orders.create_order(network.owner.operator.id, buyer_name="Mallory", buyer_email="mallory@example.com",
                                lines=[CartLine(kind="topup", amount_cents=1_000, card_code=code)])

    paid = orders.pay_order(network.owner.operator.id, order.id, PUBLIC_TEST_CARD, "click-topup")

    assert paid.status == "paid" and balance(card.id) == 3_000


def test_location_test_flag_is_a_true_or_false(network):
    with pytest.raises(GiftnetError) as refused:
        locations.update_location(network.owner.actor, network.checking.id, {"is_test": "maybe"})
    assert refused.value.field == "is_test"


def test_a_card_paid_through_bambora_at_a_test_address_is_a_test_card(shop, fake_bambora):
    order = orders.create_order(shop.operator.id, buyer_name="Ada", buyer_email="ada@example.com",
                                lines=[CartLine(kind="card", amount_cents=2_500)])
    paid = orders.pay_order(shop.operator.id, order.id, fake_bambora.token_for(APPROVED_CARD), "click-1")

    assert [card.is_test for card in cards_of(shop.operator.id)] == [True]
    assert paid.gateway == "bambora" and paid.test_mode  # the Orders screen marks it TEST

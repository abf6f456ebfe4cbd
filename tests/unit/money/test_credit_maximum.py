"""The network's maximum card value holds for every credit, not only top-ups: an attacker who
redeems, tops the card up to the maximum and then voids the redemption (or has the POS refund
it) is refused with a sentence naming the maximum, and nothing moves. Every test runs on
SQLite and on PostgreSQL."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlmodel import select

from app.db import read_session, write_session
from app.models import LedgerEntry, Operator, PosRefund, Redemption
from app.models.pos_partner import PosRefundStatus
from app.services.core.errors import ErrorCode, GiftnetError
from app.services.counter import pos_refunds, redemptions, square_pos
from app.services.money import ledger
from tests.support.counter import activate_counter, balance, open_location
from tests.support.settlement import ca_network
from tests.support.square import NOTIFICATION_URL, SIGNATURE_KEY, deliver, square_payment_created, square_refund

MAXIMUM = 10_000


def _set_maximum(operator_id: int, maximum: int = MAXIMUM) -> None:
    with write_session() as session:
        operator = session.get(Operator, operator_id)
        operator.card_max_cents = maximum
        session.add(operator)


def _ledger_rows(card_id: int) -> list[tuple[str, int]]:
    with read_session() as session:
        return [(entry.kind, entry.amount_cents) for entry in session.exec(
            select(LedgerEntry).where(LedgerEntry.card_id == card_id).order_by(LedgerEntry.id))]


def _refused(call, *args, **kwargs) -> GiftnetError:
    with pytest.raises(GiftnetError) as refusal:
        call(*args, **kwargs)
    return refusal.value


def test_a_void_after_a_top_up_to_the_maximum_is_refused_and_moves_nothing(make_operator):
    owner = make_operator("Void Overfillers")
    _set_maximum(owner.operator.id)
    location = open_location(owner)
    counter = activate_counter(owner, location)
    card = ledger.issue_card(owner.actor, 6_000).card
    sale = redemptions.redeem(counter, location_id=location.id, card_id=card.id, amount_cents=4_000)
    ledger.top_up_card(owner.actor, card.id, 8_000)  # 2,000 + 8,000: exactly the maximum
    before = _ledger_rows(card.id)

    refusal = _refused(redemptions.void_redemption, counter, sale.redemption.id)

    assert refusal.code == ErrorCode.amount_out_of_range and refusal.http_status == 422
    assert refusal.message == ("A card can hold at most $100.00; this card holds $100.00, so giving back $40.00 "
                               "would exceed it. Spend or refund part of the balance first.")
    assert balance(card.id) == MAXIMUM and _ledger_rows(card.id) == before
    with read_session() as session:
        assert session.get(Redemption, sale.redemption.id).status == "completed"  # still a sale, still paid out
    assert ledger.check_ledger(owner.operator.id) == []


def test_a_void_that_keeps_the_card_within_the_maximum_still_works(make_operator):
    owner = make_operator("Void Fitters")
    _set_maximum(owner.operator.id)
    location = open_location(owner)
    counter = activate_counter(owner, location)
    card = ledger.issue_card(owner.actor, 6_000).card
    sale = redemptions.redeem(counter, location_id=location.id, card_id=card.id, amount_cents=4_000)
    ledger.top_up_card(owner.actor, card.id, 4_000)  # 6,000: the void brings it to exactly 10,000

    voided = redemptions.void_redemption(counter, sale.redemption.id)

    assert voided.balance_after_cents == MAXIMUM == balance(card.id)
    assert ledger.check_ledger(owner.operator.id) == []


def test_the_api_void_over_the_maximum_answers_422_naming_the_maximum(make_operator):
    """The same refusal through the rule every channel shares, as the API translates it."""
    import json

    from app.api.errors import error_response

    owner = make_operator("Api Void Overfillers")
    _set_maximum(owner.operator.id)
    location = open_location(owner)
    card = ledger.issue_card(owner.actor, 9_000).card
    sale = redemptions.redeem(owner.actor, location_id=location.id, card_id=card.id, amount_cents=5_000)
    ledger.top_up_card(owner.actor, card.id, 6_000)

    refusal = _refused(redemptions.void_redemption, owner.actor, sale.redemption.id)

    answer = error_response(refusal)
    body = json.loads(answer.body)
    assert answer.status_code == 422
    assert body["error"]["code"] == "amount_out_of_range" and "at most $100.00" in body["error"]["message"]
    assert balance(card.id) == MAXIMUM


@pytest.fixture
def till(make_operator):
    network = ca_network(make_operator)
    _set_maximum(network.owner.operator.id)
    square_pos.configure_square(network.owner.operator.id, network.checking.id, signature_key=SIGNATURE_KEY,
                                notification_url=NOTIFICATION_URL)
    return SimpleNamespace(network=network, owner=network.owner, location=network.checking,
                           front=activate_counter(network.owner, network.checking, "Front counter"))


def test_a_pos_refund_that_would_overfill_the_card_is_refused_and_stays_owed(till):
    card = ledger.issue_card(till.owner.actor, 5_000).card
    payment = deliver(till, square_payment_created(amount=2_000, reference_id="Order 88")).payment
    redemptions.redeem(till.front, location_id=till.location.id, card_id=card.id, pos_payment_id=payment.id)
    refund = deliver(till, square_refund(amount=1_500)).refund
    ledger.top_up_card(till.owner.actor, card.id, 7_000)  # 3,000 + 7,000 = the maximum
    before = _ledger_rows(card.id)

    refusal = _refused(pos_refunds.apply_refund, till.front, refund.id)

    assert refusal.code == ErrorCode.amount_out_of_range and "at most $100.00" in refusal.message
    assert balance(card.id) == MAXIMUM and _ledger_rows(card.id) == before
    with read_session() as session:
        assert session.get(PosRefund, refund.id).status == PosRefundStatus.owed  # still to give back later
    assert ledger.check_ledger(till.owner.operator.id) == []

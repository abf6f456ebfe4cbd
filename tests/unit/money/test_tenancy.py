"""Operator B never sees, counts or changes anything of operator A."""

from __future__ import annotations

import pytest

from app.services.access import api_keys
from app.services.core import codes
from app.services.core.errors import ErrorCode, GiftnetError
from app.services.money import cards, ledger


@pytest.fixture
def two_networks(make_operator):
    """Operator A with a card and an API key; operator B, a stranger to both."""
    first, second = make_operator("Downtown A"), make_operator("Uptown B")
    issued = ledger.issue_card(first.actor, 5000, recipient_email="alex@example.com")
    key = api_keys.create_api_key(first.operator.id, "A's shop")
    return first, second, issued, key


def assert_not_found(call, *args, expected=ErrorCode.card_not_found, **kwargs):
    with pytest.raises(GiftnetError) as refused:
        call(*args, **kwargs)
    assert refused.value.code == expected


def test_another_operator_cannot_read_my_cards(two_networks):
    first, second, issued, _key = two_networks
    card_id = issued.card.id

    assert_not_found(cards.get_card, second.operator.id, card_id)
    assert_not_found(cards.card_ledger, second.operator.id, card_id)
    assert_not_found(ledger.balance_of, second.operator.id, card_id)
    assert_not_found(cards.find_card_by_code, second.operator.id, issued.code)
    assert_not_found(cards.find_card_by_code, second.operator.id, codes.format_code(issued.code).lower())
    assert cards.list_cards(second.operator.id).cards == []
    assert cards.list_cards(second.operator.id, query=issued.card.last4).cards == []
    assert cards.list_cards(second.operator.id, query="alex@example.com").cards == []
    assert ledger.check_ledger(second.operator.id) == []

    # The owner still sees everything.
    assert cards.get_card(first.operator.id, card_id).id == card_id
    assert [card.id for card in cards.list_cards(first.operator.id, query=issued.card.last4).cards] == [card_id]
    assert cards.find_card_by_code(first.operator.id, issued.code).id == card_id


def test_another_operator_cannot_spend_top_up_or_freeze_my_cards(two_networks):
    first, second, issued, _key = two_networks
    card_id = issued.card.id

    assert_not_found(ledger.debit_card, second.actor, card_id, 1000)
    assert_not_found(ledger.debit_card, second.actor, card_id, 1000, idempotency_key="b-1")
    assert_not_found(ledger.top_up_card, second.actor, card_id, 1000)
    assert_not_found(ledger.set_card_frozen, second.actor, card_id, True)

    card = cards.get_card(first.operator.id, card_id)
    assert (card.balance_cents, card.status) == (5000, "active")
    assert [entry.kind for entry in cards.card_ledger(first.operator.id, card_id)] == ["issue"]
    assert ledger.check_ledger() == []


def test_a_frozen_card_of_mine_still_looks_absent_to_another_operator(two_networks):
    first, second, issued, _key = two_networks
    ledger.set_card_frozen(first.actor, issued.card.id, True)

    # "not found", never "not active": B must not learn that the card exists.
    assert_not_found(ledger.debit_card, second.actor, issued.card.id, 1000)
    assert_not_found(ledger.set_card_frozen, second.actor, issued.card.id, False)
    assert cards.get_card(first.operator.id, issued.card.id).status == "frozen"


def test_my_idempotency_keys_do_not_leak_my_cards_to_another_operator(two_networks):
    first, second, issued, _key = two_networks
    ledger.debit_card(first.actor, issued.card.id, 1000, idempotency_key="sale-1")

    assert_not_found(ledger.debit_card, second.actor, issued.card.id, 1000, idempotency_key="sale-1")
    assert ledger.balance_of(first.operator.id, issued.card.id) == 4000


def test_another_operator_cannot_revoke_or_list_my_api_keys(two_networks):
    first, second, _issued, key = two_networks

    assert_not_found(api_keys.revoke_api_key, second.operator.id, key.api_key.id, expected=ErrorCode.not_found)

    assert api_keys.list_api_keys(second.operator.id) == []
    assert api_keys.resolve_api_key(key.plaintext).operator_id == first.operator.id

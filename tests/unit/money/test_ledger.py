"""The ledger: every cent a card gains or loses, on SQLite and on PostgreSQL.

Each test runs twice through the `database` fixture, once per backend.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import select

from app.db import read_session, write_engine
from app.models import Card, LedgerEntry
from app.services.core import codes, crypto
from app.services.core.errors import ErrorCode, GiftnetError
from app.services.money import cards, ledger
from tests.support.services import at_once, ledger_rows, refused


def card_count() -> int:
    with read_session() as session:
        return len(session.exec(select(Card.id)).all())


@pytest.fixture
def owner(make_operator):
    return make_operator()


# --- Issue, top up, debit -------------------------------------------------------------


def test_an_issued_card_holds_its_amount_and_its_code_finds_it(owner):
    issued = ledger.issue_card(owner.actor, 2500, recipient_email=" Alex@Example.com ", recipient_name=" Alex ")

    assert len(issued.code) == 16
    assert issued.card.balance_cents == 2500
    assert issued.card.initial_amount_cents == 2500
    assert issued.card.currency == "CAD"
    assert issued.card.status == "active"
    assert issued.card.last4 == issued.code[-4:]
    assert issued.card.recipient_email == "alex@example.com"
    assert issued.card.recipient_name == "Alex"
    assert ledger.balance_of(owner.operator.id, issued.card.id) == 2500
    assert cards.find_card_by_code(owner.operator.id, codes.format_code(issued.code).lower()).id == issued.card.id
    assert cards.find_card_by_link_token(issued.link_token).id == issued.card.id
    [entry] = ledger_rows(issued.card.id)
    assert (entry.kind, entry.amount_cents, entry.balance_after_cents) == ("issue", 2500, 2500)
    assert entry.user_id == owner.user.id
    assert ledger.check_ledger() == []


def test_a_leaked_database_does_not_reveal_usable_codes(owner):
    issued = ledger.issue_card(owner.actor, 2500)
    with write_engine().connect() as connection:
        row = connection.execute(text("SELECT * FROM card WHERE id = :id"), {"id": issued.card.id}).mappings().one()
    stored = " ".join(str(value) for value in row.values())
    assert issued.code not in stored
    assert codes.format_code(issued.code) not in stored
    assert issued.link_token not in stored
    assert crypto.decrypt(row["code_encrypted"]) == issued.code  # only our key can resend it


def test_top_ups_and_debits_move_the_balance_and_each_leaves_a_ledger_row(owner, published):
    card_id = ledger.issue_card(owner.actor, 5000).card.id

    topped = ledger.top_up_card(owner.actor, card_id, 2000)
    spent = ledger.debit_card(owner.actor, card_id, 1850, memo="Coffee and a book")

    assert topped.balance_after_cents == 7000
    assert spent.balance_after_cents == 5150
    assert spent.amount_cents == -1850
    assert spent.memo == "Coffee and a book"
    assert ledger.balance_of(owner.operator.id, card_id) == 5150
    assert [(row.kind, row.amount_cents, row.balance_after_cents) for row in ledger_rows(card_id)] == [
        ("issue", 5000, 5000),
        ("topup", 2000, 7000),
        ("redeem", -1850, 5150),
    ]
    assert [row.id for row in cards.card_ledger(owner.operator.id, card_id)] == [row.id for row in ledger_rows(card_id)]
    assert [event.type for event in published] == ["card.issued", "card.topped_up"]
    assert ledger.check_ledger() == []


def test_a_card_can_be_spent_down_to_zero_but_not_below(owner):
    card_id = ledger.issue_card(owner.actor, 2500).card.id

    ledger.debit_card(owner.actor, card_id, 2500)
    error = refused(ledger.debit_card, owner.actor, card_id, 1)

    assert error.code == ErrorCode.insufficient_funds
    assert error.message == "The card holds $0.00, less than $0.01."
    assert ledger.balance_of(owner.operator.id, card_id) == 0
    assert len(ledger_rows(card_id)) == 2


def test_a_debit_larger_than_the_balance_is_refused_and_moves_nothing(owner):
    card_id = ledger.issue_card(owner.actor, 2500).card.id

    error = refused(ledger.debit_card, owner.actor, card_id, 2501, idempotency_key="too-much")

    assert error.code == ErrorCode.insufficient_funds
    assert "$25.00" in error.message
    assert ledger.balance_of(owner.operator.id, card_id) == 2500
    assert len(ledger_rows(card_id)) == 1
    # The refused key left nothing behind: it can be used for a debit that fits.
    assert ledger.debit_card(owner.actor, card_id, 2500, idempotency_key="too-much").balance_after_cents == 0


def test_an_unknown_card_is_not_found(owner):
    assert refused(ledger.debit_card, owner.actor, 999_999, 100).code == ErrorCode.card_not_found
    assert refused(ledger.top_up_card, owner.actor, 999_999, 100).code == ErrorCode.card_not_found
    assert refused(ledger.set_card_frozen, owner.actor, 999_999, True).code == ErrorCode.card_not_found
    assert refused(ledger.balance_of, owner.operator.id, 999_999).code == ErrorCode.card_not_found


def test_money_calls_refuse_amounts_that_are_not_positive_cents(owner):
    card_id = ledger.issue_card(owner.actor, 2500).card.id

    for amount in (0, -100, 12.5, 10.0, True, "100", None):
        assert refused(ledger.issue_card, owner.actor, amount).code == ErrorCode.invalid_amount
        assert refused(ledger.top_up_card, owner.actor, card_id, amount).code == ErrorCode.invalid_amount
        assert refused(ledger.debit_card, owner.actor, card_id, amount).code == ErrorCode.invalid_amount
    assert card_count() == 1
    assert ledger.balance_of(owner.operator.id, card_id) == 2500


# --- Limits ---------------------------------------------------------------------------


def test_a_card_below_the_minimum_or_above_the_maximum_is_not_issued(owner):
    minimum, maximum = owner.operator.card_min_cents, owner.operator.card_max_cents

    too_small = refused(ledger.issue_card, owner.actor, minimum - 1)
    too_big = refused(ledger.issue_card, owner.actor, maximum + 1)

    for error in (too_small, too_big):
        assert error.code == ErrorCode.amount_out_of_range
        assert error.message == "The amount must be between $5.00 and $1,000.00."
        assert error.field == "amount_cents"
    assert card_count() == 0
    assert ledger.issue_card(owner.actor, minimum).card.balance_cents == minimum
    assert ledger.issue_card(owner.actor, maximum).card.balance_cents == maximum


def test_a_top_up_may_not_take_a_card_past_the_maximum(owner):
    maximum = owner.operator.card_max_cents
    card_id = ledger.issue_card(owner.actor, maximum - 1000).card.id

    error = refused(ledger.top_up_card, owner.actor, card_id, 1001)
    assert error.code == ErrorCode.amount_out_of_range
    assert "$1,000.00" in error.message
    assert refused(ledger.top_up_card, owner.actor, card_id, maximum + 1).code == ErrorCode.amount_out_of_range
    assert ledger.balance_of(owner.operator.id, card_id) == maximum - 1000

    assert ledger.top_up_card(owner.actor, card_id, 1000).balance_after_cents == maximum
    assert ledger.check_ledger() == []


# --- Freezing ---------------------------------------------------------------------------


def test_a_frozen_card_refuses_spending_and_top_ups_until_unfrozen(owner, published):
    card_id = ledger.issue_card(owner.actor, 5000).card.id

    assert ledger.set_card_frozen(owner.actor, card_id, True).status == "frozen"
    for error in (
        refused(ledger.debit_card, owner.actor, card_id, 100),
        refused(ledger.top_up_card, owner.actor, card_id, 100),
    ):
        assert error.code == ErrorCode.card_not_active
        assert error.message == "This card is frozen and cannot be used."
    assert ledger.balance_of(owner.operator.id, card_id) == 5000
    assert len(ledger_rows(card_id)) == 1  # freezing moves no value

    assert ledger.set_card_frozen(owner.actor, card_id, False).status == "active"
    assert ledger.debit_card(owner.actor, card_id, 100).balance_after_cents == 4900
    assert [event.type for event in published] == ["card.issued", "card.frozen", "card.unfrozen"]


def test_freezing_a_frozen_card_changes_nothing_and_announces_nothing(owner, published):
    card_id = ledger.issue_card(owner.actor, 5000).card.id
    ledger.set_card_frozen(owner.actor, card_id, True)
    ledger.set_card_frozen(owner.actor, card_id, True)
    ledger.set_card_frozen(owner.actor, card_id, False)
    ledger.set_card_frozen(owner.actor, card_id, False)

    assert [event.type for event in published] == ["card.issued", "card.frozen", "card.unfrozen"]
    assert cards.get_card(owner.operator.id, card_id).status == "active"


# --- Idempotency ----------------------------------------------------------------------


def test_retrying_an_issue_with_the_same_key_returns_the_same_card_and_creates_nothing(owner, published):
    first = ledger.issue_card(owner.actor, 2500, idempotency_key="order-1001")
    again = ledger.issue_card(owner.actor, 2500, idempotency_key="order-1001")

    assert again.card.id == first.card.id
    assert again.code == first.code
    assert again.link_token == first.link_token
    assert again.entry.id == first.entry.id
    assert card_count() == 1
    assert len(published) == 1


def test_retrying_a_top_up_with_the_same_key_adds_the_money_once(owner, published):
    card_id = ledger.issue_card(owner.actor, 2500).card.id

    first = ledger.top_up_card(owner.actor, card_id, 1000, idempotency_key="topup-7")
    again = ledger.top_up_card(owner.actor, card_id, 1000, idempotency_key="topup-7")

    assert again.id == first.id
    assert again.balance_after_cents == 3500
    assert ledger.balance_of(owner.operator.id, card_id) == 3500
    assert [event.type for event in published] == ["card.issued", "card.topped_up"]


def test_retrying_a_debit_with_the_same_key_takes_the_money_once(owner):
    card_id = ledger.issue_card(owner.actor, 2500).card.id

    first = ledger.debit_card(owner.actor, card_id, 1000, idempotency_key="sale-42")
    again = ledger.debit_card(owner.actor, card_id, 1000, idempotency_key="sale-42")

    assert again.id == first.id
    assert again.balance_after_cents == 1500
    assert ledger.balance_of(owner.operator.id, card_id) == 1500
    assert len(ledger_rows(card_id)) == 2


def test_a_retried_debit_gets_its_first_answer_even_after_the_card_is_empty(owner):
    card_id = ledger.issue_card(owner.actor, 2500).card.id
    first = ledger.debit_card(owner.actor, card_id, 2500, idempotency_key="sale-43")

    again = ledger.debit_card(owner.actor, card_id, 2500, idempotency_key="sale-43")

    assert again.id == first.id
    assert ledger.balance_of(owner.operator.id, card_id) == 0


def test_the_same_key_for_a_different_request_is_refused(owner):
    card_id = ledger.issue_card(owner.actor, 5000, idempotency_key="k-issue").card.id
    ledger.top_up_card(owner.actor, card_id, 1000, idempotency_key="k-topup")
    ledger.debit_card(owner.actor, card_id, 1000, idempotency_key="k-debit")
    other_card_id = ledger.issue_card(owner.actor, 5000).card.id

    attempts = [
        lambda: ledger.issue_card(owner.actor, 5001, idempotency_key="k-issue"),
        lambda: ledger.top_up_card(owner.actor, card_id, 1001, idempotency_key="k-topup"),
        lambda: ledger.debit_card(owner.actor, card_id, 999, idempotency_key="k-debit"),
        lambda: ledger.debit_card(owner.actor, other_card_id, 1000, idempotency_key="k-debit"),
        lambda: ledger.top_up_card(owner.actor, card_id, 1000, idempotency_key="k-debit"),
        lambda: ledger.debit_card(owner.actor, card_id, 1000, idempotency_key="k-topup"),
        lambda: ledger.issue_card(owner.actor, 1000, idempotency_key="k-debit"),
    ]
    for attempt in attempts:
        error = refused(attempt)
        assert error.code == ErrorCode.idempotency_key_reused
        assert error.field == "idempotency_key"
        assert error.message == "This idempotency key was already used for a different request."
    assert ledger.balance_of(owner.operator.id, card_id) == 5000
    assert ledger.balance_of(owner.operator.id, other_card_id) == 5000
    assert card_count() == 2


def test_two_operators_may_use_the_same_idempotency_key(make_operator):
    first, second = make_operator(), make_operator()
    first_card = ledger.issue_card(first.actor, 2500, idempotency_key="order-1")
    second_card = ledger.issue_card(second.actor, 2500, idempotency_key="order-1")
    assert first_card.card.id != second_card.card.id
    assert first_card.card.operator_id == first.operator.id
    assert second_card.card.operator_id == second.operator.id


def test_an_idempotency_key_must_have_one_to_255_characters(owner):
    for key in ("", "k" * 256):
        error = refused(ledger.issue_card, owner.actor, 2500, idempotency_key=key)
        assert (error.code, error.field) == (ErrorCode.invalid_input, "idempotency_key")
    assert card_count() == 0
    assert ledger.issue_card(owner.actor, 2500, idempotency_key="k" * 255).card.balance_cents == 2500


# --- Concurrency ----------------------------------------------------------------------


def test_two_devices_cannot_spend_the_same_balance(owner):
    card_id = ledger.issue_card(owner.actor, 10_000).card.id

    outcomes = at_once(20, lambda index: ledger.debit_card(owner.actor, card_id, 1000, idempotency_key=f"till-{index}"))

    spent = [outcome for outcome in outcomes if isinstance(outcome, LedgerEntry)]
    declined = [outcome for outcome in outcomes if isinstance(outcome, GiftnetError)]
    assert len(spent) == 10
    assert len(declined) == 10
    assert {error.code for error in declined} == {ErrorCode.insufficient_funds}
    assert sorted(entry.balance_after_cents for entry in spent) == list(range(0, 10_000, 1000))
    assert ledger.balance_of(owner.operator.id, card_id) == 0
    assert ledger.check_ledger() == []


def test_a_payment_retried_from_many_devices_at_once_moves_money_once(owner):
    card_id = ledger.issue_card(owner.actor, 10_000).card.id

    outcomes = at_once(20, lambda _index: ledger.debit_card(owner.actor, card_id, 1000, idempotency_key="sale-1"))

    assert all(isinstance(outcome, LedgerEntry) for outcome in outcomes), outcomes
    assert {entry.id for entry in outcomes} == {outcomes[0].id}
    assert ledger.balance_of(owner.operator.id, card_id) == 9000
    assert len(ledger_rows(card_id)) == 2
    assert ledger.check_ledger() == []


def test_a_retried_payment_that_empties_the_card_answers_every_retry_with_the_payment(owner):
    # The losers find the balance already gone: they must still answer with the
    # winner's debit, not tell the merchant the card was declined.
    card_id = ledger.issue_card(owner.actor, 1000).card.id

    outcomes = at_once(20, lambda _index: ledger.debit_card(owner.actor, card_id, 1000, idempotency_key="sale-2"))

    assert all(isinstance(outcome, LedgerEntry) for outcome in outcomes), outcomes
    assert {entry.id for entry in outcomes} == {outcomes[0].id}
    assert ledger.balance_of(owner.operator.id, card_id) == 0
    assert ledger.check_ledger() == []


def test_a_top_up_retried_from_many_tabs_at_once_adds_money_once(owner, published):
    card_id = ledger.issue_card(owner.actor, 2500).card.id

    outcomes = at_once(20, lambda _index: ledger.top_up_card(owner.actor, card_id, 1000, idempotency_key="topup-1"))

    assert all(isinstance(outcome, LedgerEntry) for outcome in outcomes), outcomes
    assert {entry.id for entry in outcomes} == {outcomes[0].id}
    assert ledger.balance_of(owner.operator.id, card_id) == 3500
    assert [event.type for event in published] == ["card.issued", "card.topped_up"]


def test_an_order_submitted_twice_at_once_issues_one_card(owner, published):
    outcomes = at_once(20, lambda _index: ledger.issue_card(owner.actor, 2500, idempotency_key="order-9"))

    assert all(isinstance(outcome, ledger.IssuedCard) for outcome in outcomes), outcomes
    assert {issued.card.id for issued in outcomes} == {outcomes[0].card.id}
    assert {issued.code for issued in outcomes} == {outcomes[0].code}
    assert card_count() == 1
    assert len(published) == 1


# --- Append-only ledger and the integrity check --------------------------------------


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE ledger_entry SET amount_cents = 999999 WHERE card_id = :card_id",
        "DELETE FROM ledger_entry WHERE card_id = :card_id",
    ],
)
def test_the_database_refuses_to_rewrite_or_erase_ledger_history(owner, statement):
    card_id = ledger.issue_card(owner.actor, 2500).card.id
    ledger.debit_card(owner.actor, card_id, 500)

    with pytest.raises(DBAPIError, match="append-only"):
        with write_engine().begin() as connection:
            connection.execute(text(statement), {"card_id": card_id})

    assert [row.amount_cents for row in ledger_rows(card_id)] == [2500, -500]
    assert ledger.check_ledger() == []


def test_the_integrity_check_reports_a_balance_changed_behind_the_ledgers_back(make_operator):
    owner, other = make_operator(), make_operator()
    tampered_id = ledger.issue_card(owner.actor, 2500).card.id
    ledger.debit_card(owner.actor, tampered_id, 500)
    healthy_id = ledger.issue_card(owner.actor, 4000).card.id
    ledger.issue_card(other.actor, 3000)

    with write_engine().begin() as connection:
        connection.execute(text("UPDATE card SET balance_cents = 99999 WHERE id = :id"), {"id": tampered_id})

    expected = ledger.LedgerMismatch(
        card_id=tampered_id, operator_id=owner.operator.id, balance_cents=99999, ledger_sum_cents=2000
    )
    assert ledger.check_ledger() == [expected]
    assert ledger.check_ledger(owner.operator.id) == [expected]
    assert ledger.check_ledger(other.operator.id) == []
    assert ledger.balance_of(owner.operator.id, healthy_id) == 4000


def test_a_card_without_any_ledger_row_is_reported(owner):
    with write_engine().begin() as connection:
        connection.execute(
            text(
                "INSERT INTO card (operator_id, code_hash, code_encrypted, last4, link_token_hash, "
                "link_token_encrypted, currency, status, balance_cents, initial_amount_cents, channel, "
                "created_at, updated_at) VALUES (:operator_id, 'h1', 'e1', 'ABCD', 'l1', 'e2', 'CAD', 'active', "
                "500, 500, 'dashboard', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            ),
            {"operator_id": owner.operator.id},
        )

    [mismatch] = ledger.check_ledger()
    assert (mismatch.balance_cents, mismatch.ledger_sum_cents) == (500, 0)


def test_a_balance_can_never_go_negative_even_by_hand(owner):
    card_id = ledger.issue_card(owner.actor, 2500).card.id
    with pytest.raises(DBAPIError):
        with write_engine().begin() as connection:
            connection.execute(text("UPDATE card SET balance_cents = -1 WHERE id = :id"), {"id": card_id})
    assert ledger.balance_of(owner.operator.id, card_id) == 2500

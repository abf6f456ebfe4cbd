"""A location's statement for a payout batch: CSV to download, and the email the location
receives once the batch is paid."""

from __future__ import annotations

import csv
import io

import pytest
from sqlmodel import select

from app.db import read_session
from app.models import Card, OutboxMessage
from app.models.base import utcnow
from app.services.core.errors import ErrorCode
from app.services.messaging import outbox
from app.services.settlement import batches, payout_settings, statements
from tests.support.services import refused
from tests.support.settlement import redeem_at, us_network


@pytest.fixture
def paid(make_operator):
    """A network that paid two locations in one batch, at 2.5 % commission."""
    us = us_network(make_operator)
    payout_settings.update_settings(us.owner.actor, {"commission_bps": 250})
    made = redeem_at(us.owner, us.checking, 2_500, 1_001)
    redeem_at(us.owner, us.savings, 4_000)
    us.payout = batches.create_payout(us.owner.actor, through=utcnow())
    us.made = made
    return us


def last4_of(card_id: int) -> str:
    with read_session() as session:
        return session.get(Card, card_id).last4


def test_the_statement_lists_the_redemptions_then_gross_commission_and_net(paid):
    statement = statements.location_statement(paid.owner.operator.id, paid.payout.batch.id, paid.checking.id)

    rows = list(csv.reader(io.StringIO(statement.csv())))

    assert rows[0] == ["date", "time", "redemption_id", "card_last4", "amount"]
    assert [row[2:] for row in rows[1:3]] == [
        [str(paid.made[0].id), last4_of(paid.made[0].card_id), "25.00"],
        [str(paid.made[1].id), last4_of(paid.made[1].card_id), "10.01"],
    ]
    assert rows[3] == []
    assert rows[4:] == [["Gross", "", "", "", "35.01"], ["Commission (2.50 %)", "", "", "", "-0.88"],
                        ["Net paid", "", "", "", "34.13"]]
    assert (statement.gross_cents, statement.commission_cents, statement.net_cents) == (3_501, 88, 3_413)
    assert statement.filename == f"statement-payout-{paid.payout.batch.id}-location-{paid.checking.id}.csv"


def test_marking_paid_can_email_every_location_its_statement(paid):
    batches.mark_paid(paid.owner.actor, paid.payout.batch.id, email_statements=True)

    with read_session() as session:
        messages = list(session.exec(select(OutboxMessage).where(OutboxMessage.kind == "payout_statement")
                                     .order_by(OutboxMessage.id)).all())
    assert [message.to_address for message in messages] == ["books-on-main@example.com", "corner-cafe@example.com"]
    email = outbox.read_email(messages[0])
    assert email.subject == f"Main Street Alliance: gift card payout #{paid.payout.batch.id}, $34.13 USD"
    assert "Commission (2.50 %): -$0.88 USD" in email.text_body
    assert "Net paid: $34.13 USD" in email.text_body
    assert f"•••• {last4_of(paid.made[0].card_id)}" in email.text_body
    assert "<table" in email.html_body and "$25.00" in email.html_body and "$10.01" in email.html_body
    assert "•••• 6789" in email.text_body and "123456789" not in email.text_body


def test_one_statement_can_be_emailed_again_and_only_for_a_paid_batch(paid):
    error = refused(statements.email_statement, paid.owner.actor, paid.payout.batch.id, paid.savings.id)
    assert (error.code, error.message) == (ErrorCode.conflict,
                                           "Statements are emailed once the batch is paid; mark it paid first.")

    batches.mark_paid(paid.owner.actor, paid.payout.batch.id)
    message = statements.email_statement(paid.owner.actor, paid.payout.batch.id, paid.savings.id)

    assert message.to_address == "corner-cafe@example.com"
    assert "Net paid: $39.00 USD" in outbox.read_email(message).text_body
    assert statements.email_statements(paid.owner.actor, paid.payout.batch.id) == 2


def test_no_statement_for_a_location_outside_the_batch_a_cancelled_batch_or_another_network(paid, make_operator):
    other = make_operator("Other Town")

    assert refused(statements.location_statement, paid.owner.operator.id, paid.payout.batch.id,
                   paid.unbanked.id).code == ErrorCode.not_found
    assert refused(statements.location_statement, other.operator.id, paid.payout.batch.id,
                   paid.checking.id).code == ErrorCode.not_found
    assert refused(statements.email_statement, other.actor, paid.payout.batch.id,
                   paid.checking.id).code == ErrorCode.not_found
    batches.cancel_payout(paid.owner.actor, paid.payout.batch.id)
    assert refused(statements.location_statement, paid.owner.operator.id, paid.payout.batch.id,
                   paid.checking.id).code == ErrorCode.conflict

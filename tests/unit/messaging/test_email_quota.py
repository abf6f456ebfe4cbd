"""An attacker signs up and uses the new network as a spam relay: card emails, activation links and
invitations to addresses of their choosing. Each operator gets an hourly quota of such emails,
lower in its first week; past it nothing is created and nothing is queued, on SQLite and PostgreSQL,
even when the requests come all at once."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, update
from sqlmodel import select

from app.db import read_session, write_session
from app.models import Card, Location, Operator, OutboxMessage
from app.models.base import utcnow
from app.services.access import team
from app.services.core.errors import ErrorCode, GiftnetError
from app.services.messaging import email_quota
from app.services.money import card_emails, ledger
from app.services.network import device_emails, locations

QUOTA_NEW, QUOTA = 5, 8


@pytest.fixture
def quota(database, settings_env):
    return settings_env(EMAIL_QUOTA_PER_HOUR=str(QUOTA), EMAIL_QUOTA_PER_HOUR_NEW=str(QUOTA_NEW),
                        EMAIL_QUOTA_NEW_DAYS="7")


def queued(operator_id: int) -> int:
    with read_session() as session:
        return session.exec(select(func.count(OutboxMessage.id)).where(OutboxMessage.operator_id == operator_id)).one()


def card_with_email(owner, n: int):
    return ledger.issue_card(owner.actor, 2_500, recipient_email=f"victim{n}@example.net", message="Click here")


def age(operator_id: int, days: int) -> None:
    with write_session() as session:
        session.execute(update(Operator).where(Operator.id == operator_id)
                        .values(created_at=utcnow() - timedelta(days=days)))


def test_the_counted_kinds_are_the_kinds_those_emails_are_queued_under():
    assert set(email_quota.COUNTED_KINDS) == {card_emails.KIND, device_emails.KIND, team.EMAIL_KIND}


def test_a_new_network_gets_its_gentler_quota_then_a_clear_wait(quota, make_operator):
    owner = make_operator("Fresh Relay")
    cards = [card_with_email(owner, n) for n in range(QUOTA_NEW + 3)]
    for issued in cards[:QUOTA_NEW]:
        assert card_emails.queue_recipient_email(owner.operator.id, issued.card.id) is not None
    with pytest.raises(GiftnetError) as refused:
        card_emails.queue_recipient_email(owner.operator.id, cards[QUOTA_NEW].card.id)
    assert refused.value.code == ErrorCode.rate_limited
    assert refused.value.message.startswith(f"This network may send {QUOTA_NEW} emails an hour")
    assert 60 <= refused.value.retry_after_seconds <= 3600
    with pytest.raises(GiftnetError):
        card_emails.resend_recipient_email(owner.operator.id, cards[0].card.id)
    with pytest.raises(GiftnetError):  # a bulk resend is all or nothing
        card_emails.resend_card_emails(owner.actor, [issued.card.id for issued in cards])
    assert queued(owner.operator.id) == QUOTA_NEW


def test_an_established_network_gets_the_full_quota_and_the_hour_slides(quota, make_operator):
    owner = make_operator("Established")
    age(owner.operator.id, 8)
    cards = [card_with_email(owner, n) for n in range(QUOTA + 1)]
    for issued in cards[:QUOTA]:
        card_emails.queue_recipient_email(owner.operator.id, issued.card.id)
    with pytest.raises(GiftnetError):
        card_emails.queue_recipient_email(owner.operator.id, cards[QUOTA].card.id)
    with write_session() as session:  # an hour later the emails no longer count
        session.execute(update(OutboxMessage).where(OutboxMessage.operator_id == owner.operator.id)
                        .values(created_at=utcnow() - timedelta(minutes=61)))
    assert card_emails.queue_recipient_email(owner.operator.id, cards[QUOTA].card.id) is not None
    # Another network's quota is its own.
    other = make_operator("Neighbour")
    assert card_emails.queue_recipient_email(other.operator.id, card_with_email(other, 1).card.id) is not None


def test_simultaneous_requests_cannot_share_the_last_places(quota, make_operator):
    owner = make_operator("Burst Relay")
    cards = [card_with_email(owner, n) for n in range(12)]
    barrier, outcomes, lock = threading.Barrier(12), [], threading.Lock()

    def send(card_id: int) -> None:
        barrier.wait()
        try:
            card_emails.queue_recipient_email(owner.operator.id, card_id)
            outcome = "queued"
        except GiftnetError as error:
            outcome = str(error.code)
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=send, args=(issued.card.id,)) for issued in cards]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(outcomes) == sorted(["queued"] * QUOTA_NEW + [ErrorCode.rate_limited] * (12 - QUOTA_NEW))
    assert queued(owner.operator.id) == QUOTA_NEW


def test_activation_links_past_the_quota_are_refused_or_held_not_queued(quota, make_operator):
    owner = make_operator("Import Relay")
    ids = [locations.create_location(owner.actor, {"name": f"Shop {n}", "email": f"shop{n}@example.net"}).id
           for n in range(20)]
    sendout = device_emails.send_activation_emails(owner.actor, ids)
    assert (sendout.queued, sendout.held) == (QUOTA_NEW, 20 - QUOTA_NEW)
    assert sendout.held_message.startswith("15 activation emails were not sent")
    with pytest.raises(GiftnetError) as refused:
        device_emails.send_activation_email(owner.actor, ids[-1])
    assert refused.value.code == ErrorCode.rate_limited
    assert queued(owner.operator.id) == QUOTA_NEW


def test_an_invitation_past_the_quota_creates_nothing(quota, make_operator):
    owner = make_operator("Invite Relay")
    for n in range(QUOTA_NEW):
        team.invite(owner.actor, f"person{n}@example.net", "staff")
    with pytest.raises(GiftnetError) as refused:
        team.invite(owner.actor, "one-more@example.net", "staff")
    assert refused.value.code == ErrorCode.rate_limited
    from app.models import UserInvitation

    with read_session() as session:
        emails = session.exec(select(UserInvitation.email).where(UserInvitation.operator_id == owner.operator.id)).all()
    assert "one-more@example.net" not in emails and len(emails) == QUOTA_NEW
    assert queued(owner.operator.id) == QUOTA_NEW


def test_a_long_free_text_message_is_refused_and_no_card_is_made(quota, make_operator):
    owner = make_operator("Long Letters")
    with pytest.raises(GiftnetError) as refused:
        ledger.issue_card(owner.actor, 2_500, recipient_email="victim@example.net", message="x" * 501)
    assert refused.value.field == "message" and refused.value.code == ErrorCode.invalid_input
    assert refused.value.message == "The message has 501 characters; keep it to 500 or fewer."
    assert ledger.issue_card(owner.actor, 2_500, message=" " + "y" * 500 + " ").card.message == "y" * 500
    with read_session() as session:
        assert session.exec(select(func.count(Card.id)).where(Card.operator_id == owner.operator.id)).one() == 1
        assert session.exec(select(func.count(Location.id)).where(Location.operator_id == owner.operator.id)).one() == 0

"""Send new link: the location's first activation email and a later one read differently
(in the Outbox and in the location's inbox), and the screen can ask before a link that
still works is retired."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlmodel import select

from app.db import read_session, write_session
from app.models import ActivationLink, OutboxMessage
from app.models.base import utcnow
from app.services.core.errors import ErrorCode, GiftnetError
from app.services.messaging import outbox
from app.services.network import device_emails, devices, locations


def _emails(to_address: str) -> list:
    with read_session() as session:
        messages = session.exec(select(OutboxMessage).where(OutboxMessage.to_address == to_address)
                                .order_by(OutboxMessage.id)).all()
    return [outbox.read_email(message) for message in messages]


def test_a_new_link_says_in_its_subject_that_the_earlier_one_no_longer_works(make_operator):
    owner = make_operator("Downtown")
    location = locations.create_location(owner.actor, {"name": "Books", "email": "books@example.com"})
    first = device_emails.send_activation_email(owner.actor, location.id)
    second = device_emails.send_activation_email(owner.actor, location.id)

    earlier, newer = _emails("books@example.com")
    assert earlier.subject == "Activate your devices for Books (Downtown gift cards)"
    assert newer.subject == "New activation link for Books: the earlier one no longer works (Downtown gift cards)"
    assert "The one sent on" in newer.text_body and "no longer works" in newer.html_body
    assert "no longer works" not in earlier.text_body
    assert (first.replaced, second.replaced.id) == (None, first.link.id)
    assert not devices.check_activation_link(first.token).ok and devices.check_activation_link(second.token).ok


def test_the_live_link_is_known_until_it_expires_or_is_replaced(make_operator):
    owner = make_operator()
    location = locations.create_location(owner.actor, {"name": "Books", "email": "books@example.com"})
    assert devices.live_activation_link(owner.operator.id, location.id) is None

    sent = device_emails.send_activation_email(owner.actor, location.id)
    assert devices.live_activation_link(owner.operator.id, location.id).id == sent.link.id

    with write_session() as session:
        session.execute(update(ActivationLink).where(ActivationLink.id == sent.link.id)
                        .values(expires_at=utcnow() - timedelta(minutes=1)))
    assert devices.live_activation_link(owner.operator.id, location.id) is None


def test_another_networks_location_has_no_live_link_to_show(make_operator):
    owner, stranger = make_operator(), make_operator()
    location = locations.create_location(owner.actor, {"name": "Books", "email": "books@example.com"})
    device_emails.send_activation_email(owner.actor, location.id)
    with pytest.raises(GiftnetError) as refused:
        devices.live_activation_link(stranger.operator.id, location.id)
    assert refused.value.code == ErrorCode.not_found

"""Delivering the outbox by SMTP to a real SMTP server (aiosmtpd on a loopback port):
exactly once, retried with backoff while the server is down, never twice under
concurrent senders."""

from __future__ import annotations

import asyncio
import io
import threading
from datetime import timedelta

import pytest
import zxingcpp
from aiosmtpd.smtp import AuthResult
from PIL import Image
from sqlalchemy import update

from app import cli
from app.db import write_session
from app.integrations.mail import MailDeliveryError, parse_smtp_url
from app.models import OutboxMessage
from app.models.base import utcnow
from app.services.messaging import outbox
from app.services.money import card_emails, ledger
from app.settings import get_settings
from tests.support.async_runner import run_in_thread
from tests.support.ports import free_port
from tests.support.smtp import Inbox, SmtpServer, queue_cards, stored, use_smtp


@pytest.fixture
def smtp(database, monkeypatch):  # the database comes first: it resets settings
    port = free_port()
    with SmtpServer(port, Inbox()) as server:
        use_smtp(monkeypatch, f"smtp://127.0.0.1:{port}")
        yield server
    monkeypatch.delenv("SMTP_URL")
    get_settings.cache_clear()


def decode_qr(png: bytes) -> list[str]:
    return [result.text for result in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


def test_issuing_a_card_with_an_email_delivers_exactly_one_smtp_message(smtp, make_operator):
    owner = make_operator("Downtown Association")
    issued = ledger.issue_card(owner.actor, 5000, recipient_email="robin@example.com", sender_name="Ana")
    queued = card_emails.queue_recipient_email(owner.operator.id, issued.card.id)
    card_emails.queue_recipient_email(owner.operator.id, issued.card.id)  # a retried call: still one email

    first, second = outbox.deliver_due(), outbox.deliver_due()

    assert (first.sent, first.retrying, first.failed) == (1, 0, 0)
    assert second.attempted == 0
    assert len(smtp.inbox.messages) == 1
    assert smtp.inbox.envelopes == [("no-reply@giftnet.local", ["robin@example.com"])]
    received = smtp.inbox.messages[0]
    assert received["To"] == "robin@example.com"
    assert received["Subject"] == "Ana sent you a $50.00 CAD gift card"
    assert received.get_content_type() == "multipart/related"
    link = f"{get_settings().public_url}/c/{issued.link_token}"
    assert link in received.get_body(("plain",)).get_content()
    assert link in received.get_body(("html",)).get_content()
    qr_image = next(part for part in received.walk() if part.get_content_type() == "image/png")
    assert decode_qr(qr_image.get_content()) == [link]
    row = stored(queued.id)
    assert (row.status, row.attempts, row.last_error) == ("sent", 1, None)
    assert row.sent_at is not None and row.claimed_at is None


def test_smtp_down_keeps_messages_queued_then_sends_them_once_it_is_back(database, make_operator, monkeypatch):
    port = free_port()  # nothing listens here yet: connections are refused
    use_smtp(monkeypatch, f"smtp://127.0.0.1:{port}")
    owner = make_operator()
    messages = queue_cards(owner, 2)
    now = utcnow()

    down = outbox.deliver_due(now)

    assert (down.sent, down.retrying, down.failed) == (0, 2, 0)
    for message in messages:
        row = stored(message.id)
        assert (row.status, row.attempts) == ("queued", 1)
        assert "Cannot reach the mail server 127.0.0.1" in row.last_error
        assert row.next_attempt_at >= now + outbox.BACKOFF_FIRST
    # Before the backoff has passed nothing is tried again, even once the server is up.
    with SmtpServer(port, Inbox()) as server:
        assert outbox.deliver_due(now + timedelta(seconds=5)).attempted == 0
        back = outbox.deliver_due(now + outbox.BACKOFF_FIRST + timedelta(seconds=1))
        again = outbox.deliver_due(now + timedelta(hours=3))
    assert (back.sent, back.retrying, back.failed) == (2, 0, 0)
    assert again.attempted == 0
    assert sorted(message["To"] for message in server.inbox.messages) == ["friend0@example.com", "friend1@example.com"]
    for message in messages:
        row = stored(message.id)
        assert (row.status, row.attempts, row.last_error) == ("sent", 2, None)


def test_two_concurrent_senders_never_send_a_message_twice(database, make_operator, monkeypatch):
    owner = make_operator()
    messages = queue_cards(owner, 24)
    port = free_port()
    use_smtp(monkeypatch, f"smtp://127.0.0.1:{port}")
    start = threading.Barrier(4)
    counts: list[outbox.DeliveryCounts] = []

    def sender() -> None:
        start.wait()
        counts.append(outbox.deliver_due(batch_size=100))

    with SmtpServer(port, Inbox(delay_seconds=0.01)) as server:
        threads = [threading.Thread(target=sender) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)

    assert sum(count.sent for count in counts) == 24
    received_ids = [message["Message-ID"] for message in server.inbox.messages]
    assert len(received_ids) == 24 and len(set(received_ids)) == 24
    assert sorted(message["To"] for message in server.inbox.messages) == sorted(m.to_address for m in messages)
    for message in messages:
        assert (stored(message.id).status, stored(message.id).attempts) == ("sent", 1)


def test_a_refused_recipient_fails_at_once_with_the_servers_reason(database, make_operator, monkeypatch):
    owner = make_operator()
    [message] = queue_cards(owner, 1)
    port = free_port()
    use_smtp(monkeypatch, f"smtp://127.0.0.1:{port}")
    with SmtpServer(port, Inbox(refuse_recipients=True)):
        counts = outbox.deliver_due()
    assert (counts.sent, counts.retrying, counts.failed) == (0, 0, 1)
    row = stored(message.id)
    assert row.status == "failed"
    assert "550" in row.last_error and "No such user" in row.last_error


def test_a_message_fails_for_good_after_its_last_attempt(database, make_operator, monkeypatch):
    monkeypatch.setattr(outbox, "MAX_ATTEMPTS", 3)
    use_smtp(monkeypatch, f"smtp://127.0.0.1:{free_port()}")
    owner = make_operator()
    [message] = queue_cards(owner, 1)
    moment = utcnow()
    for _ in range(3):
        outbox.deliver_due(moment)
        moment += outbox.BACKOFF_MAX
    row = stored(message.id)
    assert (row.status, row.attempts) == ("failed", 3)
    assert "gave up after 3 attempts" in row.last_error


def test_a_mailer_bug_on_one_message_does_not_stall_the_others(database, make_operator):
    owner = make_operator()
    broken, fine = queue_cards(owner, 2)
    delivered = []

    class PickyMailer:
        def send(self, email_message) -> None:
            if email_message.to_address == broken.to_address:
                raise ValueError("cannot encode this address")
            delivered.append(email_message.to_address)

    counts = outbox.deliver_due(mailer=PickyMailer())

    assert (counts.sent, counts.retrying) == (1, 1)
    assert delivered == [fine.to_address]
    row = stored(broken.id)
    assert row.status == "queued" and "cannot encode this address" in row.last_error


def test_a_claim_left_by_a_stopped_sender_is_taken_up_again(smtp, make_operator):
    owner = make_operator()
    [message] = queue_cards(owner, 1)
    now = utcnow()
    with write_session() as session:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message.id)
            .values(status="sending", attempts=1, claimed_at=now - outbox.CLAIM_TIMEOUT - timedelta(seconds=1))
        )
    fresh_claim = outbox.deliver_due(now - outbox.CLAIM_TIMEOUT + timedelta(minutes=1))
    assert (fresh_claim.requeued, fresh_claim.attempted) == (0, 0)

    counts = outbox.deliver_due(now)

    assert (counts.requeued, counts.sent) == (1, 1)
    assert len(smtp.inbox.messages) == 1
    assert stored(message.id).status == "sent"


def test_the_background_sender_delivers_what_is_queued(smtp, make_operator):
    owner = make_operator()
    [message] = queue_cards(owner, 1)

    async def run_until_delivered() -> None:
        sender = asyncio.create_task(outbox.deliver_forever(poll_seconds=0.05))
        try:
            for _ in range(200):
                if smtp.inbox.messages:
                    return
                await asyncio.sleep(0.05)
        finally:
            sender.cancel()

    run_in_thread(run_until_delivered(), timeout=60)
    assert len(smtp.inbox.messages) == 1
    assert stored(message.id).status == "sent"


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_smtp_login_uses_the_credentials_of_the_url(database, make_operator, monkeypatch):
    inbox = Inbox()

    def authenticate(server, session, envelope, mechanism, auth_data):
        inbox.logins.append(f"{auth_data.login.decode()}:{auth_data.password.decode()}")
        return AuthResult(success=auth_data.password == b"p@ss word")

    port = free_port()
    use_smtp(monkeypatch, f"smtp://mailer:p%40ss%20word@127.0.0.1:{port}")
    owner = make_operator()
    [message] = queue_cards(owner, 1)
    with SmtpServer(port, inbox, authenticator=authenticate, auth_require_tls=False, auth_required=True):
        counts = outbox.deliver_due()
    assert counts.sent == 1
    assert inbox.logins == ["mailer:p@ss word"]
    assert stored(message.id).status == "sent"


def test_without_smtp_url_messages_stay_in_the_outbox(make_operator, capsys):
    owner = make_operator()
    [message] = queue_cards(owner, 1)
    assert outbox.deliver_due().attempted == 0
    assert cli.main(["deliver-outbox"]) == 1
    assert "SMTP_URL is not set" in capsys.readouterr().err
    assert stored(message.id).status == "queued"


def test_the_cli_runs_one_delivery_pass(smtp, make_operator, capsys):
    owner = make_operator()
    queue_cards(owner, 2)
    assert cli.main(["deliver-outbox"]) == 0
    assert '"sent": 2' in capsys.readouterr().out
    assert len(smtp.inbox.messages) == 2


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://relay.internal", ("relay.internal", 25, "plain", None, None)),
        ("smtp+starttls://me%40shop.ca:s3cr%2Ft@mail.example.com:2525", ("mail.example.com", 2525, "starttls", "me@shop.ca", "s3cr/t")),
        ("smtps://user:pw@mail.example.com", ("mail.example.com", 465, "ssl", "user", "pw")),
    ],
)
def test_smtp_urls_name_host_port_security_and_login(url, expected):
    config = parse_smtp_url(url)
    assert (config.host, config.port, config.security, config.username, config.password) == expected
    assert "pw" not in config.display and "s3cr" not in config.display


@pytest.mark.parametrize("url", ["http://mail.example.com", "smtp://", "mail.example.com:25"])
def test_unusable_smtp_urls_are_refused_with_the_accepted_forms(url):
    with pytest.raises(ValueError, match="smtp://host:25"):
        parse_smtp_url(url)


def test_delivery_errors_say_whether_retrying_can_help():
    assert MailDeliveryError("x" * 2000).reason == "x" * 900
    assert MailDeliveryError("550 no such user", permanent=True).permanent


def test_backoff_doubles_up_to_an_hour():
    assert [outbox.backoff_after(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert outbox.backoff_after(40) == outbox.BACKOFF_MAX

"""A local SMTP server (aiosmtpd) that keeps what it receives, and the outbox as the mail
tests read it: point the app at a server, queue card emails, read a stored message."""

from __future__ import annotations

import asyncio
import email
import email.policy
import threading

from aiosmtpd.controller import Controller

from app.db import read_session
from app.models import OutboxMessage
from app.services.money import card_emails, ledger
from app.settings import get_settings


class Inbox:
    """An aiosmtpd handler that keeps what it receives (and can refuse recipients)."""

    def __init__(self, *, refuse_recipients: bool = False, delay_seconds: float = 0.0) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.refuse_recipients = refuse_recipients
        self.delay_seconds = delay_seconds
        self.logins: list[str] = []
        self._lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if self.refuse_recipients:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        if self.delay_seconds:
            await asyncio.sleep(self.delay_seconds)
        with self._lock:
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
            self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[email.message.EmailMessage]:
        """The messages received for `address` so far."""
        with self._lock:
            return [message for message in self.messages if message["To"] == address]


class SmtpServer:
    def __init__(self, port: int, inbox: Inbox, **smtp_options) -> None:
        self.port, self.inbox = port, inbox
        self.controller = Controller(inbox, hostname="127.0.0.1", port=port, **smtp_options)

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.controller.stop()


def use_smtp(monkeypatch, url: str) -> None:
    monkeypatch.setenv("SMTP_URL", url)
    get_settings.cache_clear()


def queue_cards(owner, count: int) -> list[OutboxMessage]:
    messages = []
    for index in range(count):
        issued = ledger.issue_card(owner.actor, 2500, recipient_email=f"friend{index}@example.com", sender_name="Ana")
        messages.append(card_emails.queue_recipient_email(owner.operator.id, issued.card.id))
    return messages


def stored(message_id: int) -> OutboxMessage:
    with read_session() as session:
        return session.get(OutboxMessage, message_id)

"""SMTP down for a while, with the app's own background sender running throughout.

Already covered in tests/unit/messaging/test_outbox_smtp.py, one delivery pass at a time with a
chosen clock: refused connections keep messages queued with backoff and a later pass
sends each once; concurrent senders never send twice; a refused recipient fails at
once; the last attempt gives up; a claim left by a stopped sender is taken up again.

Added here: the real `deliver_forever` loop through an outage in two stages (nothing
listening, then a server that answers 421 "try later") and the recovery: every message
arrives exactly once, the outbox shows why each earlier attempt failed, and the backoff
kept the sender from hammering the server. Runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import timedelta

from app.services.messaging import outbox
from app.services.money import ledger
from tests.support.ports import free_port
from tests.support.smtp import Inbox, SmtpServer, queue_cards, stored, use_smtp


class BusyInbox(Inbox):
    """A mail server that is up but answers 421 (service not available, try later) while `busy`."""

    def __init__(self) -> None:
        super().__init__()
        self.busy = True
        self.refused = 0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        if self.busy:
            self.refused += 1
            return "421 4.3.2 Service not available, closing transmission channel"
        return await super().handle_DATA(server, session, envelope)


class BackgroundSender:
    """`outbox.deliver_forever` on an event loop of its own thread, as the app runs it."""

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=lambda: asyncio.run(self._run()), daemon=True)

    async def _run(self) -> None:
        sender = asyncio.create_task(outbox.deliver_forever(poll_seconds=0.05))
        while not self._stop.is_set():
            await asyncio.sleep(0.05)
        sender.cancel()

    def __enter__(self) -> BackgroundSender:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        self._thread.join(timeout=30)


def wait_until(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def test_the_background_sender_rides_out_an_smtp_outage_and_sends_each_message_once(
        database, make_operator, monkeypatch):
    monkeypatch.setattr(outbox, "BACKOFF_FIRST", timedelta(seconds=0.2))
    monkeypatch.setattr(outbox, "BACKOFF_MAX", timedelta(seconds=0.8))
    port = free_port()
    use_smtp(monkeypatch, f"smtp://127.0.0.1:{port}")
    owner = make_operator()
    messages = queue_cards(owner, 3)
    busy = BusyInbox()

    started = time.monotonic()
    with BackgroundSender():
        # Stage 1: nothing listens on the mail port.
        assert wait_until(lambda: all(stored(m.id).attempts >= 2 for m in messages), timeout=30)
        for message in messages:
            row = stored(message.id)
            # queued for its next attempt (or being tried again right now), with the reason
            assert row.status in ("queued", "sending") and "Cannot reach the mail server 127.0.0.1" in row.last_error
        # Stage 2: the server is up but says "try later".
        with SmtpServer(port, busy) as server:
            assert wait_until(lambda: busy.refused >= 3, timeout=30)
            for message in messages:
                assert stored(message.id).status in ("queued", "sending")
            assert any("421" in stored(m.id).last_error for m in messages)
            # Stage 3: it recovers.
            busy.busy = False
            assert wait_until(lambda: all(stored(m.id).status == "sent" for m in messages), timeout=30)
            outage_seconds = time.monotonic() - started
            time.sleep(0.5)  # a few more passes of the sender: nothing goes out again

    received = server.inbox.messages
    assert sorted(m["To"] for m in received) == sorted(m.to_address for m in messages)
    assert len({m["Message-ID"] for m in received}) == len(messages)  # each exactly once
    for message in messages:
        row = stored(message.id)
        assert row.status == "sent" and row.last_error is None and row.sent_at is not None
        # Backoff: at most one attempt per BACKOFF_MAX of outage (and the first few sooner),
        # not one per 50 ms pass of the sender.
        assert 3 <= row.attempts <= outage_seconds / outbox.BACKOFF_MAX.total_seconds() + 4, (
            row.attempts, outage_seconds)
    assert ledger.check_ledger(owner.operator.id) == []  # the cards were issued whatever the mail did

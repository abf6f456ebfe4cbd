"""A location's webhook receiver that fails, then recovers.

Already covered in tests/unit/messaging/test_webhooks.py: a 500 retried after its delay with
the same webhook-id, an unreachable receiver retried like an error, about three days
of failures then a manual retry, a claim left by a stopped sender, two concurrent
senders never delivering twice.

Added here: a receiver that takes the event but answers too late (a timeout: it may
have acted on it), then errors, then accepts; and a receiver that is down while the
app's own background worker runs, then comes back on the same address. Each event is
delivered (answered 2xx) once, every attempt is in the delivery log with its reason,
and the retries keep the webhook-id so the receiver can drop a repeat. Runs on SQLite
and on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from datetime import timedelta
from http.server import ThreadingHTTPServer

import httpx

from app.models.base import utcnow
from app.services.counter import redemptions
from app.services.messaging import webhooks
from app.services.money import ledger
from tests.support.counter import activate_counter, issue, open_location
from tests.support.ports import free_port
from tests.support.receiver import Answer, Receiver
from tests.support.webhooks import attempt_codes, only_delivery, receiver, redeem, shop  # noqa: F401 - fixtures


def test_a_receiver_that_times_out_then_errors_then_accepts_gets_the_event_once_with_one_id(
        shop, receiver, monkeypatch):  # noqa: F811
    monkeypatch.setattr(webhooks, "REQUEST_TIMEOUT", httpx.Timeout(0.3))
    # Seconds instead of minutes: the receiver checks each signature's timestamp (5 minutes' tolerance).
    monkeypatch.setattr(webhooks, "RETRY_SCHEDULE", [timedelta(seconds=5 * 2 ** n) for n in range(9)])
    receiver.answers = [Answer(200, delay_seconds=1.5), Answer(503), Answer(200)]
    redeem(shop)
    moment = utcnow()

    first = webhooks.deliver_due(now=moment)
    moment += webhooks.RETRY_SCHEDULE[0]
    second = webhooks.deliver_due(now=moment)
    assert webhooks.deliver_due(now=moment + webhooks.RETRY_SCHEDULE[1] - timedelta(seconds=1)).retrying == 0
    moment += webhooks.RETRY_SCHEDULE[1]
    third = webhooks.deliver_due(now=moment)

    assert (first.retrying, second.retrying, third.delivered) == (1, 1, 1)
    delivered = only_delivery(shop)
    assert (delivered.status, delivered.attempts, delivered.last_error) == ("delivered", 3, None)
    log = webhooks.list_attempts(shop.owner.operator.id, delivered.id)
    assert [attempt.status_code for attempt in log] == [None, 503, 200]
    assert log[0].error == webhooks.UNREACHABLE and log[1].error == "HTTP 503" and log[2].error is None
    assert log[1].attempted_at - log[0].attempted_at == webhooks.RETRY_SCHEDULE[0]  # the backoff
    assert log[2].attempted_at - log[1].attempted_at == webhooks.RETRY_SCHEDULE[1]
    # The receiver saw it three times, always under one webhook-id: it acts on it once.
    assert {request.headers["webhook-id"] for request in receiver.received} == {delivered.message_id}
    assert [request.verified for request in receiver.received] == [True, True, True]
    assert webhooks.deliver_due(now=moment + timedelta(days=4)).delivered == 0


class ReceiverAt(Receiver):
    """The same receiver, listening on a port chosen in advance (it comes back where it was)."""

    def __init__(self, port: int, *answers: Answer, secret: str | None = None) -> None:
        super().__init__(*answers, secret=secret)
        self._server.server_close()
        self._server = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)


class BackgroundWorker:
    """`webhooks.deliver_forever` on an event loop of its own thread, as the app runs it."""

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=lambda: asyncio.run(self._run()), daemon=True)

    async def _run(self) -> None:
        worker = asyncio.create_task(webhooks.deliver_forever(poll_seconds=0.05))
        while not self._stop.is_set():
            await asyncio.sleep(0.05)
        worker.cancel()

    def __enter__(self) -> BackgroundWorker:
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


def test_a_receiver_down_while_the_worker_runs_gets_every_event_once_when_it_is_back(make_operator, monkeypatch):
    monkeypatch.setattr(webhooks, "RETRY_SCHEDULE", [timedelta(seconds=0.2 * 2 ** n) for n in range(9)])
    owner = make_operator("Downtown Association")
    port = free_port()
    bakery = open_location(owner, "Corner Bakery", notify_webhook_url=f"http://127.0.0.1:{port}/hook")
    secret = webhooks.reveal_location_secret(owner.actor, bakery.id)
    counter = activate_counter(owner, bakery)
    card = issue(owner, 10_000)
    for amount in (300, 450, 125):
        redemptions.redeem(counter, location_id=bakery.id, card_id=card.card.id, amount_cents=amount)

    def deliveries():
        return webhooks.list_deliveries(owner.operator.id, location_id=bakery.id)

    with BackgroundWorker():
        assert wait_until(lambda: all(d.attempts >= 2 for d in deliveries()), timeout=30)  # down: retried
        assert all(d.status in ("pending", "sending") for d in deliveries())
        with ReceiverAt(port, Answer(503), Answer(200), secret=secret) as back:
            assert wait_until(lambda: all(d.status == "delivered" for d in deliveries()), timeout=30)
            time.sleep(0.5)  # more passes of the worker: nothing is sent again

    accepted = Counter(request.headers["webhook-id"] for request, status in zip(
        back.received, [503] + [200] * len(back.received), strict=False) if status == 200)
    assert sorted(accepted) == sorted(d.message_id for d in deliveries())
    assert set(accepted.values()) == {1}  # each event accepted exactly once
    assert all(request.verified for request in back.received)
    for delivery in deliveries():
        log = webhooks.list_attempts(owner.operator.id, delivery.id)
        assert delivery.attempts == len(log) >= 3
        assert log[0].status_code is None and log[0].error == webhooks.UNREACHABLE
        assert log[-1].status_code == 200 and [a.status_code for a in log].count(200) == 1
        assert all(a.error for a in log[:-1])  # every failed attempt says why
    assert ledger.check_ledger(owner.operator.id) == [] and ledger.balance_of(owner.operator.id, card.card.id) == (
        10_000 - 300 - 450 - 125)  # the receiver's trouble never touched the money

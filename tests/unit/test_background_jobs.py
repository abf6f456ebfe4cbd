"""Background jobs with several workers: each email, webhook, expiry and daily summary once.

- Three `python -m app.cli jobs` processes run at once against one database with a real
  SMTP server (aiosmtpd) and a real webhook receiver on loopback ports: every queued
  email arrives once, every webhook once, every overdue POS payment expires, and the
  owners' daily summary is one email.
- Threads released together on the expiry and the daily summary: each payment expires
  (and is announced) once; one summary per operator and day, none for a network that did
  not opt in, none before 06:00 local time, none for days before it was turned on.
- The event relay through Redis: events of a process without screens reach exactly one
  of the app workers taking them.
Each database test runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
import zoneinfo
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import update

from app.db import read_session, write_session
from app.models import DailySummary, Operator, OutboxMessage, PosPayment, User, WebhookDelivery
from app.models.base import utcnow
from app.services.core import events
from app.services.core.actor import Actor
from app.services.core.errors import ErrorCode, GiftnetError
from app.services.counter import pos_payments
from app.services.messaging import webhooks
from app.services.money import card_emails, ledger
from app.services.network import pos_keys
from app.services.reporting import daily_summary
from app.settings import PROJECT_ROOT, get_settings
from tests.support.counter import open_location, rows_of
from tests.support.ports import free_port
from tests.support.receiver import Answer, Receiver
from tests.support.services import at_once
from tests.support.smtp import Inbox, SmtpServer

ZONES = ["Pacific/Kiritimati", "Asia/Tokyo", "Europe/Paris", "America/Toronto", "Pacific/Honolulu", "Pacific/Pago_Pago"]


def zone_past_six(now: datetime) -> str:
    """A time zone where it is 06:00 or later right now (summaries are due there)."""
    return next(zone for zone in ZONES if now.astimezone(zoneinfo.ZoneInfo(zone)).hour >= daily_summary.SEND_FROM_HOUR)


def opt_in(owner, timezone: str, last_sent_for: date | None) -> None:
    """The owner turns the summary on; then the clock is set as the test needs it."""
    with write_session() as session:
        session.execute(update(Operator).where(Operator.id == owner.operator.id).values(timezone=timezone))
    assert daily_summary.set_enabled(owner.actor, True) is True
    with write_session() as session:
        session.execute(update(DailySummary).where(DailySummary.operator_id == owner.operator.id)
                        .values(last_sent_for=last_sent_for))


def summaries() -> list[OutboxMessage]:
    return [message for message in rows_of(OutboxMessage) if message.kind == "daily_summary"]


def overdue_payments(owner, count: int) -> list[PosPayment]:
    location = open_location(owner, f"Till shop {uuid.uuid4().hex[:4]}", mode="pos")
    key = pos_keys.create_pos_key(owner.actor, location.id, "Till 1").pos_key
    payments = [pos_payments.push_payment(key, amount_cents=100 + n, reference=f"Order {n}").payment
                for n in range(count)]
    with write_session() as session:
        session.execute(update(PosPayment).where(PosPayment.location_id == location.id)
                        .values(expires_at=utcnow() - timedelta(minutes=1)))
    return payments


# --- several processes -----------------------------------------------------------------


def test_three_job_processes_send_every_email_and_webhook_once(database, make_operator):
    owner = make_operator("Harbour Association")
    bystander = make_operator("Quiet Network")  # did not opt in: no summary
    now = utcnow()
    opt_in(owner, zone_past_six(now), last_sent_for=None)
    for index in range(10):
        issued = ledger.issue_card(owner.actor, 2500, recipient_email=f"friend{index}@example.com", sender_name="Ana")
        card_emails.queue_recipient_email(owner.operator.id, issued.card.id)
    payments = overdue_payments(bystander, 12)
    smtp_port = free_port()
    with Receiver(Answer(200, delay_seconds=0.01)) as receiver, SmtpServer(smtp_port, Inbox(delay_seconds=0.01)) as smtp:
        endpoint = webhooks.create_endpoint(owner.actor, receiver.url, ["card.issued"]).endpoint
        with write_session() as session:
            for index in range(10):
                webhooks.queue_event_for_endpoints(session, owner.operator.id, "card.issued", {"n": index})
        env = {key: value for key, value in os.environ.items() if key not in ("REDIS_URL", "BACKGROUND_JOBS")}
        env.update(DATABASE_URL=database, SMTP_URL=f"smtp://127.0.0.1:{smtp_port}", PYTHONDONTWRITEBYTECODE="1")
        workers = [subprocess.Popen([sys.executable, "-m", "app.cli", "jobs"], cwd=PROJECT_ROOT, env=env,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
                   for _ in range(3)]
        try:
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline:
                if len(smtp.inbox.messages) >= 11 and len(receiver.received) >= 10 and all(
                        payment.status == "expired" for payment in rows_of(PosPayment)):
                    break
                assert all(worker.poll() is None for worker in workers), workers[0].stderr.read().decode()[-3000:]
                time.sleep(0.2)
            time.sleep(4)  # every worker makes at least one more pass over the same rows
        finally:
            for worker in workers:
                os.killpg(worker.pid, signal.SIGTERM)
            for worker in workers:
                worker.wait(timeout=20)

    message_ids = [message["Message-ID"] for message in smtp.inbox.messages]
    assert len(message_ids) == 11 and len(set(message_ids)) == 11
    [summary] = [message for message in smtp.inbox.messages if message["To"] == owner.email]
    assert summary["Subject"].startswith("Harbour Association: ")
    assert "Outstanding liability now: 10 cards, $250.00 CAD" in summary.get_body(("plain",)).get_content()
    assert all(message.status == "sent" and message.attempts == 1 for message in rows_of(OutboxMessage))
    webhook_ids = [request.headers["webhook-id"] for request in receiver.received]
    assert len(webhook_ids) == 10 and len(set(webhook_ids)) == 10
    assert all(request.path == "/hook" for request in receiver.received)
    deliveries = rows_of(WebhookDelivery)
    assert {(delivery.endpoint_id, delivery.status, delivery.attempts) for delivery in deliveries} == {
        (endpoint.id, "delivered", 1)}
    assert sorted(payment.id for payment in rows_of(PosPayment) if payment.status == "expired") == sorted(
        payment.id for payment in payments)


# --- threads at once ---------------------------------------------------------------------


def test_concurrent_expiry_passes_expire_and_announce_each_payment_once(make_operator, published):
    owner = make_operator()
    payments = overdue_payments(owner, 30)
    published.clear()

    passes = at_once(4, lambda _: pos_payments.expire_due(batch_size=7))

    expired_ids = [payment.id for result in passes for payment in result]
    assert sorted(expired_ids) == sorted(payment.id for payment in payments)  # each by one pass only
    announced = [event.data["pos_payment_id"] for event in published if event.type == "pos_payment.expired"]
    assert sorted(announced) == sorted(expired_ids)
    assert {payment.status for payment in rows_of(PosPayment)} == {"expired"}
    assert pos_payments.expire_due() == []


def test_concurrent_summary_passes_queue_one_email_per_owner_and_day(make_operator):
    owner = make_operator("Downtown Association")
    other = make_operator("Uptown Network")
    now = utcnow()
    zone = zone_past_six(now)
    opt_in(owner, zone, last_sent_for=None)
    ledger.issue_card(owner.actor, 5000)
    ledger.issue_card(other.actor, 7000)  # another network's sale never shows in this summary

    queued = at_once(6, lambda _: daily_summary.send_due(now))

    assert sum(queued) == 1
    [message] = summaries()
    yesterday = now.astimezone(zoneinfo.ZoneInfo(zone)).date() - timedelta(days=1)
    assert (message.operator_id, message.to_address) == (owner.operator.id, owner.email)
    assert message.subject == f"Downtown Association: {yesterday:%Y-%m-%d}, $0.00 CAD sold, $0.00 CAD redeemed"
    with read_session() as session:
        assert session.get(DailySummary, owner.operator.id).last_sent_for == yesterday
    # The same day again, later: nothing. The next day: one more.
    assert daily_summary.send_due(now + timedelta(hours=2)) == 0
    assert sum(at_once(4, lambda _: daily_summary.send_due(now + timedelta(days=1)))) == 1
    assert len(summaries()) == 2


def test_a_summary_reports_the_day_it_covers_in_the_operators_zone(make_operator):
    owner = make_operator("Downtown Association")
    issued = ledger.issue_card(owner.actor, 5000)
    ledger.issue_card(owner.actor, 2000)
    zone = zone_past_six(utcnow())
    with write_session() as session:
        session.execute(update(Operator).where(Operator.id == owner.operator.id).values(timezone=zone))
    today = utcnow().astimezone(zoneinfo.ZoneInfo(zone)).date()

    figures = daily_summary.figures_for(owner.operator.id, today, zone)
    subject, text, html_body = daily_summary.compose("Downtown <Association>", "CAD", figures)

    assert (figures.sold_count, figures.sold_cents, figures.active_cards, figures.outstanding_cents) == (2, 7000, 2, 7000)
    assert subject.endswith("$70.00 CAD sold, $0.00 CAD redeemed")
    assert "Cards sold: 2, $70.00 CAD" in text
    assert "Outstanding liability now: 2 cards, $70.00 CAD" in text
    assert "Downtown &lt;Association&gt;" in html_body and "<Association>" not in html_body
    assert issued.card.operator_id == owner.operator.id


def test_nothing_is_due_before_six_nor_for_days_before_it_was_turned_on(make_operator):
    owner = make_operator()
    zone = "America/Toronto"
    with write_session() as session:
        session.execute(update(Operator).where(Operator.id == owner.operator.id).values(timezone=zone))
    daily_summary.set_enabled(owner.actor, True)
    local = zoneinfo.ZoneInfo(zone)
    today = utcnow().astimezone(local).date()
    early = datetime.combine(today + timedelta(days=1), datetime.min.time(), local).replace(hour=5, minute=59)
    later = early.replace(hour=6, minute=0)

    assert daily_summary.send_due(utcnow()) == 0  # turned on today: today is the first day summarised
    assert daily_summary.send_due(early.astimezone(UTC)) == 0
    assert daily_summary.send_due(later.astimezone(UTC)) == 1
    assert summaries()[0].subject.startswith(f"{owner.operator.name}: {today:%Y-%m-%d}")

    daily_summary.set_enabled(owner.actor, False)
    assert daily_summary.is_enabled(owner.operator.id) is False
    assert daily_summary.send_due(later.astimezone(UTC) + timedelta(days=1)) == 0


def test_only_an_owner_turns_the_summary_on(make_operator):
    owner = make_operator()
    with write_session() as session:
        session.execute(update(User).where(User.id == owner.user.id).values(role="staff"))
    staff = Actor(owner.operator.id, user_id=owner.user.id, role="staff")

    with pytest.raises(GiftnetError) as refused:
        daily_summary.set_enabled(staff, True)

    assert refused.value.code == ErrorCode.forbidden
    assert daily_summary.is_enabled(owner.operator.id) is False


# --- the event relay (Redis) --------------------------------------------------------------


def redis_or_skip(url: str):
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=2)
    try:
        client.ping()
    except Exception as error:  # noqa: BLE001
        pytest.skip(f"Redis does not answer at {url}: {error}")
    return client


def test_events_of_a_process_without_screens_reach_exactly_one_app_worker(monkeypatch):
    url = os.environ.get("TEST_REDIS_URL") or "redis://127.0.0.1:6379/0"
    client = redis_or_skip(url)
    prefix = f"giftnet-test-{uuid.uuid4().hex[:8]}:"
    monkeypatch.setenv("REDIS_URL", url)
    monkeypatch.setenv("REDIS_PREFIX", prefix)
    get_settings.cache_clear()
    received: list[events.Event] = []
    lock = threading.Lock()

    def listener(event: events.Event) -> None:
        with lock:
            received.append(event)

    unsubscribe = events.subscribe(listener)
    loop = asyncio.new_event_loop()
    workers = [loop.create_task(events.receive_forever()) for _ in range(2)]  # two app workers taking events
    runner = threading.Thread(target=loop.run_forever, daemon=True)
    runner.start()
    try:
        # The CLI (a process without screens) issues twenty events.
        code = ("from app.services.core import events\n"
                "for n in range(20):\n"
                "    events.publish(events.Event(7, 'card.issued', {'n': n}))\n")
        env = {**os.environ, "REDIS_URL": url, "REDIS_PREFIX": prefix}
        subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, env=env, check=True, timeout=60)
        deadline = time.monotonic() + 15
        while len(received) < 20 and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)  # a second delivery of any of them would land by now
        # An event published here, in an app worker, stays here: not handed to Redis.
        events.publish(events.Event(7, "card.topped_up", {"n": 99}))
        assert client.llen(prefix + events.RELAY_KEY) == 0
    finally:
        for task in workers:
            loop.call_soon_threadsafe(task.cancel)
        time.sleep(0.3)
        loop.call_soon_threadsafe(loop.stop)
        runner.join(timeout=5)
        unsubscribe()
        client.delete(prefix + events.RELAY_KEY)
        monkeypatch.delenv("REDIS_URL")
        get_settings.cache_clear()

    relayed = sorted(event.data["n"] for event in received if event.type == "card.issued")
    assert relayed == list(range(20))  # every one, each once
    assert [event.operator_id for event in received][:1] == [7]

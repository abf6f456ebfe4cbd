"""The database goes away under load and comes back.

A private PostgreSQL cluster (tests/support/faults.py) serves a real backend.
Several clients issue cards and redeem through the HTTP API, each request with its
own Idempotency-Key, retrying as API.md tells clients to. In the middle the cluster is
stopped at once (every connection dropped, as a crash would) and started again a few
seconds later. Meanwhile requests must fail fast with 503 `unavailable` and
Retry-After, never a 500 and never a hang; afterwards the pool reconnects by itself
and every request succeeds; no key moved money twice.
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass, field

import httpx
import pytest
from sqlalchemy import exc as sa_exc
from sqlmodel import func, select

from app.db import database_unavailable, read_session
from app.migrations import migrate
from app.models import Card, IdempotencyRecord, LedgerEntry, Redemption
from app.services.access import accounts, api_keys
from app.services.money import idempotency
from tests.support.backend import Backend, services_on
from tests.support.faults import PrivatePostgres, assert_money_is_consistent, postgres_binaries

CLIENTS = 4
OUTAGE_SECONDS = 3.0
HANG_SECONDS = 15.0  # no single answer may take longer (connect timeout 5 s, pool timeout 10 s)
REDEEM_CENTS = 100
ISSUE_CENTS = 1_000


@pytest.fixture
def private_postgres():
    if postgres_binaries() is None:
        pytest.skip("No PostgreSQL server binaries under /usr/lib/postgresql")
    cluster = PrivatePostgres().init()
    cluster.start()
    yield cluster
    cluster.destroy()


@dataclass
class Client:
    """One API client: its own card to redeem from, the requests it made and every answer it got."""

    number: int
    card_id: int
    done: list[tuple[str, str, dict]] = field(default_factory=list)  # (path, key, body) that succeeded
    answers: list[tuple[int, str, float]] = field(default_factory=list)  # (status, error code, seconds)
    problems: list[str] = field(default_factory=list)


def send_until_done(http: httpx.Client, client: Client, path: str, body: dict, stop_at: float) -> None:
    """POST with one Idempotency-Key until it succeeds, waiting as the answer says."""
    key = f"client{client.number}-{uuid.uuid4()}"
    while time.monotonic() < stop_at:
        started = time.monotonic()
        try:
            answer = http.post(path, json=body, headers={"Idempotency-Key": key}, timeout=HANG_SECONDS + 5)
        except httpx.HTTPError as error:
            client.problems.append(f"{path}: no answer ({type(error).__name__}) after {time.monotonic() - started:.1f} s")
            return
        seconds = time.monotonic() - started
        code = answer.json().get("error", {}).get("code", "") if answer.status_code >= 400 else ""
        client.answers.append((answer.status_code, code, seconds))
        if answer.status_code == 201:
            client.done.append((path, key, body))
            return
        if answer.status_code == 503:
            if code != "unavailable" or not answer.headers.get("Retry-After", "").isdigit():
                client.problems.append(f"503 without the error shape or Retry-After: {answer.text}")
            time.sleep(0.2)  # Retry-After says 2 s; a shorter wait keeps the test quick
            continue
        if answer.status_code == 409 and code == "idempotency_in_flight":
            time.sleep(0.2)
            continue
        client.problems.append(f"{path}: {answer.status_code} {answer.text[:300]}")
        return
    client.problems.append(f"{path}: still not done when the test ended")


def test_a_database_restart_under_load_answers_503_then_recovers_and_moves_money_once(private_postgres, tmp_path):
    database_url = private_postgres.create_database("giftnet")
    backend = Backend("db-restart", {"DATABASE_URL": database_url})
    backend.start()
    try:
        shop = backend.new_operator("Restart Network")
        location = shop.add_location("Main Street Books")
        clients = [Client(number, shop.issue(50_000)["id"]) for number in range(CLIENTS)]
        stop = threading.Event()

        def drive(client: Client) -> None:
            with backend.client(shop.api_key) as http:
                turn = 0
                while not stop.is_set():
                    turn += 1
                    stop_at = time.monotonic() + 60
                    if turn % 2:
                        send_until_done(http, client, "/cards", {"amount_cents": ISSUE_CENTS}, stop_at)
                    else:
                        send_until_done(http, client, "/redemptions", {
                            "card_id": client.card_id, "location_id": location["id"], "amount_cents": REDEEM_CENTS,
                        }, stop_at)
                    if client.problems:
                        return

        threads = [threading.Thread(target=drive, args=(client,)) for client in clients]
        for thread in threads:
            thread.start()
        time.sleep(1.5)  # under load
        private_postgres.stop("immediate")
        down_since = time.monotonic()
        health = httpx.get(f"{backend.url}/api/v1/health", timeout=HANG_SECONDS)
        assert health.status_code == 503 and health.json()["error"]["code"] == "unavailable", health.text
        time.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - down_since)))
        private_postgres.start()
        done_at_restart = [len(client.done) for client in clients]
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and not all(
                len(client.done) >= done + 6 or client.problems for client, done in zip(clients, done_at_restart,
                                                                                        strict=True)):
            time.sleep(0.1)
        stop.set()
        for thread in threads:
            thread.join(timeout=120)

        problems = [problem for client in clients for problem in client.problems]
        assert problems == []
        answers = [answer for client in clients for answer in client.answers]
        statuses = {status for status, _code, _seconds in answers}
        assert statuses <= {201, 503, 409}, statuses  # never a 500
        assert sum(1 for status, _code, _seconds in answers if status == 503) >= CLIENTS  # the outage was seen
        assert max(seconds for _status, _code, seconds in answers) < HANG_SECONDS  # and never hung on
        for client, done in zip(clients, done_at_restart, strict=True):
            assert len(client.done) >= done + 6  # the pool reconnected by itself

        # Every request again with its key: the first answer, nothing moved.
        with backend.client(shop.api_key) as http:
            for client in clients:
                for path, key, body in client.done[-4:]:
                    again = http.post(path, json=body, headers={"Idempotency-Key": key})
                    assert again.status_code == 201 and again.headers.get("Idempotent-Replayed") == "true", again.text

        issued = sum(1 for client in clients for path, _key, _body in client.done if path == "/cards")
        redeemed = {client.card_id: sum(1 for path, _k, _b in client.done if path == "/redemptions")
                    for client in clients}
        with services_on(database_url):
            assert_money_is_consistent(shop.id)
            with read_session() as session:
                cards = session.exec(select(func.count(Card.id)).where(Card.operator_id == shop.id)).one()
                redemption_rows = session.exec(select(func.count(Redemption.id)).where(
                    Redemption.operator_id == shop.id)).one()
                keyed = session.exec(select(func.count(LedgerEntry.id)).where(
                    LedgerEntry.operator_id == shop.id, LedgerEntry.idempotency_key.is_not(None))).one()
                balances = {card.id: card.balance_cents for card in session.exec(
                    select(Card).where(Card.id.in_(list(redeemed)))).all()}
        assert cards == CLIENTS + issued  # one card per successful issue key, none more
        assert redemption_rows == sum(redeemed.values())
        assert keyed == issued + sum(redeemed.values())
        assert balances == {card_id: 50_000 - count * REDEEM_CENTS for card_id, count in redeemed.items()}
    finally:
        backend.stop()


def test_an_answer_or_a_release_that_meets_the_outage_is_written_once_the_database_is_back(private_postgres):
    database_url = private_postgres.create_database("bookkeeping")
    with services_on(database_url):
        migrate()
        operator, owner = accounts.sign_up(operator_name="Bookkeeping", email="owner@example.com",
                                            password="correct horse battery", currency="CAD")
        key_id = api_keys.create_api_key(operator.id, "shop", user_id=owner.id).api_key.id
        stored = idempotency.begin(key_id, "stored-key", method="POST", path="/api/v1/cards", fingerprint="a")
        released = idempotency.begin(key_id, "released-key", method="POST", path="/api/v1/cards", fingerprint="b")
        private_postgres.stop("fast")  # a clean restart: what was committed stays

        idempotency.complete(stored, 201, '{"id": 1}')  # neither raises: the database is down
        idempotency.release(released)
        private_postgres.start()

        def records() -> dict[str, str]:
            with read_session() as session:
                return {record.key: record.state for record in session.exec(select(IdempotencyRecord)).all()}

        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and records() != {"stored-key": "done"}:
            time.sleep(0.2)
        assert records() == {"stored-key": "done"}
        replay = idempotency.begin(key_id, "stored-key", method="POST", path="/api/v1/cards", fingerprint="a")
        assert replay == idempotency.StoredAnswer(201, '{"id": 1}')
        again = idempotency.begin(key_id, "released-key", method="POST", path="/api/v1/cards", fingerprint="b")
        assert isinstance(again, idempotency.Claim)  # the retry runs at once, not held as in flight


def test_only_an_unreachable_database_is_503_a_bad_query_stays_a_bug():
    down = sa_exc.OperationalError("SELECT 1", {}, Exception("connection refused"))
    dropped = sa_exc.DBAPIError("SELECT 1", {}, Exception("server closed the connection"), connection_invalidated=True)
    pool_empty = sa_exc.TimeoutError("QueuePool limit reached")
    duplicate = sa_exc.IntegrityError("INSERT", {}, Exception("duplicate key"))
    bad_sql = sa_exc.ProgrammingError("SELEC 1", {}, Exception("syntax error"))

    assert all(database_unavailable(error) for error in (down, dropped, pool_empty))
    assert not any(database_unavailable(error) for error in (duplicate, bad_sql))  # these stay 500, logged

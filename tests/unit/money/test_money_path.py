"""The money path's shortcuts keep the money rules: the debit, redemption and ledger row in
one statement (PostgreSQL), the idempotency record inside the money transaction, the
webhook endpoints from a cache that a change invalidates, no pre-ping (a dead pooled
connection is retried once), and background jobs that give the SQLite writer way."""

from __future__ import annotations

import threading
import time
import uuid

import psycopg
import pytest
from sqlmodel import func, select

from app import db
from app.db import read_session, write_engine
from app.models import IdempotencyRecord, LedgerEntry, Redemption, WebhookDelivery
from app.services.access import api_keys
from app.services.core.errors import ErrorCode, GiftnetError
from app.services.counter import redemptions
from app.services.messaging import webhooks
from app.services.money import idempotency, ledger
from tests.support.counter import issue, open_location


@pytest.fixture
def shop(make_operator):
    owner = make_operator("Money Path Network")
    return owner, open_location(owner)


def count(model, *conditions) -> int:
    with read_session() as session:
        return session.exec(select(func.count()).select_from(model).where(*conditions)).one()


def test_a_redemption_writes_its_debit_redemption_and_ledger_row_together(shop):
    owner, location = shop
    card = issue(owner, 5000)

    result = redemptions.redeem(owner.actor, location_id=location.id, card_id=card.card.id, amount_cents=1250,
                                idempotency_key="till-1")

    assert result.balance_after_cents == 3750 and result.last4 == card.card.last4
    with read_session() as session:
        stored = session.get(Redemption, result.redemption.id)
        entry = session.exec(select(LedgerEntry).where(LedgerEntry.redemption_id == stored.id)).one()
    assert (stored.amount_cents, stored.balance_after_cents, stored.kind) == (1250, 3750, "amount")
    assert (entry.amount_cents, entry.balance_after_cents, entry.idempotency_key) == (-1250, 3750, "till-1")
    assert ledger.balance_of(owner.operator.id, card.card.id) == 3750
    again = redemptions.redeem(owner.actor, location_id=location.id, card_id=card.card.id, amount_cents=1250,
                               idempotency_key="till-1")
    assert again.replayed and again.redemption.id == stored.id
    assert ledger.balance_of(owner.operator.id, card.card.id) == 3750
    assert ledger.check_ledger(owner.operator.id) == []


@pytest.mark.parametrize(("setup", "expected"), [
    ("too_little", ErrorCode.insufficient_funds),
    ("frozen", ErrorCode.card_not_active),
    ("missing", ErrorCode.card_not_found),
])
def test_a_refused_debit_writes_nothing_and_says_why(shop, setup, expected):
    owner, location = shop
    card = issue(owner, 1000)
    card_id = card.card.id
    if setup == "frozen":
        ledger.set_card_frozen(owner.actor, card_id, True)
    if setup == "missing":
        card_id = card_id + 1000

    with pytest.raises(GiftnetError) as refused:
        redemptions.redeem(owner.actor, location_id=location.id, card_id=card_id, amount_cents=1500)

    assert refused.value.code == expected
    if setup == "missing":
        assert refused.value.field == "card_id"
    assert count(Redemption) == 0
    assert count(LedgerEntry, LedgerEntry.kind == "redeem") == 0
    assert ledger.balance_of(owner.operator.id, card.card.id) == 1000


def test_the_webhook_endpoints_cache_follows_every_change(shop):
    owner, location = shop
    card = issue(owner, 5000)

    def redeem() -> int:
        return redemptions.redeem(owner.actor, location_id=location.id, card_id=card.card.id,
                                  amount_cents=100).redemption.id

    redeem()  # caches "no endpoints" for this operator
    assert count(WebhookDelivery) == 0
    created = webhooks.create_endpoint(owner.actor, "https://hooks.example.com/giftnet", ["redemption.completed"])
    redeem()
    assert count(WebhookDelivery, WebhookDelivery.endpoint_id == created.endpoint.id) == 1
    webhooks.remove_endpoint(owner.actor, created.endpoint.id)
    redeem()
    assert count(WebhookDelivery, WebhookDelivery.endpoint_id == created.endpoint.id) == 1


def test_an_api_call_claims_and_answers_its_key_in_the_money_transaction(shop):
    owner, _location = shop
    api_key_id = api_keys.create_api_key(owner.operator.id, "shop", user_id=owner.user.id).api_key.id
    call_key = uuid.uuid4().hex

    def call(amount: int) -> tuple[object, idempotency.ApiCall]:
        api_call = idempotency.ApiCall(api_key_id, call_key, "POST", "/api/v1/cards",
                                       idempotency.request_fingerprint("POST", "/api/v1/cards", {"a": amount}),
                                       lambda issued: (201, f'{{"id":{issued.card.id}}}'))
        issued = idempotency.answered_within(api_call, lambda: ledger.issue_card(
            owner.actor, amount, idempotency_key=idempotency.ledger_key(api_key_id, call_key)))
        return issued, api_call

    issued, first = call(2500)
    assert first.answer == (201, f'{{"id":{issued.card.id}}}')
    with read_session() as session:
        record = session.exec(select(IdempotencyRecord).where(IdempotencyRecord.key == call_key)).one()
    assert record.state == "done" and record.response_status == 201
    with pytest.raises(idempotency.AlreadyAnswered) as replayed:
        call(2500)
    assert replayed.value.answer.body == f'{{"id":{issued.card.id}}}'
    with pytest.raises(GiftnetError) as reused:
        call(9000)
    assert reused.value.code == ErrorCode.idempotency_key_reused
    assert count(LedgerEntry, LedgerEntry.kind == "issue") == 1


def test_a_refused_api_call_leaves_no_record(shop):
    owner, location = shop
    card = issue(owner, 1000)
    api_key_id = api_keys.create_api_key(owner.operator.id, "shop", user_id=owner.user.id).api_key.id
    call_key = uuid.uuid4().hex
    api_call = idempotency.ApiCall(api_key_id, call_key, "POST", "/api/v1/redemptions", "f" * 64, lambda result: (201, "{}"))
    with pytest.raises(GiftnetError):
        idempotency.answered_within(api_call, lambda: redemptions.redeem(
            owner.actor, location_id=location.id, card_id=card.card.id, amount_cents=5000,
            idempotency_key=idempotency.ledger_key(api_key_id, call_key)))
    assert count(IdempotencyRecord, IdempotencyRecord.key == call_key) == 0


def test_a_pooled_connection_killed_by_the_database_is_replaced_without_an_error(shop):
    owner, location = shop
    if write_engine().dialect.name != "postgresql":
        pytest.skip("PostgreSQL: SQLite has no server to drop connections")
    card = issue(owner, 5000)
    with write_engine().connect():  # two pooled connections at least, both idle again below
        redemptions.redeem(owner.actor, location_id=location.id, card_id=card.card.id, amount_cents=100)
    url = write_engine().url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url, autocommit=True) as outside:  # as a database restart would: every pooled one dies
        killed = outside.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                 "WHERE datname = current_database() AND pid <> pg_backend_pid()").fetchone()[0]
    assert killed >= 1
    # The next unit of work meets a dead connection at its first statement and runs again.
    result = redemptions.redeem(owner.actor, location_id=location.id, card_id=card.card.id, amount_cents=100)
    assert result.balance_after_cents == 4800
    assert api_keys.authenticate("gk_" + "x" * 43) is None  # the key check too: a fresh connection
    assert ledger.check_ledger(owner.operator.id) == []


def test_a_background_job_waits_for_the_requests_writing_on_sqlite(shop):
    if write_engine().dialect.name != "sqlite":
        pytest.skip("SQLite: one writer; PostgreSQL locks rows")
    order: list[str] = []
    request_writing = threading.Event()

    def request() -> None:
        with db.write_session():
            request_writing.set()
            time.sleep(0.3)
            order.append("request committed")

    def job() -> None:
        db.background_work()
        request_writing.wait(5)
        with db.write_session():
            order.append("job began")

    threads = [threading.Thread(target=request), threading.Thread(target=job)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert order == ["request committed", "job began"]

"""What every API call writes besides its own work, on SQLite and PostgreSQL: the key
check, the idempotency record and the access log. They are written off the ORM and,
on PostgreSQL, without waiting for the WAL flush (app.db.bookkeeping_transaction):
these tests prove the rows still arrive and the rules still hold."""

from __future__ import annotations

import os
import time
from datetime import timedelta

from sqlalchemy import func, update
from sqlmodel import select

from app.db import bookkeeping_transaction, read_session
from app.models import ApiKey, ApiRequestLog, IdempotencyRecord
from app.models.base import utcnow
from app.services.access import api_keys, api_log
from app.services.core.errors import ErrorCode, GiftnetError
from app.services.money import idempotency


def _fingerprint(body: dict) -> str:
    return idempotency.request_fingerprint("POST", "/api/v1/cards", body)


def test_a_key_is_known_by_its_owner_until_the_moment_it_is_revoked(make_operator):
    owner, other = make_operator("Keyed Network"), make_operator("Other Network")
    created = api_keys.create_api_key(owner.operator.id, "Till")
    found = api_keys.authenticate(created.plaintext)
    assert (found.id, found.operator_id, found.prefix) == (created.api_key.id, owner.operator.id, created.plaintext[:11])
    assert api_keys.authenticate(created.plaintext + "x") is None
    assert api_keys.authenticate("not-a-key") is None
    api_keys.create_api_key(other.operator.id, "Their till")  # another operator's key changes nothing
    api_keys.revoke_api_key(owner.operator.id, created.api_key.id)
    assert api_keys.authenticate(created.plaintext) is None  # the very next look-up


def test_an_idempotency_key_is_claimed_answered_and_replayed(make_operator):
    owner = make_operator("Idempotent Network")
    key_id = api_keys.create_api_key(owner.operator.id, "Shop").api_key.id
    body = {"amount_cents": 5000}
    claim = idempotency.begin(key_id, "order-1", method="post", path="/api/v1/cards", fingerprint=_fingerprint(body))
    assert isinstance(claim, idempotency.Claim)

    def again(request_body: dict) -> object:
        return idempotency.begin(key_id, "order-1", method="POST", path="/api/v1/cards",
                                 fingerprint=_fingerprint(request_body))

    try:
        again(body)
        raise AssertionError("a second call while the first runs must be refused")
    except GiftnetError as error:
        assert error.code == ErrorCode.idempotency_in_flight
    answer = '{"id": 7, "code": "GIFT-ABCD-EFGH"}'
    idempotency.complete(claim, 201, answer)
    assert again(body) == idempotency.StoredAnswer(201, answer)
    try:
        again({"amount_cents": 9000})
        raise AssertionError("another body under the same key must be refused")
    except GiftnetError as error:
        assert error.code == ErrorCode.idempotency_key_reused
    with read_session() as session:
        record = session.exec(select(IdempotencyRecord).where(IdempotencyRecord.id == claim.record_id)).one()
        assert (record.method, record.state, record.response_status) == ("POST", "done", 201)
        assert "GIFT-ABCD" not in record.response_body  # the stored answer is encrypted


def test_a_released_key_runs_again_and_a_stale_claim_is_taken_over(make_operator):
    owner = make_operator("Retrying Network")
    key_id = api_keys.create_api_key(owner.operator.id, "Shop").api_key.id
    fingerprint = _fingerprint({"amount_cents": 5000})
    first = idempotency.begin(key_id, "k", method="POST", path="/api/v1/cards", fingerprint=fingerprint)
    idempotency.release(first)
    second = idempotency.begin(key_id, "k", method="POST", path="/api/v1/cards", fingerprint=fingerprint)
    assert isinstance(second, idempotency.Claim)
    # Its process died: after STALE_AFTER the next call owns the record.
    with bookkeeping_transaction() as connection:
        connection.execute(
            update(IdempotencyRecord)
            .where(IdempotencyRecord.id == second.record_id)
            .values(created_at=utcnow() - idempotency.STALE_AFTER - timedelta(seconds=1))
        )
    taken = idempotency.begin(key_id, "k", method="POST", path="/api/v1/cards", fingerprint=fingerprint)
    assert taken == idempotency.Claim(second.record_id)


def test_access_log_rows_arrive_from_the_background_writer(make_operator):
    owner = make_operator("Logged Network")
    created = api_keys.create_api_key(owner.operator.id, "Shop")
    now = utcnow()
    calls = [
        api_log.ApiCall(created_at=now, method="POST", path=f"/api/v1/cards/{number}", status=201, duration_ms=3,
                        ip="127.0.0.1", operator_id=owner.operator.id, api_key_id=created.api_key.id,
                        api_key_prefix=created.api_key.prefix)
        for number in range(25)
    ]
    for call in calls:
        api_log.record_call(call)  # returns at once: the writer thread inserts them in a batch

    def written() -> int:
        with read_session() as session:
            return session.exec(
                select(func.count()).select_from(ApiRequestLog).where(ApiRequestLog.operator_id == owner.operator.id)
            ).one()

    deadline = time.monotonic() + 15
    while written() < len(calls) and time.monotonic() < deadline:
        time.sleep(0.05)  # no flush() here: the background writer must get them there by itself
    assert written() == len(calls)
    with read_session() as session:
        assert session.get(ApiKey, created.api_key.id).last_used_at is not None
    page = api_log.list_api_logs(owner.operator.id, limit=100)
    assert sorted(row.path for row in page.rows) == sorted(call.path for call in calls)


def test_flush_waits_for_the_batch_the_writer_thread_already_took(make_operator):
    """The writer holds a call off the queue while a burst accumulates: `flush` must wait for it
    too, or a test's TRUNCATE (or the process's exit) races the thread's INSERT."""
    owner = make_operator("Flushed Network")
    call = api_log.ApiCall(created_at=utcnow(), method="GET", path="/api/v1/cards", status=200, duration_ms=1,
                           ip="127.0.0.1", operator_id=owner.operator.id)
    api_log.record_call(call)
    time.sleep(api_log.FLUSH_SECONDS / 4)  # the thread has taken it and is waiting for more
    api_log.flush()
    with read_session() as session:
        rows = session.exec(select(ApiRequestLog).where(ApiRequestLog.operator_id == owner.operator.id)).all()
    assert [(row.method, row.path) for row in rows] == [("GET", "/api/v1/cards")]


def test_a_forked_worker_starts_without_its_parents_rows(make_operator):
    """Granian forks its workers: a child must not write (or wait for) the rows its parent queued."""
    owner = make_operator("Forked Network")
    api_log.record_call(api_log.ApiCall(created_at=utcnow(), method="GET", path="/api/v1/cards", status=200,
                                        duration_ms=1, ip="127.0.0.1", operator_id=owner.operator.id))
    child = os.fork()
    if child == 0:  # the child: nothing queued, nothing pending, a flush returns at once
        code = 1
        try:
            began = time.monotonic()
            api_log.flush(wait_seconds=5)
            code = 0 if api_log._writer._pending == 0 and time.monotonic() - began < 1 else 1
        finally:
            os._exit(code)  # never back into pytest
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    api_log.flush()
    with read_session() as session:
        assert len(session.exec(select(ApiRequestLog).where(ApiRequestLog.operator_id == owner.operator.id)).all()) == 1

"""Idempotency keys: a retried call answers what the first one answered and moves nothing.

Two layers, one key rule (`validated_key`: 1 to 255 printable ASCII characters):
- a money movement carries its key on its ledger row; `run_idempotent` runs the
  movement once per (operator, key) and answers a retry from the row already written;
- an API call keeps a record per (API key, key) with its answer, as follows.

The API's contract (API.md), per API key and for at least `RETENTION` (24 hours):
- same key, same request: the stored answer, and nothing moves again;
- same key, another request (method, path or body): `idempotency_key_reused` (422);
- same key while the first call still runs: `idempotency_in_flight` (409).

How, on the money routes (`answered_within`, one transaction per call): the record is
claimed (`INSERT ... ON CONFLICT DO NOTHING`) as the first statement of the money
transaction itself, and its answer written as its last, so the claim, the movement and
the answer commit or vanish together. A second call with the same key waits on the first
one's row (PostgreSQL) or on the write lock (SQLite), then finds the stored answer. A
failing call rolls everything back: nothing is stored and a retry runs again.

How elsewhere: `begin` inserts an `in_flight` record in its own transaction (the unique
constraint on api key + key decides between racing calls), the caller does the work,
then `complete` stores the answer or `release` forgets the record when the work
failed (nothing moved, so a retry with the same key may run again). An `in_flight`
record older than `STALE_AFTER` belongs to a process that died; the next call takes
it over. Money services get their own key derived from this one (`ledger_key`), so
even a takeover cannot move money twice. When the database cannot be reached just as
`complete` or `release` runs (a restart), they keep trying in the background for
`STALE_AFTER`, so that a retry soon after the outage is answered, not held as in flight.

Stored answers are encrypted: a card's code is in the answer that issued it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import threading
import time
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TypeVar

from sqlalchemy import bindparam, delete, insert, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from app.db import (
    HotStatement,
    bookkeeping_transaction,
    database_unavailable,
    read_session,
    retry_once_if_dead,
    write_session,
)
from app.models import IdempotencyRecord, LedgerEntry
from app.models.base import utcnow
from app.services.core import crypto
from app.services.core.errors import ErrorCode, GiftnetError
from app.services.core.i18n import N_

log = logging.getLogger(__name__)

RETENTION = timedelta(hours=24)
STALE_AFTER = timedelta(seconds=60)
MAX_KEY_LENGTH = 255
_PURGE_ONE_IN = 200

Result = TypeVar("Result")


@dataclass(frozen=True)
class StoredAnswer:
    """The first call's answer, to send again as it was."""

    status: int
    body: str


@dataclass(frozen=True)
class Claim:
    """This call owns the key until `complete` or `release`."""

    record_id: int


def validated_key(key: str | None, *, field: str = "idempotency_key") -> str | None:
    """The key, or None when absent; refuses (`invalid_input` on `field`) anything but 1 to
    MAX_KEY_LENGTH printable ASCII characters. The one rule for the API's Idempotency-Key
    header (`field="Idempotency-Key"`) and for the keys services are called with."""
    if key is None:
        return None
    if not isinstance(key, str) or not 1 <= len(key) <= MAX_KEY_LENGTH or not key.isprintable() or not key.isascii():
        raise GiftnetError(
            ErrorCode.invalid_input,
            N_("An {name} has 1 to {maximum} printable ASCII characters."),
            params={"name": field.replace("_", " "), "maximum": MAX_KEY_LENGTH},
            field=field,
        )
    return key


# ---------------------------------------------------------------- a money movement, once per key


def entry_for_key(session: Session, operator_id: int, idempotency_key: str | None) -> LedgerEntry | None:
    """The operator's ledger row written with this key, if any."""
    if not idempotency_key:
        return None
    return session.exec(
        select(LedgerEntry).where(
            LedgerEntry.operator_id == operator_id, LedgerEntry.idempotency_key == idempotency_key
        )
    ).first()


def same_movement_or_refuse(entry: LedgerEntry, *, kind: str, card_id: int | None, amount_cents: int) -> None:
    """A replayed key must describe the same movement; anything else is a client bug."""
    if entry.kind != kind or entry.amount_cents != amount_cents or (card_id is not None and entry.card_id != card_id):
        raise GiftnetError(
            ErrorCode.idempotency_key_reused,
            N_("This idempotency key was already used for a different request."),
            field="idempotency_key",
        )


def run_idempotent(operator_id: int, idempotency_key: str | None, attempt: Callable[[Session], Result],
                   replay: Callable[[Session, LedgerEntry], Result]) -> tuple[Result, bool]:
    """Run `attempt(session)` in one transaction; on a key already used, `replay(session, entry)`.

    Returns (result, created). Services that move money together with other rows
    (a redemption and its ledger row) run their whole transaction through this.

    Two concurrent calls with one key: the loser's insert breaks the unique
    constraint, its transaction (and so its balance change) rolls back, and it
    answers with the winner's result. On PostgreSQL the loser may instead wait on
    the card's row lock and then find the balance already moved (insufficient
    funds, over the maximum): the winner's result is still its answer.

    A call does not look its key up before it works: every attempt writes a ledger row
    carrying the key, so a key already used breaks the unique constraint (or the work
    is refused first: the payment already applied, the redemption already voided),
    everything rolls back, and the replay below answers. One SELECT less per call.
    """
    call = _API_CALL.get()
    if call is not None and not call.claimed:
        call.claimed = True
        attempt = _answered_in(call, attempt)
    try:
        def one_transaction() -> Result:
            with write_session() as session:
                return attempt(session)

        return retry_once_if_dead(one_transaction), True
    except (IntegrityError, GiftnetError):
        if not idempotency_key:
            raise
        with read_session() as session:
            existing = entry_for_key(session, operator_id, idempotency_key)
            if existing is None:
                raise
            return replay(session, existing), False


# ---------------------------------------------------------------- an API call, once per key


class AlreadyAnswered(Exception):
    """Raised out of the money transaction (which then rolls back, having written nothing)
    when the key already holds the answer of the same request."""

    def __init__(self, answer: StoredAnswer) -> None:
        super().__init__("already answered")
        self.answer = answer


@dataclass
class ApiCall:
    """An API call whose idempotency record lives in the money transaction (`answered_within`).

    `to_answer(result)` turns the money service's result into (status, JSON text): it runs
    inside the transaction, so the answer is stored by the same commit as the movement."""

    api_key_id: int
    key: str
    method: str
    path: str
    fingerprint: str
    to_answer: Callable[[object], tuple[int, str]]
    claimed: bool = False
    answer: tuple[int, str] | None = field(default=None)


_API_CALL: ContextVar[ApiCall | None] = ContextVar("giftnet_idempotent_api_call", default=None)


def answered_within(call: ApiCall, run: Callable[[], Result]) -> Result:
    """`run()` (a money service going through `run_idempotent`) with `call`'s record claimed and
    answered inside that service's one transaction. Afterwards `call.answer` holds the stored
    (status, text), or None when the service answered from the ledger instead (a replay whose
    record was gone): the caller then builds the answer itself. Raises `AlreadyAnswered`."""
    token = _API_CALL.set(call)
    try:
        return run()
    except _ClaimRefused as refused:
        raise refused.error from None
    finally:
        _API_CALL.reset(token)


class _ClaimRefused(Exception):
    """A refusal of the claim itself, carried past `run_idempotent`'s ledger replay."""

    def __init__(self, error: GiftnetError) -> None:
        super().__init__(str(error))
        self.error = error


_CLAIM = HotStatement(
    "INSERT INTO idempotency_record (api_key_id, key, method, path, request_hash, state, created_at, expires_at) "
    "VALUES (:api_key_id, :key, :method, :path, :request_hash, 'in_flight', :created_at, :expires_at) "
    "ON CONFLICT (api_key_id, key) DO NOTHING RETURNING id"
)
_ANSWER = HotStatement(
    "UPDATE idempotency_record SET state = 'done', response_status = :status, response_body = :body "
    "WHERE id = :record_id"
)


def _answered_in(call: ApiCall, attempt: Callable[[Session], Result]) -> Callable[[Session], Result]:
    def claimed_attempt(session: Session) -> Result:
        try:
            record_id = _claim_within(session, call)
        except GiftnetError as error:
            raise _ClaimRefused(error) from None
        result = attempt(session)
        status, body = call.to_answer(result)
        _ANSWER.first(session, {"status": status, "body": crypto.encrypt(body), "record_id": record_id})
        call.answer = (status, body)
        return result

    return claimed_attempt


def _claim_within(session: Session, call: ApiCall) -> int:
    """The record's id, claimed in the caller's transaction; raises `AlreadyAnswered`, or the
    refusals of `begin` (another request under this key, the first call still running)."""
    now = utcnow()
    params = {"api_key_id": call.api_key_id, "key": call.key, "method": call.method.upper(), "path": call.path[:255],
              "request_hash": call.fingerprint, "created_at": now, "expires_at": now + RETENTION}
    for _attempt in range(3):
        claimed = _CLAIM.first(session, params)
        if claimed is not None:
            return claimed[0]
        existing = session.execute(_EXISTING, {"api_key_id": call.api_key_id, "key": call.key}).first()
        if existing is None:
            continue  # released meanwhile: claim again
        answer_or_id = _decide(session, existing, call.fingerprint, now)
        if isinstance(answer_or_id, StoredAnswer):
            raise AlreadyAnswered(answer_or_id)
        if answer_or_id is not None:
            return answer_or_id
    raise _still_in_flight()


_EXISTING = (
    select(IdempotencyRecord.id, IdempotencyRecord.request_hash, IdempotencyRecord.state,
           IdempotencyRecord.response_status, IdempotencyRecord.response_body, IdempotencyRecord.created_at,
           IdempotencyRecord.expires_at)
    .where(IdempotencyRecord.api_key_id == bindparam("api_key_id"), IdempotencyRecord.key == bindparam("key"))
)


def _decide(session: Session, existing, fingerprint: str, now) -> StoredAnswer | int | None:  # noqa: ANN001
    """What an existing record means for this call: its stored answer, the record taken over
    (its id: the first call's process died), None (it expired and was deleted: claim again);
    or a refusal."""
    record_id, request_hash, state, status, body, created_at, expires_at = existing
    if expires_at <= now:
        session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.id == record_id))
        return None
    if request_hash != fingerprint:
        raise _refuse_other_request()
    if state == "done":
        return StoredAnswer(status, crypto.decrypt(body) or "")
    if created_at > now - STALE_AFTER:
        raise _still_in_flight()
    taken = session.execute(
        update(IdempotencyRecord)
        .where(IdempotencyRecord.id == record_id, IdempotencyRecord.state == "in_flight",
               IdempotencyRecord.created_at == created_at)
        .values(created_at=now)
    ).rowcount
    if taken != 1:
        raise _still_in_flight()
    return record_id


def _still_in_flight() -> GiftnetError:
    return GiftnetError(
        ErrorCode.idempotency_in_flight,
        N_("A request with this Idempotency-Key is still being processed. Retry in a moment."),
        field="Idempotency-Key",
    )


def request_fingerprint(method: str, path: str, body: object) -> str:
    """What "the same request" means: method, path and the body's JSON, key order aside."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{method.upper()} {path}\n{canonical}".encode()).hexdigest()


def ledger_key(api_key_id: int, key: str) -> str:
    """The key handed to money services: scoped by API key, short enough for the ledger column."""
    return f"api-{api_key_id}-{hashlib.sha256(key.encode()).hexdigest()}"


def _refuse_other_request() -> GiftnetError:
    return GiftnetError(
        ErrorCode.idempotency_key_reused,
        N_("This Idempotency-Key was already used for a different request. Use a new key for a new request."),
        field="Idempotency-Key",
    )


def begin(api_key_id: int, key: str, *, method: str, path: str, fingerprint: str) -> Claim | StoredAnswer:
    """Claim `key` for this request, or return the stored answer of the same request.

    Raises `idempotency_key_reused` for another request under the same key and
    `idempotency_in_flight` while the first call still runs.
    """
    now = utcnow()
    if random.randrange(_PURGE_ONE_IN) == 0:
        purge_expired()
    for _attempt in range(3):
        try:
            with bookkeeping_transaction() as connection:
                record_id = connection.execute(
                    insert(IdempotencyRecord)
                    .values(
                        api_key_id=api_key_id,
                        key=key,
                        method=method.upper(),
                        path=path[:255],
                        request_hash=fingerprint,
                        state="in_flight",
                        created_at=now,
                        expires_at=now + RETENTION,
                    )
                    .returning(IdempotencyRecord.id)
                ).scalar_one()
                return Claim(record_id)
        except IntegrityError:
            pass
        with write_session() as session:
            existing = session.exec(
                select(IdempotencyRecord).where(
                    IdempotencyRecord.api_key_id == api_key_id, IdempotencyRecord.key == key
                )
            ).first()
            if existing is None:
                continue  # released or purged meanwhile: try to claim again
            if existing.expires_at <= now:
                session.delete(existing)
                continue
            if existing.request_hash != fingerprint:
                raise _refuse_other_request()
            if existing.state == "done":
                return StoredAnswer(existing.response_status, crypto.decrypt(existing.response_body) or "")
            if existing.created_at > now - STALE_AFTER:
                raise GiftnetError(
                    ErrorCode.idempotency_in_flight,
                    N_("A request with this Idempotency-Key is still being processed. Retry in a moment."),
                    field="Idempotency-Key",
                )
            # The first call's process died mid-way: take the claim over (one winner).
            taken = session.execute(
                update(IdempotencyRecord)
                .where(
                    IdempotencyRecord.id == existing.id,
                    IdempotencyRecord.state == "in_flight",
                    IdempotencyRecord.created_at == existing.created_at,
                )
                .values(created_at=now)
            ).rowcount
            if taken == 1:
                return Claim(existing.id)
    raise GiftnetError(
        ErrorCode.idempotency_in_flight,
        N_("A request with this Idempotency-Key is still being processed. Retry in a moment."),
        field="Idempotency-Key",
    )


def complete(claim: Claim, status: int, body: str) -> None:
    """Store the answer that later calls with the same key and request will get."""
    encrypted = crypto.encrypt(body)

    def store() -> None:
        with bookkeeping_transaction() as connection:
            connection.execute(
                update(IdempotencyRecord)
                .where(IdempotencyRecord.id == claim.record_id, IdempotencyRecord.state == "in_flight")
                .values(state="done", response_status=status, response_body=encrypted)
            )

    _now_or_after_the_outage(store, "store the answer of")


def release(claim: Claim) -> None:
    """The call failed before anything moved: forget the key so that a retry runs again."""

    def forget() -> None:
        with bookkeeping_transaction() as connection:
            connection.execute(
                delete(IdempotencyRecord).where(
                    IdempotencyRecord.id == claim.record_id, IdempotencyRecord.state == "in_flight"
                )
            )

    _now_or_after_the_outage(forget, "release")


RETRY_EVERY_SECONDS = 0.5


def _now_or_after_the_outage(write, what: str) -> None:  # noqa: ANN001
    """Run `write` now; if the database cannot be reached, keep trying in a background
    thread until it can (for at most STALE_AFTER: later, a retry takes the record over)."""
    try:
        write()
        return
    except Exception as error:
        if not database_unavailable(error):
            raise

    def keep_trying() -> None:
        deadline = time.monotonic() + STALE_AFTER.total_seconds()
        while time.monotonic() < deadline:
            time.sleep(RETRY_EVERY_SECONDS)
            try:
                write()
                return
            except Exception as error:  # still down, or a bug: logged below when giving up
                if not database_unavailable(error):
                    log.exception("idempotency: could not %s a record", what)
                    return
        log.warning("idempotency: could not %s a record before it went stale", what)

    threading.Thread(target=keep_trying, name="idempotency-after-outage", daemon=True).start()


def purge_expired() -> int:
    """Delete records past their retention; returns how many."""
    with write_session() as session:
        return session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.expires_at <= utcnow())).rowcount

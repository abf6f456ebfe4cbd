"""The API access log: every call under /api/v1, kept for the operator to read.

Recording must not slow the call down: `record_call` only puts the row on a queue,
and one writer thread per process inserts what accumulated in a single transaction
(about every `FLUSH_SECONDS`), and moves each key's `last_used_at` forward in the
same transaction. The Developers screen and `GET /api-logs` read the table.

What a row holds identifies the call and nothing secret: method, path without its
query string (and with any segment that looks like a card code or a key masked),
status, duration, client address, the key's id and public prefix.
"""

from __future__ import annotations

import atexit
import logging
import os
import queue
import threading
import time
from dataclasses import dataclass, fields
from datetime import datetime

from sqlalchemy import Connection, insert, update
from sqlmodel import select

from app.db import bookkeeping_transaction
from app.models import ApiKey, ApiRequestLog
from app.services.core import codes
from app.services.core.errors import ErrorCode, GiftnetError
from app.services.core.i18n import N_
from app.services.core.paging import id_page

log = logging.getLogger(__name__)

FLUSH_SECONDS = 0.2
MAX_BATCH = 500
MAX_PAGE = 100
STATUS_CLASSES = ("2xx", "3xx", "4xx", "5xx")
_SECRET_PREFIXES = ("gk_", "gkpos_", "whsec_")
REDACTED = "[redacted]"


@dataclass(frozen=True)
class ApiCall:
    created_at: datetime
    method: str
    path: str
    status: int
    duration_ms: int
    ip: str
    operator_id: int | None = None
    api_key_id: int | None = None
    api_key_prefix: str | None = None


@dataclass(frozen=True)
class ApiLogPage:
    rows: list[ApiRequestLog]
    next_cursor: int | None


def _looks_secret(segment: str) -> bool:
    if segment.startswith(_SECRET_PREFIXES) or len(segment) > 64:
        return True
    if len(segment) < codes.CODE_LENGTH:  # "cards", "42": too short to hold a card code (no exception)
        return False
    try:
        codes.normalize_code(segment)
    except GiftnetError:
        return False
    return True


def loggable_path(path: str) -> str:
    """The path as the log keeps it: no query string, no card code or key in it, at most 255 characters."""
    path = path.split("?", 1)[0]
    return "/".join(REDACTED if _looks_secret(segment) else segment for segment in path.split("/"))[:255]


class _Writer:
    """A queue and the thread that drains it, started at the first call and again in a forked child.

    `_pending` counts the rows queued or being written, so `flush` can wait for the row
    the thread holds while a burst accumulates, not only write what is still queued."""

    def __init__(self) -> None:
        self._reset()
        os.register_at_fork(after_in_child=self._reset)  # a child must not inherit the parent's rows or lock

    def _reset(self) -> None:
        self._queue: queue.SimpleQueue[ApiCall] = queue.SimpleQueue()
        self._state = threading.Condition()  # guards `_thread` and `_pending`
        self._pending = 0
        self._thread: threading.Thread | None = None

    def put(self, call: ApiCall) -> None:
        with self._state:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="api-log-writer", daemon=True)
                self._thread.start()
            self._pending += 1
        self._queue.put(call)

    def _run(self) -> None:
        while True:
            try:
                first = self._queue.get(timeout=FLUSH_SECONDS * 10)
            except queue.Empty:
                continue
            time.sleep(FLUSH_SECONDS)  # let a burst accumulate into one transaction
            self._write_counted([first, *self._drain(MAX_BATCH - 1)])

    def _drain(self, limit: int) -> list[ApiCall]:
        calls = []
        while len(calls) < limit:
            try:
                calls.append(self._queue.get_nowait())
            except queue.Empty:
                break
        return calls

    def flush(self, wait_seconds: float = 10.0) -> None:
        """Write what is queued, then wait (at most `wait_seconds`) for the thread's own batch."""
        while batch := self._drain(MAX_BATCH):
            self._write_counted(batch)
        with self._state:
            self._state.wait_for(lambda: self._pending <= 0, timeout=wait_seconds)

    def _write_counted(self, calls: list[ApiCall]) -> None:
        try:
            self._write(calls)
        finally:
            with self._state:
                self._pending -= len(calls)
                if self._pending <= 0:
                    self._state.notify_all()

    @staticmethod
    def _write(calls: list[ApiCall]) -> None:
        last_use: dict[int, datetime] = {}
        for call in calls:
            if call.api_key_id is not None and call.status != 401:
                last_use[call.api_key_id] = max(call.created_at, last_use.get(call.api_key_id, call.created_at))
        try:
            with bookkeeping_transaction() as connection:
                _insert_rows(connection, calls)
                for api_key_id, used_at in last_use.items():
                    connection.execute(
                        update(ApiKey)
                        .where(ApiKey.id == api_key_id)
                        .where((ApiKey.last_used_at.is_(None)) | (ApiKey.last_used_at < used_at))
                        .values(last_used_at=used_at)
                    )
        except Exception:  # losing log rows must never break the API
            log.exception("could not write %d API log rows", len(calls))


_COLUMNS = tuple(field.name for field in fields(ApiCall))
_COPY = f"COPY {ApiRequestLog.__tablename__} ({', '.join(_COLUMNS)}) FROM STDIN"


def _insert_rows(connection: Connection, calls: list[ApiCall]) -> None:
    """One batch of rows: on PostgreSQL one COPY through the driver (a few times cheaper per
    row than a multi-row INSERT, on both sides), elsewhere one executemany INSERT."""
    rows = [tuple(getattr(call, column) for column in _COLUMNS) for call in calls]
    if connection.dialect.name != "postgresql":
        connection.execute(insert(ApiRequestLog), [dict(zip(_COLUMNS, row, strict=True)) for row in rows])
        return
    with connection.connection.driver_connection.cursor() as cursor, cursor.copy(_COPY) as copy:
        for row in rows:
            copy.write_row(row)


_writer = _Writer()
atexit.register(_writer.flush)


def record_call(call: ApiCall) -> None:
    """Queue one call for the log (returns at once)."""
    _writer.put(call)


def flush(wait_seconds: float = 10.0) -> None:
    """Write every queued row now, and wait (at most `wait_seconds`) for the batch the writer
    thread is on (tests before they empty or switch the database, shutdown)."""
    _writer.flush(wait_seconds)


def list_api_logs(
    operator_id: int,
    *,
    status_class: str | None = None,
    status: int | None = None,
    method: str | None = None,
    path_contains: str | None = None,
    api_key_id: int | None = None,
    limit: int = 50,
    cursor: int | None = None,
) -> ApiLogPage:
    """The operator's calls, newest first; `cursor` is the last id of the previous page."""
    limit = max(1, min(int(limit), MAX_PAGE))
    statement = select(ApiRequestLog).where(ApiRequestLog.operator_id == operator_id)
    if status_class:
        if status_class not in STATUS_CLASSES:
            raise GiftnetError(
                ErrorCode.invalid_input, N_("The status class is one of 2xx, 3xx, 4xx, 5xx."), field="status_class"
            )
        low = int(status_class[0]) * 100
        statement = statement.where(ApiRequestLog.status >= low, ApiRequestLog.status < low + 100)
    if status is not None:
        statement = statement.where(ApiRequestLog.status == status)
    if method:
        statement = statement.where(ApiRequestLog.method == method.upper())
    if path_contains:
        statement = statement.where(ApiRequestLog.path.contains(path_contains.strip(), autoescape=True))
    if api_key_id is not None:
        statement = statement.where(ApiRequestLog.api_key_id == api_key_id)
    rows, next_cursor = id_page(statement, ApiRequestLog, limit=limit, cursor=cursor)
    return ApiLogPage(rows=rows, next_cursor=next_cursor)

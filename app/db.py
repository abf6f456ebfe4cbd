"""Database engine and sessions.

Writers on SQLite take the write lock at BEGIN (`BEGIN IMMEDIATE`): a deferred
transaction that reads first and writes later can fail with "database is locked"
without waiting, which under concurrency would turn into errors instead of queueing.
Readers use a separate engine with ordinary deferred transactions so that, in WAL
mode, dashboards never wait for writers.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from typing import TypeVar

import psycopg
from psycopg import pq
from sqlalchemy import event, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import PoolProxiedConnection
from sqlmodel import Session, create_engine

from app.settings import get_settings


def _sqlite_engine(url: str, *, immediate: bool) -> Engine:
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": 30},
        pool_size=20,
        max_overflow=20,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # noqa: ANN001
        # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite's own is deferred).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):  # noqa: ANN001
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


_engine_cache: dict[str, tuple[Engine, Engine]] = {}
CONNECT_TIMEOUT_SECONDS = 5
# A pooled PostgreSQL connection older than this is replaced at checkout (no round trip).
POOL_RECYCLE_SECONDS = 1800
_STATEMENTS = "giftnet_statements"
_CURSOR = "giftnet_cursor"  # a pooled connection's cursor for HotStatement
Result = TypeVar("Result")


def _watch_for_dead_connections(engine: Engine) -> None:
    """No pre-ping (a `SELECT 1` round trip on every checkout): a connection a database
    restart killed is found by the first statement that uses it instead. SQLAlchemy then
    invalidates it and every connection of the pool older than it, and the error is marked
    `first_statement` when nothing had run yet in that transaction, so that `retry_once_if_dead`
    may run the whole unit of work again on a fresh connection: nothing of it reached the
    database, so nothing can happen twice."""

    @event.listens_for(engine, "begin")
    def _on_begin(connection):  # noqa: ANN001
        connection.info[_STATEMENTS] = 0

    @event.listens_for(engine, "after_cursor_execute")
    def _after_execute(connection, *_args):  # noqa: ANN001, ANN002
        connection.info[_STATEMENTS] = connection.info.get(_STATEMENTS, 0) + 1

    @event.listens_for(engine, "handle_error")
    def _on_error(context):  # noqa: ANN001
        connection = context.connection  # None when connecting failed: the database is down, no retry
        first = connection is not None and not connection.info.get(_STATEMENTS, 0)
        if context.is_disconnect and first and context.sqlalchemy_exception is not None:
            context.sqlalchemy_exception.giftnet_first_statement = True


def _engines(url: str) -> tuple[Engine, Engine]:
    """(reader, writer) for a database URL; the same engine twice outside SQLite."""
    if url not in _engine_cache:
        if url.startswith("sqlite"):
            pair = (_sqlite_engine(url, immediate=False), _sqlite_engine(url, immediate=True))
        else:
            # No pre-ping (see _watch_for_dead_connections); the timeouts make an unreachable
            # database a quick error (503 at the API) instead of a hung request.
            engine = create_engine(url, pool_size=20, max_overflow=20, pool_pre_ping=False, pool_timeout=10,
                                   pool_recycle=POOL_RECYCLE_SECONDS,
                                   connect_args={"connect_timeout": CONNECT_TIMEOUT_SECONDS})
            _watch_for_dead_connections(engine)
            pair = (engine, engine)
        _engine_cache[url] = pair
    return _engine_cache[url]


def read_engine() -> Engine:
    return _engines(get_settings().database_url)[0]


def write_engine() -> Engine:
    return _engines(get_settings().database_url)[1]


@contextmanager
def read_session() -> Iterator[Session]:
    """A session for queries. Closing it ends the transaction without committing and
    leaves loaded objects readable (a rollback would expire them)."""
    with Session(read_engine(), expire_on_commit=False) as session:
        yield session


# Embedded mode (SQLite, the jobs in the app's own workers): the background jobs give the one
# writer lock way to requests. A request's write transaction counts itself here while it waits
# for the lock and holds it; a background job's (`background_work`) waits, before it begins,
# until no request of this process is writing, so it never holds the lock while one waits to start.
_BACKGROUND: ContextVar[bool] = ContextVar("giftnet_background_work", default=False)
_foreground_writers = 0
_writers_lock = threading.Lock()
_no_foreground_writer = threading.Condition(_writers_lock)
BACKGROUND_YIELD_SECONDS = 2.0  # at most this long, then the job goes ahead (a steady stream of requests)


def background_work() -> Token:
    """Mark this context (a job loop's task, and the threads it starts) as background work."""
    return _BACKGROUND.set(True)


@contextmanager
def _writer_turn(engine: Engine) -> Iterator[None]:
    global _foreground_writers
    if engine.dialect.name != "sqlite":
        yield
        return
    if _BACKGROUND.get():
        with _no_foreground_writer:
            _no_foreground_writer.wait_for(lambda: _foreground_writers == 0, timeout=BACKGROUND_YIELD_SECONDS)
        yield
        return
    with _writers_lock:
        _foreground_writers += 1
    try:
        yield
    finally:
        with _writers_lock:
            _foreground_writers -= 1
            if _foreground_writers == 0:
                _no_foreground_writer.notify_all()


@contextmanager
def write_session() -> Iterator[Session]:
    """One transaction: committed when the block ends, rolled back if it raises."""
    engine = write_engine()
    with _writer_turn(engine), Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def died_before_any_statement(error: BaseException) -> bool:
    """A pooled connection was found dead by the first statement of its transaction (a database
    restart since it was last used): nothing reached the database, the unit of work may run again."""
    return bool(getattr(error, "giftnet_first_statement", False))


def retry_once_if_dead(work: Callable[[], Result]) -> Result:
    """`work()`, run a second time (on a fresh connection) when a dead pooled connection failed
    it at its first statement. Any other error, or a second failure, is the caller's."""
    try:
        return work()
    except sa_exc.DBAPIError as error:
        if not died_before_any_statement(error):
            raise
    return work()


def database_unavailable(error: BaseException) -> bool:
    """Whether a database error means "cannot reach the database" (down, restarting, a
    dropped connection, no free connection in the pool) rather than a bug in a query."""
    if isinstance(error, (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError)):
        return True
    return isinstance(error, sa_exc.DBAPIError) and bool(error.connection_invalidated)


@contextmanager
def bookkeeping_transaction() -> Iterator[Connection]:
    """A write transaction (a Core connection, no ORM session) for rows that are not money:
    idempotency records and the API access log. Committed when the block ends.

    On PostgreSQL its commit does not wait for the WAL flush (`synchronous_commit` off for
    this transaction only): each request then pays one fsync, for its money transaction,
    instead of three. Safe because the WAL is written in order: a later synchronous commit
    (the money's) makes every earlier bookkeeping row durable with it, and a crash can only
    lose bookkeeping written after the last money commit (an idempotency record then looks
    in flight and is taken over after STALE_AFTER; the ledger's own key still prevents a
    second movement).
    """
    with write_engine().begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")
        yield connection


def read_one(statement, params: dict | None = None):  # noqa: ANN001
    """The first row of one read statement, or None: on PostgreSQL outside any transaction
    (autocommit: one round trip, no BEGIN and no ROLLBACK around it), retried once on a
    pooled connection found dead. A `HotStatement` goes straight through the driver there."""
    if isinstance(statement, HotStatement):
        if read_engine().dialect.name == "postgresql":
            return _driver_read_one(statement, params or {})
        statement = statement.clause

    def run():
        with read_engine().connect() as connection:
            if connection.dialect.name == "postgresql":
                connection = connection.execution_options(isolation_level="AUTOCOMMIT")
            return connection.execute(statement, params or {}).first()

    return retry_once_if_dead(run)


# ---------------------------------------------------------------- the hot statements, through the driver


_NAMED_PARAMETER = re.compile(r"(?<![:\w]):(\w+)")


class HotStatement:
    """A statement of the money path, written once in SQL with `:name` parameters. On
    PostgreSQL it goes straight to psycopg (`%(name)s`) on the connection of the caller's
    transaction, without SQLAlchemy's per-statement work (execution context, result
    wrapping, events): about 70 microseconds of CPU less per statement, several per
    redemption (`bench/money_path.py`). Elsewhere (SQLite) it runs as `text()` through
    SQLAlchemy. Either way the caller gets plain tuples and SQLAlchemy's exceptions
    (`IntegrityError` on a broken unique key), and psycopg still prepares it on the server
    after a few uses, as it does every statement."""

    def __init__(self, sql: str) -> None:
        self.clause = text(sql)
        self.driver_sql = _NAMED_PARAMETER.sub(r"%(\1)s", sql.replace("%", "%%"))

    def first(self, session: Session, params: dict) -> tuple | None:
        """The statement's first row (None: no row, or a statement without RETURNING)."""
        connection = session.connection()
        if connection.dialect.name != "postgresql":
            return self._through_sqlalchemy(connection, params)
        pooled = connection.connection
        driver = pooled.driver_connection
        try:
            row = _execute_on(pooled, self.driver_sql, params)
        except psycopg.Error as error:
            if driver.closed:
                # A dead connection: the same statement through SQLAlchemy fails at once on it, and
                # SQLAlchemy then does what it does for a disconnect (the connection and every older
                # one of the pool invalidated; the first statement of a transaction marked for
                # `retry_once_if_dead` by `_watch_for_dead_connections`).
                self._through_sqlalchemy(connection, params)
            raise sa_exc.DBAPIError.instance(self.driver_sql, params, error, psycopg.Error) from error
        connection.info[_STATEMENTS] = connection.info.get(_STATEMENTS, 0) + 1
        return row

    def _through_sqlalchemy(self, connection: Connection, params: dict) -> tuple | None:
        result = connection.execute(self.clause, params)
        return result.first() if result.returns_rows else None


def _execute_on(pooled: PoolProxiedConnection, driver_sql: str, params: dict) -> tuple | None:
    """A hot statement on the pooled connection's driver, with the one cursor the connection keeps
    (a cursor per statement costs its own copy of the connection's adapters); its first row, or
    None when the result has no rows."""
    driver = pooled.driver_connection
    cursor = pooled.info.get(_CURSOR)
    if cursor is None or cursor.connection is not driver or cursor.closed:
        cursor = pooled.info[_CURSOR] = driver.cursor()
    cursor.execute(driver_sql, params)
    result = cursor.pgresult
    return cursor.fetchone() if result is not None and result.status == pq.ExecStatus.TUPLES_OK else None


def _driver_read_one(statement: HotStatement, params: dict) -> tuple | None:
    """`read_one` of a HotStatement on PostgreSQL: a pooled connection in autocommit, the
    driver's cursor; a connection found dead is dropped from the pool and the read tried
    once more on a fresh one (a read: nothing can happen twice). Driver errors come out as
    SQLAlchemy's, as through `Engine.connect()` (the database down: `OperationalError`)."""
    for attempt in (1, 2):
        try:
            pooled = read_engine().raw_connection()
        except psycopg.Error as error:  # the database cannot be reached: no retry
            raise sa_exc.DBAPIError.instance(None, None, error, psycopg.Error) from error
        driver = pooled.driver_connection
        try:
            driver.autocommit = True
            return _execute_on(pooled, statement.driver_sql, params)
        except psycopg.Error as error:
            dead = driver.closed
            if dead:
                pooled.invalidate(error)
            if attempt == 2 or not dead:
                raise sa_exc.DBAPIError.instance(statement.driver_sql, params, error, psycopg.Error) from error
        finally:
            if not driver.closed:
                driver.autocommit = False
            pooled.close()
    return None


def dispose_engines() -> None:
    """Close pooled connections (tests switch databases; forked workers start clean)."""
    for reader, writer in _engine_cache.values():
        reader.dispose()
        writer.dispose()
    _engine_cache.clear()

"""Shared fixtures: a fresh, migrated database per test, on SQLite and (when it
answers) on PostgreSQL, and small factories for operators.

The app reads its settings from the environment once; `use_database` points it at
another database and forgets cached engines.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid

import pytest

# Before any app import: keep tests away from the developer's data/ and secret.
os.environ["GIFTNET_DATA_DIR"] = tempfile.mkdtemp(prefix="giftnet-test-")
os.environ["SECRET_KEY"] = "test-secret-key-not-for-production"
os.environ.pop("DATABASE_URL", None)
os.environ.pop("SMTP_URL", None)
# The tests' stand-ins (webhook receivers, gateways, Clover, SFTP) listen on 127.0.0.1, which
# the outbound guard refuses in production; tests/security/test_outbound_guard.py turns it back off.
os.environ["ALLOW_INTERNAL_URLS"] = "1"

from sqlalchemy import create_engine, text

from app.db import dispose_engines
from app.migrations import migrate
from app.services.access import accounts, api_log
from app.services.core.actor import Actor
from app.settings import get_settings

PG_ADMIN_URLS = [
    os.environ.get("TEST_POSTGRES_ADMIN_URL", ""),
    "postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
    "postgresql+psycopg://root@127.0.0.1:5432/postgres",
]
# One scratch database per test run, so that two runs on one machine never reset each other's schema.
PG_TEST_DB = os.environ.get("TEST_POSTGRES_DB", f"giftnet_test_{os.getpid()}")
_pg_url_cache: dict[str, str | None] = {}


def postgres_url() -> str | None:
    """URL of a scratch PostgreSQL database for tests, created on first use; None when PostgreSQL does not answer."""
    if "url" in _pg_url_cache:
        return _pg_url_cache["url"]
    found = None
    for admin_url in filter(None, PG_ADMIN_URLS):
        try:
            engine = create_engine(admin_url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
            with engine.connect() as connection:
                exists = connection.execute(
                    text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": PG_TEST_DB}
                ).first()
                if not exists:
                    connection.execute(text(f'CREATE DATABASE "{PG_TEST_DB}"'))
            engine.dispose()
            found = admin_url.rsplit("/", 1)[0] + f"/{PG_TEST_DB}"
            _pg_url_cache["admin"] = admin_url
            break
        except Exception:  # noqa: BLE001 - any failure means "no PostgreSQL here"
            continue
    _pg_url_cache["url"] = found
    return found


def pytest_sessionfinish(session, exitstatus) -> None:
    """Drop this run's scratch PostgreSQL database."""
    admin_url = _pg_url_cache.get("admin")
    if not admin_url or "TEST_POSTGRES_DB" in os.environ:
        return
    dispose_engines()
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{PG_TEST_DB}" WITH (FORCE)'))
    except Exception:  # noqa: BLE001 - leaving a scratch database behind is harmless
        pass
    engine.dispose()


def reset_postgres(url: str) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def point_app_at(url: str) -> str:
    """Point the app at `url` without migrating (it already holds the schema)."""
    os.environ["DATABASE_URL"] = url
    get_settings.cache_clear()
    dispose_engines()
    return url


def use_database(url: str) -> str:
    """Point the app at `url` (migrated to head) and return it."""
    point_app_at(url)
    migrate()
    return url


def fresh_database_url(kind: str, tmp_path) -> str:
    """An empty database (no schema) of this kind; skips when PostgreSQL does not answer."""
    if kind == "sqlite":
        return f"sqlite:///{tmp_path}/giftnet-{uuid.uuid4().hex[:8]}.db"
    url = postgres_url()
    if url is None:
        pytest.skip("PostgreSQL does not answer at 127.0.0.1:5432")
    reset_postgres(url)
    return url


# Migrating per test costs seconds on PostgreSQL; instead each run migrates once and
# every test starts from that schema with no rows (a copied SQLite file, or TRUNCATE).
_migrated: dict[str, str] = {}


def _head_revision() -> str:
    from alembic.script import ScriptDirectory

    from app.migrations import alembic_config

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def _clean_sqlite(tmp_path) -> str:
    api_log.flush()  # a late access-log batch of the last test must not land in this one's database
    if "sqlite" not in _migrated:
        template = os.path.join(os.environ["GIFTNET_DATA_DIR"], "template.db")
        use_database(f"sqlite:///{template}")
        dispose_engines()  # closes the file so the copy holds everything
        _migrated["sqlite"] = template
    target = tmp_path / f"giftnet-{uuid.uuid4().hex[:8]}.db"
    shutil.copyfile(_migrated["sqlite"], target)
    return point_app_at(f"sqlite:///{target}")


def _clean_postgres(tmp_path) -> str:
    api_log.flush()  # its COPY would deadlock with the TRUNCATE below (both lock operator and the log)
    url = postgres_url()
    if url is None:
        pytest.skip("PostgreSQL does not answer at 127.0.0.1:5432")
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            try:
                version = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
            except Exception:  # noqa: BLE001 - no schema yet
                version = None
            if version == _head_revision() and "postgres" in _migrated:
                tables = [
                    row[0]
                    for row in connection.execute(
                        text("SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename != 'alembic_version'")
                    )
                ]
                connection.execute(text("TRUNCATE " + ", ".join(f'"{name}"' for name in tables) + " RESTART IDENTITY CASCADE"))
                return point_app_at(url)
    finally:
        engine.dispose()
    reset_postgres(url)
    use_database(url)
    _migrated["postgres"] = url
    return url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database(request, tmp_path) -> str:
    """An empty, migrated database: every test using it runs on SQLite and on PostgreSQL."""
    url = _clean_sqlite(tmp_path) if request.param == "sqlite" else _clean_postgres(tmp_path)
    yield url
    dispose_engines()


@pytest.fixture
def settings_env(monkeypatch):
    """`settings_env(NAME="value", OTHER=None, ...)`: this test's environment (None unsets a
    variable), read again into the settings (app/settings.py caches them); both are undone
    after the test. Ask for a database first: it points the settings at its own."""

    def set_env(**values: str | None):
        for name, value in values.items():
            if value is None:
                monkeypatch.delenv(name, raising=False)
            else:
                monkeypatch.setenv(name, value)
        get_settings.cache_clear()
        return get_settings()

    yield set_env
    monkeypatch.undo()
    get_settings.cache_clear()


@pytest.fixture
def sqlite_database(tmp_path) -> str:
    url = _clean_sqlite(tmp_path)
    yield url
    dispose_engines()


class OperatorFactory:
    """Creates operators with an owner; returns what tests need to act as them."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, name: str | None = None, currency: str = "CAD", password: str = "correct horse battery"):
        self.count += 1
        name = name or f"Network {self.count}"
        email = f"owner{self.count}-{uuid.uuid4().hex[:6]}@example.com"
        operator, user = accounts.sign_up(operator_name=name, email=email, password=password, currency=currency)
        return OperatorContext(operator=operator, user=user, email=email, password=password,
                               actor=Actor(operator.id, user_id=user.id))


class OperatorContext:
    def __init__(self, *, operator, user, email, password, actor) -> None:
        self.operator = operator
        self.user = user
        self.email = email
        self.password = password
        self.actor = actor


@pytest.fixture
def make_operator(database) -> OperatorFactory:  # needs a database
    return OperatorFactory()

"""API tests talk to the real backend over real HTTP (see tests/support/backend.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.backend import Backend, Operator, services_on
from tests.support.sftp import sftp_server  # noqa: F401  (a real OpenSSH server for SFTP deliveries)


@pytest.fixture(scope="session")
def backend() -> Iterator[Backend]:
    """The backend most API tests share; look-up limits and email quotas high enough not to get in
    the way (tests/api/test_api_email_quota.py and test_rate_limits.py run backends of their own)."""
    running = Backend("main", {"LOOKUP_FAILURES_PER_CALLER": "1000", "LOOKUP_FAILURES_PER_IP": "100000",
                               "EMAIL_QUOTA_PER_HOUR_NEW": "100000", "EMAIL_QUOTA_PER_HOUR": "100000"})
    running.start()
    yield running
    running.stop()


@pytest.fixture(scope="session")
def shop(backend: Backend) -> Operator:
    """An operator whose shop issues cards through the API."""
    return backend.new_operator("Downtown Gifts")


@pytest.fixture(scope="session")
def rival(backend: Backend) -> Operator:
    """Another operator, whose cards the shop must never see."""
    return backend.new_operator("Uptown Network")


@pytest.fixture
def on_backend_db(backend: Backend) -> Iterator[Backend]:
    """Use services from this test process against the running backend's database."""
    with services_on(backend.database_url):
        yield backend

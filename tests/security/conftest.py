"""Security tests talk to a real backend over real HTTP, like the API tests (tests/support/backend.py).

The backend here trusts 127.0.0.1 as a proxy, so a test can pose as a client address of
its own with X-Forwarded-For (the link-guessing limits are per address), and keeps its
link limit low.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.backend import Backend, services_on

LINK_FAILURES_PER_IP = 4
LINK_WINDOW_SECONDS = 300


@pytest.fixture(scope="session")
def security_backend() -> Iterator[Backend]:
    running = Backend("security", {
        "LOOKUP_FAILURES_PER_CALLER": "1000",
        "LOOKUP_FAILURES_PER_IP": "100000",
        "LINK_FAILURES_PER_IP": str(LINK_FAILURES_PER_IP),
        "LINK_WINDOW_SECONDS": str(LINK_WINDOW_SECONDS),
        "LOOKUP_WINDOW_SECONDS": str(LINK_WINDOW_SECONDS),  # card links count in the card-guessing window
        "TRUSTED_PROXIES": "127.0.0.1",
    })
    running.start()
    yield running
    running.stop()


@pytest.fixture
def on_security_db(security_backend: Backend) -> Iterator[Backend]:
    """Use services from this test process against the running backend's database."""
    with services_on(security_backend.database_url):
        yield security_backend

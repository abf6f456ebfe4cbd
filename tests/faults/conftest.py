"""Fault tests: what the system does when something it depends on fails (a gateway that
times out, SMTP down, a webhook receiver that errors, a worker killed mid-work, Square
webhooks twice or out of order, the database restarted under load).

They use the shared fixtures of tests/conftest.py (`database` on SQLite and
PostgreSQL, `make_operator`), the fakes of tests/fakes, and the helpers of
tests/support (the running backend of the API tests is tests/support/backend.py).
As in the unit tests, passwords are hashed cheaply: no fault here depends on the cost.
"""

from __future__ import annotations

from tests.support.fixtures import fake_bambora, fake_forte, quick_password_hashing, square_till  # noqa: F401

"""Fixtures every unit test may use (besides tests/conftest.py's database and operators):
cheap password hashing for every test, the events published during a test, the fake
Bambora and Forte gateways and Clover API, Square, Clover and Shopify tills (their code is in tests/support/fixtures.py) and a
real OpenSSH server for SFTP deliveries (tests/support/sftp.py)."""

from __future__ import annotations

from tests.support.fixtures import (  # noqa: F401
    clover_till,
    fake_bambora,
    fake_clover,
    fake_forte,
    published,
    quick_password_hashing,
    shopify_till,
    square_till,
)
from tests.support.sftp import sftp_server  # noqa: F401

"""The shop tests' `shop`: an operator selling through the fake Bambora (tests/support/shop.py)."""

from __future__ import annotations

from tests.support.shop import shop  # noqa: F401

"""The webhook tests' `shop` (a location that wants a signed webhook after each redemption)
and its `receiver` (tests/support/webhooks.py)."""

from __future__ import annotations

from tests.support.webhooks import receiver, shop  # noqa: F401

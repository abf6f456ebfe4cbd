"""asyncio.run in a thread of its own, for tests: in the full suite a browser test earlier in
the same run may keep Playwright's event loop running on the main thread, where
asyncio.run() is refused."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any


def run_in_thread(coroutine: Coroutine[Any, Any, Any], timeout: float = 120) -> Any:
    """The coroutine's result, or its exception raised here."""
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = asyncio.run(coroutine)
        except BaseException as error:  # noqa: BLE001 - handed back to the caller
            outcome["error"] = error

    runner = threading.Thread(target=target)
    runner.start()
    runner.join(timeout=timeout)
    if runner.is_alive():
        raise TimeoutError(f"the coroutine did not finish within {timeout} s")
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")

"""The event bus: services publish after commit, screens and webhooks listen.

In-process by default. Subscribers must be quick and must not raise into the
publisher: a failing listener never undoes a committed money movement.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Event:
    operator_id: int
    type: str  # card.issued, card.topped_up, card.frozen, ...
    data: dict
    timestamp: str = field(default_factory=lambda: datetime.now(UTC).isoformat())

    def payload(self) -> dict:
        return {"type": self.type, "timestamp": self.timestamp, "data": self.data}


Listener = Callable[[Event], None]
_listeners: list[Listener] = []
_lock = threading.Lock()


def subscribe(listener: Listener) -> Callable[[], None]:
    """Register a listener; returns the function that removes it."""
    with _lock:
        _listeners.append(listener)

    def unsubscribe() -> None:
        with _lock:
            if listener in _listeners:
                _listeners.remove(listener)

    return unsubscribe


def publish(event: Event) -> None:
    with _lock:
        listeners = list(_listeners)
    for listener in listeners:
        try:
            listener(event)
        except Exception:  # a listener's bug must not reach the money path
            log.exception("event listener failed for %s", event.type)

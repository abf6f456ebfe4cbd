"""The event bus: services publish after commit, screens and webhooks listen.

In-process by default. Subscribers must be quick and must not raise into the
publisher: a failing listener never undoes a committed money movement.

Across processes (with REDIS_URL): the listeners are the live-screen bridges,
which reach every worker's screens themselves (app/state/feed.py writes a shared
state once and lets Reflex relay the change; app/state/live.py announces the
location on its own pub/sub channel to the workers, which refresh their own tabs).
So an event born in an app worker stays there: every worker handling it would
only fight over the same locks. What crosses is the events of processes that serve no screens (the
CLI, `python -m app.cli jobs`): each is pushed on one Redis list and taken by
exactly one app worker (`receive_forever`), which publishes it to its own
listeners as if it had happened there. A list, not pub/sub: pub/sub would hand
each event to every worker (N refreshes of one state) and drop it while no
worker listens; the list keeps the newest RELAY_MAX for RELAY_TTL seconds.
"""

from __future__ import annotations

import asyncio
import functools
import json
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
    if not _receiving.is_set():
        _hand_off(event)


# --- across processes (REDIS_URL) ---------------------------------------------------

RELAY_KEY = "events:relay"  # after the deployment's REDIS_PREFIX
RELAY_MAX = 10_000  # events kept while no app worker takes them (the newest)
RELAY_TTL_SECONDS = 300  # older than this, a screen has reloaded from the database anyway
RECEIVE_WAIT_SECONDS = 5
_receiving = threading.Event()  # set in app workers: they take events, never hand them off


def relay_key() -> str:
    from app.settings import get_settings

    return get_settings().redis_prefix + RELAY_KEY


def to_json(event: Event) -> str:
    return json.dumps({"operator_id": event.operator_id, "type": event.type, "data": event.data,
                       "timestamp": event.timestamp}, separators=(",", ":"), default=str)


def from_json(raw: str | bytes) -> Event:
    item = json.loads(raw)
    return Event(operator_id=int(item["operator_id"]), type=str(item["type"]), data=dict(item["data"]),
                 timestamp=str(item["timestamp"]))


@functools.cache
def _sync_redis(url: str):
    import redis

    # Short timeouts: the publisher has committed already and must not hang on Redis.
    return redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)


def _hand_off(event: Event) -> None:
    """From a process without screens: give the event to one app worker (when there is Redis)."""
    from app.settings import get_settings

    url = get_settings().redis_url
    if not url:
        return
    try:
        pipe = _sync_redis(url).pipeline(transaction=True)
        pipe.rpush(relay_key(), to_json(event))
        pipe.ltrim(relay_key(), -RELAY_MAX, -1)
        pipe.expire(relay_key(), RELAY_TTL_SECONDS)
        pipe.execute()
    except Exception:  # screens catch up at their next load; the money moved
        log.warning("event %s not handed to the app workers: Redis did not answer", event.type, exc_info=True)


async def receive_forever() -> None:
    """A lifespan task of every app worker: take the events other processes handed off
    (each goes to one worker) and publish them here. Without REDIS_URL there is nothing
    to take: the task only marks this process as one that keeps its events."""
    from app.settings import get_settings

    _receiving.set()
    url = get_settings().redis_url
    if not url:
        return
    import redis.asyncio as aioredis

    client = aioredis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=RECEIVE_WAIT_SECONDS + 5)
    try:
        while True:
            try:
                item = await client.blpop([relay_key()], timeout=RECEIVE_WAIT_SECONDS)
            except asyncio.CancelledError:
                raise
            except Exception:  # Redis restarting: try again shortly
                log.warning("event relay: Redis did not answer; retrying", exc_info=True)
                await asyncio.sleep(1)
                continue
            if item is None:
                continue
            try:
                event = from_json(item[1])
            except (ValueError, KeyError, TypeError):
                log.warning("event relay: dropped an unreadable event")
                continue
            await asyncio.to_thread(publish, event)
    finally:
        _receiving.clear()
        await client.aclose()

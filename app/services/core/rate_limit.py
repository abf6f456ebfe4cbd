"""Sliding-window limits: "at most N events per bucket in the last W seconds".

In-process by default (one worker, the embedded mode). With `REDIS_URL` set, the
windows live in Redis so that every worker and every instance counts together.

A limiter answers two questions, kept apart so that callers can count only what
matters (failed card look-ups, not successful ones):
- `retry_after(bucket, limit, window)`: None while the bucket has room, else the
  seconds until its oldest event leaves the window;
- `record(bucket, window)`: one more event now.

If Redis does not answer, the limiter lets the call through and logs it: a broken
limiter must not take card look-ups down with it.
"""

from __future__ import annotations

import functools
import logging
import math
import secrets
import threading
import time
from collections import deque
from typing import Protocol

from app.settings import get_settings

log = logging.getLogger(__name__)


class RateLimiter(Protocol):
    def retry_after(self, bucket: str, limit: int, window_seconds: int) -> int | None: ...

    def record(self, bucket: str, window_seconds: int) -> None: ...


class MemoryRateLimiter:
    """Timestamps per bucket in this process; buckets empty themselves as time passes."""

    def __init__(self) -> None:
        self._events: dict[str, deque[float]] = {}
        self._lock = threading.Lock()
        self._calls = 0

    def _trimmed(self, bucket: str, window_seconds: int, now: float) -> deque[float] | None:
        events = self._events.get(bucket)
        if events is None:
            return None
        while events and events[0] <= now - window_seconds:
            events.popleft()
        if not events:
            del self._events[bucket]
            return None
        return events

    def retry_after(self, bucket: str, limit: int, window_seconds: int) -> int | None:
        now = time.monotonic()
        with self._lock:
            events = self._trimmed(bucket, window_seconds, now)
            if events is None or len(events) < limit:
                return None
            # The window frees a place when the event `limit` places from the end expires.
            return max(1, math.ceil(events[-limit] + window_seconds - now))

    def record(self, bucket: str, window_seconds: int) -> None:
        now = time.monotonic()
        with self._lock:
            self._events.setdefault(bucket, deque()).append(now)
            self._calls += 1
            if self._calls % 1000 == 0:  # forget buckets nobody touched for a whole window
                for name in list(self._events):
                    self._trimmed(name, window_seconds, now)


class RedisRateLimiter:
    """One sorted set per bucket (score = time), trimmed on every look."""

    def __init__(self, url: str, prefix: str) -> None:
        import redis

        self._redis = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self._prefix = prefix + "rate:"

    def retry_after(self, bucket: str, limit: int, window_seconds: int) -> int | None:
        key = self._prefix + bucket
        now = time.time()
        try:
            pipe = self._redis.pipeline(transaction=False)
            pipe.zremrangebyscore(key, 0, now - window_seconds)
            # The event `limit` places from the newest decides when a place frees up.
            pipe.zrevrange(key, limit - 1, limit - 1, withscores=True)
            _removed, boundary = pipe.execute()
        except Exception:  # fail open, see the module docstring
            log.exception("rate limiter: Redis did not answer; letting the call through")
            return None
        if not boundary:
            return None
        return max(1, math.ceil(boundary[0][1] + window_seconds - now))

    def record(self, bucket: str, window_seconds: int) -> None:
        key = self._prefix + bucket
        now = time.time()
        try:
            pipe = self._redis.pipeline(transaction=False)
            pipe.zadd(key, {f"{now:.6f}:{secrets.token_hex(4)}": now})
            pipe.expire(key, window_seconds + 1)
            pipe.execute()
        except Exception:
            log.exception("rate limiter: Redis did not answer; event not counted")


@functools.cache
def _limiter_for(redis_url: str | None, prefix: str) -> RateLimiter:
    return RedisRateLimiter(redis_url, prefix) if redis_url else MemoryRateLimiter()


def get_rate_limiter() -> RateLimiter:
    """The limiter for this process: Redis when REDIS_URL is set, else in memory."""
    settings = get_settings()
    return _limiter_for(settings.redis_url, settings.redis_prefix)

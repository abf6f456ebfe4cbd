"""Sliding-window limits: "at most N events per bucket in the last W seconds".

In-process by default (one worker, the embedded mode). With `REDIS_URL` set, the
windows live in Redis so that every worker and every instance counts together.

An attempt is recorded before it is judged, in one atomic step, so that simultaneous
attempts cannot all read the same count and slip past the limit together:
- `take(bucket, limit, window)` records one event now and answers a `Taken`: its
  `token` (to `release` it later), the bucket's count with it, and `wait`: None when
  the bucket had room, else the seconds until a place frees up (the refused event is
  then not kept, so hammering a full bucket does not keep it full). `limit=None` always
  records (a count only);
- `release(bucket, token)`: forget an event taken earlier (the attempt turned out
  right: only failures stay counted).

The in-process limiter does this under one lock; the Redis one in one Lua script (Redis
runs a script alone). If Redis does not answer, the limiter lets the call through and
logs it: a broken limiter must not take card look-ups down with it.
"""

from __future__ import annotations

import functools
import logging
import math
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Protocol

from app.settings import get_settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Taken:
    """What `take` answers: the event's token (None when refused or not counted), the
    bucket's count including it, and the seconds to wait when the bucket was full."""

    token: str | None
    count: int
    wait: int | None = None


class RateLimiter(Protocol):
    def take(self, bucket: str, limit: int | None, window_seconds: int) -> Taken: ...

    def release(self, bucket: str, token: str | None) -> None: ...


class MemoryRateLimiter:
    """(time, token) pairs per bucket in this process; buckets empty themselves as time passes."""

    def __init__(self) -> None:
        self._events: dict[str, deque[tuple[float, str]]] = {}
        self._lock = threading.Lock()
        self._calls = 0

    def _trimmed(self, bucket: str, window_seconds: int, now: float) -> deque[tuple[float, str]]:
        events = self._events.setdefault(bucket, deque())
        while events and events[0][0] <= now - window_seconds:
            events.popleft()
        return events

    def take(self, bucket: str, limit: int | None, window_seconds: int) -> Taken:
        now = time.monotonic()
        with self._lock:
            events = self._trimmed(bucket, window_seconds, now)
            if limit is not None and len(events) >= limit:
                # A place frees up when the event `limit` places from the newest leaves the window.
                return Taken(None, len(events), max(1, math.ceil(events[-limit][0] + window_seconds - now)))
            token = secrets.token_hex(8)
            events.append((now, token))
            self._calls += 1
            if self._calls % 1000 == 0:  # forget buckets nobody touched for a whole window
                for name in list(self._events):
                    if not self._trimmed(name, window_seconds, now):
                        del self._events[name]
            return Taken(token, len(events))

    def release(self, bucket: str, token: str | None) -> None:
        if token is None:
            return
        with self._lock:
            events = self._events.get(bucket)
            if events is None:
                return
            for index, (_at, held) in enumerate(events):
                if held == token:
                    del events[index]
                    break


# KEYS[1] the bucket; ARGV: now, window, limit (-1: none), member. Answers {count, wait_ms}:
# wait_ms -1 when the event was recorded, else the milliseconds until a place frees up.
_TAKE_SCRIPT = """
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
if limit >= 0 and count >= limit then
  local boundary = redis.call('ZRANGE', KEYS[1], count - limit, count - limit, 'WITHSCORES')
  return {count, math.floor((tonumber(boundary[2]) + window - now) * 1000)}
end
redis.call('ZADD', KEYS[1], now, ARGV[4])
redis.call('EXPIRE', KEYS[1], math.ceil(window) + 1)
return {count + 1, -1}
"""


class RedisRateLimiter:
    """One sorted set per bucket (score = time), trimmed, counted and added to by one script."""

    def __init__(self, url: str, prefix: str) -> None:
        import redis

        self._redis = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self._prefix = prefix + "rate:"
        self._take = self._redis.register_script(_TAKE_SCRIPT)

    def take(self, bucket: str, limit: int | None, window_seconds: int) -> Taken:
        now = time.time()
        token = f"{now:.6f}:{secrets.token_hex(8)}"
        try:
            count, wait_ms = self._take(keys=[self._prefix + bucket],
                                        args=[f"{now:.6f}", window_seconds, -1 if limit is None else limit, token])
        except Exception:  # fail open, see the module docstring
            log.exception("rate limiter: Redis did not answer; letting the call through")
            return Taken(None, 0)
        if int(wait_ms) >= 0:
            return Taken(None, int(count), max(1, math.ceil(int(wait_ms) / 1000)))
        return Taken(token, int(count))

    def release(self, bucket: str, token: str | None) -> None:
        if token is None:
            return
        try:
            self._redis.zrem(self._prefix + bucket, token)
        except Exception:
            log.exception("rate limiter: Redis did not answer; a right attempt stays counted")


@functools.cache
def _limiter_for(redis_url: str | None, prefix: str) -> RateLimiter:
    return RedisRateLimiter(redis_url, prefix) if redis_url else MemoryRateLimiter()


def get_rate_limiter() -> RateLimiter:
    """The limiter for this process: Redis when REDIS_URL is set, else in memory."""
    settings = get_settings()
    return _limiter_for(settings.redis_url, settings.redis_prefix)

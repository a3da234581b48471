"""Fixed-window counters for rate limits: in the process, or shared through Redis.

A :class:`Limit` is ``count`` hits per ``window_s`` seconds; a :class:`Counter`
counts hits on a key and says when the window ends.  :class:`RedisCounter`
uses one atomic Lua script per hit (``INCR`` plus ``PEXPIRE`` on the window's
first hit), so replicas racing on one key never lose a count or leave a key
without expiry; if Redis cannot be reached it lets hits through and logs a
warning.  Used by the API's limits (:mod:`bot.webapp.ratelimit`), the
channels' (:mod:`bot.channels.limits`) and the one-time-code sends
(:mod:`bot.verification.limits`).  Keys are digests chosen by the caller.

Everything here is blocking (Redis round trips); call it from a worker thread.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Dict, Optional, Protocol, Tuple

__all__ = ["Limit", "Decision", "Counter", "MemoryCounter", "RedisCounter", "REDIS_PREFIX"]

log = logging.getLogger(__name__)

REDIS_PREFIX = "pd:ratelimit:"
REDIS_TIMEOUT_S = 1.0
_WARN_EVERY_S = 60.0


@dataclass(frozen=True)
class Limit:
    """``count`` requests per ``window_s`` seconds."""

    count: int
    window_s: int

    @property
    def window_ms(self) -> int:
        return self.window_s * 1000

    def __str__(self) -> str:
        return f"{self.count}/{self.window_s}s"


@dataclass(frozen=True)
class Decision:
    """What a counter said: how many hits the window holds now and when it ends."""

    hits: int
    reset_ms: int
    limit: Limit

    @property
    def allowed(self) -> bool:
        return self.hits <= self.limit.count

    @property
    def exhausted(self) -> bool:
        """No request may be added to this window."""
        return self.hits >= self.limit.count

    @property
    def retry_after(self) -> int:
        """Whole seconds until the window ends (at least 1): the ``Retry-After`` value."""
        return max(1, math.ceil(self.reset_ms / 1000))


class Counter(Protocol):
    """A fixed-window hit counter shared by whoever enforces the limit."""

    def hit(self, key: str, limit: Limit) -> Decision:
        """Count one hit on ``key`` (a window starts at its first hit) and return the new state."""

    def peek(self, key: str, limit: Limit) -> Decision:
        """The window's state without counting."""


class MemoryCounter:
    """Counts in this process (the local profile: one web app process). Thread-safe."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, max_keys: int = 100_000) -> None:
        self._clock = clock
        self._max_keys = max_keys
        self._windows: Dict[str, Tuple[int, float]] = {}
        self._lock = threading.Lock()

    def _live(self, key: str, now: float) -> Optional[Tuple[int, float]]:
        window = self._windows.get(key)
        if window is not None and window[1] <= now:
            del self._windows[key]
            return None
        return window

    def _prune(self, now: float) -> None:
        for key in [k for k, (_, ends) in self._windows.items() if ends <= now]:
            del self._windows[key]
        if len(self._windows) >= self._max_keys:  # still full of live windows: drop the oldest-ending
            for key, _ in sorted(self._windows.items(), key=lambda item: item[1][1])[: self._max_keys // 10]:
                del self._windows[key]

    def hit(self, key: str, limit: Limit) -> Decision:
        now = self._clock()
        with self._lock:
            window = self._live(key, now)
            if window is None:
                if len(self._windows) >= self._max_keys:
                    self._prune(now)
                window = (0, now + limit.window_s)
            window = (window[0] + 1, window[1])
            self._windows[key] = window
        return Decision(window[0], int((window[1] - now) * 1000), limit)

    def peek(self, key: str, limit: Limit) -> Decision:
        now = self._clock()
        with self._lock:
            window = self._live(key, now)
        if window is None:
            return Decision(0, limit.window_ms, limit)
        return Decision(window[0], int((window[1] - now) * 1000), limit)


# INCR, and start the window's expiry on its first hit (or if a key somehow has none).
_HIT = """
local hits = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
    redis.call('PEXPIRE', KEYS[1], ARGV[1])
    ttl = tonumber(ARGV[1])
end
return {hits, ttl}
"""

_PEEK = """
local hits = tonumber(redis.call('GET', KEYS[1]) or '0')
local ttl = redis.call('PTTL', KEYS[1])
return {hits, ttl}
"""


class RedisCounter:
    """Counts in Redis, shared by every web app replica (one atomic script per call)."""

    def __init__(self, client: Any, prefix: str = REDIS_PREFIX) -> None:
        self._client = client
        self._prefix = prefix
        self._hit = client.register_script(_HIT)
        self._peek = client.register_script(_PEEK)

    @classmethod
    def from_url(cls, url: str, prefix: str = REDIS_PREFIX) -> "RedisCounter":
        import redis

        client = redis.Redis.from_url(url, socket_timeout=REDIS_TIMEOUT_S, socket_connect_timeout=REDIS_TIMEOUT_S)
        return cls(client, prefix)

    def hit(self, key: str, limit: Limit) -> Decision:
        hits, ttl = self._hit(keys=[self._prefix + key], args=[limit.window_ms])
        return Decision(int(hits), int(ttl), limit)

    def peek(self, key: str, limit: Limit) -> Decision:
        hits, ttl = self._peek(keys=[self._prefix + key])
        return Decision(int(hits), int(ttl) if int(ttl) > 0 else limit.window_ms, limit)

    def close(self) -> None:
        self._client.close()

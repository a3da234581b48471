"""Replay protection for signed webhooks: the same signed request is taken on once.

Twilio's signature proves who made a request, not that it is new: a captured
voice webhook (signature and all) would run its turn again — a second
escalation, a second code sent.  Every request's digest (the URL Twilio signed
plus its sorted form fields) is claimed here before the request is processed;
a second claim of the same digest is a replay.  Legitimate requests never
repeat: every URL the voice channel gives Twilio carries a fresh nonce, and
Twilio's own first request of a call is unique by its CallSid.

Where digests live: Redis (``SET NX`` with a TTL of :data:`REPLAY_TTL_S`,
shared by every replica) when ``REDIS_URL`` is set, else the channel store's
``twilio_inbound`` table (shared through the database, purged by the retention
job).  A digest is a SHA-256 of Twilio's fields: no personal data is readable
from it.  Blocking: call from async code via ``asyncio.to_thread``.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any, Callable, Mapping, Optional, Protocol

__all__ = ["REPLAY_TTL_S", "ReplayGuard", "RedisSeen", "StoreSeen", "request_digest"]

logger = logging.getLogger(__name__)

#: Twilio's calls last at most 24 hours (its ``timeLimit`` cap): a request older than that is dead anyway.
REPLAY_TTL_S = 48 * 3600
REDIS_PREFIX = "pd:seen:"


def request_digest(url: str, params: Mapping[str, Any]) -> str:
    """SHA-256 over the signed URL and every form field (sorted, repeated keys included)."""
    sha = hashlib.sha256(url.encode("utf-8"))
    getall: Optional[Callable[[str], Any]] = getattr(params, "getall", None)
    for key in sorted(params):
        values = getall(key) if getall is not None else [params[key]]
        for value in values:
            sha.update(b"\x00" + key.encode("utf-8") + b"\x01" + str(value).encode("utf-8"))
    return sha.hexdigest()


class Seen(Protocol):
    def claim(self, digest: str) -> bool:
        """``True`` the first time ``digest`` is claimed, ``False`` afterwards."""


class RedisSeen:
    """Digests in Redis with a TTL (every replica sees every claim)."""

    def __init__(self, client: Any, ttl_s: int = REPLAY_TTL_S, prefix: str = REDIS_PREFIX) -> None:
        self._client = client
        self._ttl_s = ttl_s
        self._prefix = prefix

    @classmethod
    def from_url(cls, url: str) -> "RedisSeen":
        import redis

        return cls(redis.Redis.from_url(url, socket_timeout=1.0, socket_connect_timeout=1.0))

    def claim(self, digest: str) -> bool:
        return bool(self._client.set(self._prefix + digest, b"1", nx=True, ex=self._ttl_s))


class StoreSeen:
    """Digests in the channel store's ``twilio_inbound`` table (the local profile)."""

    def __init__(self, store: Any, channel: str) -> None:
        self._store = store
        self._channel = channel

    def claim(self, digest: str) -> bool:
        return bool(self._store.claim(digest, self._channel))


class ReplayGuard:
    """Say whether a signed request is new; a store error fails closed for the request (503)."""

    def __init__(self, seen: Seen) -> None:
        self._seen = seen

    def is_new(self, url: str, params: Mapping[str, Any]) -> bool:
        """Claim the request; ``False`` when it was seen before (a replay)."""
        fresh = self._seen.claim(request_digest(url, params))
        if not fresh:
            logger.warning("a signed webhook request was replayed; not processed again")
        return fresh

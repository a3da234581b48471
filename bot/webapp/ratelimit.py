"""Rate limits for the JSON API (``/api/v1``): per API token, and per client address for failed sign-ins.

Two fixed-window limits, both answered with ``429`` and ``Retry-After``:

* **per token** (``API_RATE_LIMIT``, default ``300/60``: 300 requests a minute):
  every authenticated request counts against its token; the 301st in the
  window is refused until the window ends.
* **failed authentication per client address** (``API_AUTH_FAILURE_LIMIT``,
  default ``20/300``): requests with no, a malformed, a revoked or an unknown
  token count against the caller's address; once 20 have failed, every request
  from that address is refused (before the token is even looked up) until the
  window ends.  Like the console's per-address login limit it is not applied to
  loopback peers: behind a reverse proxy on the same host every agent shares the
  proxy's address (the per-token limit still applies to them).

Where the counts live: in Redis when ``REDIS_URL`` is set (the production
profile; every web app replica shares the counts), otherwise in the process
(the local profile's single web app).  Redis counts use one atomic Lua script
per request (``INCR`` plus ``PEXPIRE`` on the window's first hit), so replicas
racing on one key never lose a count or leave a key without expiry.

Keys hold keyed digests (:class:`bot.privacy.crypto.Indexer`), never a token or
an address.  If Redis cannot be reached the limiter lets requests through and
logs a warning (authentication itself is unaffected).

Why not a library: ``limits`` (and ``slowapi``, built on it) need
``packaging>=21``, and Rasa 3.6 pins ``packaging<21`` in the same environment.

Everything here is blocking (Redis round trips); call it from a worker thread.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Optional

from bot.privacy.crypto import Indexer
from bot.storage.counters import Counter, Decision, Limit, MemoryCounter, RedisCounter

__all__ = [
    "Limit",
    "Decision",
    "Counter",
    "MemoryCounter",
    "RedisCounter",
    "ApiRateLimits",
    "AuthOutcome",
    "limits_for",
    "is_loopback",
]

log = logging.getLogger(__name__)

_WARN_EVERY_S = 60.0
_BUILD_LOCK = threading.Lock()


def is_loopback(host: str) -> bool:
    """A peer on this host (a local reverse proxy, or the test client)."""
    return host in ("", "::1", "localhost", "testclient") or host.startswith("127.")


@dataclass(frozen=True)
class AuthOutcome:
    """The API's answer to one request's credentials."""

    agent: Any = None  # bot.console.account_types.AgentView when authenticated and within the limit
    retry_after: Optional[int] = None  # set: answer 429 with this Retry-After

    @property
    def limited(self) -> bool:
        return self.retry_after is not None


class ApiRateLimits:
    """Authenticate an API request under the per-token and per-address limits.

    Args:
        counter: :class:`MemoryCounter` or :class:`RedisCounter`.
        indexer: digests tokens and addresses into keys (``INDEX_KEY``).
        token_limit / failure_limit: see the module docstring.
    """

    def __init__(self, counter: Counter, indexer: Indexer, token_limit: Limit, failure_limit: Limit) -> None:
        self.counter = counter
        self._indexer = indexer
        self.token_limit = token_limit
        self.failure_limit = failure_limit
        self._last_warning = 0.0

    @classmethod
    def from_settings(cls, settings: Any, counter: Optional[Counter] = None) -> "ApiRateLimits":
        if counter is None:
            counter = RedisCounter.from_url(settings.redis_url) if settings.redis_url else MemoryCounter()
        return cls(
            counter,
            Indexer(settings.index_key),
            Limit(*settings.api_rate_limit),
            Limit(*settings.api_auth_failure_limit),
        )

    def _warn(self, what: str, exc: Exception) -> None:
        now = time.monotonic()
        if now - self._last_warning >= _WARN_EVERY_S:
            self._last_warning = now
            log.warning("api rate limit not applied: %s (%s)", what, type(exc).__name__)

    def _count(self, method: str, key: str, limit: Limit) -> Optional[Decision]:
        try:
            return getattr(self.counter, method)(key, limit)
        except Exception as exc:  # noqa: BLE001 - the limiter fails open; authentication still applies
            self._warn("counter unavailable", exc)
            return None

    def authenticate(self, authenticate_token: Callable[[str], Any], token: Optional[str], client: str) -> AuthOutcome:
        """Check the address's failures, the token, then the token's rate.

        Args:
            authenticate_token: ``AccountService.authenticate_token`` (raw token → agent or ``None``).
            token: the bearer token, or ``None`` when the request has none.
            client: the peer address (``request.client.host``).
        """
        address_key = None if is_loopback(client) else "authfail:" + self._indexer.digest("api-auth-failures", client)
        if address_key is not None:
            state = self._count("peek", address_key, self.failure_limit)
            if state is not None and state.exhausted:
                return AuthOutcome(retry_after=state.retry_after)
        agent = authenticate_token(token) if token else None
        if agent is None:
            if address_key is not None:
                state = self._count("hit", address_key, self.failure_limit)
                if state is not None and state.hits == self.failure_limit.count:
                    log.warning(
                        "api: %d failed authentications from one client address; refusing it for up to %d s",
                        state.hits,
                        state.retry_after,
                    )
            return AuthOutcome()
        state = self._count("hit", "token:" + self._indexer.digest("api-token-rate", token or ""), self.token_limit)
        if state is not None and not state.allowed:
            if state.hits == self.token_limit.count + 1:
                log.warning("api: %s's token is over its rate limit (%s)", agent.actor, self.token_limit)
            return AuthOutcome(retry_after=state.retry_after)
        return AuthOutcome(agent=agent)


def limits_for(app_state: Any, settings: Any) -> ApiRateLimits:
    """The app's limiter, built on first use (tests may set ``app.state.api_rate_limits`` first)."""
    limits = getattr(app_state, "api_rate_limits", None)
    if limits is None:
        with _BUILD_LOCK:
            limits = getattr(app_state, "api_rate_limits", None)
            if limits is None:
                limits = ApiRateLimits.from_settings(settings)
                app_state.api_rate_limits = limits
    return limits

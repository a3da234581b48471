"""Rate limits for every public bot channel: web chat (socket.io), REST, Twilio SMS and Voice.

One mechanism for all channels.  Each channel asks :class:`ChannelLimits` before
it hands a message to Rasa (``admit_message``) or opens a conversation
(``admit_conversation``: a web chat session id issued, a phone call started),
and answers the refusal in its own medium (a chat bubble, ``429``, a text
message, a spoken sentence).  Limits, checked narrowest first so one noisy
client does not use up the others' budget:

* **per conversation** (``CHANNEL_RATE_PER_CONVERSATION``, 30/60): messages in
  one web chat session, REST sender, SMS number or phone call;
* **per client** (``CHANNEL_RATE_PER_CLIENT``, 60/60): messages from one client
  address (web chat, REST), whatever conversation ids it makes up;
* **new conversations per client** (``CHANNEL_NEW_CONVERSATIONS_PER_CLIENT``,
  20/600): web chat sessions handed out to one address, calls from one caller id;
* **global** (``CHANNEL_RATE_GLOBAL``, 6000/60): every message and new
  conversation on every replica — a ceiling sized to what the deployment serves.

Counts are :mod:`bot.webapp.ratelimit` counters: Redis when ``REDIS_URL`` is set
(shared by every Rasa replica), else in the process (the local profile's one
server).  Keys are keyed digests, never an address, number or session id.  If
Redis is unreachable the limiter lets messages through and logs a warning
(the service stays up; nothing else depends on it).

The client address is the peer, or — when the peer is a trusted proxy
(loopback, or ``TRUSTED_PROXIES``) — the nearest untrusted address in
``X-Forwarded-For``.  A loopback peer with no forwarded client is this machine
(the terminal chat, tests): it has no per-client limit; per-conversation and
global limits still apply.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import threading
import time
from dataclasses import dataclass
from typing import Any, Dict, Optional, Sequence, Tuple

from bot.privacy.crypto import Indexer
from bot.settings import Settings, load_settings
from bot.storage.counters import Counter, Decision, Limit, MemoryCounter, RedisCounter
from bot.verification.limits import CLIENT_METADATA_KEY

__all__ = ["ChannelLimits", "LimitedChannel", "Refusal", "client_address", "retry_text"]

logger = logging.getLogger(__name__)

_WARN_EVERY_S = 60.0
_SHARED: Optional["ChannelLimits"] = None
_SHARED_LOCK = threading.Lock()


@dataclass(frozen=True)
class Refusal:
    """A message or conversation not admitted: which limit, and when to try again."""

    scope: str  # "conversation", "client", "new_conversation" or "global"
    retry_after: int  # seconds
    first: bool  # the first refusal of this window (channels that cost money to answer answer only this one)


def retry_text(refusal: Refusal) -> str:
    """The user-facing sentence for a refusal (every channel says the same)."""
    if refusal.scope == "global":
        return "We are receiving more messages than we can answer right now. Please try again in a few minutes."
    if refusal.scope == "new_conversation":
        return "Too many new conversations were started from your connection. Please try again in a few minutes."
    wait = (
        f"{refusal.retry_after} seconds" if refusal.retry_after < 120 else f"{round(refusal.retry_after / 60)} minutes"
    )
    return f"You are sending messages faster than I can answer. Please wait {wait} and try again."


def _networks(values: Sequence[str]) -> Tuple[Any, ...]:
    return tuple(ipaddress.ip_network(value, strict=False) for value in values)


def _is_trusted(address: str, trusted: Tuple[Any, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return ip.is_loopback or any(ip in network for network in trusted)


def client_address(
    peer: Optional[str], forwarded_for: Optional[str], trusted_proxies: Sequence[str] = ()
) -> Optional[str]:
    """The client's address, or ``None`` for this machine itself (a loopback peer, nothing forwarded).

    ``X-Forwarded-For`` is believed only from trusted proxies, and read from the
    right: the nearest address a trusted proxy did not add is the client (entries
    further left are whatever the client chose to send).
    """
    return _client(peer, forwarded_for, _networks(trusted_proxies))


def _client(peer: Optional[str], forwarded_for: Optional[str], trusted: Tuple[Any, ...]) -> Optional[str]:
    peer = (peer or "").strip()
    if peer and not _is_trusted(peer, trusted):
        return peer
    for hop in reversed([part.strip() for part in (forwarded_for or "").split(",") if part.strip()]):
        if not _is_trusted(hop, trusted):
            return hop
    if not peer or _is_trusted(peer, _networks(())):
        return None  # loopback: this machine
    return peer


class ChannelLimits:
    """Admit or refuse channel traffic under the four limits of the module docstring."""

    def __init__(
        self,
        counter: Counter,
        indexer: Indexer,
        per_conversation: Limit,
        per_client: Limit,
        new_per_client: Limit,
        global_limit: Limit,
        trusted_proxies: Sequence[str] = (),
    ) -> None:
        self.counter = counter
        self._trusted = _networks(trusted_proxies)
        self._indexer = indexer
        self.per_conversation = per_conversation
        self.per_client = per_client
        self.new_per_client = new_per_client
        self.global_limit = global_limit
        self._last_warning = 0.0

    @classmethod
    def from_settings(cls, settings: Settings, counter: Optional[Counter] = None) -> "ChannelLimits":
        if counter is None:
            counter = RedisCounter.from_url(settings.redis_url) if settings.redis_url else MemoryCounter()
        return cls(
            counter,
            Indexer(settings.index_key),
            Limit(*settings.channel_rate_per_conversation),
            Limit(*settings.channel_rate_per_client),
            Limit(*settings.channel_new_conversations_per_client),
            Limit(*settings.channel_rate_global),
            settings.trusted_proxies,
        )

    @classmethod
    def shared(cls) -> "ChannelLimits":
        """One limiter per process for every channel (built on first use, never at import)."""
        global _SHARED
        with _SHARED_LOCK:
            if _SHARED is None:
                _SHARED = cls.from_settings(load_settings())
            return _SHARED

    def client_of(self, peer: Optional[str], forwarded_for: Optional[str]) -> Optional[str]:
        """:func:`client_address` with this deployment's trusted proxies."""
        return _client(peer, forwarded_for, self._trusted)

    # ------------------------------------------------------------------ checks (async: counters block)

    async def admit_message(self, channel: str, conversation: str, client: Optional[str]) -> Optional[Refusal]:
        """Count one message; ``None`` when it may go to the bot, else the :class:`Refusal`."""
        checks = [("conversation", f"conv:{channel}:" + self._digest(conversation), self.per_conversation)]
        if client:
            checks.append(("client", "client:" + self._digest(client), self.per_client))
        checks.append(("global", "global:messages", self.global_limit))
        return await asyncio.to_thread(self._check, checks)

    async def admit_conversation(self, channel: str, client: Optional[str]) -> Optional[Refusal]:
        """Count one new conversation (a web chat session, a call) for ``client``."""
        checks = []
        if client:
            checks.append(("new_conversation", f"new:{channel}:" + self._digest(client), self.new_per_client))
        checks.append(("global", "global:messages", self.global_limit))
        return await asyncio.to_thread(self._check, checks)

    async def conversations_refused(self, channel: str, client: Optional[str]) -> bool:
        """``client`` was already refused a new conversation in this window (checked, not counted).

        Used at socket.io connect: a client that was told it has opened too many
        sessions may not hold further connections until the window ends.
        """
        if not client:
            return False

        def peek() -> bool:
            try:
                return not self.counter.peek(f"new:{channel}:" + self._digest(client), self.new_per_client).allowed
            except Exception:  # noqa: BLE001 - fails open like every check here
                return False

        return await asyncio.to_thread(peek)

    # ------------------------------------------------------------------ internals

    def client_metadata(self, client: Optional[str]) -> Dict[str, str]:
        """Message metadata naming ``client`` by a keyed digest (never the address itself).

        The actions count one-time-code sends per client with it
        (``bot.verification.limits.CLIENT_METADATA_KEY``); ``{}`` for this machine itself.
        """
        if not client:
            return {}
        return {CLIENT_METADATA_KEY: "client:" + self._indexer.digest("channel-client", client)[:32]}

    def _digest(self, value: str) -> str:
        return self._indexer.digest("channel-rate", value)[:32]

    def _check(self, checks: Sequence[Tuple[str, str, Limit]]) -> Optional[Refusal]:
        for scope, key, limit in checks:
            decision = self._hit(key, limit)
            if decision is not None and not decision.allowed:
                first = decision.hits == limit.count + 1
                if first:
                    logger.warning(
                        "channel rate limit reached (%s, %s); refusing for up to %d s",
                        scope,
                        limit,
                        decision.retry_after,
                    )
                return Refusal(scope, decision.retry_after, first)
        return None

    def _hit(self, key: str, limit: Limit) -> Optional[Decision]:
        try:
            return self.counter.hit(key, limit)
        except Exception as exc:  # noqa: BLE001 - the limiter fails open: the channel stays up
            now = time.monotonic()
            if now - self._last_warning >= _WARN_EVERY_S:
                self._last_warning = now
                logger.warning("channel rate limit not applied: counter unavailable (%s)", type(exc).__name__)
            return None


class LimitedChannel:
    """Mixin for an input channel: ``self.limits`` is the injected limiter, else the process's shared one."""

    _limits: Optional[ChannelLimits] = None

    @property
    def limits(self) -> ChannelLimits:
        if self._limits is None:
            self._limits = ChannelLimits.shared()
        return self._limits

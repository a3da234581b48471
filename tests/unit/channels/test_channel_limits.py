"""Channel rate limits: per conversation, per client, new conversations, global; shared through Redis."""

from __future__ import annotations

import asyncio
import secrets
from typing import Optional

import pytest

from bot.channels.limits import ChannelLimits, Refusal, client_address, retry_text
from bot.privacy.crypto import Indexer
from bot.webapp.ratelimit import Limit, MemoryCounter, RedisCounter


def limiter(
    counter=None, per_conversation=(5, 60), per_client=(8, 60), new=(3, 600), global_=(1000, 60)
) -> ChannelLimits:
    return ChannelLimits(
        counter or MemoryCounter(),
        Indexer(secrets.token_urlsafe(32)),
        Limit(*per_conversation),
        Limit(*per_client),
        Limit(*new),
        Limit(*global_),
    )


def message(limits: ChannelLimits, conversation: str, client: Optional[str] = "203.0.113.7") -> Optional[Refusal]:
    return asyncio.run(limits.admit_message("rest", conversation, client))


def test_one_conversation_is_refused_after_its_limit_and_others_go_on() -> None:
    """F6: the sixth message in a minute in one conversation is refused, with when to try again."""
    limits = limiter()
    assert all(message(limits, "alice", client=None) is None for _ in range(5))
    refusal = message(limits, "alice", client=None)
    assert refusal is not None and refusal.scope == "conversation" and refusal.first
    assert 1 <= refusal.retry_after <= 60
    assert "wait" in retry_text(refusal)
    assert message(limits, "bob", client=None) is None


def test_a_client_making_up_conversation_ids_is_limited_by_its_address() -> None:
    """F6: rotating REST senders / chat sessions does not escape the per-client limit."""
    limits = limiter()
    results = [message(limits, f"sender-{i}") for i in range(9)]
    assert results[:8] == [None] * 8
    assert results[8] is not None and results[8].scope == "client"
    assert message(limits, "another", client="198.51.100.20") is None


def test_new_conversations_per_client_are_limited() -> None:
    """F6: socket.io does not hand out unlimited sessions to one address (nor calls to one caller id)."""
    limits = limiter()
    opened = [asyncio.run(limits.admit_conversation("socketio", "203.0.113.7")) for _ in range(4)]
    assert opened[:3] == [None] * 3
    assert opened[3] is not None and opened[3].scope == "new_conversation"
    assert asyncio.run(limits.admit_conversation("socketio", "198.51.100.20")) is None


def test_a_client_refused_a_new_conversation_is_seen_as_such_without_counting() -> None:
    """F6: once told it opened too many sessions, a client may not hold further socket.io connections."""
    limits = limiter()
    for _ in range(4):  # three admitted, the fourth refused (and told so)
        assert not asyncio.run(limits.conversations_refused("socketio", "203.0.113.7"))
        asyncio.run(limits.admit_conversation("socketio", "203.0.113.7"))
    assert asyncio.run(limits.conversations_refused("socketio", "203.0.113.7"))
    assert asyncio.run(limits.conversations_refused("socketio", "203.0.113.7")), "checking does not count"
    assert not asyncio.run(limits.conversations_refused("socketio", "198.51.100.20"))
    assert not asyncio.run(limits.conversations_refused("socketio", None))


def test_the_global_limit_caps_all_clients_together() -> None:
    """F6: a ceiling over every client, conversation and channel."""
    limits = limiter(global_=(10, 60))
    refusals = [message(limits, f"c{i}", client=f"198.51.100.{i}") for i in range(11)]
    assert refusals[:10] == [None] * 10
    assert refusals[10] is not None and refusals[10].scope == "global"
    assert "try again" in retry_text(refusals[10])


def test_two_replicas_share_the_counts_through_redis(redis_url: str) -> None:
    """F6: the limit holds across Rasa replicas (two limiters, one Redis)."""
    prefix = f"pd:test:{secrets.token_hex(4)}:"
    indexer = Indexer(secrets.token_urlsafe(32))
    replicas = [
        ChannelLimits(
            RedisCounter.from_url(redis_url, prefix=prefix),
            indexer,
            Limit(4, 60),
            Limit(100, 60),
            Limit(3, 600),
            Limit(1000, 60),
        )
        for _ in range(2)
    ]
    results = [message(replicas[i % 2], "shared-conversation", client=None) for i in range(5)]
    assert results[:4] == [None] * 4
    assert results[4] is not None and results[4].scope == "conversation"


def test_an_unreachable_counter_lets_messages_through() -> None:
    """F6: the limiter fails open (a Redis outage does not take the channels down)."""

    class Broken:
        def hit(self, key: str, limit: Limit):
            raise ConnectionError("down")

        peek = hit

    assert message(limiter(counter=Broken()), "alice") is None


@pytest.mark.parametrize(
    "peer,forwarded,trusted,expected",
    [
        ("203.0.113.7", None, (), "203.0.113.7"),
        ("203.0.113.7", "10.9.9.9", (), "203.0.113.7"),  # an untrusted peer's X-Forwarded-For is ignored
        ("127.0.0.1", "6.6.6.6, 203.0.113.7", (), "203.0.113.7"),  # nearest hop not added by a trusted proxy
        ("10.0.0.5", "203.0.113.7, 10.0.0.4", ("10.0.0.0/8",), "203.0.113.7"),
        ("127.0.0.1", None, (), None),  # this machine (terminal chat, tests): no per-client limit
        ("127.0.0.1", "127.0.0.1", (), None),
    ],
)
def test_the_client_address_believes_forwarded_for_only_from_trusted_proxies(
    peer, forwarded, trusted, expected
) -> None:
    """F6: a client cannot pick its own address to dodge the per-client limit."""
    assert client_address(peer, forwarded, trusted) == expected


def test_messages_name_their_client_to_the_actions_by_a_keyed_digest_never_the_address() -> None:
    """F4: web chat and REST tell the code-send limits who the client is, without its address."""
    from bot.verification.limits import CLIENT_METADATA_KEY

    limits = limiter()
    first = limits.client_metadata("203.0.113.7")
    assert set(first) == {CLIENT_METADATA_KEY}
    assert "203.0.113.7" not in first[CLIENT_METADATA_KEY]
    assert limits.client_metadata("203.0.113.7") == first
    assert limits.client_metadata("203.0.113.8") != first
    assert limiter().client_metadata("203.0.113.7") != first  # another deployment's key
    assert limits.client_metadata(None) == {}

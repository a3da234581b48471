"""Failing honestly: no silent in-memory conversations, no silent action failures."""

from __future__ import annotations

import socket

import pytest
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.tracker_store import FailSafeTrackerStore, InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker

from bot.rasa.failsafe import ACTION_FAILED_TEXT, ConversationStoreUnavailable, make_strict, tell_user_when_actions_fail


class BrokenStore(InMemoryTrackerStore):
    """A tracker store whose database is down."""

    async def save(self, tracker):
        raise ConnectionError("database is down")

    async def retrieve(self, sender_id):
        raise ConnectionError("database is down")


async def test_a_store_outage_refuses_the_turn_instead_of_continuing_in_memory() -> None:
    store = FailSafeTrackerStore(BrokenStore(Domain.empty()))
    assert make_strict(store)
    with pytest.raises(ConversationStoreUnavailable):
        await store.retrieve("someone")
    with pytest.raises(ConversationStoreUnavailable):
        await store.save(DialogueStateTracker("someone", []))
    assert store._fallback_tracker_store is None, "nothing went to an in-memory fallback"


async def test_rasas_default_would_have_continued_silently() -> None:
    store = FailSafeTrackerStore(BrokenStore(Domain.empty()))
    assert await store.retrieve("someone") is None  # a brand-new conversation, out of context


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_an_unreachable_action_server_is_told_to_the_user_once_per_turn() -> None:
    from rasa.core.actions.action import RemoteAction
    from rasa.utils.endpoints import EndpointConfig

    tell_user_when_actions_fail()
    tell_user_when_actions_fail()  # idempotent: wrapped once
    endpoint = EndpointConfig(url=f"http://127.0.0.1:{_closed_port()}/webhook")
    output = CollectingOutputChannel()
    tracker = DialogueStateTracker("someone", [])
    for name in ("validate_request_form", "action_submit_request"):
        with pytest.raises(Exception) as raised:
            await RemoteAction(name, endpoint).run(output, None, tracker, Domain.empty())
        assert "ActionExecutionRejection" not in type(raised.value).__name__
    assert [m["text"] for m in output.messages] == [ACTION_FAILED_TEXT], "told once, honestly"

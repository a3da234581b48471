"""The embedded default (SQLite) stores concurrent conversations' turns without 'database is locked'."""

from __future__ import annotations

import asyncio
from pathlib import Path

from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.privacy.conversations import ConversationRecords, create_tracker_engine
from bot.privacy.crypto import DataCipher, Indexer, generate_key
from bot.rasa.tracker_store import EncryptedSQLTrackerStore

DOMAIN = Domain.from_yaml('version: "3.1"\nintents: [greet]\nresponses:\n  utter_greet: [{text: "Hello!"}]\n')


def make_store(path: Path) -> EncryptedSQLTrackerStore:
    records = ConversationRecords(
        create_tracker_engine(f"sqlite:///{path}"), DataCipher([generate_key()]), Indexer("k" * 32)
    )
    return EncryptedSQLTrackerStore(domain=DOMAIN, records=records)


async def _converse(store: EncryptedSQLTrackerStore, sender: str, turns: int) -> None:
    for turn in range(turns):
        tracker = await store.retrieve(sender) or DialogueStateTracker(sender, DOMAIN.slots)
        if turn == 0:
            tracker.update_with_events(
                [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen")], DOMAIN
            )
        tracker.update_with_events(
            [
                UserUttered(f"hello {turn}", intent={"name": "greet", "confidence": 1.0}),
                ActionExecuted("utter_greet"),
                BotUttered("Hello!"),
                ActionExecuted("action_listen"),
            ],
            DOMAIN,
        )
        await store.save(tracker)


async def test_thirty_conversations_saving_at_once_on_sqlite_all_get_stored(tmp_path: Path) -> None:
    store = make_store(tmp_path / "conversations.db")
    senders = [f"c{i}" for i in range(30)]
    await asyncio.gather(*(_converse(store, sender, 6) for sender in senders))
    for sender in senders:
        tracker = await store.retrieve(sender)
        assert [e.text for e in tracker.events if isinstance(e, UserUttered)] == [f"hello {t}" for t in range(6)]

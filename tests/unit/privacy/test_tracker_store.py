"""The encrypted tracker store: round trip, nothing readable at rest, bad rows, rotation.

Runs on SQLite (a file) and PostgreSQL (``postgres_url``; required in CI).
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Iterator, List

import pytest
import sqlalchemy as sa
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.privacy.conversations import EVENTS, ConversationRecords, create_tracker_engine
from bot.privacy.crypto import DataCipher, Indexer, generate_key
from bot.rasa.tracker_store import EncryptedSQLTrackerStore

DOMAIN_YAML = """
version: "3.1"
intents: [greet, inform]
slots:
  email:
    type: text
    mappings: [{type: custom}]
responses:
  utter_greet: [{text: "Hello!"}]
actions: [action_check]
"""

CANARY_EMAIL = "zq.canary.7731@example.org"
CANARY_NAME = "Quillonia Brackensworth"
CANARY_SENDER = "sender-canary-55501@example.org"
INDEX_KEY = "index-key-for-tests-0123456789abcdef"


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.from_yaml(DOMAIN_YAML)


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'conversations.db'}"
        return
    url = request.getfixturevalue("postgres_url")
    engine = sa.create_engine(url, future=True)
    EVENTS.drop(engine, checkfirst=True)  # a clean table per test
    engine.dispose()
    yield url


def make_store(url: str, domain: Domain, *keys: str) -> EncryptedSQLTrackerStore:
    records = ConversationRecords(create_tracker_engine(url), DataCipher(list(keys)), Indexer(INDEX_KEY))
    return EncryptedSQLTrackerStore(domain=domain, records=records)


def conversation(
    sender: str, domain: Domain, text: str = f"I am {CANARY_NAME}, mail {CANARY_EMAIL}"
) -> DialogueStateTracker:
    tracker = DialogueStateTracker(sender, domain.slots)
    tracker.update_with_events(
        [
            ActionExecuted("action_session_start"),
            SessionStarted(),
            ActionExecuted("action_listen"),
            UserUttered(text, intent={"name": "inform", "confidence": 0.9}),
            SlotSet("email", CANARY_EMAIL),
            BotUttered(f"Thanks {CANARY_NAME}"),
            ActionExecuted("action_listen"),
        ],
        domain,
    )
    return tracker


def raw_rows(url: str) -> List[tuple]:
    engine = sa.create_engine(url, future=True)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(sa.select(EVENTS))]
    finally:
        engine.dispose()


async def test_conversation_round_trips_through_encryption(database_url: str, domain: Domain) -> None:
    store = make_store(database_url, domain, generate_key())
    await store.save(conversation(CANARY_SENDER, domain))

    restored = await store.retrieve(CANARY_SENDER)

    assert restored is not None
    assert restored.get_slot("email") == CANARY_EMAIL
    assert restored.latest_message.text.endswith(CANARY_EMAIL)
    assert restored.latest_message.intent["name"] == "inform"
    assert await store.retrieve("someone-else") is None


async def test_stored_rows_hold_no_readable_personal_data_or_conversation_id(database_url: str, domain: Domain) -> None:
    store = make_store(database_url, domain, generate_key())
    await store.save(conversation(CANARY_SENDER, domain))

    rows = raw_rows(database_url)
    dump = repr(rows)
    for secret in (CANARY_EMAIL, CANARY_NAME, CANARY_SENDER, "Quillonia", "7731", "canary"):
        assert secret.lower() not in dump.lower()
    assert {row[1] for row in rows} == {store.records.key(CANARY_SENDER)}
    # Names from the domain stay queryable; the payload is a Fernet token.
    assert "inform" in {row[4] for row in rows}
    assert all(row[6].startswith("gAAAAA") for row in rows)


def test_sqlite_file_bytes_hold_no_canary(tmp_path: Path, domain: Domain) -> None:
    import asyncio

    path = tmp_path / "conversations.db"
    store = make_store(f"sqlite:///{path}", domain, generate_key())
    asyncio.run(store.save(conversation(CANARY_SENDER, domain)))
    store.engine.dispose()

    blob = b"".join(p.read_bytes() for p in tmp_path.glob("conversations.db*"))
    assert blob, "the database file was written"
    for secret in (CANARY_EMAIL, CANARY_NAME, CANARY_SENDER, "Thanks"):
        assert secret.encode() not in blob


async def test_unknown_intent_and_action_names_are_not_stored_in_plain_columns(
    database_url: str, domain: Domain
) -> None:
    store = make_store(database_url, domain, generate_key())
    tracker = DialogueStateTracker("s1", domain.slots)
    tracker.update(UserUttered("hi", intent={"name": CANARY_EMAIL, "confidence": 1.0}))
    tracker.update(ActionExecuted(f"action_{CANARY_NAME}"))
    await store.save(tracker)

    assert CANARY_EMAIL not in repr(raw_rows(database_url))
    assert CANARY_NAME not in repr(raw_rows(database_url))


async def test_corrupted_row_restarts_that_conversation_only(
    database_url: str, domain: Domain, caplog: pytest.LogCaptureFixture
) -> None:
    store = make_store(database_url, domain, generate_key())
    await store.save(conversation("victim-conversation", domain))
    await store.save(conversation("bystander-conversation", domain))
    victim_key = store.records.key("victim-conversation")
    with store.engine.begin() as connection:
        first = connection.execute(sa.select(sa.func.min(EVENTS.c.id)).where(EVENTS.c.sender_id == victim_key)).scalar()
        connection.execute(
            sa.update(EVENTS).where(EVENTS.c.id == first + 3).values(data="gAAAAAtampered" + CANARY_EMAIL)
        )

    with caplog.at_level(logging.ERROR, logger="bot.rasa.tracker_store"):
        restarted = await store.get_or_create_tracker("victim-conversation")

    assert restarted.get_slot("email") is None
    assert [e for e in restarted.events if isinstance(e, UserUttered)] == []
    bystander = await store.retrieve("bystander-conversation")
    assert bystander is not None and bystander.get_slot("email") == CANARY_EMAIL
    assert "cannot be read" in caplog.text and "quarantined" in caplog.text
    assert "victim-conversation" not in caplog.text and CANARY_EMAIL not in caplog.text
    # The restarted conversation works normally from here on.
    restarted.update(UserUttered("hello again", intent={"name": "greet", "confidence": 1.0}))
    await store.save(restarted)
    again = await store.retrieve("victim-conversation")
    assert again is not None and again.latest_message.text == "hello again"


async def test_conversation_written_under_a_missing_key_restarts_without_crashing(
    database_url: str, domain: Domain
) -> None:
    old_store = make_store(database_url, domain, generate_key())
    await old_store.save(conversation(CANARY_SENDER, domain))

    new_store = make_store(database_url, domain, generate_key())  # the old key was dropped

    assert await new_store.retrieve(CANARY_SENDER) is None
    fresh = await new_store.get_or_create_tracker(CANARY_SENDER)
    assert fresh.get_slot("email") is None


async def test_rotation_re_encrypts_every_row_under_the_new_key(database_url: str, domain: Domain) -> None:
    old_key, new_key = generate_key(), generate_key()
    await make_store(database_url, domain, old_key).save(conversation(CANARY_SENDER, domain))
    before = {row[0]: row[6] for row in raw_rows(database_url)}

    rotating = make_store(database_url, domain, new_key, old_key)
    counts = rotating.records.rotate_keys(batch_size=2)

    assert counts.rotated == len(before) and counts.unreadable == 0
    after = {row[0]: row[6] for row in raw_rows(database_url)}
    assert all(after[i] != before[i] for i in before)
    only_new = make_store(database_url, domain, new_key)
    restored = await only_new.retrieve(CANARY_SENDER)
    assert restored is not None and restored.get_slot("email") == CANARY_EMAIL


async def test_rotation_encrypts_plaintext_rows_left_by_plain_rasa(database_url: str, domain: Domain) -> None:
    key = generate_key()
    store = make_store(database_url, domain, key)
    plain = json.dumps(UserUttered(CANARY_EMAIL, intent={"name": "inform", "confidence": 1.0}).as_dict())
    with store.engine.begin() as connection:
        connection.execute(
            sa.insert(EVENTS).values(
                sender_id=store.records.key("legacy"), type_name="user", timestamp=time.time(), data=plain
            )
        )

    counts = store.records.rotate_keys()

    assert counts.encrypted_legacy == 1
    assert CANARY_EMAIL not in repr(raw_rows(database_url))
    restored = await store.retrieve("legacy")
    assert restored is not None and restored.latest_message.text == CANARY_EMAIL


def test_endpoints_yml_configures_the_encrypted_store_on_the_tracker_database(
    environ: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rasa falls back to an in-memory store with only a warning if the class cannot load: prove it loads."""
    from rasa.core.tracker_store import TrackerStore

    from bot.rasa.server import build_endpoints
    from bot.settings import PROJECT_ROOT, settings_from_environ

    Path(environ["VAR_DIR"]).mkdir(parents=True, exist_ok=True)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("TRACKER_DATABASE_URL", raising=False)
    settings = settings_from_environ(environ)

    endpoints = build_endpoints(settings, PROJECT_ROOT / "endpoints.yml")
    store = TrackerStore.create(endpoints.tracker_store)

    assert isinstance(store, EncryptedSQLTrackerStore)
    assert str(store.engine.url) == settings.tracker_database_url
    assert Path(environ["VAR_DIR"], "conversations.db").exists()

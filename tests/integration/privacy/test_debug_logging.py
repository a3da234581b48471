"""LOG_LEVEL=DEBUG still masks: Rasa's own DEBUG loggers (stdlib and structlog) with planted values.

Loads the trained model in-process with the encrypted tracker store, logs at
DEBUG into a file through :func:`bot.logging_setup.configure_logging`, sends
messages carrying planted personal data, and searches the log.
"""

from __future__ import annotations

import logging
import secrets
from pathlib import Path
from typing import Iterator

import pytest

from bot.logging_setup import configure_logging
from bot.privacy.conversations import ConversationRecords, create_tracker_engine
from bot.privacy.crypto import DataCipher, Indexer, generate_key
from bot.rasa.server import latest_model
from bot.settings import PROJECT_ROOT
from tests.integration.privacy.canaries import Canary

pytestmark = pytest.mark.stack


@pytest.fixture
def debug_log(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "rasa-debug.log"
    configure_logging("DEBUG", process="rasa", log_file=str(path))
    yield path
    for handler in list(logging.getLogger().handlers):
        handler.close()
    configure_logging("INFO", process="test")


async def test_rasa_debug_logs_mask_planted_personal_data(debug_log: Path, tmp_path: Path) -> None:
    from rasa.core.agent import Agent

    from bot.rasa.tracker_store import EncryptedSQLTrackerStore

    model = latest_model(PROJECT_ROOT / "models")
    if model is None:
        pytest.fail("no trained model: run 'make train'")
    canary = Canary.make("debug")
    records = ConversationRecords(
        create_tracker_engine(f"sqlite:///{tmp_path / 'conversations.db'}"),
        DataCipher([generate_key()]),
        Indexer("debug-logging-test-index-key-000"),
    )
    agent = Agent.load(str(model), tracker_store=EncryptedSQLTrackerStore(records=records))
    assert logging.getLogger().isEnabledFor(logging.DEBUG)

    # Rasa logs conversation ids at DEBUG: on every public channel they are random or
    # keyed pseudonyms, so this conversation's id is random too (no canary in it).
    conversation_id = f"debug-{secrets.token_hex(8)}"
    for text in canary.messages():
        await agent.handle_text(text, sender_id=conversation_id)
    for handler in logging.getLogger().handlers:
        handler.flush()

    written = debug_log.read_text(encoding="utf-8")
    assert "rasa.core" in written, "Rasa's DEBUG loggers wrote to the file"
    assert "processor." in written, "Rasa's structlog events went through logging"
    leaks = canary.find_in(written.encode("utf-8"))
    context = [
        line for line in written.splitlines() if any(v.lower() in line.lower() for v in canary.values().values())
    ]
    assert leaks == [], f"planted values in the DEBUG log: {leaks}: {context[:5]}"

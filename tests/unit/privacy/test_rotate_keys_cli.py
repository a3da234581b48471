"""``privacy-desk rotate-keys`` rotates the conversation table together with the tickets."""

from __future__ import annotations

from pathlib import Path
from typing import Dict

import pytest
import sqlalchemy as sa

from bot.cli import main
from bot.privacy.conversations import EVENTS, ConversationRecords
from bot.privacy.crypto import generate_key
from bot.settings import settings_from_environ
from bot.storage.migrate import upgrade
from tests.unit.privacy.test_retention import NOW, add_events, session


def use(environ: Dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in environ.items():
        monkeypatch.setenv(name, value)


def test_rotate_keys_re_encrypts_conversations_under_the_new_key(
    environ: Dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    Path(environ["VAR_DIR"]).mkdir(parents=True, exist_ok=True)
    old_settings = settings_from_environ(environ)
    upgrade(old_settings.database_url)
    records = ConversationRecords.from_settings(old_settings)
    records.create_schema()
    add_events(records, "chat-1", session(NOW))
    with records.engine.connect() as connection:
        before = dict(connection.execute(sa.select(EVENTS.c.id, EVENTS.c.data)).all())
    records.dispose()

    new_key = generate_key()
    rotated_environ = dict(environ, DATA_KEYS=f"{new_key},{environ['DATA_KEYS']}")
    use(rotated_environ, monkeypatch)

    assert main(["rotate-keys"]) == 0
    assert "conversations 6," in capsys.readouterr().out

    only_new = ConversationRecords.from_settings(settings_from_environ(dict(environ, DATA_KEYS=new_key)))
    with only_new.engine.connect() as connection:
        after = dict(connection.execute(sa.select(EVENTS.c.id, EVENTS.c.data)).all())
    assert set(after) == set(before) and all(after[i] != before[i] for i in before)
    assert [only_new.open(data)["event"] for data in after.values()][:2] == ["action", "session_started"]
    only_new.dispose()


def test_rotate_keys_fails_loudly_when_conversations_stay_unreadable(
    environ: Dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    Path(environ["VAR_DIR"]).mkdir(parents=True, exist_ok=True)
    settings = settings_from_environ(environ)
    upgrade(settings.database_url)
    records = ConversationRecords.from_settings(settings)
    records.create_schema()
    add_events(records, "chat-1", session(NOW))
    records.dispose()

    use(dict(environ, DATA_KEYS=generate_key()), monkeypatch)  # the old key was dropped

    assert main(["rotate-keys"]) == 1
    assert "6 conversations row(s) could not be decrypted" in capsys.readouterr().out

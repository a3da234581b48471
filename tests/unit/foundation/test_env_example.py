"""``.env.example`` documents every variable: what ``Settings`` reads, and nothing it does not know.

Which variables :func:`bot.settings.settings_from_environ` asks for is recorded
by handing it a mapping that notes every key looked up, so the test follows the
code instead of a list kept by hand.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Dict, Iterator, Set

from bot.settings import settings_from_environ

ROOT = Path(__file__).resolve().parents[3]

#: Variables documented for other programs (name → reader); every other one is a ``Settings`` field.
READ_ELSEWHERE: Dict[str, str] = {
    "RASA_TELEMETRY_ENABLED": "Rasa itself",
}

_SECRETS = {
    "RASA_API_TOKEN": "t",
    "ACTION_SERVER_TOKEN": "t",
    "DATA_KEYS": "k",
    "INDEX_KEY": "k",
}


class _Recording(dict):
    """A mapping that remembers every key asked for (present or not)."""

    def __init__(self, values: Dict[str, str]) -> None:
        super().__init__(values)
        self.asked: Set[str] = set()

    def get(self, key, default=None):  # type: ignore[override]
        self.asked.add(key)
        return super().get(key, default)

    def __getitem__(self, key):  # type: ignore[override]
        self.asked.add(key)
        return super().__getitem__(key)

    def __contains__(self, key) -> bool:  # type: ignore[override]
        self.asked.add(key)
        return super().__contains__(key)

    def __iter__(self) -> Iterator[str]:
        return iter(list(super().keys()))


def documented() -> Set[str]:
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    return set(re.findall(r"^([A-Z][A-Z0-9_]*)=", text, flags=re.MULTILINE))


def read_by_settings() -> Set[str]:
    environ = _Recording(dict(_SECRETS))
    settings_from_environ(environ)
    return environ.asked


def test_every_variable_settings_reads_is_documented_in_env_example() -> None:
    missing = sorted(read_by_settings() - documented())
    assert missing == [], f"read by bot/settings.py but not documented in .env.example: {missing}"


def test_every_documented_variable_is_read_by_settings_or_listed_with_its_reader() -> None:
    unknown = sorted(documented() - read_by_settings() - set(READ_ELSEWHERE))
    assert unknown == [], f"in .env.example but read by nothing known: {unknown}"


def test_the_list_of_readers_outside_settings_holds_no_variable_settings_already_reads() -> None:
    assert sorted(set(READ_ELSEWHERE) & read_by_settings()) == []

"""Fixtures: migrated SQLite/PostgreSQL databases, a controllable clock, fresh keys, the fake Twilio API."""

from __future__ import annotations

import secrets

import pytest

from bot.privacy.crypto import DataCipher, Indexer, generate_key
from tests.fakes.databases import clock, database, migrated_db_url, pd_pg_url, pd_sqlite_template  # noqa: F401
from tests.fakes.twilio_api import fake_twilio_api  # noqa: F401


@pytest.fixture
def cipher() -> DataCipher:
    return DataCipher([generate_key()])


@pytest.fixture
def indexer() -> Indexer:
    return Indexer(secrets.token_urlsafe(32))

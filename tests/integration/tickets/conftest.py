"""Ticket-store fixtures: a migrated database on SQLite and on PostgreSQL.

``ticket_service`` is parametrized over both backends, so every test that uses
it runs twice.  SQLite: a WAL file database copied from a once-migrated
template (fast).  PostgreSQL: a database of our own inside the session's
``postgres_url`` server (other areas' tables never collide with ours), migrated
once and truncated between tests.
"""

from __future__ import annotations

import secrets
import shutil
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Iterator, List

import pytest
from sqlalchemy import text

from bot.privacy.crypto import DataCipher, Indexer, generate_key
from bot.storage.db import Database, init_db
from bot.storage.migrate import upgrade
from bot.tickets.service import TicketService
from tests.conftest import scratch_postgres_database

TABLES = ("audit_events", "ticket_notes", "tickets")


def open_db(url: str) -> Database:
    """``init_db`` for tests: on PostgreSQL without waiting for the WAL flush at each commit.

    ``synchronous_commit=off`` trades durability on a server crash (irrelevant
    for a throw-away test database) for speed; locking and visibility, which the
    tests are about, are unchanged.
    """
    if url.startswith("postgresql"):
        return init_db(url, connect_args={"options": "-c synchronous_commit=off"})
    return init_db(url)


@dataclass
class Clock:
    """A controllable clock (aware UTC)."""

    now: datetime = field(default_factory=lambda: datetime.now(timezone.utc).replace(microsecond=0))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


@dataclass
class Keys:
    data_keys: List[str]
    index_key: str

    def cipher(self) -> DataCipher:
        return DataCipher(self.data_keys)

    def indexer(self) -> Indexer:
        return Indexer(self.index_key)


@pytest.fixture
def keys() -> Keys:
    return Keys([generate_key()], secrets.token_urlsafe(32))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("tickets-template") / "tickets.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def tickets_pg_url(postgres_url: str) -> Iterator[str]:
    """A migrated PostgreSQL database used only by the ticket-store tests."""
    with scratch_postgres_database(postgres_url, "pd_tickets", prepare=upgrade) as url:
        yield url


def truncate(database: Database) -> None:
    with database.engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> Iterator[str]:
    """URL of an empty, migrated ticket database (SQLite file or PostgreSQL)."""
    if request.param == "sqlite":
        path = tmp_path / "tickets.db"
        shutil.copyfile(sqlite_template, path)
        yield f"sqlite:///{path}"
        return
    url = request.getfixturevalue("tickets_pg_url")
    database = open_db(url)
    try:
        truncate(database)
    finally:
        database.dispose()
    yield url


@pytest.fixture
def database(db_url: str) -> Iterator[Database]:
    database = open_db(db_url)
    try:
        yield database
    finally:
        database.dispose()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def ticket_service(database: Database, keys: Keys, clock: Clock) -> TicketService:
    return TicketService(database, keys.cipher(), keys.indexer(), clock=clock)

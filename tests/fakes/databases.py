"""Migrated databases (SQLite and PostgreSQL) for the verification and notify tests.

``migrated_db_url`` is parametrized over both backends: a test using it (or
``database``) runs twice.  SQLite: a file copied from a once-migrated template.
PostgreSQL: a database of its own inside the session's ``postgres_url`` server,
migrated once (the real Alembic revisions) and emptied between tests.

Import the fixtures into a ``conftest.py``::

    from tests.fakes.databases import Clock, clock, database, migrated_db_url, pd_pg_url, pd_sqlite_template  # noqa: F401
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Iterator

import pytest
from sqlalchemy import text

from bot.storage.db import Database, init_db
from bot.storage.migrate import upgrade
from tests.conftest import scratch_postgres_database

__all__ = ["Clock", "clock", "database", "migrated_db_url", "pd_pg_url", "pd_sqlite_template", "OWN_TABLES", "open_db"]

#: The tables the verification and notify packages own (emptied between tests).
OWN_TABLES = ("verification_challenges", "customers", "outbox", "sms_optouts")


@dataclass
class Clock:
    """A controllable clock (aware UTC)."""

    now: datetime = field(default_factory=lambda: datetime(2026, 3, 2, 12, 0, tzinfo=timezone.utc))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


def open_db(url: str) -> Database:
    if url.startswith("postgresql"):
        return init_db(url, connect_args={"options": "-c synchronous_commit=off"})
    return init_db(url)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture(scope="session")
def pd_sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("verification-template") / "pd.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def pd_pg_url(postgres_url: str) -> Iterator[str]:
    with scratch_postgres_database(postgres_url, "pd_verify", prepare=upgrade) as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def migrated_db_url(request: pytest.FixtureRequest, tmp_path: Path, pd_sqlite_template: Path) -> Iterator[str]:
    """URL of a migrated database whose verification/notify tables are empty."""
    if request.param == "sqlite":
        path = tmp_path / "pd.db"
        shutil.copyfile(pd_sqlite_template, path)
        yield f"sqlite:///{path}"
        return
    url = request.getfixturevalue("pd_pg_url")
    db = open_db(url)
    try:
        with db.engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {', '.join(OWN_TABLES)} RESTART IDENTITY"))
    finally:
        db.dispose()
    yield url


@pytest.fixture
def database(migrated_db_url: str) -> Iterator[Database]:
    db = open_db(migrated_db_url)
    try:
        yield db
    finally:
        db.dispose()

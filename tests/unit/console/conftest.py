from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from bot.console import AccountService
from bot.storage.db import Database, init_db
from tests.unit.console.support import FakeClock, fast_hasher, migrated_sqlite_url, postgres_schema


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield migrated_sqlite_url(tmp_path / "db")
    else:
        with postgres_schema(request.getfixturevalue("postgres_url")) as url:
            yield url


@pytest.fixture
def database(db_url: str) -> Iterator[Database]:
    db = init_db(db_url)
    try:
        yield db
    finally:
        db.dispose()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def accounts(database: Database, clock: FakeClock) -> AccountService:
    return AccountService(database, clock=clock, hasher=fast_hasher())

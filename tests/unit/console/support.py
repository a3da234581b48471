"""Helpers shared by the console tests (unit, integration, browser)."""

from __future__ import annotations

import uuid
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Iterator

from argon2 import PasswordHasher

from bot.storage.migrate import upgrade

PASSWORD = "correct horse battery staple"


class FakeClock:
    """An adjustable aware-UTC clock (``clock()`` returns now; ``advance(...)`` moves it)."""

    def __init__(self, start: datetime = datetime(2026, 11, 25, 9, 0, tzinfo=timezone.utc)) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now = self.now + timedelta(**kwargs)


def fast_hasher() -> PasswordHasher:
    """Still argon2id, with test-sized cost (the production default takes 64 MiB)."""
    return PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)


def migrated_sqlite_url(directory: Path) -> str:
    directory.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{directory / 'privacy_desk.db'}"
    upgrade(url)
    return url


@contextmanager
def postgres_schema(postgres_url: str) -> Iterator[str]:
    """A migrated, private schema in the test PostgreSQL database (dropped afterwards)."""
    import psycopg2
    from psycopg2 import sql

    schema = f"console_{uuid.uuid4().hex[:10]}"
    admin = psycopg2.connect(postgres_url, connect_timeout=5)
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            cursor.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
        url = f"{postgres_url}?options=-csearch_path%3D{schema}"
        upgrade(url)
        yield url
    finally:
        with admin.cursor() as cursor:
            cursor.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))
        admin.close()

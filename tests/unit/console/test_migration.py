"""Revision 0002_console_accounts creates exactly the console models' schema and downgrades cleanly."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from bot.console.models import metadata
from bot.storage.db import create_db_engine
from bot.storage.migrate import downgrade, upgrade

CONSOLE_TABLES = set(metadata.tables)


def _console_diffs(url: str) -> list:
    engine = create_db_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            diffs = compare_metadata(context, metadata)
    finally:
        engine.dispose()
    mine = []
    for diff in diffs:
        for item in diff if isinstance(diff, list) else [diff]:
            if any(f"'{table}'" in repr(item) or f"<{table}>" in repr(item) for table in CONSOLE_TABLES):
                mine.append(item)
    return mine


def _tables(url: str) -> set:
    engine = create_db_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_migrated_schema_matches_the_console_models(db_url: str) -> None:
    assert {
        "console_agents",
        "console_sessions",
        "console_api_tokens",
        "console_login_throttle",
        "console_account_events",
    } == CONSOLE_TABLES
    assert _tables(db_url) >= CONSOLE_TABLES
    assert _console_diffs(db_url) == []


def test_downgrade_below_the_console_revision_drops_its_tables(db_url: str) -> None:
    downgrade(db_url, "0001_initial")
    assert not (CONSOLE_TABLES & _tables(db_url))
    upgrade(db_url)
    assert _tables(db_url) >= CONSOLE_TABLES

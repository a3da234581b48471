"""The Alembic revision for the verification/notify tables agrees with the models and downgrades cleanly."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

import bot.notify.models  # noqa: F401 - registers the tables on the shared metadata
import bot.verification.models  # noqa: F401
from bot.storage.base import metadata
from bot.storage.db import create_db_engine
from bot.storage.migrate import alembic_config, downgrade, upgrade
from tests.fakes.databases import OWN_TABLES

REVISION = "0004_verification_notify"


def _diffs_for_own_tables(url: str) -> list:
    engine = create_db_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            diffs = compare_metadata(context, metadata)
    finally:
        engine.dispose()
    mine = []
    for diff in diffs:
        items = diff if isinstance(diff, list) else [diff]
        for item in items:
            text = repr(item)
            if any(f"'{table}'" in text or f"<{table}>" in text for table in OWN_TABLES):
                mine.append(item)
    return mine


def test_migrated_schema_matches_the_models(migrated_db_url):
    assert _diffs_for_own_tables(migrated_db_url) == []


def test_there_is_one_migration_head():
    assert len(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()) == 1


def test_revision_downgrades_and_upgrades_again(tmp_path):
    url = f"sqlite:///{tmp_path / 'm.db'}"
    upgrade(url)
    script = ScriptDirectory.from_config(alembic_config(url))
    down = script.get_revision(REVISION).down_revision
    downgrade(url, down)
    engine = create_db_engine(url)
    try:
        assert not set(OWN_TABLES) & set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    upgrade(url, REVISION)
    engine = create_db_engine(url)
    try:
        assert set(OWN_TABLES) <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()

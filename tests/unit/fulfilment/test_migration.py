"""Revisions 0007_fulfilment and 0008_fulfilment_packages create exactly the fulfilment models' tables and downgrades cleanly."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from bot.fulfilment.models import FulfilmentPackage, FulfilmentRun, FulfilmentStep
from bot.storage.base import metadata
from bot.storage.db import create_db_engine
from bot.storage.migrate import downgrade, head_revision, upgrade

OUR_TABLES = {FulfilmentRun.__tablename__, FulfilmentStep.__tablename__, FulfilmentPackage.__tablename__}


def _diffs_and_tables(url: str):
    engine = create_db_engine(url)
    try:
        with engine.connect() as connection:
            diffs = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), metadata)
        tables = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    flat = [item for diff in diffs for item in (diff if isinstance(diff, list) else [diff])]
    return [
        item
        for item in flat
        if any(f"'{t}'" in repr(item) or f"<{t}>" in repr(item) or f"({t}" in repr(item) for t in OUR_TABLES)
    ], tables


def test_fulfilment_tables_come_from_the_migration_and_match_the_models(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    upgrade(url)
    mine, tables = _diffs_and_tables(url)
    assert tables >= OUR_TABLES
    assert mine == []
    assert head_revision() is not None


def test_downgrading_below_the_fulfilment_revision_drops_its_tables(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    upgrade(url)
    downgrade(url, "0006_console_search")
    _, tables = _diffs_and_tables(url)
    assert not OUR_TABLES & tables
    upgrade(url, "0008_fulfilment_packages")
    assert _diffs_and_tables(url)[1] >= OUR_TABLES

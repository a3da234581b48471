"""Apply the shared database's Alembic migrations (``privacy-desk migrate``).

``upgrade(url)`` is idempotent: an up-to-date database is left as it is.  One
linear history (``bot/storage/migrations``) holds every table; its version table
keeps the name it was created with (``tickets_alembic_version``).
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import Optional

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from bot.storage.db import create_db_engine

__all__ = ["alembic_config", "upgrade", "downgrade", "current_revision", "head_revision", "register"]

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
VERSION_TABLE = "tickets_alembic_version"

log = logging.getLogger(__name__)


def alembic_config(url: str) -> Config:
    """An Alembic config for the shared database's migrations against ``url`` (no ini file)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["url"] = url
    return config


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(url), revision)


def head_revision() -> Optional[str]:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def current_revision(url: str) -> Optional[str]:
    engine = create_db_engine(url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE}).get_current_revision()
    finally:
        engine.dispose()


# ---------------------------------------------------------------- CLI


def _migrate_command(args: argparse.Namespace) -> int:
    from bot.settings import load_settings

    settings = load_settings()
    before = current_revision(settings.database_url)
    upgrade(settings.database_url, args.revision)
    after = current_revision(settings.database_url)
    if before == after:
        print(f"Database is up to date (revision {after}).")
    else:
        print(f"Database migrated: {before or 'empty'} -> {after}.")
    return 0


def register(subparsers: "argparse._SubParsersAction") -> None:
    parser = subparsers.add_parser("migrate", help="apply database migrations to DATABASE_URL (idempotent)")
    parser.add_argument("--revision", default="head", help="target revision (default: head)")
    parser.set_defaults(func=_migrate_command)

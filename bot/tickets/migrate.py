"""Apply the ticket store's Alembic migrations (``privacy-desk migrate``) and rotate keys.

``upgrade(url)`` is idempotent: an up-to-date database is left as it is.  The
CLI commands live here too (registered in :mod:`bot.cli`).
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

from bot.tickets.db import create_db_engine

__all__ = ["alembic_config", "upgrade", "downgrade", "current_revision", "head_revision", "register"]

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
VERSION_TABLE = "tickets_alembic_version"

log = logging.getLogger(__name__)


def alembic_config(url: str) -> Config:
    """An Alembic config for the ticket store's migrations against ``url`` (no ini file)."""
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


def _rotate_keys_command(args: argparse.Namespace) -> int:
    from bot.settings import load_settings
    from bot.tickets.service import TicketService

    settings = load_settings()
    service = TicketService.from_settings(settings, verify=False)
    try:
        report = service.rotate_keys(batch_size=args.batch_size)
        # Verification challenges, demo customers and the outbox share DATA_KEYS.
        from bot.privacy.crypto import DataCipher
        from bot.verification.maintenance import rotate_keys as rotate_verification_keys

        others = rotate_verification_keys(service.database, DataCipher(settings.data_keys), batch_size=args.batch_size)
    finally:
        service.database.dispose()
    # --- assistant's own records: the conversation table shares DATA_KEYS ---
    from bot.privacy.conversations import rotate_conversation_keys

    conversations = rotate_conversation_keys(settings, batch_size=args.batch_size)
    print(
        f"Re-encrypted {report.tickets} ticket(s), {report.notes} note(s), "
        f"{sum(others.values())} verification/customer/outbox row(s) and "
        f"{conversations.rotated + conversations.encrypted_legacy} conversation event(s) under the first key in DATA_KEYS. "
        "Older keys can be removed from DATA_KEYS once every store has been rotated."
    )
    if conversations.unreadable:
        print(
            f"{conversations.unreadable} conversation event(s) could not be decrypted with any key in DATA_KEYS "
            "and were left as they are; do not remove old keys yet."
        )
        return 1
    return 0


def register(subparsers: "argparse._SubParsersAction") -> None:
    parser = subparsers.add_parser("migrate", help="apply database migrations to DATABASE_URL (idempotent)")
    parser.add_argument("--revision", default="head", help="target revision (default: head)")
    parser.set_defaults(func=_migrate_command)
    rotate = subparsers.add_parser("rotate-keys", help="re-encrypt stored personal data under the first DATA_KEYS key")
    rotate.add_argument("--batch-size", type=int, default=500)
    rotate.set_defaults(func=_rotate_keys_command)

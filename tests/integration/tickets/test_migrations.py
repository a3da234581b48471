"""Alembic: an empty database goes to head and back to base; models and migrations agree;
``privacy-desk migrate`` / ``rotate-keys`` work from the environment; startup errors are clear."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from bot import cli
from bot.privacy.crypto import DecryptionError, KeyConfigurationError, generate_key
from bot.settings import settings_from_environ
from bot.storage.base import metadata
from bot.storage.db import create_db_engine
from bot.storage.migrate import VERSION_TABLE, current_revision, downgrade, head_revision, upgrade
from bot.tickets import PersonalData, TicketService
from bot.tickets.service import DatabaseNotReady
from tests.conftest import make_environ

OUR_TABLES = {"tickets", "ticket_notes", "audit_events", "ticket_counts"}


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    import psycopg2
    from psycopg2 import sql

    admin_url = request.getfixturevalue("postgres_url")
    name = f"pd_mig_{uuid.uuid4().hex[:10]}"
    admin = psycopg2.connect(admin_url, connect_timeout=5)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield f"{admin_url.rpartition('/')[0]}/{name}"
    finally:
        with admin.cursor() as cursor:
            cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        admin.close()


def table_names(url: str) -> set:
    engine = create_db_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_empty_database_upgrades_to_head_and_downgrades_to_base(empty_url):
    assert current_revision(empty_url) is None
    upgrade(empty_url)
    assert current_revision(empty_url) == head_revision()
    assert table_names(empty_url) >= OUR_TABLES
    upgrade(empty_url)  # idempotent
    downgrade(empty_url, "base")
    assert current_revision(empty_url) is None
    assert table_names(empty_url) <= {VERSION_TABLE}
    upgrade(empty_url)
    assert table_names(empty_url) >= OUR_TABLES


def test_ticket_models_match_the_migrations(empty_url):
    upgrade(empty_url)
    engine = create_db_engine(empty_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            diffs = compare_metadata(context, metadata)
    finally:
        engine.dispose()

    def table_of(diff) -> str:
        item = diff[0] if isinstance(diff, list) else diff
        op = item[0]
        if op in ("add_table", "remove_table"):
            return item[1].name
        if op in ("add_index", "remove_index", "add_constraint", "remove_constraint", "add_fk", "remove_fk"):
            return item[1].table.name
        if op in ("add_column", "remove_column") or op.startswith("modify_"):
            return item[2]
        return "tickets"  # unknown kind of difference: count it as ours so the test fails loudly

    ours = [d for d in diffs if table_of(d) in OUR_TABLES]
    assert ours == []
    # The comparison does see our tables: against an empty schema they are all missing.
    engine = create_db_engine(empty_url)
    try:
        downgrade(empty_url, "base")
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            missing = {table_of(d) for d in compare_metadata(context, metadata)}
    finally:
        engine.dispose()
    assert missing >= OUR_TABLES


def test_service_refuses_to_start_before_migration(tmp_path):
    settings = settings_from_environ(make_environ(tmp_path / "var"))
    with pytest.raises(DatabaseNotReady, match="privacy-desk migrate"):
        TicketService.from_settings(settings)


def test_malformed_data_key_is_a_startup_error(tmp_path):
    settings = settings_from_environ(make_environ(tmp_path / "var", DATA_KEYS="not-a-fernet-key"))
    with pytest.raises(KeyConfigurationError, match="DATA_KEYS"):
        TicketService.from_settings(settings)


def test_migrate_and_rotate_keys_commands(tmp_path, monkeypatch, capsys):
    environ = make_environ(tmp_path / "var")
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert cli.main(["migrate"]) == 0
    assert "migrated" in capsys.readouterr().out
    assert cli.main(["migrate"]) == 0
    assert "up to date" in capsys.readouterr().out

    settings = settings_from_environ(environ)
    service = TicketService.from_settings(settings)
    ref = service.create(
        kind="access", channel="web", idempotency_key="k", personal=PersonalData(email="r@example.com")
    ).ticket.reference
    service.database.dispose()

    new_key = generate_key()
    monkeypatch.setenv("DATA_KEYS", f"{new_key},{environ['DATA_KEYS']}")
    assert cli.main(["rotate-keys"]) == 0
    assert "(rows per store): tickets 1," in capsys.readouterr().out

    only_new = settings_from_environ({**environ, "DATA_KEYS": new_key})
    service = TicketService.from_settings(only_new)  # verify_keys passes with the new key alone
    assert service.reveal_personal_data(ref, actor="admin", reason="fulfil_request").email == "r@example.com"
    service.database.dispose()
    with pytest.raises(DecryptionError, match="DATA_KEYS"):
        TicketService.from_settings(settings)  # the old key alone no longer decrypts

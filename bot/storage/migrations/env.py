"""Alembic environment for the shared database (every table, one linear history).

The database URL comes from the caller (``bot.storage.migrate`` puts it in
``config.attributes["url"]``) or, when run through plain ``alembic``, from
:func:`bot.settings.load_settings` (``DATABASE_URL`` / the SQLite default).
The version table keeps the name it was created with
(``tickets_alembic_version``) so existing databases carry on.
"""

from __future__ import annotations

from alembic import context

from bot.storage.base import metadata
from bot.storage.db import create_db_engine

VERSION_TABLE = "tickets_alembic_version"


def _url() -> str:
    url = context.config.attributes.get("url") or context.config.get_main_option("sqlalchemy.url")
    if url:
        return url
    from bot.settings import load_settings

    return load_settings().database_url


def run_migrations_offline() -> None:
    context.configure(
        url=_url(),
        target_metadata=metadata,
        literal_binds=True,
        version_table=VERSION_TABLE,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = create_db_engine(_url())
    try:
        with engine.connect() as connection:
            context.configure(
                connection=connection,
                target_metadata=metadata,
                version_table=VERSION_TABLE,
                render_as_batch=connection.dialect.name == "sqlite",
                compare_type=True,
            )
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()

"""The shared database: engine and sessions, the declarative ``Base``, column types,
the Alembic migrations for every table, and batch re-encryption.

The only package that creates SQLAlchemy engines (``init_db`` at start-up,
never at import).  It imports no domain package.
"""

from bot.storage.base import Base, metadata
from bot.storage.db import Database, create_db_engine, init_db, write_engine
from bot.storage.reencrypt import reencrypt_columns
from bot.storage.types import UTCDateTime

__all__ = [
    "Base",
    "metadata",
    "Database",
    "create_db_engine",
    "init_db",
    "write_engine",
    "reencrypt_columns",
    "UTCDateTime",
]

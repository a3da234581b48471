"""The declarative ``Base`` and ``metadata`` every table of the shared database is declared on.

One metadata object means one naming convention for constraints and indexes, so
Alembic revisions (``bot/storage/migrations``) name them the same way on SQLite
and PostgreSQL.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import MetaData
from sqlalchemy.orm import registry

__all__ = ["NAMING_CONVENTION", "metadata", "mapper_registry", "Base"]

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = MetaData(naming_convention=NAMING_CONVENTION)
mapper_registry = registry(metadata=metadata)
Base: Any = mapper_registry.generate_base()

"""Engines for the company's SQL systems (any database SQLAlchemy speaks)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Engine

from bot.storage.db import create_db_engine

__all__ = ["create_system_engine"]


def create_system_engine(url: str, **kwargs: Any) -> Engine:
    """A ``future=True`` engine with the project's SQLite/PostgreSQL connection settings."""
    return create_db_engine(url, **kwargs)

"""Engines and sessions for the shared database, built at startup by :func:`init_db`.

Nothing here runs at import.  SQLite (the embedded default) is opened in WAL
mode with a busy timeout and foreign keys on; write transactions start with
``BEGIN IMMEDIATE`` so concurrent writers queue on the busy timeout instead of
failing on a lock upgrade.  PostgreSQL uses ``READ COMMITTED`` with row locks
taken by the service (``SELECT ... FOR UPDATE`` / compare-and-set ``UPDATE``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Union

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool, QueuePool

__all__ = ["Database", "init_db", "create_db_engine", "create_probe_engine", "write_engine", "SQLITE_BUSY_TIMEOUT_S"]

SQLITE_BUSY_TIMEOUT_S = 30.0
_BEGIN_OPTION = "privacy_desk_sqlite_begin"


@dataclass(frozen=True)
class Database:
    """An engine and two session factories: ``read`` (plain) and ``write`` (serialised on SQLite)."""

    engine: Engine
    read: "sessionmaker[Session]"
    write: "sessionmaker[Session]"

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def dispose(self) -> None:
        self.engine.dispose()


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy (not pysqlite) emit BEGIN, so we can choose IMMEDIATE.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {int(SQLITE_BUSY_TIMEOUT_S * 1000)}")
            cursor.execute("PRAGMA foreign_keys = ON")
            if engine.url.database not in (None, "", ":memory:"):
                cursor.execute("PRAGMA journal_mode = WAL")
                cursor.execute("PRAGMA synchronous = NORMAL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        mode = connection.get_execution_options().get(_BEGIN_OPTION, "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")


def create_db_engine(url: str, **kwargs: Any) -> Engine:
    """A ``future=True`` engine for ``url`` with the store's connection settings."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database not in (None, "", ":memory:"):
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            # SQLAlchemy 1.4 defaults file databases to NullPool (a connect + PRAGMAs per session).
            kwargs.setdefault("poolclass", QueuePool)
        connect_args = {"timeout": SQLITE_BUSY_TIMEOUT_S, "check_same_thread": False}
        connect_args.update(kwargs.pop("connect_args", {}))
        engine = create_engine(url, future=True, connect_args=connect_args, **kwargs)
        _configure_sqlite(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, future=True, **kwargs)


def create_probe_engine(url: str, timeout_s: float) -> Engine:
    """A small engine for health probes: no pool (a probe never holds a connection), short connect timeout."""
    connect_args: Dict[str, Any] = {}
    if url.startswith("postgresql"):
        connect_args["connect_timeout"] = int(timeout_s)
    elif url.startswith("sqlite"):
        connect_args["timeout"] = timeout_s
    return create_engine(url, future=True, poolclass=NullPool, connect_args=connect_args)


def write_engine(engine: Engine) -> Engine:
    """``engine`` whose transactions take SQLite's write lock at BEGIN (IMMEDIATE); unchanged elsewhere."""
    return engine.execution_options(**{_BEGIN_OPTION: "IMMEDIATE"}) if engine.dialect.name == "sqlite" else engine


def init_db(settings_or_url: Union[str, Any], **engine_kwargs: Any) -> Database:
    """Build the engine and session factories from :class:`bot.settings.Settings` (or a URL).

    Call once per process at startup; call :meth:`Database.dispose` at shutdown
    (and in a child process after ``fork``).
    """
    url = settings_or_url if isinstance(settings_or_url, str) else settings_or_url.database_url
    engine = create_db_engine(url, **engine_kwargs)
    write_engine = (
        engine.execution_options(**{_BEGIN_OPTION: "IMMEDIATE"}) if engine.dialect.name == "sqlite" else engine
    )
    read = sessionmaker(bind=engine, future=True, expire_on_commit=False)
    write = sessionmaker(bind=write_engine, future=True, expire_on_commit=False)
    return Database(engine=engine, read=read, write=write)

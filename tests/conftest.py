"""Shared fixtures: fresh settings with random keys, and real databases.

PostgreSQL tests run against the machine's server (``PD_TEST_POSTGRES_URL``,
default ``postgresql://postgres@127.0.0.1:5432/test``).  Each test session gets
its own throw-away database so runs never see each other's rows.  Outside CI
(``CI`` unset) they skip when the server is unreachable; in CI they fail.
"""

from __future__ import annotations

import os
import secrets
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Dict, Iterator, Optional

import pytest

from bot.privacy.crypto import generate_key
from bot.settings import Settings, settings_from_environ

IN_CI = bool(os.environ.get("CI"))
POSTGRES_ADMIN_URL = os.environ.get("PD_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_TEST_URL = os.environ.get("PD_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def make_environ(var_dir: Path, **overrides: str) -> Dict[str, str]:
    """A complete, valid environment with fresh secrets, rooted at ``var_dir``."""
    environ = {
        "PROFILE": "local",
        "RASA_API_TOKEN": secrets.token_urlsafe(16),
        "ACTION_SERVER_TOKEN": secrets.token_urlsafe(16),
        "DATA_KEYS": generate_key(),
        "INDEX_KEY": secrets.token_urlsafe(32),
        "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
        "TWILIO_AUTH_TOKEN": secrets.token_hex(16),
        "TWILIO_NUMBER": "+15005550006",
        "VAR_DIR": str(var_dir),
    }
    environ.update(overrides)
    return environ


@pytest.fixture
def environ(tmp_path: Path) -> Dict[str, str]:
    return make_environ(tmp_path / "var")


@pytest.fixture
def settings(environ: Dict[str, str]) -> Settings:
    Path(environ["VAR_DIR"]).mkdir(parents=True, exist_ok=True)
    return settings_from_environ(environ)


def _postgres_unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"PostgreSQL is required in CI: {reason}")
    pytest.skip(f"PostgreSQL not reachable outside CI: {reason}")


@contextmanager
def scratch_postgres_database(
    server_url: str, prefix: str, prepare: Optional[Callable[[str], None]] = None
) -> Iterator[str]:
    """Create a uniquely named database on the server of ``server_url``, yield its URL, drop it.

    ``prepare`` (e.g. ``bot.storage.migrate.upgrade``) runs on the new URL first.
    The drop uses a fresh connection: a test may have restarted the server
    meanwhile (tests/integration/scale).
    """
    import psycopg2
    from psycopg2 import sql

    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = psycopg2.connect(server_url, connect_timeout=5)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    admin.close()
    url = f"{server_url.rpartition('/')[0]}/{name}"
    try:
        if prepare is not None:
            prepare(url)
        yield url
    finally:
        admin = psycopg2.connect(server_url, connect_timeout=30)
        admin.autocommit = True
        with admin.cursor() as cursor:
            cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        admin.close()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """URL of a fresh PostgreSQL database, dropped at the end of the session."""
    try:
        import psycopg2
    except ImportError as exc:  # pragma: no cover
        _postgres_unavailable(str(exc))
    try:
        psycopg2.connect(POSTGRES_ADMIN_URL, connect_timeout=5).close()
    except psycopg2.OperationalError as exc:
        _postgres_unavailable(str(exc).strip())
    with scratch_postgres_database(POSTGRES_ADMIN_URL, "pd_test") as url:
        yield url


@pytest.fixture(scope="session")
def redis_url() -> str:
    try:
        import redis

        redis.Redis.from_url(REDIS_TEST_URL, socket_timeout=2).ping()
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
        if IN_CI:
            pytest.fail(f"Redis is required in CI: {exc}")
        pytest.skip(f"Redis not reachable outside CI: {exc}")
    return REDIS_TEST_URL

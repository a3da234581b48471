"""The web app behind a proxy: X-Forwarded-For is believed only from TRUSTED_PROXIES (real uvicorn process)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable, Iterator

import httpx
import pytest

from bot.settings import PROJECT_ROOT
from tests.conftest import make_environ
from tests.integration.stack import free_port
from tests.unit.console.support import migrated_sqlite_url

TICKETS = "/api/v1/tickets"


@pytest.fixture
def web_app(tmp_path: Path) -> Iterator[Callable[..., str]]:
    """Start ``python -m bot.webapp`` with extra settings; returns its base URL."""
    processes = []

    def start(**overrides: str) -> str:
        port = free_port()
        url = migrated_sqlite_url(tmp_path / f"db{port}")
        environ = {
            **os.environ,
            **make_environ(
                tmp_path / f"var{port}",
                DATABASE_URL=url,
                WEB_PORT=str(port),
                API_AUTH_FAILURE_LIMIT="2/300",
                **overrides,
            ),
        }
        environ.pop("REDIS_URL", None)
        process = subprocess.Popen(
            [sys.executable, "-m", "bot.webapp"],
            cwd=PROJECT_ROOT,
            env=environ,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        processes.append(process)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(base + "/healthz", timeout=2).status_code < 500:
                    return base
            except httpx.HTTPError:
                time.sleep(0.2)
        raise AssertionError("web app did not start")

    yield start
    for process in processes:
        process.terminate()
        process.wait(timeout=15)


def _bad_token_from(base: str, client_address: str) -> int:
    headers = {"Authorization": "Bearer pdt_guess", "X-Forwarded-For": client_address}
    return httpx.get(base + TICKETS, headers=headers, timeout=10).status_code


def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_failure_limit(web_app) -> None:
    base = web_app(TRUSTED_PROXIES="127.0.0.1")
    attacker = [_bad_token_from(base, "203.0.113.7") for _ in range(3)]
    assert attacker == [401, 401, 429]
    assert _bad_token_from(base, "198.51.100.20") == 401  # another agent behind the same proxy is not blocked


def test_without_trusted_proxies_a_forged_forwarded_header_is_ignored(web_app) -> None:
    base = web_app()
    # The peer is loopback (exempt, like a same-host proxy); a forged header cannot make it someone else.
    assert [_bad_token_from(base, "203.0.113.7") for _ in range(4)] == [401] * 4

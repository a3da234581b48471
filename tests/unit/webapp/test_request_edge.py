"""The web app's edge: HSTS over https, bounded body size and read time, quiet client disconnects."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any, Dict, List

import pytest
from starlette.requests import ClientDisconnect, Request
from starlette.responses import PlainTextResponse
from starlette.testclient import TestClient

from bot.settings import settings_from_environ
from bot.webapp.app import create_app
from bot.webapp.request_limits import RequestLimitsMiddleware
from bot.webapp.security_headers import HSTS
from tests.conftest import make_environ


def app_with(tmp_path: Path, **environ: str):
    (tmp_path / "var").mkdir(exist_ok=True)
    return create_app(settings_from_environ(make_environ(tmp_path / "var", **environ)))


def test_hsts_is_sent_when_the_public_url_is_https(tmp_path: Path) -> None:
    """F9: Strict-Transport-Security on every response of an https deployment."""
    client = TestClient(app_with(tmp_path, PUBLIC_BASE_URL="https://privacy.example.com"))
    for path in ("/healthz", "/console/login", "/"):
        assert client.get(path).headers.get("strict-transport-security") == HSTS


def test_hsts_is_sent_for_a_request_that_arrived_over_https(tmp_path: Path) -> None:
    """F9: behind a TLS proxy (X-Forwarded-Proto from a trusted proxy makes the scheme https)."""
    client = TestClient(app_with(tmp_path), base_url="https://testserver")
    assert client.get("/healthz").headers.get("strict-transport-security") == HSTS


def test_no_hsts_on_plain_http_localhost(tmp_path: Path) -> None:
    """F9: the local profile on http://localhost stays reachable (HSTS only over https)."""
    response = TestClient(app_with(tmp_path)).get("/healthz")
    assert "strict-transport-security" not in response.headers
    assert (
        response.headers["x-frame-options"] == "DENY"
        and "frame-ancestors 'none'" in response.headers["content-security-policy"]
    )


async def _echo(scope: Dict[str, Any], receive: Any, send: Any) -> None:
    body = await Request(scope, receive).body()
    await PlainTextResponse(f"{len(body)} bytes")(scope, receive, send)


def _run(app: Any, headers: List[tuple], chunks: List[Any]) -> List[Dict[str, Any]]:
    """Drive an ASGI app with body ``chunks`` (``None`` = the client stalls forever)."""
    sent: List[Dict[str, Any]] = []

    async def receive() -> Dict[str, Any]:
        if not chunks:
            await asyncio.sleep(3600)
        chunk = chunks.pop(0)
        if chunk is None:
            await asyncio.sleep(3600)
        return {"type": "http.request", "body": chunk, "more_body": bool(chunks)}

    async def send(message: Dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/console/login", "headers": headers, "query_string": b""}
    asyncio.run(asyncio.wait_for(app(scope, receive, send), timeout=10))
    return sent


def test_a_trickled_body_is_cut_with_408(caplog: pytest.LogCaptureFixture) -> None:
    """F9: a POST whose body does not arrive within the read timeout is answered 408 (the server closes it)."""
    app = RequestLimitsMiddleware(_echo, max_bytes=1024, body_timeout_s=0.3)
    sent = _run(app, [(b"content-length", b"100")], [b"a", b"b", None])
    assert sent[0]["status"] == 408
    assert (b"connection", b"close") in sent[0]["headers"]


def test_a_body_over_the_cap_is_refused_before_it_is_read() -> None:
    """F8: a declared Content-Length over the cap is a 413 and nothing is read."""
    app = RequestLimitsMiddleware(_echo, max_bytes=1024, body_timeout_s=5)
    chunks: List[Any] = [b"x" * 512] * 4
    sent = _run(app, [(b"content-length", str(100 * 1024 * 1024).encode())], chunks)
    assert sent[0]["status"] == 413 and len(chunks) == 4


def test_a_chunked_body_over_the_cap_is_refused_as_it_passes_it() -> None:
    """F8: without a Content-Length, reading stops at the cap (no 100 MB buffered)."""
    app = RequestLimitsMiddleware(_echo, max_bytes=1024, body_timeout_s=5)
    chunks: List[Any] = [b"x" * 512] * 10
    sent = _run(app, [], chunks)
    assert sent[0]["status"] == 413 and len(chunks) >= 6


def test_a_client_that_disconnects_is_logged_without_an_error(caplog: pytest.LogCaptureFixture) -> None:
    """F9: ClientDisconnect is an INFO line, never an ERROR traceback."""

    async def leaves(scope: Any, receive: Any, send: Any) -> None:
        raise ClientDisconnect()

    with caplog.at_level(logging.INFO):
        _run(RequestLimitsMiddleware(leaves, max_bytes=1024, body_timeout_s=5), [], [b""])
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert any("disconnected" in r.getMessage() for r in caplog.records)


def test_a_normal_form_post_still_works(tmp_path: Path) -> None:
    """The limits leave ordinary requests alone."""
    app = RequestLimitsMiddleware(_echo, max_bytes=1024, body_timeout_s=5)
    sent = _run(app, [(b"content-length", b"5")], [b"hello"])
    assert sent[0]["status"] == 200 and sent[1]["body"] == b"5 bytes"

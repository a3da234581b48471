"""The Sanic server's edge (as the Rasa server runs it): body caps before buffering, read timeouts, HSTS."""

from __future__ import annotations

import socket
import time
from pathlib import Path
from typing import Iterator

import httpx
import pytest
from sanic.response import text

from bot.settings import settings_from_environ
from tests.conftest import make_environ
from tests.unit.channels.harness import SMS_PATH, VOICE_PATH, ChannelServer, StubBot


@pytest.fixture
def edge(tmp_path: Path, bot: StubBot) -> Iterator[ChannelServer]:
    (tmp_path / "var").mkdir()
    settings = settings_from_environ(
        make_environ(tmp_path / "var", REQUEST_BODY_TIMEOUT="2", PUBLIC_BASE_URL="https://privacy.example.com")
    )
    running = ChannelServer(settings, bot)

    async def echo(request):  # a route without a cap of its own (like Rasa's REST channel)
        return text(f"{len(request.body)} bytes")

    running.app.add_route(echo, "/echo", methods=["POST"])
    running.start()
    try:
        yield running
    finally:
        running.stop()


def raw_exchange(server: ChannelServer, head: bytes, body_chunks=(), pause: float = 0.0, wait: float = 15.0) -> tuple:
    """Send a request by hand; returns (first response bytes, seconds until they came)."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", server.port), timeout=wait) as sock:
        sock.sendall(head)
        for chunk in body_chunks:
            try:
                sock.sendall(chunk)
            except OSError:
                break
            sock.settimeout(pause or 0.01)
            try:
                answer = sock.recv(200)
                if answer:
                    return answer, time.monotonic() - started
            except socket.timeout:
                pass
        sock.settimeout(wait)
        try:
            answer = sock.recv(200)
        except (socket.timeout, ConnectionResetError):
            answer = b""
        return answer, time.monotonic() - started


@pytest.mark.parametrize("path", [SMS_PATH, VOICE_PATH])
def test_a_twilio_body_over_64_kib_is_refused_before_it_is_sent(edge: ChannelServer, path: str) -> None:
    """F8: the webhook's 64 KiB cap applies while reading: a 200 KiB declared body gets 413 with none of it sent."""
    head = (
        f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        f"X-Twilio-Signature: x\r\nContent-Length: {200 * 1024}\r\n\r\n"
    ).encode()
    answer, _ = raw_exchange(edge, head)
    assert answer.startswith(b"HTTP/1.1 413")


def test_any_body_over_the_server_cap_is_refused_before_it_is_buffered(edge: ChannelServer) -> None:
    """F8: a 100 MB declared body (any route) is refused at once, not buffered."""
    head = b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 104857600\r\n\r\n"
    answer, seconds = raw_exchange(edge, head)
    assert answer.startswith(b"HTTP/1.1 413") and seconds < 5
    assert httpx.post(f"{edge.base_url}/echo", content=b"x" * 300_000, timeout=10).text == "300000 bytes"


def test_a_trickled_body_is_cut_after_the_read_timeout(edge: ChannelServer) -> None:
    """F9: one byte a second into a webhook: 408 after REQUEST_BODY_TIMEOUT (2 s here), not an hour."""
    head = f"POST {SMS_PATH} HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\n".encode()
    answer, seconds = raw_exchange(edge, head, body_chunks=[b"a"] * 20, pause=0.5)
    assert answer.startswith(b"HTTP/1.1 408"), answer
    assert seconds < 6


def test_hsts_when_the_public_url_is_https(edge: ChannelServer) -> None:
    """F9: Strict-Transport-Security on the Rasa server's responses of an https deployment."""
    response = httpx.get(f"{edge.base_url}/webhooks/twilio_sms/", timeout=10)
    assert response.headers.get("strict-transport-security", "").startswith("max-age=31536000")


def test_ordinary_signed_webhooks_still_work(edge: ChannelServer, bot: StubBot) -> None:
    """The caps leave Twilio's small form posts alone."""
    assert edge.sms_from("+12025550111", "hello").status_code == 200
    edge.drain()
    assert [m.text for m in bot.received] == ["hello"]

"""The public edge of the running stack under abuse: F1, F6, F7, F8, F9 against real Rasa, actions and web app."""

from __future__ import annotations

import asyncio
import re
import socket
import time
from typing import Dict, List, Tuple
from urllib.parse import urlsplit

import httpx
import pytest

from bot.channels.twilio_voice import call_conversation_id
from bot.privacy.crypto import Indexer
from tests.integration.stack import Stack
from tests.unit.channels import twiml
from tests.unit.channels.harness import VOICE_PATH, call_sid, signed_post

pytestmark = pytest.mark.stack

CALLER = "+12025550163"


@pytest.fixture(autouse=True, scope="module")
def migrated(stack: Stack) -> None:
    """The ticket store's tables (the Twilio channels keep call state and seen requests there)."""
    from bot.storage.migrate import upgrade

    upgrade(stack.settings.database_url)


def tracker(stack: Stack, conversation_id: str) -> Dict:
    reply = httpx.get(
        f"{stack.rasa_url}/conversations/{conversation_id}/tracker",
        params={"token": stack.settings.rasa_api_token},
        timeout=30,
    )
    reply.raise_for_status()
    return reply.json()


def user_texts(stack: Stack, conversation_id: str) -> List[str]:
    return [e.get("text") for e in tracker(stack, conversation_id).get("events", []) if e.get("event") == "user"]


class Call:
    """One phone call against the stack, signed like Twilio; keeps every request it made (for replays)."""

    def __init__(self, stack: Stack, caller: str = CALLER) -> None:
        self.stack = stack
        self.sid = call_sid()
        self.caller = caller
        self.sent: List[Tuple[str, Dict[str, str]]] = []

    @property
    def conversation_id(self) -> str:
        return call_conversation_id(Indexer(self.stack.settings.index_key), self.sid)

    def post(self, query: str, **fields: str) -> httpx.Response:
        params = {
            "CallSid": self.sid,
            "AccountSid": self.stack.settings.twilio_account_sid,
            "From": self.caller,
            "To": self.stack.settings.twilio_number,
            "CallStatus": "in-progress",
            "Direction": "inbound",
            **fields,
        }
        self.sent.append((query, params))
        s = self.stack.settings
        return signed_post(
            self.stack.rasa_url, s.public_base_url, s.twilio_auth_token, VOICE_PATH, params, query, timeout=60
        )

    def start(self) -> str:
        reply = self.post("", CallStatus="ringing")
        assert reply.status_code == 200, reply.text
        return urlsplit(twiml.gather(twiml.parse(reply.text)).get("action")).query

    def say(self, query: str, speech: str) -> str:
        """Say ``speech`` at ``query`` (a Gather action); follow 'one moment' redirects; the next Gather's query."""
        reply = self.post(query, SpeechResult=speech, Confidence="0.9")
        for _ in range(6):
            assert reply.status_code == 200, reply.text
            root = twiml.parse(reply.text)
            gather = root.find("Gather")
            if gather is not None:
                return urlsplit(gather.get("action")).query
            redirect = root.find("Redirect")
            assert redirect is not None, reply.text
            reply = self.post(urlsplit(redirect.text).query)
        raise AssertionError("no answer")


def test_a_second_call_from_the_same_number_starts_with_nothing_of_the_first(stack: Stack) -> None:
    """F1: same (spoofable) caller id, second call while the first is open: separate conversations."""
    first, second = Call(stack), Call(stack)
    first.say(first.start(), "I want to delete my data")
    second.say(second.start(), "hello")
    assert first.conversation_id != second.conversation_id
    assert "I want to delete my data" in user_texts(stack, first.conversation_id)
    later = tracker(stack, second.conversation_id)
    assert "I want to delete my data" not in [e.get("text") for e in later["events"] if e.get("event") == "user"]
    assert not later.get("active_loop"), "the first call's form is not running in the second call"


def test_a_replayed_signed_voice_request_runs_its_turn_once(stack: Stack) -> None:
    """F7: the captured request (same URL, fields, signature) posted again is not processed again."""
    call = Call(stack)
    gather = call.start()
    call.say(gather, "what data do you collect")
    query, params = call.sent[1]
    s = stack.settings
    replay = signed_post(stack.rasa_url, s.public_base_url, s.twilio_auth_token, VOICE_PATH, params, query, timeout=60)
    assert replay.status_code == 200
    assert user_texts(stack, call.conversation_id).count("what data do you collect") == 1


def test_rest_from_one_client_is_rate_limited_whatever_sender_it_claims(stack: Stack) -> None:
    """F6: the 9th REST message in a minute from one client address (8/60 in this stack) is a 429 saying when to retry."""
    headers = {"X-Forwarded-For": "203.0.113.61"}
    statuses = []
    for i in range(9):
        reply = httpx.post(
            f"{stack.rasa_url}/webhooks/rest/webhook",
            json={"sender": f"rotating-{i}-{time.time()}", "message": "hello"},
            headers=headers,
            timeout=60,
        )
        statuses.append(reply.status_code)
    assert statuses[:8] == [200] * 8
    assert statuses[8] == 429
    assert int(reply.headers["Retry-After"]) >= 1
    assert "faster than I can answer" in reply.json()[0]["text"]
    other = httpx.post(
        f"{stack.rasa_url}/webhooks/rest/webhook",
        json={"sender": "someone-else", "message": "hello"},
        headers={"X-Forwarded-For": "198.51.100.62"},
        timeout=60,
    )
    assert other.status_code == 200


def test_web_chat_sessions_per_client_are_limited(stack: Stack) -> None:
    """F6: socket.io hands out 20 new sessions per client in 10 minutes; the 21st is told why and disconnected."""
    import socketio

    async def one_session() -> Tuple[str, str]:
        client = socketio.AsyncClient(reconnection=False)
        got: Dict[str, str] = {}
        confirmed, uttered = asyncio.Event(), asyncio.Event()

        @client.on("session_confirm")
        async def on_confirm(session_id):  # noqa: ANN001
            got["session"] = session_id
            confirmed.set()

        @client.on("bot_uttered")
        async def on_bot(message):  # noqa: ANN001
            got["text"] = (message or {}).get("text", "")
            uttered.set()

        # Long-polling: python-engineio's websocket transport needs a newer aiohttp than Rasa pins.
        await client.connect(
            stack.rasa_url,
            headers={"X-Forwarded-For": "203.0.113.63"},
            transports=["polling"],
            socketio_path="/socket.io",
            wait_timeout=30,
        )
        await client.emit("session_request", {})
        done, _ = await asyncio.wait(
            {asyncio.create_task(confirmed.wait()), asyncio.create_task(uttered.wait())}, timeout=60
        )
        if client.connected:
            await client.disconnect()
        return got.get("session", ""), got.get("text", "")

    async def run() -> List[Tuple[str, str]]:
        # All at once: the window (10 minutes) must not end while they are opened.
        return await asyncio.gather(
            *(one_session() for _ in range(stack.settings.channel_new_conversations_per_client[0] + 1))
        )

    results = asyncio.run(run())
    sessions = [session for session, _ in results if session]
    refused = [text for session, text in results if not session]
    assert len(sessions) == stack.settings.channel_new_conversations_per_client[0]
    assert len(refused) == 1 and "Too many new conversations" in refused[0]

    async def connect_again() -> None:
        client = socketio.AsyncClient(reconnection=False)
        await client.connect(
            stack.rasa_url,
            headers={"X-Forwarded-For": "203.0.113.63"},
            transports=["polling"],
            socketio_path="/socket.io",
            wait_timeout=30,
        )

    with pytest.raises(socketio.exceptions.ConnectionError):  # nor may it hold more connections
        asyncio.run(connect_again())


def test_a_huge_rest_message_is_refused_before_it_is_read(stack: Stack) -> None:
    """F8: a 20 MB REST body is a 413 at once (the server never buffers or normalises it)."""
    started = time.monotonic()
    reply = httpx.post(
        f"{stack.rasa_url}/webhooks/rest/webhook",
        content=b'{"sender": "big", "message": "' + b"x" * 20_000_000 + b'"}',
        headers={"Content-Type": "application/json"},
        timeout=60,
    )
    assert reply.status_code == 413
    assert time.monotonic() - started < 5
    assert stack.texts("after-big", "hello"), "the server still answers"


def test_format_characters_never_reach_the_conversation(stack: Stack) -> None:
    """F8: RLO / ZWSP / BOM are gone from what Rasa stores (and agents later read)."""
    sender = f"bidi-{time.time()}"
    stack.rest(sender, "\ufeffwhat data do you \u202ecollect\u200b")
    texts = user_texts(stack, sender)
    assert texts and not re.search("[\u202e\u200b\ufeff]", texts[-1])


def trickle(host: str, port: int, path: str, seconds: float = 40.0) -> float:
    """POST one body byte a second; return when the server cut the connection (or ``seconds``)."""
    started = time.monotonic()
    with socket.create_connection((host, port), timeout=5) as sock:
        sock.sendall(
            f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            "Content-Length: 1000\r\n\r\n".encode()
        )
        while time.monotonic() - started < seconds:
            try:
                sock.sendall(b"a")
                sock.settimeout(1.0)
                if sock.recv(100) is not None:
                    break
            except socket.timeout:
                continue
            except OSError:
                break
    return time.monotonic() - started


def test_a_trickled_post_is_cut_by_every_server(stack: Stack) -> None:
    """F9: one byte a second into /console/login (web app) and a webhook (Rasa) is cut after the body read timeout."""
    limit = stack.settings.request_body_timeout_s
    web = urlsplit(stack.web_url)
    rasa = urlsplit(stack.rasa_url)
    assert trickle(web.hostname, web.port, "/console/login") < limit + 5
    assert trickle(rasa.hostname, rasa.port, "/webhooks/rest/webhook") < limit + 5


def test_a_client_that_hangs_up_is_not_an_error_in_the_logs(stack: Stack) -> None:
    """F9: a client disconnecting mid-request is logged without an ERROR traceback, on both servers."""
    before = {path: path.stat().st_size for path in stack.log_dir.glob("*.log")}
    for url, path, body in (
        (stack.web_url, "/console/login", b"username=a&pass"),
        (stack.rasa_url, "/webhooks/rest/webhook", b'{"sender": "x", "mes'),
    ):
        parts = urlsplit(url)
        with socket.create_connection((parts.hostname, parts.port), timeout=5) as sock:
            sock.sendall(
                f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                f"Content-Length: 500\r\n\r\n".encode()
                + body
            )
            time.sleep(0.5)
    # A complete message, then the client hangs up while the turn runs.
    parts = urlsplit(stack.rasa_url)
    body = b'{"sender": "hangs-up", "message": "what data do you collect"}'
    with socket.create_connection((parts.hostname, parts.port), timeout=5) as sock:
        sock.sendall(
            f"POST /webhooks/rest/webhook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        time.sleep(0.05)
    time.sleep(3)
    fresh = "".join(path.read_text(errors="replace")[before.get(path, 0) :] for path in stack.log_dir.glob("*.log"))
    assert "Traceback" not in fresh and " ERROR " not in fresh, fresh[-2000:]

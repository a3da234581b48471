"""A real Sanic server on loopback hosting the Twilio channels, with a stub bot.

The channels are exercised over HTTP exactly as Twilio would call them
(signed form posts); the stub bot stands in for Rasa's agent so these tests
need no trained model.  The running-stack tests use the real Rasa server.
"""

from __future__ import annotations

import asyncio
import secrets
import socket
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Mapping, Optional

import httpx
from sanic import Sanic
from twilio.request_validator import RequestValidator

from bot.channels.limits import ChannelLimits
from bot.channels.server_edge import install as install_edge
from bot.channels.twilio_common import TwilioServices
from bot.channels.twilio_sms import TwilioSmsInput
from bot.channels.twilio_voice import TwilioVoiceInput
from bot.settings import Settings
from bot.storage.migrate import upgrade

SMS_PATH = "/webhooks/twilio_sms/webhook"
VOICE_PATH = "/webhooks/twilio_voice/webhook"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def message_sid() -> str:
    return "SM" + secrets.token_hex(16)


def call_sid() -> str:
    return "CA" + secrets.token_hex(16)


def signed_post(
    base_url: str,
    public_base_url: str,
    auth_token: str,
    path: str,
    params: Mapping[str, str],
    query: str = "",
    signature: Optional[str] = None,
    timeout: float = 30.0,
) -> httpx.Response:
    """POST ``params`` as Twilio does: form-encoded, signed over the public URL (+ query)."""
    public_url = f"{public_base_url}{path}" + (f"?{query}" if query else "")
    if signature is None:
        signature = RequestValidator(auth_token).compute_signature(public_url, dict(params))
    headers = {"X-Twilio-Signature": signature} if signature else {}
    url = f"{base_url}{path}" + (f"?{query}" if query else "")
    return httpx.post(url, data=dict(params), headers=headers, timeout=timeout)


@dataclass
class StubBot:
    """Answers like Rasa would: ``replies(text)`` → bot messages; optional delay."""

    replies: Callable[[str], List[Dict[str, Any]]] = lambda text: [{"text": f"You said: {text}"}]
    delay: float = 0.0
    received: List[Any] = field(default_factory=list)

    async def __call__(self, message: Any) -> None:
        self.received.append(message)
        if self.delay:
            await asyncio.sleep(self.delay)
        for reply in self.replies(message.text):
            await message.output_channel.send_response(message.sender_id, dict(reply))


class ChannelServer:
    """Both Twilio channels on a real Sanic server in a background thread."""

    def __init__(self, settings: Settings, bot: StubBot, turn_seconds: float = 10.0) -> None:
        upgrade(settings.database_url)
        self.settings = settings
        self.bot = bot
        self.services = TwilioServices.from_settings(settings)
        # One limiter for both channels, as in the server (fresh per test server: no counts carried over).
        self.limits = ChannelLimits.from_settings(settings)
        self.sms = TwilioSmsInput(self.services, limits=self.limits)
        self.voice = TwilioVoiceInput(self.services, turn_seconds=turn_seconds, limits=self.limits)
        self.port = free_port()
        # Several apps start in one process: Sanic's test mode keeps its start-up code rewriting repeatable.
        Sanic.test_mode = True
        self.app = Sanic(f"twilio_test_{uuid.uuid4().hex[:8]}")
        install_edge(self.app, settings)  # body caps, read timeouts, HSTS: as the Rasa server runs them
        self.app.blueprint(self.sms.blueprint(bot), url_prefix="/webhooks/twilio_sms")
        self.app.blueprint(self.voice.blueprint(bot), url_prefix="/webhooks/twilio_voice")
        self.loop = asyncio.new_event_loop()
        self._thread: Optional[threading.Thread] = None
        self._server: Any = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "ChannelServer":
        ready = threading.Event()

        def run() -> None:
            asyncio.set_event_loop(self.loop)
            self._server = self.loop.run_until_complete(
                self.app.create_server(host="127.0.0.1", port=self.port, return_asyncio_server=True, access_log=False)
            )
            self.loop.run_until_complete(self._server.startup())
            self.loop.run_until_complete(self._server.before_start())
            self.loop.run_until_complete(self._server.after_start())
            ready.set()
            self.loop.run_forever()

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()
        if not ready.wait(20):
            raise RuntimeError("test server did not start")
        return self

    def stop(self) -> None:
        async def close() -> None:
            self._server.close()
            await self._server.wait_closed()

        asyncio.run_coroutine_threadsafe(close(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        if self._thread:
            self._thread.join(10)
        self.services.database.dispose()

    def drain(self) -> None:
        """Wait until every background SMS turn has finished."""

        async def both() -> None:
            await self.sms.drain()
            await self.voice.drain()

        asyncio.run_coroutine_threadsafe(both(), self.loop).result(60)

    def post(
        self, path: str, params: Mapping[str, str], query: str = "", signature: Optional[str] = None
    ) -> httpx.Response:
        return signed_post(
            self.base_url,
            self.settings.public_base_url,
            self.settings.twilio_auth_token,
            path,
            params,
            query,
            signature,
        )

    def sms_from(self, phone: str, body: str, sid: Optional[str] = None) -> httpx.Response:
        params = {
            "MessageSid": sid or message_sid(),
            "AccountSid": self.settings.twilio_account_sid,
            "From": phone,
            "To": self.settings.twilio_number,
            "Body": body,
            "NumMedia": "0",
        }
        return self.post(SMS_PATH, params)

    def outbox(self, phone: str) -> List[str]:
        """SMS bodies sent to ``phone``, oldest first."""
        from bot.notify import MessageChannel, Outbox
        from bot.privacy.crypto import DataCipher

        outbox = Outbox(self.services.database, DataCipher(list(self.settings.data_keys)), self.services.indexer)
        return [m.body for m in reversed(outbox.list(channel=MessageChannel.SMS, to=phone, limit=1000))]

"""Play Twilio against the running stack: signed SMS and voice webhooks.

Requests are signed exactly as Twilio signs them (``RequestValidator`` over
``PUBLIC_BASE_URL`` + path + query and the form fields, with the stack's
``TWILIO_AUTH_TOKEN``).  SMS replies go out through the notifier, so in the
local profile they are read back from the outbox; voice replies are TwiML,
followed through ``<Gather action>`` and ``<Redirect>`` like Twilio would.
"""

from __future__ import annotations

import asyncio
import secrets
import time
import xml.etree.ElementTree as ET
from typing import Dict, List, Optional, Tuple
from urllib.parse import urlsplit

import httpx
from twilio.request_validator import RequestValidator

from tests.integration.stack import Stack

__all__ = ["channel_available", "for_stack", "SmsClient", "VoiceClient"]

PATHS = {"sms": "/webhooks/twilio_sms/webhook", "voice": "/webhooks/twilio_voice/webhook"}


def channel_available(stack: Stack, channel: str) -> bool:
    """True when the Rasa server serves this Twilio channel (an unsigned post is refused, not 404)."""
    try:
        reply = httpx.post(f"{stack.rasa_url}{PATHS[channel]}", data={"From": "+15005550006"}, timeout=10)
    except httpx.HTTPError:
        return False
    return reply.status_code in (400, 401, 403)


def _sid(prefix: str) -> str:
    return prefix + secrets.token_hex(16)


class _Signed:
    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.validator = RequestValidator(stack.settings.twilio_auth_token)

    def post(self, path_and_query: str, params: Dict[str, str]) -> httpx.Response:
        public = self.stack.settings.public_base_url + path_and_query
        signature = self.validator.compute_signature(public, params)
        return httpx.post(
            f"{self.stack.rasa_url}{path_and_query}", data=params, headers={"X-Twilio-Signature": signature}, timeout=60
        )


class SmsClient(_Signed):
    """One phone texting the assistant; replies are read from the local outbox."""

    def __init__(self, stack: Stack, phone: str) -> None:
        super().__init__(stack)
        self.phone = phone
        self.conversation_id = self._pseudonym()
        self._seen: set = set()

    def _pseudonym(self) -> str:
        from bot.privacy.crypto import Indexer

        return Indexer(self.stack.settings.index_key).pseudonym("sms", self.phone)

    def _outbox(self) -> List[Tuple[str, str]]:
        from bot.notify.outbox import Outbox
        from bot.privacy.crypto import DataCipher, Indexer
        from bot.storage.db import init_db

        database = init_db(self.stack.settings)
        try:
            outbox = Outbox(
                database, DataCipher(list(self.stack.settings.data_keys)), Indexer(self.stack.settings.index_key)
            )
            return [(m.id, m.body or "") for m in outbox.list(limit=50, to=self.phone)]
        finally:
            database.dispose()

    async def say(self, text: str, timeout: float = 90.0, quiet: float = 2.0) -> str:
        self._seen.update(i for i, _ in await asyncio.to_thread(self._outbox))
        params = {
            "MessageSid": _sid("SM"),
            "AccountSid": self.stack.settings.twilio_account_sid,
            "From": self.phone,
            "To": self.stack.settings.twilio_number,
            "Body": text,
            "NumMedia": "0",
        }
        reply = await asyncio.to_thread(self.post, PATHS["sms"], params)
        reply.raise_for_status()
        deadline = time.monotonic() + timeout
        bodies: List[str] = []
        last_new = None
        while time.monotonic() < deadline:
            for message_id, body in reversed(await asyncio.to_thread(self._outbox)):
                if message_id not in self._seen:
                    self._seen.add(message_id)
                    bodies.append(body)
                    last_new = time.monotonic()
            if bodies and last_new is not None and time.monotonic() - last_new >= quiet:
                break
            await asyncio.sleep(0.3)
        return "\n".join(bodies)


class VoiceClient(_Signed):
    """One call: the caller's utterances go to the last ``<Gather action>``."""

    def __init__(self, stack: Stack, phone: str) -> None:
        super().__init__(stack)
        self.phone = phone
        self.call_sid = _sid("CA")
        self.gather_url: Optional[str] = None
        from bot.channels.twilio_voice import call_conversation_id
        from bot.privacy.crypto import Indexer

        self.conversation_id = call_conversation_id(Indexer(stack.settings.index_key), self.call_sid)

    def _params(self, **extra: str) -> Dict[str, str]:
        params = {
            "CallSid": self.call_sid,
            "AccountSid": self.stack.settings.twilio_account_sid,
            "From": self.phone,
            "To": self.stack.settings.twilio_number,
            "CallStatus": "in-progress",
        }
        params.update(extra)
        return params

    def _local(self, url: str) -> str:
        parts = urlsplit(url)
        return parts.path + (f"?{parts.query}" if parts.query else "")

    def _follow(self, path_and_query: str, params: Dict[str, str]) -> str:
        """Post, then follow redirects until a Gather or Hangup; returns everything said."""
        said: List[str] = []
        for _ in range(20):
            reply = self.post(path_and_query, params)
            reply.raise_for_status()
            root = ET.fromstring(reply.text)
            redirect = None
            self.gather_url = None
            for element in root.iter():
                if element.tag == "Say" and element.text:
                    said.append(element.text)
                elif element.tag == "Gather":
                    self.gather_url = self._local(element.attrib.get("action", PATHS["voice"]))
                elif element.tag == "Redirect" and element.text:
                    redirect = self._local(element.text.strip())
            if redirect is None or self.gather_url is not None:
                break  # a Gather waits for the caller; its trailing Redirect is only for silence
            path_and_query, params = redirect, self._params()
        return "\n".join(said)

    async def start(self) -> str:
        return await asyncio.to_thread(self._follow, PATHS["voice"], self._params(CallStatus="ringing"))

    async def say(self, text: str) -> str:
        if self.gather_url is None:
            await self.start()
        if self.gather_url is None:
            return ""
        return await asyncio.to_thread(self._follow, self.gather_url, self._params(SpeechResult=text, Confidence="0.9"))


def for_stack(stack: Stack, channel: str, phone: str):  # -> SmsClient | VoiceClient
    return SmsClient(stack, phone) if channel == "sms" else VoiceClient(stack, phone)

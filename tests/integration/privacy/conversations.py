"""Scripted conversations for the canary and lock tests: REST, web chat (socket.io), SMS, voice.

A flow is driven adaptively: after the opening message, each bot question is
answered from the canary (name, e-mail, phone, date of birth, …) by matching
keywords of the question, so the script follows the request flows as they
are written instead of hard-coding their order.  The one-time code is read
from the local outbox, so verified flows run to a ticket.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any, Awaitable, Callable, Dict, List, Optional, Sequence, Tuple

import httpx

from tests.integration.privacy.canaries import Canary
from tests.integration.stack import Stack

__all__ = ["FLOWS", "drive_flow", "WebChat", "rest_turn", "tracker", "outbox_code", "answer_for"]

#: Opening messages, one per flow (the request flows' NLU examples and a policy question).
FLOWS: Dict[str, str] = {
    "policy": "Do you record phone calls?",
    "deletion": "I want to delete my personal data",
    "access": "I want a copy of my personal data",
    "correction": "I want to correct my personal data",
    "stop_using": "I want you to stop using my personal data",
    "parental_deletion": "I want to delete my child's registration",
    "status": "check the status of my request",
    "escalation": "I want to talk to a person",
}

MAX_TURNS = 16
_CODE = re.compile(r"\b(\d{6})\b")


def answer_for(question: str, canary: Canary, code: Callable[[], str]) -> Optional[str]:
    """The canary's answer to a bot question, or None when the flow is over."""
    q = question.lower()
    rules: Sequence[Tuple[Sequence[str], Callable[[], str]]] = (
        (("6-digit code", "the code"), code),
        (("declaration",), lambda: "I declare this is true"),
        (("relationship to the child",), lambda: "parent"),
        (("child's full name",), lambda: f"{canary.first_name} {canary.last_name} junior"),
        (("did the child register",), lambda: f"junior.{canary.email}"),
        (("how old is the child",), lambda: "9"),
        (("e-mail address or mobile",), lambda: canary.email),
        (("full name",), lambda: canary.name),
        (("e-mail address", "email address"), lambda: canary.email),
        (("phone number",), lambda: canary.phone_national),
        (("date of birth",), lambda: canary.dob_words),
        (("postal code or an order number",), lambda: "skip"),
        (("categories of personal information",), lambda: "the categories"),
        (("which pieces of information",), lambda: f"my contact details, {canary.email}"),
        (("what is wrong",), lambda: "my phone number"),
        (("correct value",), lambda: canary.phone),
        (("marketing only",), lambda: "all use"),
        (("reference of your request",), lambda: "PD-7K3D-9QXM"),
        (
            (
                "if everything is right",
                "shall i",
                "is that right",
                "is this correct",
                "is everything correct",
                "submit",
                "confirm",
                "go ahead",
                "are you sure",
                "okay?",
            ),
            lambda: "yes",
        ),
    )
    for keywords, answer in rules:
        if any(keyword in q for keyword in keywords):
            return answer()
    return None


async def drive_flow(
    send: Callable[[str], Awaitable[str]], opening: str, canary: Canary, code: Callable[[], str]
) -> List[Tuple[str, str]]:
    """Run one flow: ``await send(text) -> bot text``; returns the (user, bot) turns."""
    turns: List[Tuple[str, str]] = []
    message: Optional[str] = opening
    while message is not None and len(turns) < MAX_TURNS:
        reply = await send(message)
        turns.append((message, reply))
        if [r for _, r in turns].count(reply) >= 3:
            break  # the bot keeps asking the same thing
        last_line = reply.strip().split("\n")[-1] if reply else ""
        message = answer_for(last_line, canary, code) or answer_for(reply, canary, code)
    return turns


def rest_turn(stack: Stack, sender: str, text: str) -> str:
    return stack.texts(sender, text)


def tracker(stack: Stack, conversation_id: str) -> Dict[str, Any]:
    reply = httpx.get(
        f"{stack.rasa_url}/conversations/{conversation_id}/tracker",
        params={"token": stack.settings.rasa_api_token},
        timeout=30,
    )
    reply.raise_for_status()
    return reply.json()


def outbox_code(stack: Stack, to: str, fallback: str) -> str:
    """The newest one-time code sent to ``to`` in the stack's local outbox."""
    try:
        from bot.notify.outbox import Outbox
        from bot.privacy.crypto import DataCipher, Indexer
        from bot.storage.db import init_db

        database = init_db(stack.settings)
        try:
            outbox = Outbox(database, DataCipher(list(stack.settings.data_keys)), Indexer(stack.settings.index_key))
            for message in outbox.list(limit=20, to=to):
                found = _CODE.search(message.body or "")
                if found:
                    return found.group(1)
        finally:
            database.dispose()
    except Exception:  # noqa: BLE001 - no outbox yet: a wrong code still exercises the flow
        return fallback
    return fallback


class WebChat:
    """A web chat client speaking Rasa's socket.io protocol to the guarded channel."""

    def __init__(self, stack: Stack) -> None:
        import socketio

        self.stack = stack
        self.sio = socketio.AsyncClient(reconnection=False)
        self.replies: "asyncio.Queue[Dict[str, Any]]" = asyncio.Queue()
        self.session_id: Optional[str] = None
        self._confirmed = asyncio.Event()

        @self.sio.on("session_confirm")
        async def _confirm(session_id: Any) -> None:
            self.session_id = session_id if isinstance(session_id, str) else (session_id or {}).get("session_id")
            self._confirmed.set()

        @self.sio.on("bot_uttered")
        async def _bot(data: Any) -> None:
            await self.replies.put(data if isinstance(data, dict) else {"text": str(data)})

    async def __aenter__(self) -> "WebChat":
        # Long-polling: python-engineio's websocket transport needs a newer aiohttp than Rasa pins.
        await self.sio.connect(self.stack.rasa_url, socketio_path="/socket.io", transports=["polling"], wait_timeout=30)
        await self.sio.emit("session_request", {"session_id": None})
        await asyncio.wait_for(self._confirmed.wait(), 30)
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.sio.disconnect()

    async def say(self, text: str, first_timeout: float = 90.0, quiet: float = 1.5) -> str:
        while not self.replies.empty():
            self.replies.get_nowait()
        await self.sio.emit("user_uttered", {"message": text, "session_id": self.session_id})
        texts = [str((await asyncio.wait_for(self.replies.get(), first_timeout)).get("text") or "")]
        while True:
            try:
                texts.append(str((await asyncio.wait_for(self.replies.get(), quiet)).get("text") or ""))
            except asyncio.TimeoutError:
                return "\n".join(t for t in texts if t)

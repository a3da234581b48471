"""Rasa's socket.io channel, guarded.

Rasa's own channel lets the browser pick any ``session_id`` — with session
persistence on, knowing someone's id means joining their conversation's room
and reading the bot's replies to them.  Here the server issues every session
id (random, with an HMAC tag); a client may only resume an id the server
issued, otherwise it gets a new one.  Messages are cleaned like every other
public input (no forced intents, bounded length), and client-sent metadata is ignored (the server adds only a keyed digest of the client address).
New sessions and messages are rate limited (:mod:`bot.channels.limits`); a
refused one gets a chat bubble saying when to try again.  A socket.io message
is capped at :data:`MAX_SOCKET_MESSAGE_BYTES` (engine.io's own buffer cap).
"""

from __future__ import annotations

import hmac
import inspect
import logging
import secrets
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOOutput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncServer

from bot.channels.guard import clean_user_text
from bot.channels.limits import ChannelLimits, LimitedChannel, retry_text
from bot.privacy.crypto import Indexer
from bot.settings import load_settings

logger = logging.getLogger(__name__)

#: One socket.io packet (a chat message is at most 5,000 characters: ≤ 20 KB of UTF-8 in JSON).
MAX_SOCKET_MESSAGE_BYTES = 64 * 1024


class SessionIds:
    """Issue and check server-signed web chat session ids: ``<random>.<tag>``."""

    def __init__(self, indexer: Indexer) -> None:
        self._indexer = indexer

    def issue(self) -> str:
        token = secrets.token_hex(16)
        return f"{token}.{self._indexer.digest('webchat-session', token)[:24]}"

    def is_valid(self, session_id: object) -> bool:
        if not isinstance(session_id, str) or session_id.count(".") != 1 or len(session_id) > 80:
            return False
        token, tag = session_id.split(".")
        return hmac.compare_digest(self._indexer.digest("webchat-session", token)[:24], tag)


class GuardedSocketIOInput(LimitedChannel, InputChannel):
    """Web chat over socket.io (Rasa's protocol: session_request/confirm, user_uttered, bot_uttered)."""

    @classmethod
    def name(cls) -> Text:
        return "socketio"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        credentials = credentials or {}
        return cls(
            credentials.get("user_message_evt", "user_uttered"),
            credentials.get("bot_message_evt", "bot_uttered"),
            credentials.get("socketio_path", "/socket.io"),
        )

    def __init__(
        self,
        user_message_evt: Text = "user_uttered",
        bot_message_evt: Text = "bot_uttered",
        socketio_path: Text = "/socket.io",
        session_ids: Optional[SessionIds] = None,
        limits: Optional[ChannelLimits] = None,
    ) -> None:
        self.user_message_evt = user_message_evt
        self.bot_message_evt = bot_message_evt
        self.socketio_path = socketio_path
        self.sio: Optional[AsyncServer] = None
        self._session_ids = session_ids
        self._limits = limits

    @property
    def session_ids(self) -> SessionIds:
        if self._session_ids is None:
            self._session_ids = SessionIds(Indexer(load_settings().index_key))
        return self._session_ids

    def get_output_channel(self) -> Optional[OutputChannel]:
        return SocketIOOutput(self.sio, self.bot_message_evt) if self.sio else None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        # Origins are not restricted here: the session id, not the origin, is the
        # capability, and socket.io over websocket is not subject to CORS anyway.
        sio = AsyncServer(async_mode="sanic", cors_allowed_origins=[], max_http_buffer_size=MAX_SOCKET_MESSAGE_BYTES)
        blueprint = SocketBlueprint(sio, self.socketio_path, "guarded_socketio_webhook", __name__)
        self.sio = sio
        sessions: Dict[str, str] = {}
        clients: Dict[str, Optional[str]] = {}

        @blueprint.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @sio.on("connect")
        async def connect(sid: Text, environ: Dict, auth: Optional[Dict] = None) -> bool:
            request = environ.get("sanic.request")
            peer = getattr(request, "ip", None)
            forwarded = request.headers.get("x-forwarded-for") if request is not None else None
            client = self.limits.client_of(peer, forwarded)
            if await self.limits.conversations_refused(self.name(), client):
                return False  # this client was already told (session_request) and may not hold more connections
            clients[sid] = client
            return True

        @sio.on("disconnect")
        async def disconnect(sid: Text) -> None:
            sessions.pop(sid, None)
            clients.pop(sid, None)

        async def refuse(sid: Text, refusal: Any) -> None:
            await sio.emit(self.bot_message_evt, {"text": retry_text(refusal)}, room=sid)

        @sio.on("session_request")
        async def session_request(sid: Text, data: Any = None) -> None:
            requested = data.get("session_id") if isinstance(data, dict) else None
            if isinstance(requested, str) and self.session_ids.is_valid(requested):
                session_id = requested
            else:
                refusal = await self.limits.admit_conversation(self.name(), clients.get(sid))
                if refusal is not None:
                    await refuse(sid, refusal)
                    await sio.disconnect(sid)
                    return
                session_id = self.session_ids.issue()
            sessions[sid] = session_id
            entered = sio.enter_room(sid, session_id)
            if inspect.isawaitable(entered):  # a coroutine in python-socketio >= 5.10: without await, no replies arrive
                await entered
            await sio.emit("session_confirm", session_id, room=sid)

        @sio.on(self.user_message_evt)
        async def handle_message(sid: Text, data: Any = None) -> None:
            session_id = sessions.get(sid)
            if session_id is None:
                await sio.emit(
                    self.bot_message_evt, {"text": "Your session expired — please reload the page."}, room=sid
                )
                return
            refusal = await self.limits.admit_message(self.name(), session_id, clients.get(sid))
            if refusal is not None:
                await refuse(sid, refusal)
                return
            text = clean_user_text(data.get("message") if isinstance(data, dict) else None)
            output = SocketIOOutput(sio, self.bot_message_evt)
            try:
                metadata = self.limits.client_metadata(clients.get(sid)) or None
                await on_new_message(
                    UserMessage(text, output, session_id, input_channel=self.name(), metadata=metadata)
                )
            except Exception as exc:  # noqa: BLE001 - tell the user, log the type only
                logger.error("web chat turn failed: %s", type(exc).__name__)
                await sio.emit(
                    self.bot_message_evt,
                    {
                        "text": "Sorry, something went wrong on our side and your message was not processed. Please try again."
                    },
                    room=session_id,
                )

        return blueprint

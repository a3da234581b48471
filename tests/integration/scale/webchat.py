"""A minimal web chat client: socket.io over a websocket, as our browser client talks.

python-engineio's own websocket transport needs a newer aiohttp than Rasa pins,
and long-polling through a load balancer would need sticky sessions, so this
speaks the Engine.IO v4 / Socket.IO v5 text protocol directly over
``websockets`` (already installed with Rasa): ``0`` open, ``40`` connect,
``42[event, data]`` events, ``2``/``3`` ping/pong.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any, Dict, List, Optional

import websockets

__all__ = ["WebChat"]


class WebChat:
    """One browser tab: ``async with WebChat(url) as chat: sid = await chat.start(); await chat.say(...)``."""

    def __init__(self, base_url: str, path: str = "/socket.io/") -> None:
        self.url = base_url.replace("http://", "ws://").rstrip("/") + path + "?EIO=4&transport=websocket"
        self.ws: Any = None
        self.events: asyncio.Queue = asyncio.Queue()
        self._reader: Optional[asyncio.Task] = None

    async def __aenter__(self) -> "WebChat":
        self.ws = await websockets.connect(self.url, open_timeout=30, max_size=2**20)
        opened = await asyncio.wait_for(self.ws.recv(), 30)
        if not opened.startswith("0"):
            raise ConnectionError("no Engine.IO open packet")
        await self.ws.send("40")
        while True:
            packet = await asyncio.wait_for(self.ws.recv(), 30)
            if packet.startswith("40"):
                break
            if packet == "2":
                await self.ws.send("3")
        self._reader = asyncio.create_task(self._read())
        return self

    async def __aexit__(self, *exc: Any) -> None:
        if self._reader:
            self._reader.cancel()
        await self.ws.close()

    async def _read(self) -> None:
        async for packet in self.ws:
            if packet == "2":
                await self.ws.send("3")
            elif packet.startswith("42"):
                name, *args = json.loads(packet[2:])
                await self.events.put((name, args[0] if args else None))

    async def emit(self, event: str, data: Any) -> None:
        await self.ws.send("42" + json.dumps([event, data]))

    async def next_event(self, name: str, timeout: float = 60) -> Any:
        while True:
            event, data = await asyncio.wait_for(self.events.get(), timeout)
            if event == name:
                return data

    async def start(self, session_id: Optional[str] = None, timeout: float = 30) -> str:
        """Ask for a session (resume ``session_id`` if given); returns the session id the server confirmed."""
        await self.emit("session_request", {"session_id": session_id} if session_id else {})
        return await self.next_event("session_confirm", timeout)

    async def say(self, message: str, session_id: str, quiet: float = 0.3, timeout: float = 60) -> List[Dict[str, Any]]:
        """Send a message; return the bot's messages (the first, and any that follow within ``quiet`` seconds)."""
        await self.emit("user_uttered", {"message": message, "session_id": session_id})
        replies = [await self.next_event("bot_uttered", timeout)]
        while True:
            try:
                replies.append(await self.next_event("bot_uttered", quiet))
            except asyncio.TimeoutError:
                return replies

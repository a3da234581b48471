"""Bounded request bodies for the whole web app: size, read time, and clients that leave.

uvicorn has no body-size cap and no body-read timeout: a client trickling one
byte a second into ``POST /console/login`` held a connection (and a task) for
as long as it liked, and a client that hung up mid-request made Starlette raise
``ClientDisconnect``, logged as an ERROR with a traceback.  This pure ASGI
middleware wraps ``receive`` for every HTTP request:

* the whole body must arrive within ``REQUEST_BODY_TIMEOUT`` seconds (default
  10) of the first read — otherwise ``408`` and the connection is closed;
* at most ``REQUEST_MAX_BYTES`` (default 1 MiB) are accepted — a declared
  ``Content-Length`` above it is refused with ``413`` before anything is read,
  a chunked body as soon as it passes the cap (``bodies.py`` applies the
  tighter 256 KiB cap of forms and JSON on top);
* a client that disconnects is logged at INFO, without a traceback.
"""

from __future__ import annotations

import logging
import time
from typing import Any, Awaitable, Callable, Dict, MutableMapping

from starlette.requests import ClientDisconnect

__all__ = ["RequestLimitsMiddleware"]

logger = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class _Refused(Exception):
    def __init__(self, status: int, text: str) -> None:
        super().__init__(text)
        self.status = status
        self.text = text


class RequestLimitsMiddleware:
    """See the module docstring.  ``max_bytes`` / ``body_timeout_s`` come from settings."""

    def __init__(self, app: ASGIApp, max_bytes: int, body_timeout_s: float) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.body_timeout_s = body_timeout_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        import asyncio

        declared = _content_length(scope)
        started: Dict[str, bool] = {"response": False}

        async def tracked_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                started["response"] = True
            await send(message)

        if declared is not None and declared > self.max_bytes:
            await self._refuse(tracked_send, started, _Refused(413, "request body too large"))
            return

        deadline = time.monotonic() + self.body_timeout_s
        received = 0
        body_done = False

        async def bounded_receive() -> Message:
            nonlocal received, body_done
            if body_done:
                return await receive()  # after the body: only http.disconnect, never timed
            remaining = deadline - time.monotonic()
            try:
                message = await asyncio.wait_for(receive(), timeout=max(remaining, 0.001))
            except asyncio.TimeoutError:
                raise _Refused(408, "request body not received in time") from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _Refused(413, "request body too large")
                if not message.get("more_body", False):
                    body_done = True
            return message

        try:
            await self.app(scope, bounded_receive, tracked_send)
        except _Refused as refused:
            logger.info("request refused: %s (%s %s)", refused.text, scope.get("method"), scope.get("path"))
            await self._refuse(tracked_send, started, refused)
        except ClientDisconnect:
            logger.info(
                "client disconnected before its request was complete (%s %s)", scope.get("method"), scope.get("path")
            )

    @staticmethod
    async def _refuse(send: Send, started: Dict[str, bool], refused: _Refused) -> None:
        if started["response"]:
            return  # too late for a status; the server closes the unfinished exchange
        body = refused.text.encode("utf-8")
        await send(
            {
                "type": "http.response.start",
                "status": refused.status,
                "headers": [
                    (b"content-type", b"text/plain; charset=utf-8"),
                    (b"content-length", str(len(body)).encode("ascii")),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def _content_length(scope: Scope) -> Any:
    for name, value in scope.get("headers") or ():
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None

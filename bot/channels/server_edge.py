"""The Rasa (Sanic) server's edge: bounded request bodies, read timeouts, HSTS.

Sanic 21.12 as Rasa configures it buffers up to 100 MB per request body, and
reads the body under Rasa's one-hour response timeout: a 20 MB REST message
was buffered and parsed, a trickled body held a connection for an hour, and
the Twilio webhooks' 64 KiB check ran only after Sanic had buffered the lot.
:func:`install` (a ``before_server_start`` listener) sets:

* ``REQUEST_MAX_SIZE`` = ``REQUEST_MAX_BYTES`` (default 1 MiB): a larger
  declared body is refused with 413 before any of it is read, a chunked one as
  it passes the cap;
* a per-route cap below that, declared on the route (``ctx_max_body=...``):
  the Twilio webhooks take at most 64 KiB, refused the same way;
* the whole body must arrive within ``REQUEST_BODY_TIMEOUT`` seconds (default
  10), else 408 and the connection is closed; headers within the same time
  (Sanic's ``REQUEST_TIMEOUT``); idle keep-alive connections close after
  ``KEEP_ALIVE_TIMEOUT`` (default 5 s);
* websocket messages (socket.io) at most 64 KiB (``WEBSOCKET_MAX_SIZE``);
* ``Strict-Transport-Security`` on every response when ``PUBLIC_BASE_URL`` is https.

The body checks live in :class:`BoundedRequest` (Sanic's documented hook for
custom body handling), so they hold for every route, Rasa's own included.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Optional

from sanic.exceptions import RequestTimeout
from sanic.request import Request

from bot.settings import Settings, load_settings

__all__ = ["BoundedRequest", "HSTS", "MAX_WEBSOCKET_BYTES", "install", "listener"]

logger = logging.getLogger(__name__)

HSTS = "max-age=31536000; includeSubDomains"
MAX_WEBSOCKET_BYTES = 64 * 1024


class BoundedRequest(Request):
    """A request whose body is read within a deadline and under its route's cap."""

    body_timeout_s: float = 10.0

    async def receive_body(self) -> None:
        stream: Any = self.stream
        if self.body or stream is None:
            return
        cap: Optional[int] = getattr(getattr(self.route, "ctx", None), "max_body", None) if self.route else None
        if cap is not None:
            stream.request_max_size = min(stream.request_max_size, cap)
        try:
            await asyncio.wait_for(super().receive_body(), timeout=self.body_timeout_s)
        except asyncio.TimeoutError:
            # Nothing more is read from this connection: answer 408 and close it.
            stream.keep_alive = False
            stream.request_body = None
            logger.info(
                "request refused: body not received within %s s (%s %s)", self.body_timeout_s, self.method, self.path
            )
            raise RequestTimeout("request body not received in time") from None


def install(app: Any, settings: Settings) -> None:
    """Apply the limits of the module docstring to a Sanic ``app`` (before it serves)."""
    app.config.REQUEST_MAX_SIZE = settings.request_max_bytes
    app.config.REQUEST_TIMEOUT = settings.request_body_timeout_s
    app.config.KEEP_ALIVE_TIMEOUT = settings.keep_alive_timeout_s
    app.config.WEBSOCKET_MAX_SIZE = MAX_WEBSOCKET_BYTES
    bounded = type("BoundedRequest", (BoundedRequest,), {"body_timeout_s": float(settings.request_body_timeout_s)})
    app.request_class = bounded
    if settings.public_base_url.lower().startswith("https://"):

        async def strict_transport_security(request: Request, response: Any) -> None:
            if response is not None:
                response.headers.setdefault("Strict-Transport-Security", HSTS)

        app.register_middleware(strict_transport_security, "response")


async def listener(app: Any, loop: Any) -> None:
    """``before_server_start`` listener for :func:`rasa.core.run.serve_application`."""
    install(app, load_settings())

"""Security headers on every response: CSP without inline script, no framing, no sniffing, HSTS over https.

A pure ASGI middleware (not Starlette's ``BaseHTTPMiddleware``, which runs the
app in a second task and turned a client that hung up into an ERROR traceback).

HSTS (``Strict-Transport-Security: max-age=31536000; includeSubDomains``, ASVS
14.4.5) is sent when the site is served over https: the public web origin
(``PUBLIC_WEB_ORIGIN``) or the Twilio-facing ``PUBLIC_BASE_URL`` is https, or
the request itself arrived over https (uvicorn sets the scheme from
``X-Forwarded-Proto`` of a trusted proxy).  Never over plain http: a browser
ignores it there, and ``localhost`` must stay reachable without TLS.
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable, List, MutableMapping, Tuple

from starlette.datastructures import MutableHeaders

from bot.settings import Settings

__all__ = ["HSTS", "SecurityHeadersMiddleware", "serves_https"]

HSTS = "max-age=31536000; includeSubDomains"

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


def serves_https(settings: Settings) -> bool:
    """The deployment's public URLs are https."""
    origins = (settings.public_web_origin, settings.public_base_url)
    return any(origin.strip().lower().startswith("https://") for origin in origins)


class SecurityHeadersMiddleware:
    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]], settings: Settings) -> None:
        self.app = app
        self.settings = settings
        self.always_hsts = serves_https(settings)

    def _headers(self, scope: Scope) -> List[Tuple[str, str]]:
        host = _hostname(scope)
        rasa = f"http://{host}:{self.settings.rasa_port} ws://{host}:{self.settings.rasa_port}"
        extra = self.settings.public_chat_socket_url
        headers = [
            (
                "Content-Security-Policy",
                "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                f"connect-src 'self' {rasa} {extra}; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
            ),
            ("X-Content-Type-Options", "nosniff"),
            ("X-Frame-Options", "DENY"),
            ("Referrer-Policy", "no-referrer"),
            ("Cache-Control", "no-store"),
        ]
        if self.always_hsts or scope.get("scheme") == "https":
            headers.append(("Strict-Transport-Security", HSTS))
        return headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = self._headers(scope)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in extra:
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _hostname(scope: Scope) -> str:
    for name, value in scope.get("headers") or ():
        if name == b"host":
            host = value.decode("latin-1")
            if host.startswith("["):  # [::1]:8000
                return host.split("]")[0] + "]"
            return host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    server = scope.get("server")
    return server[0] if server else "localhost"

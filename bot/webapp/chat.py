"""The web chat page at ``/``."""
from __future__ import annotations

from typing import List

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.settings import Settings
from bot.webapp.templating import templates


def socket_url(request: Request, settings: Settings) -> str:
    """Where the browser reaches Rasa's socket.io: configured, or Rasa's port on the page's own host."""
    configured = settings.public_chat_socket_url
    if configured:
        return configured
    return f"{request.url.scheme}://{request.url.hostname or 'localhost'}:{settings.rasa_port}"


def routes(settings: Settings) -> List[BaseRoute]:
    async def chat_page(request: Request) -> Response:
        return templates.TemplateResponse(
            request,
            "chat.html",
            {
                "socket_url": socket_url(request, settings),
                "retention_days": settings.conversation_retention_days,
            },
        )

    return [Route("/", chat_page)]

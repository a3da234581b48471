"""The web chat page at ``/``."""

from __future__ import annotations

from typing import List

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.company import current_profile
from bot.company import texts as company_texts
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
        profile = current_profile()  # read per page: a reloaded policy or company file shows at once
        return templates.TemplateResponse(
            request,
            "chat.html",
            {
                "socket_url": socket_url(request, settings),
                "retention_days": settings.conversation_retention_days,
                "chat_title": company_texts.chat_title(profile),
                "company_name": profile.display_name,
                "company_notice": company_texts.chat_notice(profile),
            },
        )

    return [Route("/", chat_page)]

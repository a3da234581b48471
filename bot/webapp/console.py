"""The agent console's routes at ``/console`` (server-rendered pages, no script).

The pages: sign-in and own account (:mod:`~bot.webapp.console_auth`), queue and
ticket (:mod:`~bot.webapp.console_tickets`, which documents the status codes),
admin (:mod:`~bot.webapp.console_admin`), search and reports
(:mod:`~bot.webapp.console_reports`); what they share is
:mod:`~bot.webapp.console_pages`.
"""

from __future__ import annotations

from typing import List

from starlette.routing import BaseRoute, Route

from bot.settings import Settings
from bot.webapp.console_admin import (
    admin_agent_create,
    admin_agent_disable,
    admin_agent_enable,
    admin_agent_password,
    admin_agents,
    admin_audit,
    admin_outbox,
)
from bot.webapp.console_auth import (
    account_page,
    account_password,
    account_token,
    account_token_revoke,
    console_root,
    login_page,
    login_submit,
    logout,
)
from bot.webapp.console_pages import PAGE_SIZE, STALE_MESSAGE, _base, _render, action, error_for, page
from bot.webapp.console_tickets import (
    claim,
    complete,
    export,
    extend,
    move,
    note,
    queue_page,
    reassign,
    reject,
    release,
    reply,
    request_documents,
    reveal,
    ticket_page,
)

# The pages live in console_auth / console_tickets / console_admin over console_pages;
# the shared helpers are re-exported for pages kept elsewhere (console_reports).
__all__ = ["routes", "PAGE_SIZE", "STALE_MESSAGE", "error_for", "page", "action", "_base", "_render"]


def routes(settings: Settings) -> List[BaseRoute]:
    ticket = "/console/tickets/{reference}"
    return [
        Route("/console", console_root),
        Route("/console/", console_root),
        Route("/console/login", login_page, methods=["GET"]),
        Route("/console/login", login_submit, methods=["POST"]),
        Route("/console/logout", logout, methods=["POST"]),
        Route("/console/queue", queue_page, methods=["GET"]),
        Route(ticket, ticket_page, methods=["GET"]),
        Route(ticket + "/claim", claim, methods=["POST"]),
        Route(ticket + "/release", release, methods=["POST"]),
        Route(ticket + "/note", note, methods=["POST"]),
        Route(ticket + "/reveal", reveal, methods=["POST"]),
        Route(ticket + "/reply", reply, methods=["POST"]),
        Route(ticket + "/request-documents", request_documents, methods=["POST"]),
        Route(ticket + "/extend", extend, methods=["POST"]),
        Route(ticket + "/move", move, methods=["POST"]),
        Route(ticket + "/complete", complete, methods=["POST"]),
        Route(ticket + "/reject", reject, methods=["POST"]),
        Route(ticket + "/export", export, methods=["POST"]),
        Route(ticket + "/reassign", reassign, methods=["POST"]),
        Route("/console/account", account_page, methods=["GET"]),
        Route("/console/account/password", account_password, methods=["POST"]),
        Route("/console/account/tokens", account_token, methods=["POST"]),
        Route("/console/account/tokens/{token_id}/revoke", account_token_revoke, methods=["POST"]),
        Route("/console/admin/agents", admin_agents, methods=["GET"]),
        Route("/console/admin/agents", admin_agent_create, methods=["POST"]),
        Route("/console/admin/agents/{username}/disable", admin_agent_disable, methods=["POST"]),
        Route("/console/admin/agents/{username}/enable", admin_agent_enable, methods=["POST"]),
        Route("/console/admin/agents/{username}/password", admin_agent_password, methods=["POST"]),
        Route("/console/admin/audit", admin_audit, methods=["GET"]),
        Route("/console/admin/outbox", admin_outbox, methods=["GET"]),
    ]

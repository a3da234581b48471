"""``/api/v1`` admin operations: agents and admins, the audit trails, the local outbox (admins only)."""

from __future__ import annotations

from typing import Any, Awaitable, Callable, Dict, List

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.console.account_types import AgentView
from bot.console.errors import InvalidAccountField
from bot.webapp.api_base import (
    PREFIX,
    body_field,
    event_json,
    in_thread,
    json_error,
    operation,
    query_int,
)
from bot.webapp.auth import ConsoleServices

__all__ = ["admin_routes"]


@operation(admin=True)
async def list_agents(request: Request, services: ConsoleServices, agent: AgentView) -> Response:
    agents = await in_thread(services.accounts.list_agents)
    return JSONResponse({"items": [a.to_json() for a in agents]})


@operation(admin=True, body=True)
async def create_agent(request: Request, services: ConsoleServices, agent: AgentView, data: Dict[str, Any]) -> Response:
    role = body_field(data, "role", str, required=False) or "agent"
    created = await in_thread(
        services.accounts.create_agent,
        body_field(data, "username", str),
        body_field(data, "password", str),
        role=role,
        actor=agent.actor,
    )
    return JSONResponse(created.to_json(), status_code=201)


def _set_disabled(disabled: bool) -> Callable[[Request], Awaitable[Response]]:
    @operation(admin=True)
    async def endpoint(request: Request, services: ConsoleServices, agent: AgentView) -> Response:
        username = request.path_params["username"]
        if disabled and username.strip().lower() == agent.username:
            raise InvalidAccountField("username", "you cannot disable your own account")
        updated = await in_thread(services.accounts.set_disabled, username, disabled, actor=agent.actor)
        return JSONResponse(updated.to_json())

    return endpoint


@operation(admin=True)
async def account_events(request: Request, services: ConsoleServices, agent: AgentView) -> Response:
    limit = query_int(request, "limit", 100, 1, 500)
    offset = query_int(request, "offset", 0, 0, 1_000_000)
    events, total = await in_thread(services.accounts.account_events, limit=limit, offset=offset)
    return JSONResponse({"items": [e.to_json() for e in events], "total": total})


@operation(admin=True)
async def audit_events(request: Request, services: ConsoleServices, agent: AgentView) -> Response:
    limit = query_int(request, "limit", 100, 1, 1000)
    before = query_int(request, "before_id", 0, 1, 2**62) if request.query_params.get("before_id") else None
    events = await in_thread(services.tickets.audit_log, limit=limit, before_id=before)
    return JSONResponse(
        {"items": [event_json(e) for e in events], "next_before_id": events[-1].id if len(events) == limit else None}
    )


@operation(admin=True)
async def outbox(request: Request, services: ConsoleServices, agent: AgentView) -> Response:
    if services.outbox is None:
        return json_error(404, "not_found", "the outbox exists only in the local profile")
    limit = query_int(request, "limit", 50, 1, 1000)
    messages = await in_thread(services.outbox.list, limit=limit)
    return JSONResponse({"items": [m.to_json() for m in messages]})


def admin_routes() -> List[Route]:
    return [
        Route(PREFIX + "/agents", list_agents, methods=["GET"]),
        Route(PREFIX + "/agents", create_agent, methods=["POST"]),
        Route(PREFIX + "/agents/{username}/disable", _set_disabled(True), methods=["POST"]),
        Route(PREFIX + "/agents/{username}/enable", _set_disabled(False), methods=["POST"]),
        Route(PREFIX + "/account-events", account_events, methods=["GET"]),
        Route(PREFIX + "/audit-events", audit_events, methods=["GET"]),
        Route(PREFIX + "/outbox", outbox, methods=["GET"]),
    ]

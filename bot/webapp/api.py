"""The JSON API under ``/api/v1``: the console's operations for scripts and integrations.

Auth: ``Authorization: Bearer <token>`` with a per-agent token (``privacy-desk
agents token NAME`` or the console's account page).  No or bad token → 401;
an agent's token on an admin operation → 403.  Rate limits (per token, and per
client address for failed authentication; :mod:`bot.webapp.ratelimit`) → 429
with ``Retry-After``.  Errors are
``{"error": code, "message": text}`` (plus ``holder`` / ``current_version`` /
``field`` where useful) with the status codes of :func:`error_response`.
The OpenAPI 3 document is :mod:`bot.webapp.openapi` (served at ``/api/v1/openapi.json``).
This module holds the ticket operations and puts the routes together; the shared
plumbing is :mod:`bot.webapp.api_base`, the admin operations :mod:`bot.webapp.api_admin`.
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable, Dict, List, Optional

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Match, Route

from bot.console.account_types import AgentView
from bot.privacy.masking import mask_text
from bot.settings import Settings
from bot.tickets import Channel, InvalidField, Kind, Status, TicketView
from bot.tickets.service import MAX_PAGE_SIZE
from bot.webapp.api_admin import admin_routes
from bot.webapp.api_base import (
    PREFIX,
    body_field,
    error_response,
    event_json,
    in_thread,
    json_error,
    note_json,
    operation,
    path_reference,
    query_enum,
    query_int,
    queue_page_json,
    ticket_json,
)
from bot.webapp.auth import ConsoleServices
from bot.webapp.openapi import openapi_document

__all__ = ["routes", "ticket_json", "queue_page_json", "error_response"]


# --------------------------------------------------------------------------- operations


async def openapi_json(request: Request) -> Response:
    return JSONResponse(openapi_document())


def _fallback(api_routes: List[Route]) -> Callable[[Request], Awaitable[Response]]:
    """JSON answers for what no operation matched: 405 (with ``Allow``) for a known path, else 404."""

    async def endpoint(request: Request) -> Response:
        allowed = set()
        for route in api_routes:
            match, _ = route.matches({**request.scope, "method": "__none__"})
            if match is not Match.NONE and route.methods:
                allowed |= route.methods
        if allowed:
            response = json_error(405, "method_not_allowed", "method not allowed on this path")
            response.headers["Allow"] = ", ".join(sorted(allowed))
            return response
        return json_error(404, "not_found", "no such API path")

    return endpoint


@operation()
async def me(request: Request, services: ConsoleServices, agent: AgentView) -> Response:
    return JSONResponse(agent.to_json())


@operation()
async def list_tickets(request: Request, services: ConsoleServices, agent: AgentView) -> Response:
    query: Dict[str, Any] = {
        "limit": query_int(request, "limit", 50, 1, MAX_PAGE_SIZE),
        "offset": query_int(request, "offset", 0, 0, 1_000_000),
    }
    cursor = request.query_params.get("cursor")
    if cursor:
        query["after"] = cursor
    for name, enum_type, key in (
        ("kind", Kind, "kinds"),
        ("status", Status, "statuses"),
        ("channel", Channel, "channels"),
    ):
        value = query_enum(request, name, enum_type)
        if value is not None:
            query[key] = [value]
    assigned = request.query_params.get("assigned") or "any"
    if assigned not in ("any", "mine", "unassigned"):
        raise InvalidField("assigned", "must be one of any, mine, unassigned")
    if assigned == "mine":
        query["assignee"] = agent.actor
    elif assigned == "unassigned":
        query["unassigned"] = True
    page = await in_thread(services.tickets.list_queue, **query)
    return JSONResponse(queue_page_json(page))


def _detail(services: ConsoleServices, reference: str) -> Dict[str, Any]:
    tickets = services.tickets
    view = tickets.get_by_reference(reference)
    transcript = tickets.transcript(view.reference)
    return {
        "ticket": ticket_json(view),
        "notes": [note_json(n) for n in tickets.notes(view.reference)],
        "history": [event_json(e) for e in tickets.history(view.reference)],
        "transcript": mask_text(transcript) if transcript else None,
        "extension_reason": tickets.extension_reason(view.reference) if view.extension_count else None,
    }


@operation()
async def get_ticket(request: Request, services: ConsoleServices, agent: AgentView) -> Response:
    return JSONResponse(await in_thread(_detail, services, path_reference(request)))


def _optional_version(data: Dict[str, Any]) -> Optional[int]:
    return body_field(data, "expected_version", int, required=False)


@operation(body=True, allow_empty=True)
async def claim(request: Request, services: ConsoleServices, agent: AgentView, data: Dict[str, Any]) -> Response:
    view = await in_thread(services.work.claim, path_reference(request), agent, _optional_version(data))
    return JSONResponse(ticket_json(view))


@operation(body=True, allow_empty=True)
async def release(request: Request, services: ConsoleServices, agent: AgentView, data: Dict[str, Any]) -> Response:
    view = await in_thread(services.work.release, path_reference(request), agent, _optional_version(data))
    return JSONResponse(ticket_json(view))


@operation(body=True)
async def add_note(request: Request, services: ConsoleServices, agent: AgentView, data: Dict[str, Any]) -> Response:
    note = await in_thread(services.work.add_note, path_reference(request), agent, body_field(data, "body", str))
    return JSONResponse(note_json(note), status_code=201)


@operation(body=True)
async def reveal(request: Request, services: ConsoleServices, agent: AgentView, data: Dict[str, Any]) -> Response:
    personal = await in_thread(services.work.reveal, path_reference(request), agent, body_field(data, "reason", str))
    return JSONResponse({"personal_data": personal})


@operation(body=True)
async def reply(request: Request, services: ConsoleServices, agent: AgentView, data: Dict[str, Any]) -> Response:
    result = await in_thread(
        services.work.reply,
        path_reference(request),
        agent,
        body_field(data, "message", str),
        body_field(data, "expected_version", int),
    )
    return JSONResponse(
        {
            "ticket": ticket_json(result.ticket),
            "note": note_json(result.note),
            "channel": result.channel,
            "delivery": result.delivery,
        }
    )


def _ticket_change(
    name: str, action: Callable[[Any], Callable[..., TicketView]], *text_fields: str, note: bool = False
) -> Callable[[Request], Awaitable[Response]]:
    """An operation that changes a ticket: ``action(work)(reference, agent, *texts, expected_version[, note])``.

    The body's text fields (``text_fields``, in order), ``expected_version`` and, with
    ``note``, an optional ``note`` are checked strictly; the answer is the ticket.
    """

    async def endpoint(request: Request, services: ConsoleServices, agent: AgentView, data: Dict[str, Any]) -> Response:
        args: List[Any] = [body_field(data, field, str) for field in text_fields]
        args.append(body_field(data, "expected_version", int))
        if note:
            args.append(body_field(data, "note", str, required=False))
        view = await in_thread(action(services.work), path_reference(request), agent, *args)
        return JSONResponse(ticket_json(view))

    endpoint.__name__ = endpoint.__qualname__ = name
    return operation(body=True)(endpoint)


request_documents = _ticket_change("request_documents", lambda work: work.request_documents)
extend = _ticket_change("extend", lambda work: work.extend, "reason")
transition = _ticket_change("transition", lambda work: work.move, "to")
complete = _ticket_change("complete", lambda work: work.complete, "outcome", note=True)
reject = _ticket_change("reject", lambda work: work.reject, "reason", note=True)


@operation(admin=True, body=True)
async def reassign(request: Request, services: ConsoleServices, agent: AgentView, data: Dict[str, Any]) -> Response:
    if "to" not in data:
        raise InvalidField("to", "is required (a username, or null for the queue)")
    target = data["to"]
    if target is not None and not isinstance(target, str):
        raise InvalidField("to", "must be a username or null")
    expected = body_field(data, "expected_version", int)

    def run() -> TicketView:
        to = services.accounts.get_agent(target) if target else None
        return services.work.reassign(path_reference(request), agent, to, expected)

    return JSONResponse(ticket_json(await run_in_threadpool(run)))


@operation()
async def export(request: Request, services: ConsoleServices, agent: AgentView) -> Response:
    return JSONResponse(await in_thread(services.work.export, path_reference(request), agent))


@operation()
async def ticket_history(request: Request, services: ConsoleServices, agent: AgentView) -> Response:
    events = await in_thread(services.tickets.history, path_reference(request))
    return JSONResponse({"items": [event_json(e) for e in events]})


def routes(settings: Settings) -> List[BaseRoute]:
    t = PREFIX + "/tickets/{reference}"
    api_routes = [
        Route(PREFIX + "/openapi.json", openapi_json, methods=["GET"]),
        Route(PREFIX + "/me", me, methods=["GET"]),
        Route(PREFIX + "/tickets", list_tickets, methods=["GET"]),
        Route(t, get_ticket, methods=["GET"]),
        Route(t + "/history", ticket_history, methods=["GET"]),
        Route(t + "/claim", claim, methods=["POST"]),
        Route(t + "/release", release, methods=["POST"]),
        Route(t + "/notes", add_note, methods=["POST"]),
        Route(t + "/reveal", reveal, methods=["POST"]),
        Route(t + "/reply", reply, methods=["POST"]),
        Route(t + "/request-documents", request_documents, methods=["POST"]),
        Route(t + "/extend", extend, methods=["POST"]),
        Route(t + "/transition", transition, methods=["POST"]),
        Route(t + "/complete", complete, methods=["POST"]),
        Route(t + "/reject", reject, methods=["POST"]),
        Route(t + "/export", export, methods=["POST"]),
        Route(t + "/reassign", reassign, methods=["POST"]),
        *admin_routes(),
    ]
    methods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"]
    return [*api_routes, Route(PREFIX + "/{rest:path}", _fallback(api_routes), methods=methods)]

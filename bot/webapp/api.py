"""The JSON API under ``/api/v1``: the console's operations for scripts and integrations.

Auth: ``Authorization: Bearer <token>`` with a per-agent token (``privacy-desk
agents token NAME`` or the console's account page).  No or bad token → 401;
an agent's token on an admin operation → 403.  Rate limits (per token, and per
client address for failed authentication; :mod:`bot.webapp.ratelimit`) → 429
with ``Retry-After``.  Errors are
``{"error": code, "message": text}`` (plus ``holder`` / ``current_version`` /
``field`` where useful) with the status codes of :func:`error_response`.
The OpenAPI 3 document is :mod:`bot.webapp.openapi` (served at ``/api/v1/openapi.json``).
"""

from __future__ import annotations

from functools import wraps
from typing import Any, Awaitable, Callable, Dict, List, Optional

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Match, Route

from bot.console.accounts import ROLE_ADMIN, AgentView
from bot.console.errors import ConsoleError, InvalidAccountField
from bot.privacy.masking import mask_text
from bot.settings import Settings
from bot.tickets import (
    AuditEventView,
    Channel,
    InvalidField,
    Kind,
    NoteView,
    QueuePage,
    Status,
    TicketError,
    TicketView,
)
from bot.tickets.service import MAX_PAGE_SIZE, DatabaseNotReady
from bot.webapp.auth import ConsoleServices, bearer_token, get_services
from bot.webapp.bodies import BadBody, BodyTooLarge, read_json
from bot.webapp.errors import describe
from bot.webapp.openapi import openapi_document
from bot.webapp.ratelimit import limits_for

__all__ = ["routes", "ticket_json", "queue_page_json", "error_response"]

PREFIX = "/api/v1"


def _iso(value: Any) -> Optional[str]:
    return value.isoformat() if value is not None else None


def ticket_json(view: TicketView) -> Dict[str, Any]:
    """The API's ticket object (no personal data), as documented in the OpenAPI ``Ticket`` schema."""
    return {
        "reference": view.reference,
        "kind": view.kind.value,
        "status": view.status.value,
        "channel": view.channel.value,
        "priority": view.priority.value,
        "jurisdiction": view.jurisdiction,
        "regime": view.regime,
        "received_at": view.received_at.isoformat(),
        "acknowledge_by": _iso(view.acknowledge_by),
        "acknowledged_at": _iso(view.acknowledged_at),
        "due_date": view.due_date.isoformat(),
        "extended_due_date": _iso(view.extended_due_date),
        "respond_by": view.respond_by.isoformat(),
        "extension_count": view.extension_count,
        "closed_at": _iso(view.closed_at),
        "verification": {
            "method": view.verification.method.value,
            "level": view.verification.level.value,
            "data_points": list(view.verification.data_points),
            "verified_at": _iso(view.verified_at),
        },
        "assignee": view.assignee,
        "claimed_at": _iso(view.claimed_at),
        "created_at": view.created_at.isoformat(),
        "updated_at": view.updated_at.isoformat(),
        "has_personal_data": view.has_personal_data,
        "has_transcript": view.has_transcript,
        "is_open": view.is_open,
        "allowed_transitions": [s.value for s in view.allowed_transitions],
        "version": view.version,
        "policy_version": view.policy_version,
    }


def note_json(note: NoteView) -> Dict[str, Any]:
    return {
        "id": note.id,
        "kind": note.kind.value,
        "author": note.author,
        "created_at": note.created_at.isoformat(),
        "body": note.body,
    }


def event_json(event: AuditEventView) -> Dict[str, Any]:
    return {
        "id": event.id,
        "at": event.at.isoformat(),
        "actor": event.actor,
        "action": event.action.value,
        "reference": event.reference,
        "from_status": event.from_status.value if event.from_status else None,
        "to_status": event.to_status.value if event.to_status else None,
        "reason_code": event.reason_code,
    }


def _error(status: int, code: str, message: str, **extra: Any) -> JSONResponse:
    headers = {"WWW-Authenticate": 'Bearer realm="privacy-desk"'} if status == 401 else None
    return JSONResponse({"error": code, "message": message, **extra}, status_code=status, headers=headers)


def rate_limited(retry_after: int) -> JSONResponse:
    """429: too many requests for this token, or too many failed authentications from this address."""
    response = _error(429, "rate_limited", f"too many requests; try again in {retry_after} s", retry_after=retry_after)
    response.headers["Retry-After"] = str(retry_after)
    return response


def error_response(exc: Exception) -> JSONResponse:
    """Map a domain error to its documented status and body (:mod:`bot.webapp.errors`); re-raise others."""
    problem = describe(exc)
    if problem is None or not problem.api:
        raise exc
    return _error(problem.status, problem.code, problem.message, **problem.extra)


Endpoint = Callable[..., Awaitable[Response]]


def operation(
    *, admin: bool = False, body: bool = False, allow_empty: bool = False
) -> Callable[[Endpoint], Callable[[Request], Awaitable[Response]]]:
    """Bearer auth (401), admin check (403), bounded JSON body (400/413), domain errors → status codes."""

    def decorate(handler: Endpoint) -> Callable[[Request], Awaitable[Response]]:
        @wraps(handler)
        async def endpoint(request: Request) -> Response:
            try:
                services = await get_services(request)
            except DatabaseNotReady as exc:
                return error_response(exc)
            limits = limits_for(request.app.state, services.settings)
            outcome = await run_in_threadpool(
                limits.authenticate,
                services.accounts.authenticate_token,
                bearer_token(request),
                request.client.host if request.client else "",
            )
            if outcome.limited:
                return rate_limited(outcome.retry_after or 1)
            agent = outcome.agent
            if agent is None:
                return _error(401, "unauthorized", "a valid API token is required (Authorization: Bearer ...)")
            if admin and agent.role != ROLE_ADMIN:
                return _error(403, "forbidden", "this operation is for admins")
            args: List[Any] = [request, services, agent]
            if body:
                try:
                    args.append(await read_json(request, allow_empty=allow_empty))
                except BodyTooLarge:
                    return _error(413, "too_large", "the request body is larger than 256 KiB")
                except BadBody as exc:
                    return _error(400, "bad_request", str(exc))
            try:
                return await handler(*args)
            except (TicketError, ConsoleError) as exc:
                return error_response(exc)

        return endpoint

    return decorate


# --------------------------------------------------------------------------- strict body fields


def _field(data: Dict[str, Any], name: str, kind: type, *, required: bool = True) -> Any:
    if name not in data:
        if required:
            raise InvalidField(name, "is required")
        return None
    value = data[name]
    if value is None:
        raise InvalidField(name, "must not be null")
    if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
        raise InvalidField(name, "must be an integer")
    if kind is str and not isinstance(value, str):
        raise InvalidField(name, "must be a string")
    if kind is int and not 1 <= value <= 2**31 - 1:
        raise InvalidField(name, "must be a positive whole number")
    return value


def _query_int(request: Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InvalidField(name, "must be an integer") from None
    if not low <= value <= high:
        raise InvalidField(name, f"must be between {low} and {high}")
    return value


def _query_enum(request: Request, name: str, enum_type: Any) -> Optional[str]:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    try:
        return enum_type(raw).value
    except ValueError:
        raise InvalidField(name, f"must be one of {', '.join(m.value for m in enum_type)}") from None


def _ref(request: Request) -> str:
    return request.path_params["reference"]


async def _call(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    return await run_in_threadpool(lambda: fn(*args, **kwargs))


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
            response = _error(405, "method_not_allowed", "method not allowed on this path")
            response.headers["Allow"] = ", ".join(sorted(allowed))
            return response
        return _error(404, "not_found", "no such API path")

    return endpoint


@operation()
async def me(request: Request, services: ConsoleServices, agent: AgentView) -> Response:
    return JSONResponse(agent.to_json())


@operation()
async def list_tickets(request: Request, services: ConsoleServices, agent: AgentView) -> Response:
    query: Dict[str, Any] = {
        "limit": _query_int(request, "limit", 50, 1, MAX_PAGE_SIZE),
        "offset": _query_int(request, "offset", 0, 0, 1_000_000),
    }
    cursor = request.query_params.get("cursor")
    if cursor:
        query["after"] = cursor
    for name, enum_type, key in (
        ("kind", Kind, "kinds"),
        ("status", Status, "statuses"),
        ("channel", Channel, "channels"),
    ):
        value = _query_enum(request, name, enum_type)
        if value is not None:
            query[key] = [value]
    assigned = request.query_params.get("assigned") or "any"
    if assigned not in ("any", "mine", "unassigned"):
        raise InvalidField("assigned", "must be one of any, mine, unassigned")
    if assigned == "mine":
        query["assignee"] = agent.actor
    elif assigned == "unassigned":
        query["unassigned"] = True
    page = await _call(services.tickets.list_queue, **query)
    return JSONResponse(queue_page_json(page))


def queue_page_json(page: QueuePage) -> Dict[str, Any]:
    """A page of tickets as the OpenAPI ``QueuePage`` (the queue's and the search's)."""
    return {
        "items": [ticket_json(t) for t in page.items],
        "total": page.total,
        "limit": page.limit,
        "offset": page.offset,
        "next_offset": page.next_offset,
        "next_cursor": page.next_cursor,
        "counts_by_status": dict(page.counts_by_status),
    }


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
    return JSONResponse(await _call(_detail, services, _ref(request)))


def _optional_version(data: Dict[str, Any]) -> Optional[int]:
    return _field(data, "expected_version", int, required=False)


@operation(body=True, allow_empty=True)
async def claim(request: Request, services: ConsoleServices, agent: AgentView, data: Dict[str, Any]) -> Response:
    view = await _call(services.work.claim, _ref(request), agent, _optional_version(data))
    return JSONResponse(ticket_json(view))


@operation(body=True, allow_empty=True)
async def release(request: Request, services: ConsoleServices, agent: AgentView, data: Dict[str, Any]) -> Response:
    view = await _call(services.work.release, _ref(request), agent, _optional_version(data))
    return JSONResponse(ticket_json(view))


@operation(body=True)
async def add_note(request: Request, services: ConsoleServices, agent: AgentView, data: Dict[str, Any]) -> Response:
    note = await _call(services.work.add_note, _ref(request), agent, _field(data, "body", str))
    return JSONResponse(note_json(note), status_code=201)


@operation(body=True)
async def reveal(request: Request, services: ConsoleServices, agent: AgentView, data: Dict[str, Any]) -> Response:
    personal = await _call(services.work.reveal, _ref(request), agent, _field(data, "reason", str))
    return JSONResponse({"personal_data": personal})


@operation(body=True)
async def reply(request: Request, services: ConsoleServices, agent: AgentView, data: Dict[str, Any]) -> Response:
    result = await _call(
        services.work.reply, _ref(request), agent, _field(data, "message", str), _field(data, "expected_version", int)
    )
    return JSONResponse(
        {
            "ticket": ticket_json(result.ticket),
            "note": note_json(result.note),
            "channel": result.channel,
            "delivery": result.delivery,
        }
    )


@operation(body=True)
async def request_documents(
    request: Request, services: ConsoleServices, agent: AgentView, data: Dict[str, Any]
) -> Response:
    view = await _call(services.work.request_documents, _ref(request), agent, _field(data, "expected_version", int))
    return JSONResponse(ticket_json(view))


@operation(body=True)
async def extend(request: Request, services: ConsoleServices, agent: AgentView, data: Dict[str, Any]) -> Response:
    view = await _call(
        services.work.extend, _ref(request), agent, _field(data, "reason", str), _field(data, "expected_version", int)
    )
    return JSONResponse(ticket_json(view))


@operation(body=True)
async def transition(request: Request, services: ConsoleServices, agent: AgentView, data: Dict[str, Any]) -> Response:
    view = await _call(
        services.work.move, _ref(request), agent, _field(data, "to", str), _field(data, "expected_version", int)
    )
    return JSONResponse(ticket_json(view))


@operation(body=True)
async def complete(request: Request, services: ConsoleServices, agent: AgentView, data: Dict[str, Any]) -> Response:
    view = await _call(
        services.work.complete,
        _ref(request),
        agent,
        _field(data, "outcome", str),
        _field(data, "expected_version", int),
        _field(data, "note", str, required=False),
    )
    return JSONResponse(ticket_json(view))


@operation(body=True)
async def reject(request: Request, services: ConsoleServices, agent: AgentView, data: Dict[str, Any]) -> Response:
    view = await _call(
        services.work.reject,
        _ref(request),
        agent,
        _field(data, "reason", str),
        _field(data, "expected_version", int),
        _field(data, "note", str, required=False),
    )
    return JSONResponse(ticket_json(view))


@operation(admin=True, body=True)
async def reassign(request: Request, services: ConsoleServices, agent: AgentView, data: Dict[str, Any]) -> Response:
    if "to" not in data:
        raise InvalidField("to", "is required (a username, or null for the queue)")
    target = data["to"]
    if target is not None and not isinstance(target, str):
        raise InvalidField("to", "must be a username or null")
    expected = _field(data, "expected_version", int)

    def run() -> TicketView:
        to = services.accounts.get_agent(target) if target else None
        return services.work.reassign(_ref(request), agent, to, expected)

    return JSONResponse(ticket_json(await run_in_threadpool(run)))


@operation()
async def export(request: Request, services: ConsoleServices, agent: AgentView) -> Response:
    return JSONResponse(await _call(services.work.export, _ref(request), agent))


@operation(admin=True)
async def list_agents(request: Request, services: ConsoleServices, agent: AgentView) -> Response:
    agents = await _call(services.accounts.list_agents)
    return JSONResponse({"items": [a.to_json() for a in agents]})


@operation(admin=True, body=True)
async def create_agent(request: Request, services: ConsoleServices, agent: AgentView, data: Dict[str, Any]) -> Response:
    role = _field(data, "role", str, required=False) or "agent"
    created = await _call(
        services.accounts.create_agent,
        _field(data, "username", str),
        _field(data, "password", str),
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
        updated = await _call(services.accounts.set_disabled, username, disabled, actor=agent.actor)
        return JSONResponse(updated.to_json())

    return endpoint


@operation(admin=True)
async def account_events(request: Request, services: ConsoleServices, agent: AgentView) -> Response:
    limit = _query_int(request, "limit", 100, 1, 500)
    offset = _query_int(request, "offset", 0, 0, 1_000_000)
    events, total = await _call(services.accounts.account_events, limit=limit, offset=offset)
    return JSONResponse({"items": [e.to_json() for e in events], "total": total})


@operation(admin=True)
async def audit_events(request: Request, services: ConsoleServices, agent: AgentView) -> Response:
    limit = _query_int(request, "limit", 100, 1, 1000)
    before = _query_int(request, "before_id", 0, 1, 2**62) if request.query_params.get("before_id") else None
    events = await _call(services.tickets.audit_log, limit=limit, before_id=before)
    return JSONResponse(
        {"items": [event_json(e) for e in events], "next_before_id": events[-1].id if len(events) == limit else None}
    )


@operation()
async def ticket_history(request: Request, services: ConsoleServices, agent: AgentView) -> Response:
    events = await _call(services.tickets.history, _ref(request))
    return JSONResponse({"items": [event_json(e) for e in events]})


@operation(admin=True)
async def outbox(request: Request, services: ConsoleServices, agent: AgentView) -> Response:
    if services.outbox is None:
        return _error(404, "not_found", "the outbox exists only in the local profile")
    limit = _query_int(request, "limit", 50, 1, 1000)
    messages = await _call(services.outbox.list, limit=limit)
    return JSONResponse({"items": [m.to_json() for m in messages]})


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
        Route(PREFIX + "/agents", list_agents, methods=["GET"]),
        Route(PREFIX + "/agents", create_agent, methods=["POST"]),
        Route(PREFIX + "/agents/{username}/disable", _set_disabled(True), methods=["POST"]),
        Route(PREFIX + "/agents/{username}/enable", _set_disabled(False), methods=["POST"]),
        Route(PREFIX + "/account-events", account_events, methods=["GET"]),
        Route(PREFIX + "/audit-events", audit_events, methods=["GET"]),
        Route(PREFIX + "/outbox", outbox, methods=["GET"]),
    ]
    methods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"]
    return [*api_routes, Route(PREFIX + "/{rest:path}", _fallback(api_routes), methods=methods)]

"""The plumbing every ``/api/v1`` operation shares: JSON shapes, errors, authentication, strict inputs.

:func:`operation` wraps an endpoint with bearer authentication (401), the admin check
(403), the rate limits (429, :mod:`bot.webapp.ratelimit`), a bounded JSON body
(400/413) and the error table (:func:`error_response`).  The operations live by area:
tickets in :mod:`bot.webapp.api`, admin in :mod:`bot.webapp.api_admin`, search and
reports in :mod:`bot.webapp.api_reports`.
"""

from __future__ import annotations

from functools import wraps
from typing import Any, Awaitable, Callable, Dict, List, Optional

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from bot.console.account_types import ROLE_ADMIN
from bot.console.errors import ConsoleError
from bot.tickets import (
    AuditEventView,
    InvalidField,
    NoteView,
    QueuePage,
    TicketError,
    TicketView,
)
from bot.tickets.service import DatabaseNotReady
from bot.webapp.auth import bearer_token, get_services
from bot.webapp.bodies import BadBody, BodyTooLarge, read_json
from bot.webapp.errors import describe
from bot.webapp.ratelimit import limits_for

__all__ = [
    "PREFIX",
    "Endpoint",
    "body_field",
    "error_response",
    "event_json",
    "in_thread",
    "json_error",
    "note_json",
    "operation",
    "path_reference",
    "query_enum",
    "query_int",
    "queue_page_json",
    "rate_limited",
    "ticket_json",
]

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


def json_error(status: int, code: str, message: str, **extra: Any) -> JSONResponse:
    headers = {"WWW-Authenticate": 'Bearer realm="privacy-desk"'} if status == 401 else None
    return JSONResponse({"error": code, "message": message, **extra}, status_code=status, headers=headers)


def rate_limited(retry_after: int) -> JSONResponse:
    """429: too many requests for this token, or too many failed authentications from this address."""
    response = json_error(
        429, "rate_limited", f"too many requests; try again in {retry_after} s", retry_after=retry_after
    )
    response.headers["Retry-After"] = str(retry_after)
    return response


def error_response(exc: Exception) -> JSONResponse:
    """Map a domain error to its documented status and body (:mod:`bot.webapp.errors`); re-raise others."""
    problem = describe(exc)
    if problem is None or not problem.api:
        raise exc
    return json_error(problem.status, problem.code, problem.message, **problem.extra)


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
                return json_error(401, "unauthorized", "a valid API token is required (Authorization: Bearer ...)")
            if admin and agent.role != ROLE_ADMIN:
                return json_error(403, "forbidden", "this operation is for admins")
            args: List[Any] = [request, services, agent]
            if body:
                try:
                    args.append(await read_json(request, allow_empty=allow_empty))
                except BodyTooLarge:
                    return json_error(413, "too_large", "the request body is larger than 256 KiB")
                except BadBody as exc:
                    return json_error(400, "bad_request", str(exc))
            try:
                return await handler(*args)
            except (TicketError, ConsoleError) as exc:
                return error_response(exc)

        return endpoint

    return decorate


# --------------------------------------------------------------------------- strict inputs


def body_field(data: Dict[str, Any], name: str, kind: type, *, required: bool = True) -> Any:
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


def query_int(request: Request, name: str, default: int, low: int, high: int) -> int:
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


def query_enum(request: Request, name: str, enum_type: Any) -> Optional[str]:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    try:
        return enum_type(raw).value
    except ValueError:
        raise InvalidField(name, f"must be one of {', '.join(m.value for m in enum_type)}") from None


def path_reference(request: Request) -> str:
    return request.path_params["reference"]


async def in_thread(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    return await run_in_threadpool(lambda: fn(*args, **kwargs))


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

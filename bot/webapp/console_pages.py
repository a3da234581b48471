"""What every console page shares: the ``page`` / ``action`` decorators (session,
CSRF, bounded body, admin check), rendering with the base context, the error
page, and the console's wording of domain errors (:func:`error_for`, from the
one table in :mod:`bot.webapp.errors`).
"""

from __future__ import annotations

from datetime import date
from functools import wraps
from typing import Any, Awaitable, Callable, Dict, Optional, Tuple, Union
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bot.console.account_types import ROLE_ADMIN, SessionView
from bot.console.dashboard import due_state
from bot.tickets.service import DatabaseNotReady
from bot.webapp import csrf
from bot.webapp.auth import ConsoleServices, current_session, get_services
from bot.webapp.bodies import BadBody, BodyTooLarge, read_form
from bot.webapp.errors import STALE_MESSAGE, describe, display_actor
from bot.webapp.templating import templates

__all__ = [
    "PAGE_SIZE",
    "STALE_MESSAGE",
    "DONE_MESSAGES",
    "Handler",
    "error_for",
    "page",
    "action",
    "display_actor",
    "due_class",
]

PAGE_SIZE = 25
DONE_MESSAGES = {
    "claimed": "You hold this ticket now.",
    "released": "Ticket released back to the queue.",
    "noted": "Note added.",
    "replied": "Reply sent to the requester and recorded.",
    "documents": "Documents requested from the requester.",
    "extended": "Deadline extended; the new due date is shown below.",
    "moved": "Status changed.",
    "completed": "Ticket completed.",
    "rejected": "Ticket rejected.",
    "reassigned": "Ticket reassigned.",
    "password": "Password changed.",
    "revoked": "Token revoked.",
    "agent_created": "Agent created.",
    "agent_updated": "Agent updated.",
}

Handler = Callable[..., Awaitable[Response]]


def due_class(respond_by: date, today: date, is_open: bool = True) -> str:
    """The queue's marker class; the rule is the dashboard's and search's own (:func:`due_state`)."""
    state = due_state(respond_by, today, is_open)
    return f"due--{state}" if state else ""


#: History wording that would mislead if read literally: the assistant checking the contact a
#: requester gave on a status request reads the ticket's data, but nobody was shown anything.
_EVENT_LABELS = {
    ("bot", "personal_data_revealed", "verify_identity"): "contact checked for a status request",
}


def event_label(event: Any) -> str:
    """How the console names an audit event (``action`` in words, a few neutral special cases)."""
    action = event.action.value
    return _EVENT_LABELS.get((event.actor, action, event.reason_code), action.replace("_", " "))


templates.env.globals.update(display_actor=display_actor, due_class=due_class, event_label=event_label)


def error_for(exc: Exception) -> Tuple[int, str]:
    """HTTP status and a safe message (never personal data, never the input) for a domain error."""
    problem = describe(exc)
    if problem is None:
        return 500, "Something went wrong."
    return problem.status, problem.page


def _render(request: Request, name: str, context: Dict[str, Any], status_code: int = 200) -> Response:
    return templates.TemplateResponse(request, f"console/{name}", context, status_code=status_code)


def _base(request: Request, session: Optional[SessionView], **extra: Any) -> Dict[str, Any]:
    context: Dict[str, Any] = {
        "agent": session.agent if session else None,
        "csrf_token": session.csrf_token if session else "",
        "flash": DONE_MESSAGES.get(request.query_params.get("done", "")),
        "error": None,
        "path": request.url.path,
    }
    context.update(extra)
    return context


def _login_redirect(request: Request) -> Response:
    target = request.url.path
    if request.method == "GET" and request.url.query:
        target += "?" + request.url.query
    return RedirectResponse("/console/login?" + urlencode({"next": target}), status_code=303)


def _safe_next(value: Optional[str]) -> str:
    if (
        value
        and value.startswith("/console/")
        and not value.startswith("//")
        and "\\" not in value
        and "\n" not in value
    ):
        return value
    return "/console/queue"


def _plain_error(request: Request, session: Optional[SessionView], status: int, message: str) -> Response:
    return _render(request, "error.html", _base(request, session, error=message, status=status), status_code=status)


async def _signed_in(request: Request) -> Union[Response, Tuple[ConsoleServices, SessionView]]:
    """The services and the signed-in session, or the answer instead: the error page, or the login redirect."""
    try:
        services = await get_services(request)
        session = await current_session(request, services)
    except DatabaseNotReady as exc:
        status, message = error_for(exc)
        return _plain_error(request, None, status, message)
    if session is None:
        return _login_redirect(request)
    return services, session


def page(*, admin: bool = False) -> Callable[[Handler], Callable[[Request], Awaitable[Response]]]:
    """A GET page: needs a session (else redirect to login); ``admin`` pages → 403 for agents."""

    def decorate(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        @wraps(handler)
        async def endpoint(request: Request) -> Response:
            signed_in = await _signed_in(request)
            if isinstance(signed_in, Response):
                return signed_in
            services, session = signed_in
            if admin and session.agent.role != ROLE_ADMIN:
                return _plain_error(request, session, 403, "Only admins can open this page.")
            return await handler(request, services, session)

        return endpoint

    return decorate


def action(*, admin: bool = False) -> Callable[[Handler], Callable[[Request], Awaitable[Response]]]:
    """A POST form: needs a session (else redirect), a valid CSRF token (else 403), a bounded body (else 413)."""

    def decorate(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        @wraps(handler)
        async def endpoint(request: Request) -> Response:
            signed_in = await _signed_in(request)
            if isinstance(signed_in, Response):
                return signed_in
            services, session = signed_in
            try:
                form = await read_form(request)
            except BodyTooLarge:
                return _plain_error(request, session, 413, "That was too much text to submit at once (limit 256 KiB).")
            except BadBody:
                return _plain_error(request, session, 400, "The form could not be read.")
            if not csrf.tokens_match(session.csrf_token, form.get(csrf.FIELD)):
                return _plain_error(
                    request,
                    session,
                    403,
                    "This form expired or did not come from the console. Reload the page and try again.",
                )
            if admin and session.agent.role != ROLE_ADMIN:
                return _plain_error(request, session, 403, "Only admins can do that.")
            return await handler(request, services, session, form)

        return endpoint

    return decorate


async def _services_or_error(request: Request) -> Any:
    try:
        return await get_services(request)
    except DatabaseNotReady as exc:
        status, message = error_for(exc)
        return _plain_error(request, None, status, message)

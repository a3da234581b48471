"""The agent console at ``/console``: server-rendered pages (Jinja2, autoescaped, no script).

Every page needs a signed-in session (else: redirect to the login page); every
state-changing form is a POST carrying the session's CSRF token (else: 403).
Ticket actions redirect back to the ticket page on success (post/redirect/get);
on failure the page is shown again with the reason and a 4xx status:

* 404 unknown ticket, 409 claimed by someone else (who), not holding the
  ticket, not allowed in this status, ticket changed since the page loaded
  (stale form: nothing is written), 422 invalid or oversize input (notes: 10,000
  characters; replies: 1,600), 413 body over 256 KiB.

Personal data is only shown in the response to "Reveal" (audited, with a reason).
"""
from __future__ import annotations

import json
import logging
from datetime import date, timedelta
from functools import wraps
from typing import Any, Awaitable, Callable, Dict, List, Optional, Tuple
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.console.accounts import PASSWORD_MIN, ROLE_ADMIN, ROLE_AGENT, SessionView
from bot.console.errors import AccountLocked, AgentExists, AgentNotFound, ConsoleError, InvalidAccountField, InvalidCredentials, TokenNotFound
from bot.console.workflow import (
    COMPLETION_OUTCOMES,
    MOVES,
    NOTE_LIMIT,
    REJECTION_REASONS,
    REPLY_LIMIT,
    REVEAL_REASONS,
    DeliveryFailed,
    NotAdmin,
    NotHolder,
    NotificationUnavailable,
    ReplyNotAllowed,
    move_for,
)
from bot.privacy.masking import mask_text
from bot.settings import Settings
from bot.tickets import (
    AlreadyClaimed,
    Channel,
    ExtensionNotAllowed,
    FieldTooLong,
    InvalidField,
    InvalidTransition,
    Kind,
    NotClaimed,
    Status,
    TicketError,
    TicketNotFound,
    VersionConflict,
)
from bot.tickets.service import DatabaseNotReady
from bot.webapp import csrf
from bot.webapp.auth import (
    ConsoleServices,
    clear_session_cookie,
    current_session,
    get_services,
    is_secure,
    read_session_id,
    set_session_cookie,
)
from bot.webapp.bodies import BadBody, BodyTooLarge, read_form
from bot.webapp.templating import templates

__all__ = ["routes", "PAGE_SIZE", "STALE_MESSAGE", "error_for"]

log = logging.getLogger(__name__)

PAGE_SIZE = 25
STALE_MESSAGE = "This ticket changed since you loaded it. Nothing was saved: review the current state below and try again."
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


def display_actor(actor: Optional[str]) -> str:
    if not actor:
        return ""
    return actor.split(":", 1)[1] if actor.startswith("agent:") else actor


def due_class(respond_by: date, today: date, is_open: bool = True) -> str:
    if not is_open:
        return ""
    if respond_by < today:
        return "due--overdue"
    if respond_by <= today + timedelta(days=3):
        return "due--soon"
    return ""


templates.env.globals.update(display_actor=display_actor, due_class=due_class)


def error_for(exc: Exception) -> Tuple[int, str]:
    """HTTP status and a safe message (never personal data, never the input) for a domain error."""
    if isinstance(exc, TicketNotFound):
        return 404, "No ticket with that reference."
    if isinstance(exc, AlreadyClaimed):
        return 409, f"Already claimed by {display_actor(exc.holder)}."
    if isinstance(exc, NotClaimed):
        return 409, f"You do not hold this ticket{f'; {display_actor(exc.holder)} does' if exc.holder else ''}."
    if isinstance(exc, NotAdmin):
        return 403, "Only admins can do that."
    if isinstance(exc, NotHolder):
        return 409, (f"{display_actor(exc.holder)} holds this ticket." if exc.holder else "Claim the ticket before changing it.")
    if isinstance(exc, VersionConflict):
        return 409, STALE_MESSAGE
    if isinstance(exc, InvalidTransition):
        return 409, f"Not allowed while the ticket is {exc.current.replace('_', ' ')}."
    if isinstance(exc, ExtensionNotAllowed):
        return 409, f"No extension possible: {exc.problem}."
    if isinstance(exc, FieldTooLong):
        return 422, f"The {exc.field.replace('_', ' ')} is too long (at most {exc.limit:,} characters)."
    if isinstance(exc, InvalidField):
        return 422, f"{exc.field.replace('_', ' ').capitalize()}: {exc.problem}."
    if isinstance(exc, ReplyNotAllowed):
        return 409, f"Cannot contact the requester: {exc.problem}."
    if isinstance(exc, NotificationUnavailable):
        return 503, "Messaging is not configured; nothing was sent."
    if isinstance(exc, DeliveryFailed):
        return (409 if exc.status == "opted_out" else 502), f"The message was not sent ({exc.status.replace('_', ' ')}); nothing was recorded."
    if isinstance(exc, (AgentExists, AgentNotFound, InvalidAccountField, TokenNotFound, InvalidCredentials)):
        status = 404 if isinstance(exc, (AgentNotFound, TokenNotFound)) else 409 if isinstance(exc, AgentExists) else 422
        return status, str(exc).capitalize() + "."
    if isinstance(exc, DatabaseNotReady):
        return 503, "The ticket database is not ready (run privacy-desk migrate)."
    return 500, "Something went wrong."


# --------------------------------------------------------------------------- plumbing


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
    if value and value.startswith("/console/") and not value.startswith("//") and "\\" not in value and "\n" not in value:
        return value
    return "/console/queue"


def _plain_error(request: Request, session: Optional[SessionView], status: int, message: str) -> Response:
    return _render(request, "error.html", _base(request, session, error=message, status=status), status_code=status)


def page(*, admin: bool = False) -> Callable[[Handler], Callable[[Request], Awaitable[Response]]]:
    """A GET page: needs a session (else redirect to login); ``admin`` pages → 403 for agents."""

    def decorate(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        @wraps(handler)
        async def endpoint(request: Request) -> Response:
            try:
                services = await get_services(request)
                session = await current_session(request, services)
            except DatabaseNotReady as exc:
                status, message = error_for(exc)
                return _plain_error(request, None, status, message)
            if session is None:
                return _login_redirect(request)
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
            try:
                services = await get_services(request)
                session = await current_session(request, services)
            except DatabaseNotReady as exc:
                status, message = error_for(exc)
                return _plain_error(request, None, status, message)
            if session is None:
                return _login_redirect(request)
            try:
                form = await read_form(request)
            except BodyTooLarge:
                return _plain_error(request, session, 413, "That was too much text to submit at once (limit 256 KiB).")
            except BadBody:
                return _plain_error(request, session, 400, "The form could not be read.")
            if not csrf.tokens_match(session.csrf_token, form.get(csrf.FIELD)):
                return _plain_error(request, session, 403, "This form expired or did not come from the console. Reload the page and try again.")
            if admin and session.agent.role != ROLE_ADMIN:
                return _plain_error(request, session, 403, "Only admins can do that.")
            return await handler(request, services, session, form)

        return endpoint

    return decorate


# --------------------------------------------------------------------------- login / logout


async def _services_or_error(request: Request) -> Any:
    try:
        return await get_services(request)
    except DatabaseNotReady as exc:
        status, message = error_for(exc)
        return _plain_error(request, None, status, message)


async def login_page(request: Request) -> Response:
    services = await _services_or_error(request)
    if isinstance(services, Response):
        return services
    session = await current_session(request, services)
    if session is not None:
        return RedirectResponse(_safe_next(request.query_params.get("next")), status_code=303)
    return _login_form(request, services.settings, next_url=request.query_params.get("next"))


def _login_form(request: Request, settings: Settings, *, next_url: Optional[str] = None, error: Optional[str] = None,
                status_code: int = 200, username: str = "") -> Response:
    token = csrf.new_token()
    response = _render(
        request,
        "login.html",
        _base(request, None, login_csrf=token, next=_safe_next(next_url), error=error, username=username[:64]),
        status_code=status_code,
    )
    response.set_cookie(
        csrf.LOGIN_COOKIE, token, path="/console/login", httponly=True, samesite="strict", secure=is_secure(request, settings)
    )
    return response


def _throttle_client(request: Request) -> str:
    """The peer address for the per-address login limit; "" behind a local reverse proxy
    (a loopback peer is the proxy, shared by every agent: only the per-username limit applies)."""
    host = request.client.host if request.client else ""
    if host in ("127.0.0.1", "::1", "localhost", "testclient") or host.startswith("127."):
        return ""
    return host


async def login_submit(request: Request) -> Response:
    services = await _services_or_error(request)
    if isinstance(services, Response):
        return services
    settings = services.settings
    try:
        form = await read_form(request)
    except (BodyTooLarge, BadBody):
        return _login_form(request, settings, error="The form could not be read.", status_code=400)
    next_url = form.get("next")
    if not csrf.tokens_match(request.cookies.get(csrf.LOGIN_COOKIE), form.get(csrf.FIELD)):
        return _login_form(request, settings, next_url=next_url, error="The login form expired. Please try again.", status_code=403)
    username = form.get("username", "")
    client = _throttle_client(request)
    try:
        result = await run_in_threadpool(services.accounts.login, username, form.get("password", ""), client=client)
    except AccountLocked as exc:
        minutes = max(1, -(-exc.retry_after // 60))
        return _login_form(
            request, settings, next_url=next_url, username=username, status_code=429,
            error=f"Too many failed attempts. Try again in {minutes} minute{'s' if minutes != 1 else ''}.",
        )
    except InvalidCredentials:
        return _login_form(request, settings, next_url=next_url, username=username, status_code=401,
                           error="Wrong username or password.")
    old = read_session_id(request, settings)
    if old:
        await run_in_threadpool(services.accounts.logout, old)
    response = RedirectResponse(_safe_next(next_url), status_code=303)
    set_session_cookie(response, request, settings, result.session_id)
    response.delete_cookie(csrf.LOGIN_COOKIE, path="/console/login")
    return response


@action()
async def logout(request: Request, services: ConsoleServices, session: SessionView, form: Dict[str, str]) -> Response:
    await run_in_threadpool(services.accounts.logout, read_session_id(request, services.settings))
    response = RedirectResponse("/console/login", status_code=303)
    clear_session_cookie(response, request, services.settings)
    return response


async def console_root(request: Request) -> Response:
    return RedirectResponse("/console/queue", status_code=303)


# --------------------------------------------------------------------------- queue

ASSIGNED_CHOICES = ("all", "mine", "unassigned")


def _choice(value: Optional[str], enum_type: Any) -> Optional[str]:
    if not value:
        return None
    try:
        return enum_type(value).value
    except ValueError:
        return None


@page()
async def queue_page(request: Request, services: ConsoleServices, session: SessionView) -> Response:
    params = request.query_params
    kind = _choice(params.get("kind"), Kind)
    status = _choice(params.get("status"), Status)
    channel = _choice(params.get("channel"), Channel)
    assigned = params.get("assigned") if params.get("assigned") in ASSIGNED_CHOICES else "all"
    try:
        page_no = max(1, min(10_000, int(params.get("page", "1"))))
    except ValueError:
        page_no = 1
    query: Dict[str, Any] = {"limit": PAGE_SIZE, "offset": (page_no - 1) * PAGE_SIZE}
    if kind:
        query["kinds"] = [kind]
    if status:
        query["statuses"] = [status]
    if channel:
        query["channels"] = [channel]
    if assigned == "mine":
        query["assignee"] = session.agent.actor
    elif assigned == "unassigned":
        query["unassigned"] = True
    result = await run_in_threadpool(lambda: services.tickets.list_queue(**query))
    filters = {"kind": kind or "", "status": status or "", "channel": channel or "", "assigned": assigned}

    def link(**changes: Any) -> str:
        merged = {**filters, **changes}
        return "/console/queue?" + urlencode({k: v for k, v in merged.items() if v not in ("", None, "all")})

    pages = max(1, -(-result.total // PAGE_SIZE))
    return _render(
        request,
        "queue.html",
        _base(
            request, session,
            result=result, filters=filters, today=services.clock().date(), page_no=page_no, pages=pages,
            prev_link=link(page=page_no - 1) if page_no > 1 else None,
            next_link=link(page=page_no + 1) if result.next_offset is not None else None,
            status_links={s.value: link(status=s.value, page=None) for s in Status},
            all_link=link(status=None, page=None),
            kinds=[k.value for k in Kind], statuses=[s.value for s in Status], channels=[c.value for c in Channel],
            assigned_choices=ASSIGNED_CHOICES,
        ),
    )


# --------------------------------------------------------------------------- ticket


def _ticket_context(services: ConsoleServices, reference: str) -> Dict[str, Any]:
    tickets = services.tickets
    view = tickets.get_by_reference(reference)
    transcript = tickets.transcript(view.reference)
    return {
        "ticket": view,
        "history": tickets.history(view.reference),
        "notes": tickets.notes(view.reference),
        "transcript": mask_text(transcript) if transcript else None,
        "extension_reason": tickets.extension_reason(view.reference) if view.extension_count else None,
        "reply_channel": services.work.reply_channel_hint(view),
    }


async def _ticket_response(
    request: Request, services: ConsoleServices, session: SessionView, reference: str, *,
    status_code: int = 200, error: Optional[str] = None, personal: Optional[Dict[str, Any]] = None,
    draft: Optional[Dict[str, str]] = None,
) -> Response:
    try:
        context = await run_in_threadpool(_ticket_context, services, reference)
    except TicketError as exc:
        status, message = error_for(exc)
        return _plain_error(request, session, status, message)
    view = context["ticket"]
    me = session.agent.actor
    context.update(
        today=services.clock().date(),
        holds=view.assignee == me,
        personal=personal,
        draft=draft or {},
        reveal_reasons=REVEAL_REASONS,
        outcomes=COMPLETION_OUTCOMES,
        rejections=REJECTION_REASONS,
        moves=[(s.value, move_for(view.status, s)[1]) for s in view.allowed_transitions if s in MOVES],
        can_complete=Status.COMPLETED in view.allowed_transitions,
        can_reject=Status.REJECTED in view.allowed_transitions,
        can_request_documents=Status.AWAITING_DOCUMENTS in view.allowed_transitions,
        can_export=view.kind is Kind.ACCESS and view.verified_at is not None and view.status is not Status.AWAITING_VERIFICATION,
        note_limit=NOTE_LIMIT,
        reply_limit=REPLY_LIMIT,
        reassign_to=(
            [a.username for a in await run_in_threadpool(services.accounts.list_agents) if not a.disabled]
            if session.agent.is_admin and view.is_open else []
        ),
    )
    return _render(request, "ticket.html", _base(request, session, error=error, **context), status_code=status_code)


@page()
async def ticket_page(request: Request, services: ConsoleServices, session: SessionView) -> Response:
    return await _ticket_response(request, services, session, request.path_params["reference"])


def _redirect_ticket(reference: str, done: str) -> Response:
    return RedirectResponse(f"/console/tickets/{reference}?done={done}", status_code=303)


TicketOp = Callable[[ConsoleServices, SessionView, str, Dict[str, str]], Any]


async def _ticket_action(request: Request, services: ConsoleServices, session: SessionView, form: Dict[str, str],
                         op: TicketOp, done: str, draft_field: Optional[str] = None) -> Response:
    reference = request.path_params["reference"]
    try:
        result = await run_in_threadpool(op, services, session, reference, form)
    except (TicketError, ConsoleError) as exc:
        status, message = error_for(exc)
        draft = {draft_field: form.get(draft_field, "")} if draft_field and status != 404 else None
        return await _ticket_response(request, services, session, reference, status_code=status, error=message, draft=draft)
    ref = getattr(result, "reference", None) or getattr(getattr(result, "ticket", None), "reference", None) or reference
    return _redirect_ticket(ref, done)


def _ticket_route(done: str, op: TicketOp, draft_field: Optional[str] = None) -> Callable[[Request], Awaitable[Response]]:
    @action()
    async def endpoint(request: Request, services: ConsoleServices, session: SessionView, form: Dict[str, str]) -> Response:
        return await _ticket_action(request, services, session, form, op, done, draft_field)

    return endpoint


def _ref_of(services: ConsoleServices, reference: str) -> str:
    return services.tickets.get_by_reference(reference).reference


claim = _ticket_route("claimed", lambda s, sess, ref, f: s.work.claim(ref, sess.agent, f.get("expected_version")))
release = _ticket_route("released", lambda s, sess, ref, f: s.work.release(ref, sess.agent, f.get("expected_version")))
note = _ticket_route(
    "noted",
    lambda s, sess, ref, f: (s.work.add_note(ref, sess.agent, f.get("body")), s.tickets.get_by_reference(ref))[1],
    "body",
)
reply = _ticket_route("replied", lambda s, sess, ref, f: s.work.reply(ref, sess.agent, f.get("message"), f.get("expected_version")), "message")
request_documents = _ticket_route(
    "documents", lambda s, sess, ref, f: s.work.request_documents(ref, sess.agent, f.get("expected_version"))
)
extend = _ticket_route("extended", lambda s, sess, ref, f: s.work.extend(ref, sess.agent, f.get("reason"), f.get("expected_version")), "reason")
move = _ticket_route("moved", lambda s, sess, ref, f: s.work.move(ref, sess.agent, f.get("to"), f.get("expected_version")))
complete = _ticket_route(
    "completed",
    lambda s, sess, ref, f: s.work.complete(ref, sess.agent, f.get("outcome"), f.get("expected_version"), f.get("note")),
    "note",
)
reject = _ticket_route(
    "rejected",
    lambda s, sess, ref, f: s.work.reject(ref, sess.agent, f.get("reason"), f.get("expected_version"), f.get("note")),
    "note",
)


def _reassign(services: ConsoleServices, session: SessionView, reference: str, form: Dict[str, str]) -> Any:
    target = (form.get("to") or "").strip()
    to = services.accounts.get_agent(target) if target else None
    return services.work.reassign(reference, session.agent, to, form.get("expected_version"))


reassign = _ticket_route("reassigned", _reassign)


@action()
async def reveal(request: Request, services: ConsoleServices, session: SessionView, form: Dict[str, str]) -> Response:
    reference = request.path_params["reference"]
    try:
        data = await run_in_threadpool(services.work.reveal, reference, session.agent, form.get("reason"))
    except TicketError as exc:
        status, message = error_for(exc)
        return await _ticket_response(request, services, session, reference, status_code=status, error=message)
    return await _ticket_response(request, services, session, reference, personal=data)


@action()
async def export(request: Request, services: ConsoleServices, session: SessionView, form: Dict[str, str]) -> Response:
    reference = request.path_params["reference"]
    try:
        package = await run_in_threadpool(services.work.export, reference, session.agent)
    except TicketError as exc:
        status, message = error_for(exc)
        return await _ticket_response(request, services, session, reference, status_code=status, error=message)
    ref = package["request"]["reference"]
    return Response(
        json.dumps(package, indent=2, ensure_ascii=False),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{ref}-export.json"'},
    )


# --------------------------------------------------------------------------- own account


@page()
async def account_page(request: Request, services: ConsoleServices, session: SessionView,
                       *, new_token: Optional[str] = None, error: Optional[str] = None, status_code: int = 200) -> Response:
    tokens = await run_in_threadpool(services.accounts.list_tokens, session.agent.username)
    return _render(
        request, "account.html",
        _base(request, session, tokens=tokens, new_token=new_token, error=error, password_min=PASSWORD_MIN),
        status_code=status_code,
    )


async def _account(request: Request, services: ConsoleServices, session: SessionView, **kwargs: Any) -> Response:
    return await account_page.__wrapped__(request, services, session, **kwargs)  # type: ignore[attr-defined]


@action()
async def account_password(request: Request, services: ConsoleServices, session: SessionView, form: Dict[str, str]) -> Response:
    if form.get("new_password", "") != form.get("repeat_password", ""):
        return await _account(request, services, session, error="The new passwords do not match.", status_code=422)
    try:
        await run_in_threadpool(
            services.accounts.change_password, session.agent.username, form.get("current_password", ""), form.get("new_password", "")
        )
    except InvalidCredentials:
        return await _account(request, services, session, error="The current password is wrong.", status_code=422)
    except ConsoleError as exc:
        return await _account(request, services, session, error=error_for(exc)[1], status_code=422)
    # Changing the password ends every session, this one included: sign in again.
    response = RedirectResponse("/console/login", status_code=303)
    clear_session_cookie(response, request, services.settings)
    return response


@action()
async def account_token(request: Request, services: ConsoleServices, session: SessionView, form: Dict[str, str]) -> Response:
    try:
        raw, _view = await run_in_threadpool(
            lambda: services.accounts.issue_token(session.agent.username, label=form.get("label") or "console", actor=session.agent.actor)
        )
    except ConsoleError as exc:
        return await _account(request, services, session, error=error_for(exc)[1], status_code=422)
    return await _account(request, services, session, new_token=raw)


@action()
async def account_token_revoke(request: Request, services: ConsoleServices, session: SessionView, form: Dict[str, str]) -> Response:
    try:
        token_id = int(request.path_params["token_id"])
        await run_in_threadpool(
            lambda: services.accounts.revoke_token(session.agent.username, token_id, actor=session.agent.actor)
        )
    except (ValueError, ConsoleError):
        return await _account(request, services, session, error="No such token.", status_code=404)
    return RedirectResponse("/console/account?done=revoked", status_code=303)


# --------------------------------------------------------------------------- admin


async def _agents(request: Request, services: ConsoleServices, session: SessionView, *, error: Optional[str] = None,
                  status_code: int = 200) -> Response:
    agents = await run_in_threadpool(services.accounts.list_agents)
    return _render(
        request, "admin_agents.html",
        _base(request, session, agents=agents, error=error, roles=(ROLE_AGENT, ROLE_ADMIN), password_min=PASSWORD_MIN),
        status_code=status_code,
    )


@page(admin=True)
async def admin_agents(request: Request, services: ConsoleServices, session: SessionView) -> Response:
    return await _agents(request, services, session)


@action(admin=True)
async def admin_agent_create(request: Request, services: ConsoleServices, session: SessionView, form: Dict[str, str]) -> Response:
    try:
        await run_in_threadpool(
            lambda: services.accounts.create_agent(
                form.get("username", ""), form.get("password", ""), role=form.get("role", ROLE_AGENT), actor=session.agent.actor
            )
        )
    except ConsoleError as exc:
        status, message = error_for(exc)
        return await _agents(request, services, session, error=message, status_code=status)
    return RedirectResponse("/console/admin/agents?done=agent_created", status_code=303)


def _admin_agent_op(op: Callable[[ConsoleServices, SessionView, str, Dict[str, str]], Any]) -> Callable[[Request], Awaitable[Response]]:
    @action(admin=True)
    async def endpoint(request: Request, services: ConsoleServices, session: SessionView, form: Dict[str, str]) -> Response:
        username = request.path_params["username"]
        try:
            await run_in_threadpool(op, services, session, username, form)
        except ConsoleError as exc:
            status, message = error_for(exc)
            return await _agents(request, services, session, error=message, status_code=status)
        return RedirectResponse("/console/admin/agents?done=agent_updated", status_code=303)

    return endpoint


def _disable(services: ConsoleServices, session: SessionView, username: str, form: Dict[str, str]) -> Any:
    if username.lower() == session.agent.username:
        raise InvalidAccountField("username", "you cannot disable your own account")
    return services.accounts.set_disabled(username, True, actor=session.agent.actor)


admin_agent_disable = _admin_agent_op(_disable)
admin_agent_enable = _admin_agent_op(lambda s, sess, u, f: s.accounts.set_disabled(u, False, actor=sess.agent.actor))
admin_agent_password = _admin_agent_op(
    lambda s, sess, u, f: s.accounts.reset_password(u, f.get("password", ""), actor=sess.agent.actor)
)


AUDIT_PAGE = 50


def _int_param(request: Request, name: str) -> Optional[int]:
    raw = request.query_params.get(name, "")
    return int(raw) if raw.isdigit() and len(raw) < 12 else None


@page(admin=True)
async def admin_audit(request: Request, services: ConsoleServices, session: SessionView) -> Response:
    """Ticket audit trail (newest first, ``before`` = last id seen), one ticket's history, account events."""
    before = _int_param(request, "before")
    account_page_no = max(1, min(10_000, _int_param(request, "accounts_page") or 1))
    trail = await run_in_threadpool(lambda: services.tickets.audit_log(limit=AUDIT_PAGE, before_id=before))
    events, total = await run_in_threadpool(
        lambda: services.accounts.account_events(limit=AUDIT_PAGE, offset=(account_page_no - 1) * AUDIT_PAGE)
    )
    reference = (request.query_params.get("reference") or "").strip()[:32]
    history = None
    error = None
    status_code = 200
    if reference:
        try:
            history = await run_in_threadpool(services.tickets.history, reference)
        except TicketError as exc:
            status_code, error = error_for(exc)
    return _render(
        request, "admin_audit.html",
        _base(request, session, trail=trail, older=trail[-1].id if len(trail) == AUDIT_PAGE else None,
              events=events, total=total, accounts_page=account_page_no, accounts_next=account_page_no * AUDIT_PAGE < total,
              reference=reference, history=history, error=error),
        status_code=status_code,
    )


@page(admin=True)
async def admin_outbox(request: Request, services: ConsoleServices, session: SessionView) -> Response:
    if services.outbox is None:
        return _plain_error(request, session, 404, "The outbox exists only in the local profile.")
    messages = await run_in_threadpool(lambda: services.outbox.list(limit=100))
    return _render(request, "admin_outbox.html", _base(request, session, messages=messages))


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

"""Admin pages: agents (create, disable, enable, reset password), the audit trail, the local outbox."""

from __future__ import annotations

from typing import Any, Awaitable, Callable, Dict, Optional

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bot.console.account_types import PASSWORD_MIN, ROLE_ADMIN, ROLE_AGENT, SessionView
from bot.console.errors import (
    ConsoleError,
    InvalidAccountField,
)
from bot.tickets import (
    TicketError,
)
from bot.webapp.auth import (
    ConsoleServices,
)
from bot.webapp.console_pages import (
    _base,
    _plain_error,
    _render,
    action,
    error_for,
    page,
)


async def _agents(
    request: Request,
    services: ConsoleServices,
    session: SessionView,
    *,
    error: Optional[str] = None,
    status_code: int = 200,
) -> Response:
    agents = await run_in_threadpool(services.accounts.list_agents)
    return _render(
        request,
        "admin_agents.html",
        _base(request, session, agents=agents, error=error, roles=(ROLE_AGENT, ROLE_ADMIN), password_min=PASSWORD_MIN),
        status_code=status_code,
    )


@page(admin=True)
async def admin_agents(request: Request, services: ConsoleServices, session: SessionView) -> Response:
    return await _agents(request, services, session)


@action(admin=True)
async def admin_agent_create(
    request: Request, services: ConsoleServices, session: SessionView, form: Dict[str, str]
) -> Response:
    try:
        await run_in_threadpool(
            lambda: services.accounts.create_agent(
                form.get("username", ""),
                form.get("password", ""),
                role=form.get("role", ROLE_AGENT),
                actor=session.agent.actor,
            )
        )
    except ConsoleError as exc:
        status, message = error_for(exc)
        return await _agents(request, services, session, error=message, status_code=status)
    return RedirectResponse("/console/admin/agents?done=agent_created", status_code=303)


def _admin_agent_op(
    op: Callable[[ConsoleServices, SessionView, str, Dict[str, str]], Any],
) -> Callable[[Request], Awaitable[Response]]:
    @action(admin=True)
    async def endpoint(
        request: Request, services: ConsoleServices, session: SessionView, form: Dict[str, str]
    ) -> Response:
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
        request,
        "admin_audit.html",
        _base(
            request,
            session,
            trail=trail,
            older=trail[-1].id if len(trail) == AUDIT_PAGE else None,
            events=events,
            total=total,
            accounts_page=account_page_no,
            accounts_next=account_page_no * AUDIT_PAGE < total,
            reference=reference,
            history=history,
            error=error,
        ),
        status_code=status_code,
    )


@page(admin=True)
async def admin_outbox(request: Request, services: ConsoleServices, session: SessionView) -> Response:
    outbox = services.outbox
    if outbox is None:
        return _plain_error(request, session, 404, "The outbox exists only in the local profile.")
    messages = await run_in_threadpool(lambda: outbox.list(limit=100))
    return _render(request, "admin_outbox.html", _base(request, session, messages=messages))

"""Who is calling: console sessions (cookie) and API tokens (Bearer), and the services behind them.

The services (accounts, tickets, case work, outbox reader) are built once per
app on first use (:func:`get_services`), off the event loop; tests put their
own :class:`ConsoleServices` (injected clock, cheap hasher) on
``app.state.console_services`` before the first request.

Session cookie: ``pd_console`` (``__Host-pd_console`` over https), HttpOnly,
``SameSite=Strict``, ``Secure`` when the request is https or
``PUBLIC_CONSOLE_URL`` is an https URL; no ``Max-Age`` (the server decides: 30
minutes idle, 12 hours at most).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Optional

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from bot.clock import utcnow
from bot.console.account_types import AgentView, SessionView
from bot.console.accounts import AccountService
from bot.console.workflow import CaseWork
from bot.notify import Outbox
from bot.services import Services
from bot.settings import Settings
from bot.tickets import TicketService

__all__ = [
    "ConsoleServices",
    "build_services",
    "get_services",
    "is_secure",
    "session_cookie_name",
    "set_session_cookie",
    "clear_session_cookie",
    "read_session_id",
    "current_session",
    "bearer_agent",
    "bearer_token",
]

log = logging.getLogger(__name__)
_BUILD_LOCK = threading.Lock()


@dataclass
class ConsoleServices:
    settings: Settings
    accounts: AccountService
    tickets: TicketService
    work: CaseWork
    #: The local outbox reader in the local profile, else ``None``.
    outbox: Optional[Outbox] = None
    clock: Callable[[], datetime] = field(default=utcnow)
    #: The requesters' notices and their delivery state (:class:`bot.notices.NoticeService`).
    notices: Any = None


def build_services(settings: Settings, **account_kwargs: Any) -> ConsoleServices:
    """The console's view of :class:`bot.services.Services` (blocking; raises ``DatabaseNotReady`` if unmigrated).

    ``account_kwargs`` (``clock``, ``hasher``, ``policy``) configure the account service (tests).
    """
    clock = account_kwargs.get("clock", utcnow)
    core = Services.from_settings(settings, clock=clock)
    return ConsoleServices(
        settings=settings,
        accounts=AccountService(core.database, **account_kwargs) if account_kwargs else core.accounts,
        tickets=core.tickets,
        work=core.work,
        outbox=core.outbox,
        clock=clock,
        notices=core.notices,
    )


async def get_services(request: Request) -> ConsoleServices:
    state = request.app.state
    services = getattr(state, "console_services", None)
    if services is not None:
        return services

    def build() -> ConsoleServices:
        with _BUILD_LOCK:
            existing = getattr(state, "console_services", None)
            if existing is None:
                existing = build_services(state.settings)
                state.console_services = existing
            return existing

    return await run_in_threadpool(build)


def is_secure(request: Request, settings: Settings) -> bool:
    public = settings.public_console_url.lower()
    return request.url.scheme == "https" or public.startswith("https://")


def session_cookie_name(secure: bool) -> str:
    return "__Host-pd_console" if secure else "pd_console"


def set_session_cookie(response: Response, request: Request, settings: Settings, session_id: str) -> None:
    secure = is_secure(request, settings)
    response.set_cookie(
        session_cookie_name(secure), session_id, path="/", httponly=True, samesite="strict", secure=secure
    )


def clear_session_cookie(response: Response, request: Request, settings: Settings) -> None:
    secure = is_secure(request, settings)
    response.delete_cookie(session_cookie_name(secure), path="/", httponly=True, samesite="strict", secure=secure)


def read_session_id(request: Request, settings: Settings) -> Optional[str]:
    return request.cookies.get(session_cookie_name(is_secure(request, settings))) or None


async def current_session(request: Request, services: ConsoleServices) -> Optional[SessionView]:
    session_id = read_session_id(request, services.settings)
    if not session_id:
        return None
    return await run_in_threadpool(services.accounts.session, session_id)


def bearer_token(request: Request) -> Optional[str]:
    """The token of an ``Authorization: Bearer <token>`` header, or ``None``."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


async def bearer_agent(request: Request, services: ConsoleServices) -> Optional[AgentView]:
    token = bearer_token(request)
    if token is None:
        return None
    return await run_in_threadpool(services.accounts.authenticate_token, token)

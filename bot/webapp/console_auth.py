"""Console sign-in and the agent's own account: login (throttled), logout, password change, API tokens."""

from __future__ import annotations

from typing import Any, Dict, Optional

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bot.console.account_types import PASSWORD_MIN, SessionView
from bot.console.errors import (
    AccountLocked,
    ConsoleError,
    InvalidCredentials,
)
from bot.settings import Settings
from bot.webapp import csrf
from bot.webapp.auth import (
    ConsoleServices,
    clear_session_cookie,
    current_session,
    is_secure,
    read_session_id,
    set_session_cookie,
)
from bot.webapp.bodies import BadBody, BodyTooLarge, read_form
from bot.webapp.console_pages import (
    _base,
    _render,
    _safe_next,
    _services_or_error,
    action,
    error_for,
    page,
)


async def login_page(request: Request) -> Response:
    services = await _services_or_error(request)
    if isinstance(services, Response):
        return services
    session = await current_session(request, services)
    if session is not None:
        return RedirectResponse(_safe_next(request.query_params.get("next")), status_code=303)
    return _login_form(request, services.settings, next_url=request.query_params.get("next"))


def _login_form(
    request: Request,
    settings: Settings,
    *,
    next_url: Optional[str] = None,
    error: Optional[str] = None,
    status_code: int = 200,
    username: str = "",
) -> Response:
    token = csrf.new_token()
    response = _render(
        request,
        "login.html",
        _base(request, None, login_csrf=token, next=_safe_next(next_url), error=error, username=username[:64]),
        status_code=status_code,
    )
    response.set_cookie(
        csrf.LOGIN_COOKIE,
        token,
        path="/console/login",
        httponly=True,
        samesite="strict",
        secure=is_secure(request, settings),
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
        return _login_form(
            request, settings, next_url=next_url, error="The login form expired. Please try again.", status_code=403
        )
    username = form.get("username", "")
    client = _throttle_client(request)
    try:
        result = await run_in_threadpool(services.accounts.login, username, form.get("password", ""), client=client)
    except AccountLocked as exc:
        minutes = max(1, -(-exc.retry_after // 60))
        return _login_form(
            request,
            settings,
            next_url=next_url,
            username=username,
            status_code=429,
            error=f"Too many failed attempts. Try again in {minutes} minute{'s' if minutes != 1 else ''}.",
        )
    except InvalidCredentials:
        return _login_form(
            request,
            settings,
            next_url=next_url,
            username=username,
            status_code=401,
            error="Wrong username or password.",
        )
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


@page()
async def account_page(
    request: Request,
    services: ConsoleServices,
    session: SessionView,
    *,
    new_token: Optional[str] = None,
    error: Optional[str] = None,
    status_code: int = 200,
) -> Response:
    # A token just issued arrives once, in a short-lived cookie the redirect set (post/redirect/get):
    # shown on this page, then deleted, so a reload neither shows it again nor issues another.
    handed = request.cookies.get(NEW_TOKEN_COOKIE) if request.method == "GET" else None
    tokens = await run_in_threadpool(services.accounts.list_tokens, session.agent.username)
    response = _render(
        request,
        "account.html",
        _base(request, session, tokens=tokens, new_token=new_token or handed, error=error, password_min=PASSWORD_MIN),
        status_code=status_code,
    )
    if handed is not None:
        response.delete_cookie(
            NEW_TOKEN_COOKIE,
            path="/console/account",
            httponly=True,
            samesite="strict",
            secure=is_secure(request, services.settings),
        )
    return response


async def _account(request: Request, services: ConsoleServices, session: SessionView, **kwargs: Any) -> Response:
    return await account_page.__wrapped__(request, services, session, **kwargs)  # type: ignore[attr-defined]


@action()
async def account_password(
    request: Request, services: ConsoleServices, session: SessionView, form: Dict[str, str]
) -> Response:
    if form.get("new_password", "") != form.get("repeat_password", ""):
        return await _account(request, services, session, error="The new passwords do not match.", status_code=422)
    try:
        await run_in_threadpool(
            services.accounts.change_password,
            session.agent.username,
            form.get("current_password", ""),
            form.get("new_password", ""),
        )
    except InvalidCredentials:
        return await _account(request, services, session, error="The current password is wrong.", status_code=422)
    except ConsoleError as exc:
        return await _account(request, services, session, error=error_for(exc)[1], status_code=422)
    # Changing the password ends every session, this one included: sign in again.
    response = RedirectResponse("/console/login", status_code=303)
    clear_session_cookie(response, request, services.settings)
    return response


#: Carries a newly issued API token from the POST to the page that shows it once.
NEW_TOKEN_COOKIE = "pd_new_token"  # noqa: S105 - a cookie name, not a secret


@action()
async def account_token(
    request: Request, services: ConsoleServices, session: SessionView, form: Dict[str, str]
) -> Response:
    try:
        raw, _view = await run_in_threadpool(
            lambda: services.accounts.issue_token(
                session.agent.username, label=form.get("label") or "console", actor=session.agent.actor
            )
        )
    except ConsoleError as exc:
        return await _account(request, services, session, error=error_for(exc)[1], status_code=422)
    response = RedirectResponse("/console/account#new-token", status_code=303)
    response.set_cookie(
        NEW_TOKEN_COOKIE,
        raw,
        max_age=120,
        path="/console/account",
        httponly=True,
        samesite="strict",
        secure=is_secure(request, services.settings),
    )
    return response


@action()
async def account_token_revoke(
    request: Request, services: ConsoleServices, session: SessionView, form: Dict[str, str]
) -> Response:
    try:
        token_id = int(request.path_params["token_id"])
        await run_in_threadpool(
            lambda: services.accounts.revoke_token(session.agent.username, token_id, actor=session.agent.actor)
        )
    except (ValueError, ConsoleError):
        return await _account(request, services, session, error="No such token.", status_code=404)
    return RedirectResponse("/console/account?done=revoked", status_code=303)

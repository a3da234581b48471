"""Console pages for fulfilment: ``/console/tickets/{reference}/fulfilment``.

The agent holding a verified access, deletion or stop-using ticket previews what
the company's systems hold (per system: rows, fields changed, fields kept and
why), approves, and sees each system's receipt; a failed system is retried with
"Resume", a manual checklist item is ticked by hand.  For access, the package
(JSON or a readable HTML page) is downloaded through the ticket's audited export.

The fulfilment service is built once per app on first use (tests put their own
:class:`~bot.fulfilment.tickets.TicketFulfilment` on ``app.state.ticket_fulfilment``).
A data map that does not fit the systems is shown as the page's error, with its line.
"""

from __future__ import annotations

import json
import threading
from typing import Any, Dict, List, Tuple

from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.console.account_types import SessionView
from bot.console.errors import ConsoleError
from bot.fulfilment import DataMapError, FulfilmentError, RunBusy
from bot.fulfilment.errors import AmbiguousPerson, ConnectorError, RunNotFound
from bot.fulfilment.tickets import PURPOSE_BY_KIND, NotFulfillable, TicketFulfilment
from bot.settings import Settings
from bot.tickets import TicketError
from bot.webapp.auth import ConsoleServices
from bot.webapp.console_pages import _base, _render, action, error_for, page

__all__ = ["routes", "build_ticket_fulfilment"]

_BUILD_LOCK = threading.Lock()
_DONE = {
    "fulfilment_previewed": "Preview ready: check each system below, then approve.",
    "fulfilment_run": "Run finished: each system's receipt is below and on the ticket.",
    "fulfilment_ticked": "Checklist item marked done.",
    "fulfilment_completed": "Ticket completed; the requester was told what was done and what is kept.",
    "fulfilment_sent": "The requester was sent a link to their data (a fresh code is needed to download).",
}

# Fulfilment errors → (status, sentence for the page); messages never hold personal data.
_ERRORS: Dict[type, Tuple[int, str]] = {
    RunNotFound: (404, "No such fulfilment run."),
    NotFulfillable: (409, ""),
    AmbiguousPerson: (409, ""),
    RunBusy: (409, "Another agent's run of this request is in progress. Reload in a minute."),
    ConnectorError: (502, "A system could not be reached to find the requester; nothing was changed. Try again later."),
    DataMapError: (500, ""),
    FulfilmentError: (409, ""),
}


def _problem(exc: Exception) -> Tuple[int, str]:
    if not isinstance(exc, FulfilmentError):
        return error_for(exc)
    for kind in type(exc).__mro__:
        if kind in _ERRORS:
            status, message = _ERRORS[kind]
            return status, message or f"{str(exc)[:1].upper()}{str(exc)[1:]}."
    return 500, "Something went wrong."


def build_ticket_fulfilment(services: ConsoleServices) -> TicketFulfilment:
    """Open every system of the data map (refusing a map that does not fit them) over the console's store."""
    from bot.fulfilment import FulfilmentService, load_datamap, open_systems
    from bot.fulfilment.service import datamap_path
    from bot.privacy.crypto import DataCipher

    settings = services.settings
    systems = open_systems(load_datamap(datamap_path(settings)), settings)
    service = FulfilmentService(services.tickets.database, DataCipher(list(settings.data_keys)), systems)
    return TicketFulfilment(service, services.tickets)


async def _link(request: Request, services: ConsoleServices) -> TicketFulfilment:
    state = request.app.state
    existing = getattr(state, "ticket_fulfilment", None)
    if existing is not None:
        return existing

    def build() -> TicketFulfilment:
        with _BUILD_LOCK:
            if getattr(state, "ticket_fulfilment", None) is None:
                state.ticket_fulfilment = build_ticket_fulfilment(services)
            return state.ticket_fulfilment

    return await run_in_threadpool(build)


def _holds(services: ConsoleServices, session: SessionView, reference: str) -> bool:
    return services.tickets.get_by_reference(reference).assignee == session.agent.actor


async def _page(
    request: Request, services: ConsoleServices, session: SessionView, *, status_code: int = 200, error: str = ""
) -> Response:
    reference = request.path_params["reference"]
    try:
        ticket = await run_in_threadpool(services.tickets.get_by_reference, reference)
    except TicketError as exc:
        status, message = error_for(exc)
        return _render(request, "error.html", _base(request, session, error=message, status=status), status_code=status)
    runs: List[Any] = []
    try:
        link = await _link(request, services)
        runs = await run_in_threadpool(link.runs, ticket.reference)
    except (FulfilmentError, TicketError, SQLAlchemyError) as exc:
        status_code, error = _problem(exc)
    context = dict(
        ticket=ticket,
        runs=list(reversed(runs)),
        holds=ticket.assignee == session.agent.actor,
        purpose=PURPOSE_BY_KIND.get(ticket.kind.value),
        legal_reasons=(runs[-1].plan.get("legal_reasons", {}) if runs else {}),
    )
    flash = _DONE.get(request.query_params.get("done", ""))
    return _render(
        request,
        "fulfilment.html",
        _base(request, session, error=error or None, flash=flash, **context),
        status_code=status_code,
    )


@page()
async def fulfilment_page(request: Request, services: ConsoleServices, session: SessionView) -> Response:
    return await _page(request, services, session)


async def _do(
    request: Request, services: ConsoleServices, session: SessionView, form: Dict[str, str], op: Any, done: str
) -> Response:
    """Run ``op`` for the agent holding the ticket; redirect back on success, the page with the reason on failure."""
    reference = request.path_params["reference"]
    try:
        if not await run_in_threadpool(_holds, services, session, reference):
            return await _page(
                request, services, session, status_code=409, error="Claim the ticket before working on its fulfilment."
            )
        link = await _link(request, services)
        result = await run_in_threadpool(op, link, services, session, reference, form)
    except (FulfilmentError, TicketError, ConsoleError, ValueError) as exc:
        status, message = (
            _problem(exc) if not isinstance(exc, ValueError) else (422, "That checklist item is not waiting.")
        )
        return await _page(request, services, session, status_code=status, error=message)
    if isinstance(result, Response):
        return result
    return RedirectResponse(f"/console/tickets/{reference}/fulfilment?done={done}", status_code=303)


def _run_action(op: Any, done: str) -> Any:
    """A POST form on a ticket's fulfilment (session, CSRF, bounded body: :func:`action`)."""

    @action()
    async def endpoint(
        request: Request, services: ConsoleServices, session: SessionView, form: Dict[str, str]
    ) -> Response:
        return await _do(request, services, session, form, op, done)

    return endpoint


def _preview(
    link: TicketFulfilment, services: ConsoleServices, session: SessionView, reference: str, form: Dict[str, str]
) -> Any:
    return link.preview(reference, agent=session.agent.actor)


def _approve(
    link: TicketFulfilment, services: ConsoleServices, session: SessionView, reference: str, form: Dict[str, str]
) -> Any:
    return link.approve_and_run(reference, form.get("run_id", ""), agent=session.agent.actor)


def _resume(
    link: TicketFulfilment, services: ConsoleServices, session: SessionView, reference: str, form: Dict[str, str]
) -> Any:
    return link.resume(
        reference,
        form.get("run_id", ""),
        agent=session.agent.actor,
        break_lease=session.agent.is_admin and form.get("break_lease") == "yes",
    )


def _tick(
    link: TicketFulfilment, services: ConsoleServices, session: SessionView, reference: str, form: Dict[str, str]
) -> Any:
    return link.tick(reference, form.get("run_id", ""), form.get("system", ""), agent=session.agent.actor)


def _complete(
    link: TicketFulfilment, services: ConsoleServices, session: SessionView, reference: str, form: Dict[str, str]
) -> Any:
    """Tell the requester (a reply on the ticket's verified contact), then complete the ticket."""
    text, outcome = link.completion_notice(reference, form.get("run_id", ""))
    services.work.reply(reference, session.agent, text, services.tickets.get_by_reference(reference).version)
    return services.work.complete(
        reference, session.agent, outcome, services.tickets.get_by_reference(reference).version
    )


def _package(
    link: TicketFulfilment, services: ConsoleServices, session: SessionView, reference: str, form: Dict[str, str]
) -> Response:
    """The access package, re-read from the systems, through the ticket's audited export."""
    run_id = form.get("run_id", "")
    view, package = link.resume(reference, run_id, agent=session.agent.actor)
    if package is None:
        raise NotFulfillable("only an access request has a package")
    exported = services.work.export(reference, session.agent)
    if form.get("format") == "html":
        return Response(
            package.html,
            media_type="text/html; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{reference}-your-data.html"'},
        )
    body = dict(exported)
    body["systems"] = json.loads(package.json_bytes)
    return Response(
        json.dumps(body, indent=2, ensure_ascii=False),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{reference}-your-data.json"'},
    )


def _send(delivery: Any) -> Any:
    def op(
        link: TicketFulfilment, services: ConsoleServices, session: SessionView, reference: str, form: Dict[str, str]
    ) -> Any:
        return link.send_package(reference, form.get("run_id", ""), agent=session.agent.actor, delivery=delivery)

    return op


@action()
async def send_package(
    request: Request, services: ConsoleServices, session: SessionView, form: Dict[str, str]
) -> Response:
    """Send the access package to the requester (an expiring link; a fresh code at download)."""
    from bot.webapp.your_data import delivery_for

    delivery = await delivery_for(request)
    return await _do(request, services, session, form, _send(delivery), "fulfilment_sent")


def routes(settings: Settings) -> List[BaseRoute]:
    base = "/console/tickets/{reference}/fulfilment"
    return [
        Route(base, fulfilment_page, methods=["GET"]),
        Route(base + "/preview", _run_action(_preview, "fulfilment_previewed"), methods=["POST"]),
        Route(base + "/approve", _run_action(_approve, "fulfilment_run"), methods=["POST"]),
        Route(base + "/resume", _run_action(_resume, "fulfilment_run"), methods=["POST"]),
        Route(base + "/tick", _run_action(_tick, "fulfilment_ticked"), methods=["POST"]),
        Route(base + "/package", _run_action(_package, "fulfilment_run"), methods=["POST"]),
        Route(base + "/send", send_package, methods=["POST"]),
        Route(base + "/complete", _run_action(_complete, "fulfilment_completed"), methods=["POST"]),
    ]

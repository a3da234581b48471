"""The console's queue and ticket pages (``/console/queue``, ``/console/tickets/...``).

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
from typing import Any, Awaitable, Callable, Dict, Optional
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bot.console.account_types import SessionView
from bot.console.errors import (
    ConsoleError,
)
from bot.console.workflow import (
    COMPLETION_OUTCOMES,
    MOVES,
    NOTE_LIMIT,
    REJECTION_REASONS,
    REPLY_LIMIT,
    REVEAL_REASONS,
    move_for,
)
from bot.privacy.masking import mask_text
from bot.tickets import (
    Channel,
    Kind,
    Status,
    TicketError,
)
from bot.webapp.auth import (
    ConsoleServices,
)
from bot.webapp.console_pages import (
    PAGE_SIZE,
    _base,
    _plain_error,
    _render,
    action,
    error_for,
    page,
)

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
    if (params.get("q") or "").strip():
        # The queue's search box: results (closed tickets too) are the search page's, with the same filters.
        kept = {k: params[k] for k in ("q", "kind", "status", "channel") if params.get(k)}
        return RedirectResponse("/console/search?" + urlencode(kept), status_code=303)
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
    failed_notices = await run_in_threadpool(
        lambda: services.notices.failed(limit=20) if services.notices is not None else []
    )
    filters = {"kind": kind or "", "status": status or "", "channel": channel or "", "assigned": assigned}

    def link(**changes: Any) -> str:
        merged = {**filters, **changes}
        return "/console/queue?" + urlencode({k: v for k, v in merged.items() if v not in ("", None, "all")})

    pages = max(1, -(-result.total // PAGE_SIZE))
    return _render(
        request,
        "queue.html",
        _base(
            request,
            session,
            result=result,
            filters=filters,
            today=services.clock().date(),
            page_no=page_no,
            pages=pages,
            prev_link=link(page=page_no - 1) if page_no > 1 else None,
            next_link=link(page=page_no + 1) if result.next_offset is not None else None,
            status_links={s.value: link(status=s.value, page=None) for s in Status},
            all_link=link(status=None, page=None),
            kinds=[k.value for k in Kind],
            statuses=[s.value for s in Status],
            channels=[c.value for c in Channel],
            assigned_choices=ASSIGNED_CHOICES,
            failed_notices=failed_notices,
        ),
    )


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
        "notices": services.notices.for_ticket(view.reference) if services.notices is not None else [],
    }


def _extension_left(services: ConsoleServices, view: Any) -> bool:
    """The jurisdiction allows an extension and this ticket has not used them all."""
    try:
        rule = services.tickets.rules.rule_for(view.jurisdiction)
    except TicketError:
        return False
    return rule.extension is not None and view.extension_count < rule.max_extensions


async def _ticket_response(
    request: Request,
    services: ConsoleServices,
    session: SessionView,
    reference: str,
    *,
    status_code: int = 200,
    error: Optional[str] = None,
    personal: Optional[Dict[str, Any]] = None,
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
        can_release=view.is_open and view.assignee == me,
        can_extend=view.is_open and _extension_left(services, view),
        can_complete=Status.COMPLETED in view.allowed_transitions,
        can_reject=Status.REJECTED in view.allowed_transitions,
        can_request_documents=Status.AWAITING_DOCUMENTS in view.allowed_transitions,
        can_export=view.kind is Kind.ACCESS
        and view.verified_at is not None
        and view.status is not Status.AWAITING_VERIFICATION,
        note_limit=NOTE_LIMIT,
        reply_limit=REPLY_LIMIT,
        reassign_to=(
            [a.username for a in await run_in_threadpool(services.accounts.list_agents) if not a.disabled]
            if session.agent.is_admin and view.is_open
            else []
        ),
    )
    return _render(request, "ticket.html", _base(request, session, error=error, **context), status_code=status_code)


REVEAL_EXPIRED = (
    "That reveal is no longer shown (it was over 10 minutes ago). Reveal again if you still need it; it is recorded."
)


@page()
async def ticket_page(request: Request, services: ConsoleServices, session: SessionView) -> Response:
    reference = request.path_params["reference"]
    raw = request.query_params.get("revealed", "")
    if raw.isdigit() and len(raw) < 19:
        try:
            personal = await run_in_threadpool(services.work.show_revealed, reference, session.agent, int(raw))
        except TicketError as exc:
            status, message = error_for(exc)
            return _plain_error(request, session, status, message)
        if personal is None:
            return await _ticket_response(request, services, session, reference, error=REVEAL_EXPIRED)
        return await _ticket_response(request, services, session, reference, personal=personal)
    return await _ticket_response(request, services, session, reference)


def _redirect_ticket(reference: str, done: str) -> Response:
    return RedirectResponse(f"/console/tickets/{reference}?done={done}", status_code=303)


TicketOp = Callable[[ConsoleServices, SessionView, str, Dict[str, str]], Any]


async def _ticket_action(
    request: Request,
    services: ConsoleServices,
    session: SessionView,
    form: Dict[str, str],
    op: TicketOp,
    done: str,
    draft_field: Optional[str] = None,
) -> Response:
    reference = request.path_params["reference"]
    try:
        result = await run_in_threadpool(op, services, session, reference, form)
    except (TicketError, ConsoleError) as exc:
        status, message = error_for(exc)
        draft = {draft_field: form.get(draft_field, "")} if draft_field and status != 404 else None
        return await _ticket_response(
            request, services, session, reference, status_code=status, error=message, draft=draft
        )
    ref = getattr(result, "reference", None) or getattr(getattr(result, "ticket", None), "reference", None) or reference
    return _redirect_ticket(ref, done)


def _ticket_route(
    done: str, op: TicketOp, draft_field: Optional[str] = None
) -> Callable[[Request], Awaitable[Response]]:
    @action()
    async def endpoint(
        request: Request, services: ConsoleServices, session: SessionView, form: Dict[str, str]
    ) -> Response:
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
reply = _ticket_route(
    "replied",
    lambda s, sess, ref, f: s.work.reply(ref, sess.agent, f.get("message"), f.get("expected_version")),
    "message",
)
request_documents = _ticket_route(
    "documents", lambda s, sess, ref, f: s.work.request_documents(ref, sess.agent, f.get("expected_version"))
)
extend = _ticket_route(
    "extended",
    lambda s, sess, ref, f: s.work.extend(ref, sess.agent, f.get("reason"), f.get("expected_version")),
    "reason",
)
move = _ticket_route(
    "moved", lambda s, sess, ref, f: s.work.move(ref, sess.agent, f.get("to"), f.get("expected_version"))
)
complete = _ticket_route(
    "completed",
    lambda s, sess, ref, f: s.work.complete(
        ref, sess.agent, f.get("outcome"), f.get("expected_version"), f.get("note")
    ),
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
        _data, receipt = await run_in_threadpool(
            services.work.reveal_with_receipt, reference, session.agent, form.get("reason")
        )
        ref = await run_in_threadpool(_ref_of, services, reference)
    except TicketError as exc:
        status, message = error_for(exc)
        return await _ticket_response(request, services, session, reference, status_code=status, error=message)
    # Post/redirect/get: the page shows the data by the reveal's receipt, so a reload records no second reveal.
    return RedirectResponse(f"/console/tickets/{ref}?revealed={receipt}#pd-title", status_code=303)


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

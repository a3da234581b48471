"""Console pages for finding tickets and seeing the desk as a whole: search, dashboard, CCPA reports.

* ``/console/search``: one box for a reference, e-mail or phone (blind index,
  nothing decrypted) plus status / kind / channel / received-date filters and
  the queue's "overdue" / "due soon" markers; paged by cursor like the queue.
* ``/console/dashboard``: open work by status and kind, due soon / overdue,
  received per week, median days to close; SVG charts drawn on the server,
  each beside a table of its numbers (works without JavaScript or images).
* ``/console/reports`` (admins): the 11 CCR 7102 table for a period, the text
  to publish, and CSV downloads of the table and of the 7101 records.

Read-only pages (GET); the same session rules as the rest of the console.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Dict, List, Tuple
from urllib.parse import urlencode

from starlette.concurrency import iterate_in_threadpool, run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from bot.console.account_types import SessionView
from bot.console.metrics import CATEGORY_LABELS
from bot.settings import Settings
from bot.tickets import Channel, Kind, Status, TicketError
from bot.webapp import reporting
from bot.webapp.auth import ConsoleServices
from bot.webapp.charts import bar_chart
from bot.webapp.console_pages import PAGE_SIZE, _base, _render, error_for, page

__all__ = ["routes"]

_SEARCH_KEYS = ("q", "status", "kind", "channel", "from", "to", "due")


def _label(value: str) -> str:
    return value.replace("_", " ")


@page()
async def search_page(request: Request, services: ConsoleServices, session: SessionView) -> Response:
    params = request.query_params
    filters = {key: (params.get(key) or "").strip()[:254] for key in _SEARCH_KEYS}
    today = services.clock().date()
    context: Dict[str, Any] = dict(
        filters=filters,
        today=today,
        result=None,
        next_link=None,
        first_link=None,
        kinds=[k.value for k in Kind],
        statuses=[s.value for s in Status],
        channels=[c.value for c in Channel],
    )
    status_code = 200
    if any(filters.values()):
        try:
            query = reporting.search_query(params, today=today, limit=PAGE_SIZE)
            result = await run_in_threadpool(reporting.searcher(services).search, query)
        except TicketError as exc:
            status_code, context["error"] = error_for(exc)
        else:
            kept = {k: v for k, v in filters.items() if v}
            context["result"] = result
            if result.next_cursor:
                context["next_link"] = "/console/search?" + urlencode({**kept, "cursor": result.next_cursor})
            if result.by_cursor:
                context["first_link"] = "/console/search?" + urlencode(kept)
    return _render(request, "search.html", _base(request, session, **context), status_code=status_code)


@page()
async def dashboard_page(request: Request, services: ConsoleServices, session: SessionView) -> Response:
    board = await run_in_threadpool(reporting.dashboard(services).build)
    by_status = board.open_by_status()
    by_kind = board.open_by_kind()
    charts = {
        "status": bar_chart("chart-status", "Open tickets by status", [(_label(s), n) for s, n in by_status.items()]),
        "kind": bar_chart("chart-kind", "Open tickets by kind", [(_label(k), n) for k, n in by_kind.items()]),
        "weeks": bar_chart(
            "chart-weeks",
            "Tickets received per week",
            [(week.strftime("%d %b"), n) for week, n in board.received_per_week],
            horizontal=False,
            width=620,
        ),
    }
    return _render(
        request, "dashboard.html", _base(request, session, board=board, charts=charts, kinds=[k.value for k in Kind])
    )


def _period(request: Request, services: ConsoleServices, records: bool) -> Tuple[date, date]:
    today = services.clock().date()
    parse = reporting.records_period if records else reporting.report_period
    start, end = parse(request.query_params, today)
    return reporting.reports(services).check_period(start, end)


@page(admin=True)
async def reports_page(request: Request, services: ConsoleServices, session: SessionView) -> Response:
    context: Dict[str, Any] = {"report": None, "labels": CATEGORY_LABELS}
    status_code = 200
    try:
        start, end = _period(request, services, records=False)
        context["report"] = await run_in_threadpool(reporting.reports(services).metrics, start, end)
        period = urlencode({"start": start.isoformat(), "end": end.isoformat()})
        context.update(
            start=start,
            end=end,
            csv_link=f"/console/reports/ccpa-7102.csv?{period}",
            records_link=f"/console/reports/ccpa-7101.csv?{period}",
        )
    except TicketError as exc:
        status_code, context["error"] = error_for(exc)
        context.update(start=request.query_params.get("start", "")[:10], end=request.query_params.get("end", "")[:10])
    return _render(request, "reports.html", _base(request, session, **context), status_code=status_code)


def _text_error(exc: TicketError) -> Response:
    """A download link with a bad period: the reason as plain text (never the input)."""
    status, message = error_for(exc)
    return Response(message, status_code=status, media_type="text/plain; charset=utf-8")


def _attachment(name: str, start: date, end: date) -> Dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{name}-{start.isoformat()}-{end.isoformat()}.csv"'}


@page(admin=True)
async def metrics_csv(request: Request, services: ConsoleServices, session: SessionView) -> Response:
    try:
        start, end = _period(request, services, records=False)
        report = await run_in_threadpool(reporting.reports(services).metrics, start, end)
    except TicketError as exc:
        return _text_error(exc)
    return Response(report.to_csv(), media_type="text/csv; charset=utf-8", headers=_attachment("ccpa-7102", start, end))


@page(admin=True)
async def records_csv(request: Request, services: ConsoleServices, session: SessionView) -> Response:
    try:
        start, end = _period(request, services, records=True)
    except TicketError as exc:
        return _text_error(exc)
    chunks = iterate_in_threadpool(reporting.reports(services).records_csv(start, end))
    return StreamingResponse(chunks, media_type="text/csv; charset=utf-8", headers=_attachment("ccpa-7101", start, end))


def routes(settings: Settings) -> List[BaseRoute]:
    return [
        Route("/console/search", search_page, methods=["GET"]),
        Route("/console/dashboard", dashboard_page, methods=["GET"]),
        Route("/console/reports", reports_page, methods=["GET"]),
        Route("/console/reports/ccpa-7102.csv", metrics_csv, methods=["GET"]),
        Route("/console/reports/ccpa-7101.csv", records_csv, methods=["GET"]),
    ]

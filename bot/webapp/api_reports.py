"""``/api/v1`` search and reports: the console's search, dashboard and CCPA reports for scripts.

* ``GET /api/v1/search``: the console search (``q`` = reference / e-mail / phone,
  plus filters), paged like ``/api/v1/tickets`` (``cursor``).  Any agent.
* ``GET /api/v1/reports/dashboard``: the dashboard's figures.  Any agent.
* ``GET /api/v1/reports/ccpa-7102``: the 11 CCR 7102 table for ``start``..``end``
  (default: last calendar year), ``format=json`` (default, with the text to
  publish) or ``csv``.  Admins.
* ``GET /api/v1/reports/ccpa-7101``: the request records (no personal data
  beyond the request itself) for ``start``..``end`` (default: the last 24
  months), ``format=csv`` (default, streamed) or ``json``.  Admins.

Authentication, rate limits and errors are the API's own (:func:`bot.webapp.api_base.operation`).
"""

from __future__ import annotations

from typing import Any, Dict, List

from starlette.concurrency import iterate_in_threadpool, run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from bot.console.account_types import AgentView
from bot.settings import Settings
from bot.tickets import InvalidField
from bot.tickets.service import MAX_PAGE_SIZE
from bot.webapp import reporting
from bot.webapp.api_base import PREFIX, operation, query_int, queue_page_json
from bot.webapp.auth import ConsoleServices

__all__ = ["routes", "REPORT_FORMATS"]

REPORT_FORMATS = ("json", "csv")


def _format(request: Request, default: str) -> str:
    value = request.query_params.get("format") or default
    if value not in REPORT_FORMATS:
        raise InvalidField("format", "must be json or csv")
    return value


def _attachment(name: str, start: Any, end: Any) -> Dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{name}-{start.isoformat()}-{end.isoformat()}.csv"'}


@operation()
async def search(request: Request, services: ConsoleServices, agent: AgentView) -> Response:
    query = reporting.search_query(
        request.query_params,
        today=services.clock().date(),
        limit=query_int(request, "limit", 50, 1, MAX_PAGE_SIZE),
        offset=query_int(request, "offset", 0, 0, 1_000_000),
    )
    if query.is_empty:
        raise InvalidField("q", "give a search text or at least one filter")
    page = await run_in_threadpool(reporting.searcher(services).search, query)
    return JSONResponse(queue_page_json(page))


@operation()
async def dashboard(request: Request, services: ConsoleServices, agent: AgentView) -> Response:
    board = await run_in_threadpool(reporting.dashboard(services).build)
    return JSONResponse(board.to_json())


@operation(admin=True)
async def ccpa_7102(request: Request, services: ConsoleServices, agent: AgentView) -> Response:
    fmt = _format(request, "json")
    reports = reporting.reports(services)
    start, end = reports.check_period(*reporting.report_period(request.query_params, services.clock().date()))
    report = await run_in_threadpool(reports.metrics, start, end)
    if fmt == "csv":
        return Response(
            report.to_csv(), media_type="text/csv; charset=utf-8", headers=_attachment("ccpa-7102", start, end)
        )
    return JSONResponse(report.to_json())


@operation(admin=True)
async def ccpa_7101(request: Request, services: ConsoleServices, agent: AgentView) -> Response:
    fmt = _format(request, "csv")
    reports = reporting.reports(services)
    start, end = reports.check_period(*reporting.records_period(request.query_params, services.clock().date()))
    if fmt == "csv":
        chunks = iterate_in_threadpool(reports.records_csv(start, end))
        return StreamingResponse(
            chunks, media_type="text/csv; charset=utf-8", headers=_attachment("ccpa-7101", start, end)
        )
    items = await run_in_threadpool(lambda: [r.to_row() for r in reports.records(start, end)])
    return JSONResponse(
        {
            "regulation": "11 CCR 7101",
            "period_start": start.isoformat(),
            "period_end": end.isoformat(),
            "time_zone": reports.time_zone,
            "items": items,
        }
    )


def routes(settings: Settings) -> List[BaseRoute]:
    return [
        Route(PREFIX + "/search", search, methods=["GET"]),
        Route(PREFIX + "/reports/dashboard", dashboard, methods=["GET"]),
        Route(PREFIX + "/reports/ccpa-7102", ccpa_7102, methods=["GET"]),
        Route(PREFIX + "/reports/ccpa-7101", ccpa_7101, methods=["GET"]),
    ]

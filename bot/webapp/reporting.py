"""What the console's and the API's search, dashboard and report endpoints share: services and parameters.

The services are cheap views over the ticket store the console already opened
(:class:`~bot.webapp.auth.ConsoleServices`), built per request.  Parameter
parsing raises :class:`~bot.tickets.errors.InvalidField` naming the parameter
(never echoing the value), which each surface turns into its own error shape.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Mapping, Optional, Tuple

from bot.console.dashboard import DashboardService
from bot.console.metrics import CcpaReports, previous_calendar_year
from bot.privacy.crypto import Indexer
from bot.tickets.errors import InvalidField
from bot.tickets.search import SearchQuery, TicketSearch
from bot.tickets.states import Channel, Kind, Status
from bot.webapp.auth import ConsoleServices

__all__ = [
    "searcher",
    "reports",
    "dashboard",
    "parse_day",
    "report_period",
    "records_period",
    "search_query",
    "RECORDS_DAYS",
]

#: 7101: records are kept for 24 months; the export's default period.
RECORDS_DAYS = 730


def searcher(services: ConsoleServices) -> TicketSearch:
    return TicketSearch(services.tickets, Indexer(services.settings.index_key))


def reports(services: ConsoleServices) -> CcpaReports:
    return CcpaReports.for_tickets(services.tickets, clock=services.clock)


def dashboard(services: ConsoleServices) -> DashboardService:
    return DashboardService(services.tickets.database, services.clock)


def parse_day(params: Mapping[str, str], name: str) -> Optional[date]:
    raw = (params.get(name) or "").strip()
    if not raw:
        return None
    try:
        if len(raw) != 10:
            raise ValueError(name)
        return date.fromisoformat(raw)
    except ValueError:
        raise InvalidField(name, "must be a date (YYYY-MM-DD)") from None


def _period(params: Mapping[str, str], default: Tuple[date, date]) -> Tuple[date, date]:
    start, end = parse_day(params, "start"), parse_day(params, "end")
    return start or default[0], end or default[1]


def report_period(params: Mapping[str, str], today: date) -> Tuple[date, date]:
    """``start``/``end`` (default: the previous calendar year, the period 7102 publishes)."""
    return _period(params, previous_calendar_year(today))


def records_period(params: Mapping[str, str], today: date) -> Tuple[date, date]:
    """``start``/``end`` (default: the last 24 months, the period 7101 keeps)."""
    return _period(params, (today - timedelta(days=RECORDS_DAYS), today))


def _one(params: Mapping[str, str], name: str, enum_type: type) -> Optional[Tuple[str, ...]]:
    raw = (params.get(name) or "").strip()
    if not raw:
        return None
    try:
        return (enum_type(raw).value,)  # type: ignore[call-arg]
    except ValueError:
        raise InvalidField(name, f"must be one of {', '.join(m.value for m in enum_type)}") from None  # type: ignore[attr-defined]


def search_query(params: Mapping[str, str], *, today: date, limit: int, offset: int = 0) -> SearchQuery:
    """A :class:`SearchQuery` from ``q``, ``status``, ``kind``, ``channel``, ``from``, ``to``, ``due``, ``cursor``."""
    due = (params.get("due") or "").strip() or None
    if due not in (None, "overdue", "soon"):
        raise InvalidField("due", "must be overdue or soon")
    return SearchQuery(
        text=(params.get("q") or "").strip() or None,
        statuses=_one(params, "status", Status),
        kinds=_one(params, "kind", Kind),
        channels=_one(params, "channel", Channel),
        received_from=parse_day(params, "from"),
        received_to=parse_day(params, "to"),
        due=due,
        today=today,
        limit=limit,
        offset=offset,
        after=(params.get("cursor") or "").strip() or None,
    )

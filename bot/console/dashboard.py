"""The desk at a glance: open work by status and kind, what is about to go overdue, intake and speed.

Every figure is one cheap query, so the page stays fast at any number of tickets:

* open tickets by status and kind: a sum over ``ticket_counts`` (kept exact by
  database triggers, a few rows whatever the table size);
* due within 3 days / overdue: two counts on ``ix_tickets_respond_by_status``.
  "Today" and the 3-day window are the queue's own (:func:`due_state`), so the
  dashboard's counts are exactly the tickets the queue marks "soon" / "overdue";
* received per week: a range count on ``ix_tickets_received`` for each of the
  last :data:`WEEKS` weeks (weeks start on Monday), in one statement;
* median days to close: a histogram of whole days from receipt to closing for
  tickets closed in the last :data:`CLOSED_WINDOW_DAYS` days, computed by the
  database (a few dozen rows come back, not one per ticket).

No personal data is read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple

from sqlalchemy import Integer, cast, func, select
from sqlalchemy.sql.elements import ColumnElement

from bot.storage.db import Database
from bot.tickets.models import Ticket, TicketCount
from bot.tickets.search import SOON_DAYS
from bot.tickets.states import OPEN_STATUSES, Kind, Status

__all__ = ["Dashboard", "DashboardService", "due_state", "SOON_DAYS", "WEEKS", "CLOSED_WINDOW_DAYS"]

WEEKS = 12
CLOSED_WINDOW_DAYS = 90
_OPEN = [s.value for s in Status if s in OPEN_STATUSES]


def due_state(respond_by: date, today: date, is_open: bool = True) -> Optional[str]:
    """``"overdue"``, ``"soon"`` (due within :data:`SOON_DAYS`) or ``None``: one rule for queue and dashboard."""
    if not is_open:
        return None
    if respond_by < today:
        return "overdue"
    if respond_by <= today + timedelta(days=SOON_DAYS):
        return "soon"
    return None


@dataclass(frozen=True)
class Dashboard:
    today: date
    #: ``{status: {kind: n}}`` over open statuses (zeros included, in the enums' order).
    open_by_status_kind: Mapping[str, Mapping[str, int]]
    due_soon: int
    overdue: int
    #: ``(Monday of the week, tickets received that week)``, oldest first; the last is this week.
    received_per_week: Tuple[Tuple[date, int], ...]
    median_days_to_close: Optional[float]
    #: How many closed tickets the median is over.
    closed_in_window: int

    @property
    def open_total(self) -> int:
        return sum(sum(kinds.values()) for kinds in self.open_by_status_kind.values())

    def open_by_status(self) -> Dict[str, int]:
        return {status: sum(kinds.values()) for status, kinds in self.open_by_status_kind.items()}

    def open_by_kind(self) -> Dict[str, int]:
        out = {k.value: 0 for k in Kind}
        for kinds in self.open_by_status_kind.values():
            for kind, n in kinds.items():
                out[kind] += n
        return out

    def to_json(self) -> Dict[str, Any]:
        return {
            "today": self.today.isoformat(),
            "open_total": self.open_total,
            "open_by_status_kind": {s: dict(k) for s, k in self.open_by_status_kind.items()},
            "open_by_status": self.open_by_status(),
            "open_by_kind": self.open_by_kind(),
            "due_soon": self.due_soon,
            "overdue": self.overdue,
            "soon_days": SOON_DAYS,
            "received_per_week": [{"week_start": w.isoformat(), "received": n} for w, n in self.received_per_week],
            "median_days_to_close": self.median_days_to_close,
            "closed_in_window": self.closed_in_window,
            "closed_window_days": CLOSED_WINDOW_DAYS,
        }


class DashboardService:
    """Reads the dashboard's figures (read-only, one short session)."""

    def __init__(self, database: Database, clock: Callable[[], datetime]) -> None:
        self._db = database
        self._clock = clock

    def build(self) -> Dashboard:
        now = self._clock()
        today = now.date()  # the queue's "today" (UTC), so the counts match its markers
        this_monday = today - timedelta(days=today.weekday())
        weeks = [this_monday - timedelta(weeks=n) for n in range(WEEKS - 1, -1, -1)]
        bounds = [datetime.combine(day, time(0), tzinfo=timezone.utc) for day in weeks]
        bounds.append(bounds[-1] + timedelta(weeks=1))
        with self._db.read() as session:
            counts = session.execute(
                select(TicketCount.status, TicketCount.kind, func.sum(TicketCount.n))
                .where(TicketCount.status.in_(_OPEN))
                .group_by(TicketCount.status, TicketCount.kind)
            ).all()
            overdue = session.execute(
                select(func.count()).where(Ticket.respond_by < today, Ticket.status.in_(_OPEN))
            ).scalar_one()
            soon = session.execute(
                select(func.count()).where(
                    Ticket.respond_by >= today,
                    Ticket.respond_by <= today + timedelta(days=SOON_DAYS),
                    Ticket.status.in_(_OPEN),
                )
            ).scalar_one()
            # One statement, one index range count per week (a CASE per row over the whole
            # range is ten times slower on SQLite).
            week_counts = session.execute(
                select(
                    *[
                        select(func.count()).where(Ticket.received_at >= lo, Ticket.received_at < hi).scalar_subquery()
                        for lo, hi in zip(bounds, bounds[1:])
                    ]
                )
            ).one()
            histogram = session.execute(
                select(_elapsed_days(self._db).label("days"), func.count())
                .where(Ticket.closed_at >= now - timedelta(days=CLOSED_WINDOW_DAYS))
                .group_by("days")
            ).all()
        by_status: Dict[str, Dict[str, int]] = {s: {k.value: 0 for k in Kind} for s in _OPEN}
        for status, kind, n in counts:
            if kind in by_status[status]:
                by_status[status][kind] += int(n or 0)
        closed = sum(int(n) for _, n in histogram)
        return Dashboard(
            today=today,
            open_by_status_kind=by_status,
            due_soon=int(soon),
            overdue=int(overdue),
            received_per_week=tuple((week, int(n)) for week, n in zip(weeks, week_counts)),
            median_days_to_close=_histogram_median([(max(0, int(d or 0)), int(n)) for d, n in histogram]),
            closed_in_window=closed,
        )


def _elapsed_days(database: Database) -> "ColumnElement[Any]":
    """Whole days from receipt to closing, computed by the database (floor of the elapsed time)."""
    if database.is_sqlite:
        return cast(func.julianday(Ticket.closed_at) - func.julianday(Ticket.received_at), Integer)
    return func.floor(func.extract("epoch", Ticket.closed_at - Ticket.received_at) / 86400)


def _histogram_median(histogram: List[Tuple[int, int]]) -> Optional[float]:
    """The median of values given as ``(value, how many)`` (the mean of the two middle ones if even)."""
    total = sum(n for _, n in histogram)
    if not total:
        return None
    ordered = sorted(histogram)

    def nth(index: int) -> int:
        seen = 0
        for value, n in ordered:
            seen += n
            if index < seen:
                return value
        return ordered[-1][0]  # pragma: no cover - index < total always

    middle = total // 2
    return float(nth(middle)) if total % 2 else (nth(middle - 1) + nth(middle)) / 2

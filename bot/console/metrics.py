"""CCPA request metrics (11 CCR 7102) and request records (11 CCR 7101), from tickets and their audit trail.

7102: a business above the threshold publishes, for the previous calendar year,
how many requests to know, delete, correct, opt out and limit it received,
complied with in whole or in part, and denied, and the median or mean number
of days it took to respond.  7101: every business keeps records of requests and
how it responded, for 24 months: date, nature and manner of the request, date
and nature of the response, and the basis of any denial.

How the numbers are read from the store:

* *Which requests*: tickets of a CCPA jurisdiction (regime ``CCPA``) received
  in the period (calendar days in that jurisdiction's time zone, both ends
  inclusive).  Kinds map to 7102 categories by :data:`CATEGORIES`; escalations
  ("talk to a person") are not rights requests and are left out.  Nothing here
  takes requests to limit the use of sensitive personal information, so that
  row is always present and counts what the store holds (zero).
* *Outcome*: from the audit event that closed the ticket (``transitioned`` to
  a terminal status): ``completed`` with ``fulfilled`` / ``no_data_held``
  → complied in whole, ``partially_fulfilled`` → complied in part;
  ``rejected`` → denied (its reason code is the basis); ``withdrawn`` and open
  tickets are neither and are shown separately, so every received request is
  accounted for.  Outcomes are as of the report's generation time.
* *Days to respond*: calendar days from the day of receipt to the day of the
  closing event (complied or denied), in the jurisdiction's time zone.
* *Extended*: the ticket used its extension (``extension_count > 0``).

No personal data is read: only the ticket skeleton (reference, kind, channel,
dates, status) and audit codes.
"""

from __future__ import annotations

import csv
import io
import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional, Tuple
from zoneinfo import ZoneInfo

from sqlalchemy import and_, select

from bot.storage.db import Database
from bot.tickets.deadlines import DeadlineRules
from bot.tickets.errors import InvalidField
from bot.tickets.models import AuditEvent, Ticket
from bot.tickets.states import TERMINAL_STATUSES, AuditAction, Kind, Status

__all__ = [
    "CATEGORIES",
    "CATEGORY_LABELS",
    "RESPONSES",
    "RECORD_COLUMNS",
    "MAX_PERIOD_DAYS",
    "RequestRecord",
    "CategoryMetrics",
    "MetricsReport",
    "CcpaReports",
    "previous_calendar_year",
]

#: 7102 categories, in the regulation's order, and the ticket kinds that are each.
CATEGORIES: Mapping[str, Tuple[Kind, ...]] = {
    "know": (Kind.ACCESS,),
    "delete": (Kind.DELETION, Kind.PARENTAL_DELETION),
    "correct": (Kind.CORRECTION,),
    "opt_out": (Kind.STOP_USING,),
    "limit": (),
}
CATEGORY_LABELS: Mapping[str, str] = {
    "know": "Requests to know",
    "delete": "Requests to delete",
    "correct": "Requests to correct",
    "opt_out": "Requests to opt out of sale/sharing",
    "limit": "Requests to limit use of sensitive personal information",
}
_CATEGORY_OF: Mapping[str, str] = {kind.value: name for name, kinds in CATEGORIES.items() for kind in kinds}
#: Completion outcome codes (``bot.console.workflow.COMPLETION_OUTCOMES``) that mean complied in part;
#: every other completion (``fulfilled``, ``no_data_held``) is complied in whole.
_PART = frozenset({"partially_fulfilled"})
_COMPLETED = Status.COMPLETED.value
_RESPONSE_OF = {Status.REJECTED.value: "denied", Status.WITHDRAWN.value: "withdrawn"}
#: The nature of the response, as 7101 records it.
RESPONSES = ("complied_in_whole", "complied_in_part", "denied", "withdrawn", "pending")
#: 7101 record columns (nothing about the requester beyond the request itself).
RECORD_COLUMNS = (
    "reference",
    "request_type",
    "ticket_kind",
    "received_on",
    "manner",
    "responded_on",
    "response",
    "denial_basis",
    "extended",
    "respond_by",
)
#: Longest period one report or export covers (7101 keeps 24 months; a little slack for leap years).
MAX_PERIOD_DAYS = 800


@dataclass(slots=True)
class RequestRecord:
    """One request as 7101 keeps it: no name, contact or free text."""

    reference: str
    category: str
    kind: str
    received_on: date
    manner: str
    responded_on: Optional[date]
    response: str
    denial_basis: Optional[str]
    extended: bool
    respond_by: date

    @property
    def days_to_respond(self) -> Optional[int]:
        if self.response not in ("complied_in_whole", "complied_in_part", "denied") or self.responded_on is None:
            return None
        return (self.responded_on - self.received_on).days

    def to_row(self) -> Dict[str, Any]:
        return {
            "reference": self.reference,
            "request_type": self.category,
            "ticket_kind": self.kind,
            "received_on": self.received_on.isoformat(),
            "manner": self.manner,
            "responded_on": self.responded_on.isoformat() if self.responded_on else None,
            "response": self.response,
            "denial_basis": self.denial_basis,
            "extended": self.extended,
            "respond_by": self.respond_by.isoformat(),
        }


@dataclass
class CategoryMetrics:
    """One 7102 row."""

    category: str
    label: str
    received: int = 0
    complied_in_whole: int = 0
    complied_in_part: int = 0
    denied: int = 0
    withdrawn: int = 0
    pending: int = 0
    extended: int = 0
    median_days: Optional[float] = None
    mean_days: Optional[float] = None
    denial_bases: Dict[str, int] = field(default_factory=dict)
    days: List[int] = field(default_factory=list, repr=False)

    @property
    def complied(self) -> int:
        return self.complied_in_whole + self.complied_in_part

    def add(self, record: RequestRecord) -> None:
        self.received += 1
        setattr(self, record.response, getattr(self, record.response) + 1)
        if record.extended:
            self.extended += 1
        if record.denial_basis:
            self.denial_bases[record.denial_basis] = self.denial_bases.get(record.denial_basis, 0) + 1
        days = record.days_to_respond
        if days is not None:
            self.days.append(days)

    def finish(self) -> None:
        if self.days:
            self.median_days = float(statistics.median(self.days))
            self.mean_days = round(statistics.fmean(self.days), 1)

    def to_json(self) -> Dict[str, Any]:
        return {
            "category": self.category,
            "label": self.label,
            "received": self.received,
            "complied": self.complied,
            "complied_in_whole": self.complied_in_whole,
            "complied_in_part": self.complied_in_part,
            "denied": self.denied,
            "withdrawn": self.withdrawn,
            "pending": self.pending,
            "extended": self.extended,
            "median_days": self.median_days,
            "mean_days": self.mean_days,
            "denial_bases": dict(sorted(self.denial_bases.items())),
        }


#: CSV columns of the 7102 table.
METRIC_COLUMNS = (
    "category",
    "label",
    "received",
    "complied",
    "complied_in_whole",
    "complied_in_part",
    "denied",
    "withdrawn",
    "pending",
    "extended",
    "median_days",
    "mean_days",
)


@dataclass(frozen=True)
class MetricsReport:
    """The 7102 table for a period."""

    period_start: date
    period_end: date
    time_zone: str
    generated_at: datetime
    rows: Tuple[CategoryMetrics, ...]

    def to_json(self) -> Dict[str, Any]:
        return {
            "regulation": "11 CCR 7102",
            "period_start": self.period_start.isoformat(),
            "period_end": self.period_end.isoformat(),
            "time_zone": self.time_zone,
            "generated_at": self.generated_at.isoformat(),
            "categories": [row.to_json() for row in self.rows],
            "text": self.publishable_text(),
        }

    def to_csv(self) -> str:
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(METRIC_COLUMNS), extrasaction="ignore", lineterminator="\r\n")
        writer.writeheader()
        for row in self.rows:
            writer.writerow({k: ("" if v is None else v) for k, v in row.to_json().items()})
        return out.getvalue()

    def publishable_text(self) -> str:
        """Plain sentences a business can put in its privacy policy (7102(a)(1))."""
        period = f"{_long_date(self.period_start)} to {_long_date(self.period_end)}"
        lines = [f"Consumer requests we received from California residents from {period}:"]
        for row in self.rows:
            noun = row.label[0].lower() + row.label[1:]
            if not row.received:
                lines.append(f"- {row.label}: we received none.")
                continue
            sentence = (
                f"- {row.label}: we received {row.received}, complied with {row.complied} in whole or in part "
                f"and denied {row.denied}"
            )
            other = row.withdrawn + row.pending
            if other:
                sentence += f" ({row.withdrawn} were withdrawn and {row.pending} are still being handled)"
            if row.median_days is not None:
                sentence += (
                    f". We responded to {noun} in a median of {_days(row.median_days)} "
                    f"(mean {_days(row.mean_days)})"
                )
            lines.append(sentence + ".")
        return "\n".join(lines)


def _long_date(day: date) -> str:
    return f"{day.strftime('%B')} {day.day}, {day.year}"


def _days(value: Optional[float]) -> str:
    if value is None:
        return "-"
    text = f"{value:g}"
    return f"{text} day" + ("" if value == 1 else "s")


def previous_calendar_year(today: date) -> Tuple[date, date]:
    """The period 7102 asks about: the previous calendar year."""
    return date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)


class CcpaReports:
    """Builds the 7102 table and the 7101 records from the ticket store (read-only).

    Args:
        database: the ticket store's database.
        rules: the deadline rules (which jurisdictions are CCPA, and their time zone).
        clock: current time (aware UTC) for ``generated_at``.
        batch_size: records read per round trip when streaming an export.
    """

    def __init__(
        self, database: Database, rules: DeadlineRules, clock: Callable[[], datetime], batch_size: int = 2000
    ) -> None:
        self._db = database
        self._rules = rules
        self._clock = clock
        self._batch = batch_size
        codes = sorted(code for code in rules.codes if rules.rule_for(code).regime == "CCPA")
        if not codes:
            raise InvalidField("jurisdiction", "no CCPA jurisdiction is configured")
        self._codes = codes
        self.time_zone = rules.rule_for(codes[0]).timezone

    @classmethod
    def for_tickets(cls, tickets: Any, clock: Optional[Callable[[], datetime]] = None) -> "CcpaReports":
        """From a :class:`~bot.tickets.TicketService` (its database, rules and clock)."""
        return cls(tickets.database, tickets.rules, clock or tickets._clock)

    def check_period(self, start: Any, end: Any) -> Tuple[date, date]:
        """``(start, end)`` as dates, or :class:`InvalidField` (reversed, or longer than :data:`MAX_PERIOD_DAYS`)."""
        if not isinstance(start, date) or not isinstance(end, date):
            raise InvalidField("period", "needs a start and an end date (YYYY-MM-DD)")
        if end < start:
            raise InvalidField("end", "must not be before start")
        if (end - start).days > MAX_PERIOD_DAYS:
            raise InvalidField("period", f"can be at most {MAX_PERIOD_DAYS} days long")
        return start, end

    def records(self, start: date, end: date) -> Iterator[RequestRecord]:
        """Every CCPA request received from ``start`` to ``end`` (inclusive), oldest first, streamed in batches."""
        start, end = self.check_period(start, end)
        zone = ZoneInfo(self.time_zone)
        lower = datetime.combine(start, time(0), tzinfo=zone)
        upper = datetime.combine(end + timedelta(days=1), time(0), tzinfo=zone)
        closing = and_(
            AuditEvent.ticket_id == Ticket.id,
            AuditEvent.action == AuditAction.TRANSITIONED.value,
            AuditEvent.to_status.in_([s.value for s in TERMINAL_STATUSES]),
        )
        base = (
            select(
                Ticket.id,
                Ticket.reference,
                Ticket.kind,
                Ticket.channel,
                Ticket.status,
                Ticket.received_at,
                Ticket.extension_count,
                Ticket.respond_by,
                AuditEvent.at,
                AuditEvent.reason_code,
            )
            .outerjoin(AuditEvent, closing)
            .where(
                Ticket.received_at >= lower,
                Ticket.received_at < upper,
                Ticket.jurisdiction.in_(self._codes),
                Ticket.kind.in_(list(_CATEGORY_OF)),
            )
            .order_by(Ticket.received_at, Ticket.id)
        )
        # One query, streamed in batches (a server-side cursor on PostgreSQL; SQLite steps its cursor).
        with self._db.engine.connect() as connection:
            result = connection.execution_options(stream_results=True).execute(base)
            for rows in result.partitions(self._batch):
                for row in rows:
                    yield self._record(row, zone)

    def metrics(self, start: date, end: date) -> MetricsReport:
        """The 7102 table for ``start``..``end`` (one row per category, always all five)."""
        rows = {name: CategoryMetrics(name, CATEGORY_LABELS[name]) for name in CATEGORIES}
        for record in self.records(start, end):
            rows[record.category].add(record)
        for row in rows.values():
            row.finish()
        return MetricsReport(start, end, self.time_zone, self._clock(), tuple(rows.values()))

    def records_csv(self, start: date, end: date) -> Iterator[str]:
        """The 7101 records as CSV text, header first, a chunk per batch (for streaming responses)."""
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(RECORD_COLUMNS), lineterminator="\r\n")
        writer.writeheader()
        for count, record in enumerate(self.records(start, end), start=1):
            row = record.to_row()
            row["extended"] = "yes" if record.extended else "no"
            writer.writerow({k: ("" if v is None else v) for k, v in row.items()})
            if count % self._batch == 0:
                yield out.getvalue()
                out.seek(0)
                out.truncate()
        yield out.getvalue()

    @staticmethod
    def _record(row: Any, zone: ZoneInfo) -> RequestRecord:
        _id, reference, kind, channel, status, received_at, extension_count, respond_by, closed_at, code = row
        if status == _COMPLETED:
            response = "complied_in_part" if code in _PART else "complied_in_whole"
        else:
            response = _RESPONSE_OF.get(status, "pending")
        return RequestRecord(
            reference,
            _CATEGORY_OF[kind],
            kind,
            received_at.astimezone(zone).date(),
            channel,
            closed_at.astimezone(zone).date() if closed_at is not None and response != "pending" else None,
            response,
            code if response == "denied" else None,
            extension_count > 0,
            respond_by,
        )

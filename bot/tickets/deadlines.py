"""Jurisdiction rules and due dates: pure functions, no database, no clock.

Rules (defaults, all configurable through :class:`JurisdictionRule`):

* ``US-CA`` (CCPA, 11 CCR 7021): acknowledge within 10 business days, respond
  within 45 calendar days of receipt, one extension of 45 days (90 in total)
  with notice and a reason.  Business days skip weekends and the holiday list
  (US federal holidays, observed, by default).
* ``EU`` / ``UK`` (GDPR Art. 12(3)): respond within one month of receipt,
  extendable by two further months.  A month ends on the same day number, or
  the month's last day when there is none (31 January → 28/29 February).  A
  deadline on a weekend or holiday rolls forward to the next business day.

Dates are calendar dates in the jurisdiction's time zone: a request received
at 23:30 in Los Angeles is received that day, not the next UTC day.
"""

from __future__ import annotations

import calendar
import enum
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, timezone
from typing import Any, Dict, FrozenSet, Iterable, Mapping, Optional
from zoneinfo import ZoneInfo

from bot.tickets.errors import ExtensionNotAllowed, InvalidField

__all__ = [
    "Unit",
    "Period",
    "JurisdictionRule",
    "Deadlines",
    "DeadlineRules",
    "CCPA",
    "GDPR_EU",
    "GDPR_UK",
    "add_business_days",
    "add_months",
    "add_period",
    "is_business_day",
    "next_business_day",
    "received_date",
    "compute_deadlines",
    "escalation_deadlines",
    "extended_due",
    "us_federal_holidays",
]

WEEKEND = frozenset({5, 6})  # Saturday, Sunday


class Unit(str, enum.Enum):
    CALENDAR_DAYS = "calendar_days"
    BUSINESS_DAYS = "business_days"
    MONTHS = "months"


@dataclass(frozen=True)
class Period:
    amount: int
    unit: Unit

    def __post_init__(self) -> None:
        if self.amount < 0:
            raise ValueError("a period cannot be negative")


def is_business_day(day: date, holidays: FrozenSet[date] = frozenset()) -> bool:
    return day.weekday() not in WEEKEND and day not in holidays


def next_business_day(day: date, holidays: FrozenSet[date] = frozenset()) -> date:
    """``day`` itself if it is a business day, else the first business day after it."""
    while not is_business_day(day, holidays):
        day += timedelta(days=1)
    return day


def add_business_days(start: date, days: int, holidays: FrozenSet[date] = frozenset()) -> date:
    """The ``days``-th business day after ``start`` (``start`` itself never counts)."""
    current = start
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if is_business_day(current, holidays):
            remaining -= 1
    return current


def add_months(start: date, months: int) -> date:
    """Same day number ``months`` later, clamped to the month's last day."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def add_period(start: date, period: Period, holidays: FrozenSet[date] = frozenset()) -> date:
    if period.unit is Unit.CALENDAR_DAYS:
        return start + timedelta(days=period.amount)
    if period.unit is Unit.BUSINESS_DAYS:
        return add_business_days(start, period.amount, holidays)
    return add_months(start, period.amount)


@dataclass(frozen=True)
class JurisdictionRule:
    """How long a jurisdiction gives us.  ``extension`` is added on top of ``respond``."""

    code: str
    regime: str
    respond: Period
    acknowledge: Optional[Period] = None
    extension: Optional[Period] = None
    max_extensions: int = 1
    roll_forward: bool = False
    timezone: str = "UTC"
    holidays: FrozenSet[date] = field(default_factory=frozenset)

    def with_holidays(self, extra: Iterable[date]) -> "JurisdictionRule":
        return replace(self, holidays=frozenset(self.holidays) | frozenset(extra))


@dataclass(frozen=True)
class Deadlines:
    received_on: date
    acknowledge_by: Optional[date]
    due: date
    #: The latest due date reachable with every allowed extension (``None``: no extension possible).
    latest_due: Optional[date]


def received_date(received_at: datetime, rule: JurisdictionRule) -> date:
    """The calendar date of receipt in the jurisdiction's time zone (naive = UTC)."""
    if received_at.tzinfo is None:
        received_at = received_at.replace(tzinfo=timezone.utc)
    return received_at.astimezone(ZoneInfo(rule.timezone)).date()


def _finish(day: date, rule: JurisdictionRule) -> date:
    return next_business_day(day, rule.holidays) if rule.roll_forward else day


def _respond_by(received_on: date, rule: JurisdictionRule, extensions: int) -> date:
    extension = rule.extension
    if not extensions or extension is None:
        return _finish(add_period(received_on, rule.respond, rule.holidays), rule)
    if extension.unit is rule.respond.unit:
        # Counted from receipt, so 31 Jan + 1 month + 2 months is 30 Apr, not 28 Apr.
        total = Period(rule.respond.amount + extensions * extension.amount, rule.respond.unit)
        return _finish(add_period(received_on, total, rule.holidays), rule)
    day = add_period(received_on, rule.respond, rule.holidays)
    for _ in range(extensions):
        day = add_period(day, extension, rule.holidays)
    return _finish(day, rule)


def compute_deadlines(received_at: datetime, rule: JurisdictionRule) -> Deadlines:
    """Acknowledge-by, due and latest possible due date for a request received at ``received_at``."""
    received_on = received_date(received_at, rule)
    acknowledge_by = (
        _finish(add_period(received_on, rule.acknowledge, rule.holidays), rule) if rule.acknowledge else None
    )
    latest = _respond_by(received_on, rule, rule.max_extensions) if rule.extension and rule.max_extensions else None
    return Deadlines(received_on, acknowledge_by, _respond_by(received_on, rule, 0), latest)


def escalation_deadlines(received_at: datetime, rule: JurisdictionRule, business_days: int) -> Deadlines:
    """An escalation is due when the bot promised a reply: ``business_days`` business days after receipt
    (the jurisdiction's calendar and holidays), not a rights request's legal deadline."""
    received_on = received_date(received_at, rule)
    return Deadlines(received_on, None, add_business_days(received_on, business_days, rule.holidays), None)


def extended_due(received_at: datetime, rule: JurisdictionRule, extensions_used: int) -> date:
    """The due date after one more extension; :class:`ExtensionNotAllowed` past the limit."""
    if rule.extension is None or rule.max_extensions <= 0:
        raise ExtensionNotAllowed(f"{rule.regime} allows no extension")
    if extensions_used >= rule.max_extensions:
        raise ExtensionNotAllowed(f"{rule.regime} allows {rule.max_extensions} extension(s); already used")
    return _respond_by(received_date(received_at, rule), rule, extensions_used + 1)


def _observed(day: date) -> date:
    if day.weekday() == 5:
        return day - timedelta(days=1)
    if day.weekday() == 6:
        return day + timedelta(days=1)
    return day


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    first = date(year, month, 1)
    offset = (weekday - first.weekday()) % 7
    if n > 0:
        return first + timedelta(days=offset + 7 * (n - 1))
    last = date(year, month, calendar.monthrange(year, month)[1])
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def us_federal_holidays(year: int) -> FrozenSet[date]:
    """US federal holidays of ``year`` as observed (Saturday → Friday, Sunday → Monday)."""
    fixed = [date(year, 1, 1), date(year, 6, 19), date(year, 7, 4), date(year, 11, 11), date(year, 12, 25)]
    floating = [
        _nth_weekday(year, 1, 0, 3),  # Martin Luther King Jr. Day
        _nth_weekday(year, 2, 0, 3),  # Washington's Birthday
        _nth_weekday(year, 5, 0, -1),  # Memorial Day
        _nth_weekday(year, 9, 0, 1),  # Labor Day
        _nth_weekday(year, 10, 0, 2),  # Columbus Day
        _nth_weekday(year, 11, 3, 4),  # Thanksgiving
    ]
    return frozenset({_observed(d) for d in fixed} | set(floating))


def _us_holidays(first_year: int = 2020, last_year: int = 2045) -> FrozenSet[date]:
    days: set = set()
    for year in range(first_year, last_year + 1):
        days |= us_federal_holidays(year)
    return frozenset(days)


CCPA = JurisdictionRule(
    code="US-CA",
    regime="CCPA",
    acknowledge=Period(10, Unit.BUSINESS_DAYS),
    respond=Period(45, Unit.CALENDAR_DAYS),
    extension=Period(45, Unit.CALENDAR_DAYS),
    max_extensions=1,
    roll_forward=False,
    timezone="America/Los_Angeles",
    holidays=_us_holidays(),
)
GDPR_EU = JurisdictionRule(
    code="EU",
    regime="GDPR",
    respond=Period(1, Unit.MONTHS),
    extension=Period(2, Unit.MONTHS),
    max_extensions=1,
    roll_forward=True,
    timezone="Europe/Brussels",
)
GDPR_UK = replace(GDPR_EU, code="UK", regime="UK GDPR", timezone="Europe/London")


class DeadlineRules:
    """The configured jurisdictions and the default for requests that name none."""

    def __init__(
        self,
        rules: Iterable[JurisdictionRule] = (CCPA, GDPR_EU, GDPR_UK),
        default: str = "US-CA",
        escalation_reply_business_days: int = 2,
    ) -> None:
        self._rules: Dict[str, JurisdictionRule] = {rule.code: rule for rule in rules}
        if default not in self._rules:
            raise ValueError(f"default jurisdiction {default!r} has no rule")
        if escalation_reply_business_days < 1:
            raise ValueError("escalation_reply_business_days must be at least 1")
        self.default = default
        #: The reply the bot promises an escalation (``ESCALATION_REPLY_BUSINESS_DAYS``): its due date.
        self.escalation_reply_business_days = escalation_reply_business_days

    @property
    def codes(self) -> FrozenSet[str]:
        return frozenset(self._rules)

    def rule_for(self, code: Optional[str] = None) -> JurisdictionRule:
        """The rule for ``code`` (``None`` → the default); :class:`InvalidField` if unknown."""
        key = self.default if code is None else code.strip().upper() if isinstance(code, str) else code
        rule = self._rules.get(key) if isinstance(key, str) else None
        if rule is None:
            raise InvalidField(
                "jurisdiction", f"unknown jurisdiction; expected one of {', '.join(sorted(self._rules))}"
            )
        return rule

    @classmethod
    def from_settings(cls, settings: Any, company_default: Optional[str] = None) -> "DeadlineRules":
        """The built-in rules with the configured extra holidays and default jurisdiction.

        ``TICKET_DEFAULT_JURISDICTION`` wins; else ``company_default`` (the company's first
        jurisdiction); else US-CA.  The settings have validated every value already.
        """
        holidays: Mapping[str, Iterable[date]] = settings.ticket_holidays
        return cls(
            [rule.with_holidays(holidays.get(rule.code, ())) for rule in (CCPA, GDPR_EU, GDPR_UK)],
            settings.ticket_default_jurisdiction or (company_default or "").strip().upper() or "US-CA",
            settings.escalation_reply_business_days,
        )

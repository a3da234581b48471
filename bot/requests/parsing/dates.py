"""Dates of birth in many written forms (a day/month that could be swapped is ``AMBIGUOUS``), and ages."""

from __future__ import annotations

import re
from datetime import date
from typing import Optional

from bot.requests.parsing.children import child_age
from bot.requests.parsing.result import MAX_AGE, Outcome, Parsed
from bot.requests.sentences import MONTHS as _MONTHS
from bot.requests.sentences import clean_text as _clean
from bot.requests.sentences import find_date

# --------------------------------------------------------------------------- dates of birth

_MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_DOB_PREFIX = re.compile(
    r"^(?:(?:my\s+)?(?:date\s+of\s+birth|dob|d\.o\.b\.?|birthday|birth\s*date)(?:\s+is)?\s*[:=]?|i\s+was\s+born(?:\s+on)?|born(?:\s+on)?|it'?s|it\s+is|on)\s+",
    re.IGNORECASE,
)
_NUMERIC_DATE = re.compile(r"^(\d{1,4})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{1,4})$")
_COMPACT_ISO = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_ORDINAL = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)\b", re.IGNORECASE)


def format_date(value: date) -> str:
    """``4 March 1990`` — unambiguous in every locale."""
    return f"{value.day} {_MONTH_NAMES[value.month - 1]} {value.year}"


def _year(token: str, today: date) -> Optional[int]:
    if len(token) == 4:
        return int(token)
    if len(token) == 2:
        yy = int(token)
        return 2000 + yy if 2000 + yy <= today.year else 1900 + yy
    return None


def _make_date(year: int, month: int, day: int) -> Optional[date]:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _check_dob(value: date, today: date) -> Parsed[date]:
    if value > today:
        return Parsed.bad("That date is in the future. Please type your date of birth, for example March 4 1990.")
    if age_on(value, today) > MAX_AGE:
        return Parsed.bad(
            "That date is more than 120 years ago. Please check the year and type your date of birth again."
        )
    return Parsed.good(value)


def parse_date_of_birth(text: object, today: Optional[date] = None) -> Parsed[date]:
    """A date of birth in many written forms; a day/month that could be swapped is ``AMBIGUOUS``.

    A date inside a sentence ("oh it's 4 March 1990 I think") is read when the whole text is not one.
    """
    result = _parse_date_of_birth(text, today)
    if result.outcome is Outcome.INVALID:
        found = find_date(text)
        if found and found != _clean(text):
            return _parse_date_of_birth(found, today)
    return result


def _parse_date_of_birth(text: object, today: Optional[date] = None) -> Parsed[date]:
    today = today or date.today()
    cleaned = _clean(text)
    if len(cleaned) > 60:
        return Parsed.bad("Please type just your date of birth, for example March 4 1990 or 1990-03-04.")
    cleaned = _DOB_PREFIX.sub("", cleaned).strip().rstrip(".").strip()
    lowered = cleaned.lower()
    if not lowered:
        return Parsed.bad("I didn't catch a date. Please type your date of birth, for example March 4 1990.")

    match = _COMPACT_ISO.match(lowered)
    if match:
        lowered = f"{match.group(1)}-{match.group(2)}-{match.group(3)}"
    match = _NUMERIC_DATE.match(lowered)
    if match:
        a, b, c = match.groups()
        if len(a) == 4:  # ISO: year-month-day
            value = _make_date(int(a), int(b), int(c))
            if value is None:
                return Parsed.bad("That date doesn't exist. Please type it as year-month-day, for example 1990-03-04.")
            return _check_dob(value, today)
        year = _year(c, today)
        if year is None:
            return Parsed.bad("Please include the year, for example 03/04/1990 or March 4 1990.")
        first, second = int(a), int(b)
        month_first = _make_date(year, first, second)  # US: month/day
        day_first = _make_date(year, second, first)  # elsewhere: day/month
        candidates = [d for d in (month_first, day_first) if d is not None]
        if not candidates:
            return Parsed.bad(
                "That date doesn't exist. Please check it, or type it with the month's name, like March 4 1990."
            )
        if len(candidates) == 1 or candidates[0] == candidates[1]:
            return _check_dob(candidates[0], today)
        readings = [r for r in candidates if _check_dob(r, today).ok]
        if not readings:
            return _check_dob(candidates[0], today)
        if len(readings) == 1:
            return Parsed.good(readings[0])
        return Parsed(
            Outcome.AMBIGUOUS,
            alternatives=tuple(readings),
            problem=f"Just to be sure: is that {format_date(readings[0])} or {format_date(readings[1])}?",
        )

    # Written forms: a month name plus a day and a year, in any order.
    words = _ORDINAL.sub(r"\1", lowered)
    words = re.sub(r"[,/.\-]", " ", words)
    tokens = [t for t in words.split() if t not in {"of", "the", "in", "on"}]
    month = None
    numbers = []
    for token in tokens:
        if token in _MONTHS and month is None:
            month = _MONTHS[token]
        elif token.isdigit() and len(token) <= 4:
            numbers.append(token)
        else:
            return Parsed.bad(
                "I couldn't read that as a date. Please type your date of birth, for example March 4 1990 or 1990-03-04."
            )
    if month is None:
        return Parsed.bad(
            "I couldn't read that as a date. Please type your date of birth, for example March 4 1990 or 1990-03-04."
        )
    if len(numbers) < 2:
        return Parsed.bad("Please include the day and the year, for example March 4 1990.")
    if len(numbers) > 2:
        return Parsed.bad("I couldn't read that as a date. Please type your date of birth, for example March 4 1990.")
    day_token, year_token = numbers
    if len(day_token) > 2:  # "1990 March 4"
        day_token, year_token = year_token, day_token
    year = _year(year_token, today)
    if year is None:
        return Parsed.bad("Please include the year, for example March 4 1990.")
    value = _make_date(year, month, int(day_token))
    if value is None:
        return Parsed.bad("That date doesn't exist. Please check the day and type your date of birth again.")
    return _check_dob(value, today)


def age_on(born: date, today: Optional[date] = None) -> int:
    """Completed years of age on ``today``."""
    today = today or date.today()
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def is_under_13(born: date, today: Optional[date] = None) -> bool:
    """Born less than the policy's children's age ago (the name keeps the usual US age)."""
    return age_on(born, today) < child_age()

"""Validators for what a requester types: pure functions, no Rasa, no I/O.

Each ``parse_*`` function takes the user's raw text and returns a
:class:`Parsed` result: ``ok`` with a normalised value, ``invalid`` with a
specific, user-facing ``problem`` (what was wrong and what to type instead),
or — for dates of birth — ``ambiguous`` with the readings to choose from.
Problems never quote the user's input (it may be personal data).

Dates of birth accept many written forms: ``03/04/1990``, ``1990-03-04``,
``March 4 1990``, ``4th of march 90``, ``4 Mar 1990``.  A numeric day/month
that could be either way round (``03/04/1990``) is ``ambiguous``; the bot asks.
"""
from __future__ import annotations

import enum
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from typing import Generic, Optional, Tuple, TypeVar

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from bot.requests.sentences import (
    MONTHS as _MONTHS,
)
from bot.requests.sentences import (
    WORD_NUMBERS as _WORD_NUMBERS,
)
from bot.requests.sentences import (
    clean_text as _clean,
)
from bot.requests.sentences import (
    find_child_age,
    find_date,
    find_email,
    find_phone,
    find_reference,
    find_relationship,
    looks_like_question,
    new_value_after_cue,
    read_access_scope,
    read_stop_scope,
    says_instead,
)

__all__ = [
    "Outcome",
    "Parsed",
    "FREE_TEXT_LIMIT",
    "NAME_LIMIT",
    "MAX_AGE",
    "CHILD_AGE",
    "child_age",
    "parse_name",
    "parse_email",
    "parse_phone",
    "parse_contact",
    "parse_date_of_birth",
    "age_on",
    "is_under_13",
    "parse_postal_code",
    "parse_order_number",
    "parse_identifier",
    "parse_free_text",
    "parse_child_age",
    "claims_under_13",
    "format_date",
    "is_skip",
    "find_reference",
    "find_email",
    "find_phone",
    "find_date",
    "find_child_age",
    "find_relationship",
    "looks_like_question",
    "says_instead",
    "new_value_after_cue",
    "read_access_scope",
    "read_stop_scope",
]

T = TypeVar("T")

FREE_TEXT_LIMIT = 1000
NAME_LIMIT = 100
MAX_AGE = 120
#: The children's age when the policy and company.yml state none (COPPA's).
CHILD_AGE = 13


def child_age() -> int:
    """The age under which the policy treats a user as a child (the company profile's, else 13)."""
    from bot.company import CompanyFileError, current_profile

    try:
        return current_profile().children_age or CHILD_AGE
    except (CompanyFileError, OSError, ValueError):
        return CHILD_AGE


class Outcome(str, enum.Enum):
    OK = "ok"
    INVALID = "invalid"
    AMBIGUOUS = "ambiguous"


@dataclass(frozen=True)
class Parsed(Generic[T]):
    """A validator's answer.  ``problem`` is a sentence to show the user."""

    outcome: Outcome
    value: Optional[T] = None
    problem: Optional[str] = None
    #: With ``AMBIGUOUS``: the possible readings, most likely first.
    alternatives: Tuple[T, ...] = field(default_factory=tuple)
    #: Extra facts, e.g. ``"postal_code"`` / ``"order_number"`` for :func:`parse_identifier`.
    kind: Optional[str] = None

    @property
    def ok(self) -> bool:
        return self.outcome is Outcome.OK

    @classmethod
    def good(cls, value: T, kind: Optional[str] = None) -> "Parsed[T]":
        return cls(Outcome.OK, value=value, kind=kind)

    @classmethod
    def bad(cls, problem: str) -> "Parsed[T]":
        return cls(Outcome.INVALID, problem=problem)

    def __repr__(self) -> str:  # values may be personal data: keep them out of logs/tracebacks
        return f"Parsed(outcome={self.outcome.value!r}, kind={self.kind!r})"


_SKIP_WORDS = {
    "skip", "skip it", "skip this", "skip that", "none", "no", "nope", "n/a", "na", "don't have one",
    "dont have one", "i don't have one", "i dont have one", "don't know", "dont know", "i don't know",
    "i dont know", "not sure", "no idea", "pass", "i don't have", "i dont have", "nothing", "-",
    "don't have any", "no i don't", "unknown", "i don't remember", "i dont remember",
}


def is_skip(text: object) -> bool:
    """Did the user decline an optional question ("skip", "I don't have one", "no")?"""
    cleaned = _clean(text).lower().strip(" .!")
    return cleaned in _SKIP_WORDS


# --------------------------------------------------------------------------- names

_NAME_PREFIX = re.compile(
    r"^(?:(?:my|his|her|their|the child'?s?|child'?s)\s+(?:full\s+)?name\s+is|name\s*[:=]|it'?s|it\s+is|this\s+is|i\s+am|i'?m|call\s+me)\s+",
    re.IGNORECASE,
)
_NAME_PUNCT = {"'", "-", ".", " ", "’", "‘", "ʼ"}
#: Words that make a message a sentence rather than a name ("I want to delete my data").
_SENTENCE_WORDS = frozenset(
    "i my me you your want wanna would like please delete data information request help what why how when "
    "can could is are do does don't not stop cancel never mind talk person agent question policy".split()
)


def parse_name(text: object) -> Parsed[str]:
    """A person's full name in any script: letters, combining marks, spaces and ``'-.``; 1-100 characters."""
    cleaned = _clean(text)
    cleaned = _NAME_PREFIX.sub("", cleaned).strip().rstrip(".").strip() if len(cleaned) < 300 else cleaned
    if not cleaned:
        return Parsed.bad("I didn't catch a name. Please type your full name, for example \"Jane Doe\".")
    if len(cleaned) > NAME_LIMIT:
        return Parsed.bad(f"That's longer than a name can be here ({NAME_LIMIT} characters at most). Please type just your full name.")
    letters = 0
    for ch in cleaned:
        category = unicodedata.category(ch)
        if category.startswith("L"):
            letters += 1
        elif category.startswith("M") or ch in _NAME_PUNCT:
            continue
        elif ch.isdigit():
            return Parsed.bad("Names can't contain digits. Please type your full name, for example \"Jane Doe\".")
        else:
            return Parsed.bad(
                "A name can only contain letters, spaces, apostrophes, hyphens and full stops. Please type your full name."
            )
    if letters == 0:
        return Parsed.bad("That doesn't look like a name. Please type your full name, for example \"Jane Doe\".")
    words = cleaned.lower().replace("’", "'").split()
    if len(words) > 8 or sum(w in _SENTENCE_WORDS for w in words) >= 2 or (len(words) > 2 and words[0] in _SENTENCE_WORDS):
        return Parsed.bad("That looks like a sentence rather than a name. Please type just your full name, for example \"Jane Doe\".")
    return Parsed.good(cleaned.replace("’", "'"))


# --------------------------------------------------------------------------- e-mail

_EMAIL_PREFIX = re.compile(r"^(?:(?:my\s+)?e-?mail(?:\s+address)?(?:\s+is)?\s*[:=]?|it'?s|it\s+is)\s+", re.IGNORECASE)


def parse_email(text: object) -> Parsed[str]:
    """An e-mail address, syntax and domain form checked (no DNS), normalised."""
    cleaned = _clean(text)
    cleaned = _EMAIL_PREFIX.sub("", cleaned).strip().strip("<>.,;").strip()
    if not cleaned:
        return Parsed.bad("I didn't catch an e-mail address. Please type it like name@example.com.")
    if len(cleaned) > 254:
        return Parsed.bad("That's too long for an e-mail address. Please type it like name@example.com.")
    if "@" not in cleaned:
        return Parsed.bad("An e-mail address needs an @ sign, like name@example.com. Please type it again.")
    if " " in cleaned:
        found = find_email(cleaned)
        if found:
            return Parsed.good(found)
        return Parsed.bad("An e-mail address can't contain spaces. Please type just the address, like name@example.com.")
    try:
        result = validate_email(cleaned, check_deliverability=False)
    except EmailNotValidError:
        local, _, domain = cleaned.rpartition("@")
        if not local:
            return Parsed.bad("Something is missing before the @. Please type the whole address, like name@example.com.")
        if "." not in domain:
            return Parsed.bad("The part after the @ needs a domain such as example.com. Please check the address and type it again.")
        return Parsed.bad("That e-mail address doesn't look right. Please check it and type it again, like name@example.com.")
    return Parsed.good(result.normalized)


# --------------------------------------------------------------------------- phone

_PHONE_PREFIX = re.compile(r"^(?:(?:my\s+)?(?:phone|mobile|cell|number)(?:\s+number)?(?:\s+is)?\s*[:=]?|it'?s|it\s+is)\s+", re.IGNORECASE)


def parse_phone(text: object, default_region: str = "US") -> Parsed[str]:
    """A phone number in E.164 (``+12125550123``); national numbers use ``default_region``."""
    cleaned = _PHONE_PREFIX.sub("", _clean(text)).strip()
    if re.search(r"[A-Za-z]{3,}", cleaned):  # a sentence around the number ("you can reach me on 212 555 0123")
        found = find_phone(cleaned, default_region)
        if found:
            return Parsed.good(found)
    if not cleaned or not any(ch.isdigit() for ch in cleaned):
        return Parsed.bad("I didn't catch a phone number. Please type it with the area code, for example 212 555 0123, or +44 20 7946 0000.")
    if len(cleaned) > 40:
        return Parsed.bad("That's too long for a phone number. Please type just the number, with the area code.")
    if cleaned.startswith("00"):
        cleaned = "+" + cleaned[2:]
    try:
        number = phonenumbers.parse(cleaned, default_region)
    except phonenumbers.NumberParseException:
        return Parsed.bad("That doesn't look like a phone number. Please type it with the area code, for example 212 555 0123.")
    if not phonenumbers.is_possible_number(number) or not phonenumbers.is_valid_number(number):
        return Parsed.bad(
            "That number doesn't look complete or valid. Please include the area code, and the country code if it isn't a US number (for example +44 20 7946 0000)."
        )
    return Parsed.good(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def parse_contact(text: object, default_region: str = "US") -> Parsed[str]:
    """An e-mail address or a phone number; ``kind`` says which (``"email"`` / ``"phone"``)."""
    cleaned = _clean(text)
    if "@" in cleaned:
        result = parse_email(cleaned)
        return Parsed.good(result.value, kind="email") if result.ok else result  # type: ignore[arg-type]
    result = parse_phone(cleaned, default_region)
    if result.ok:
        return Parsed.good(result.value, kind="phone")  # type: ignore[arg-type]
    return Parsed.bad("Please give an e-mail address (like name@example.com) or a phone number with its area code.")


# --------------------------------------------------------------------------- dates of birth

_MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
                "October", "November", "December")
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
        return Parsed.bad("That date is more than 120 years ago. Please check the year and type your date of birth again.")
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
        day_first = _make_date(year, second, first)    # elsewhere: day/month
        candidates = [d for d in (month_first, day_first) if d is not None]
        if not candidates:
            return Parsed.bad("That date doesn't exist. Please check it, or type it with the month's name, like March 4 1990.")
        if len(candidates) == 1 or candidates[0] == candidates[1]:
            return _check_dob(candidates[0], today)
        readings = [r for r in candidates if _check_dob(r, today).ok]
        if not readings:
            return _check_dob(candidates[0], today)
        if len(readings) == 1:
            return Parsed.good(readings[0])
        return Parsed(Outcome.AMBIGUOUS, alternatives=tuple(readings),
                      problem=f"Just to be sure: is that {format_date(readings[0])} or {format_date(readings[1])}?")

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
            return Parsed.bad("I couldn't read that as a date. Please type your date of birth, for example March 4 1990 or 1990-03-04.")
    if month is None:
        return Parsed.bad("I couldn't read that as a date. Please type your date of birth, for example March 4 1990 or 1990-03-04.")
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


# --------------------------------------------------------------------------- identifiers

_POSTAL_PATTERNS = (
    re.compile(r"^\d{5}(?:-\d{4})?$"),                                   # US ZIP / ZIP+4
    re.compile(r"^[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}$"),                   # UK
    re.compile(r"^[A-Z]\d[A-Z] ?\d[A-Z]\d$"),                            # Canada
    re.compile(r"^\d{4}(?: ?[A-Z]{2})?$"),                               # NL / AU / CH ...
    re.compile(r"^\d{3}-?\d{4}$"),                                       # Japan
    re.compile(r"^\d{6}$"),                                              # IN / CN / RU / SG
    re.compile(r"^\d{2}-?\d{3}$"),                                       # PL
)
_POSTAL_PREFIX = re.compile(r"^(?:(?:my\s+)?(?:postal\s*code|post\s*code|postcode|zip(?:\s*code)?)(?:\s+is)?\s*[:=]?|it'?s)\s+", re.IGNORECASE)
_ORDER_PREFIX = re.compile(r"^(?:(?:my\s+)?order(?:\s*(?:number|no\.?|#|num))?(?:\s+is)?\s*[:=#]?|#)\s*", re.IGNORECASE)
_ORDER = re.compile(r"^[A-Z0-9][A-Z0-9\-]{4,29}$")


def parse_postal_code(text: object) -> Parsed[str]:
    """A postal code in a common national form (US, UK, CA, EU, ...), upper-cased."""
    cleaned = _POSTAL_PREFIX.sub("", _clean(text)).strip().upper()
    if len(cleaned) <= 10 and any(p.match(cleaned) for p in _POSTAL_PATTERNS):
        return Parsed.good(cleaned, kind="postal_code")
    return Parsed.bad("That doesn't look like a postal code. Please type it like 10022 or SW1A 1AA, or say \"skip\".")


def parse_order_number(text: object) -> Parsed[str]:
    """An order number: 5-30 letters, digits or hyphens, with at least 4 digits."""
    cleaned = _ORDER_PREFIX.sub("", _clean(text)).strip().upper().replace(" ", "")
    if _ORDER.match(cleaned) and sum(ch.isdigit() for ch in cleaned) >= 4:
        return Parsed.good(cleaned, kind="order_number")
    return Parsed.bad("That doesn't look like an order number. Please copy it from your order confirmation, or say \"skip\".")


def parse_identifier(text: object) -> Parsed[str]:
    """A postal code or an order number; ``kind`` says which.  Text saying "order" means an order number."""
    cleaned = _clean(text)
    if re.search(r"\border\b|#", cleaned, re.IGNORECASE):
        return parse_order_number(cleaned)
    postal = parse_postal_code(cleaned)
    if postal.ok:
        return postal
    order = parse_order_number(cleaned)
    if order.ok:
        return order
    return Parsed.bad(
        "That doesn't look like a postal code or an order number. Please type your postal code (like 10022) or an order number from your confirmation, or say \"skip\"."
    )


# --------------------------------------------------------------------------- free text

def parse_free_text(text: object, limit: int = FREE_TEXT_LIMIT) -> Parsed[str]:
    """Free text, trimmed, non-empty, at most ``limit`` characters."""
    if not isinstance(text, str):
        return Parsed.bad("I didn't catch that. Please describe it in a sentence or two.")
    cleaned = "\n".join(" ".join(line.split()) for line in unicodedata.normalize("NFC", text).strip().splitlines()).strip()
    cleaned = "".join(ch for ch in cleaned if ch == "\n" or unicodedata.category(ch) not in {"Cc", "Cf", "Cs", "Co"})
    if not any(ch.isalnum() for ch in cleaned):
        return Parsed.bad("I didn't catch that. Please describe it in a few words.")
    if len(cleaned) > limit:
        return Parsed.bad(f"That's a bit long: please keep it under {limit} characters (it's {len(cleaned)} now). A short summary is fine; an agent can ask for more.")
    return Parsed.good(cleaned)


# --------------------------------------------------------------------------- children



def parse_child_age(text: object) -> Parsed[int]:
    """A child's age in whole years, 0-17 ("9", "she's nine", "9 years old")."""
    cleaned = _clean(text).lower()
    if len(cleaned) > 80:
        return Parsed.bad("Please type just the child's age in years, for example 9.")
    numbers = re.findall(r"\d+", cleaned)
    words = [w for w in re.findall(r"[a-z]+", cleaned) if w in _WORD_NUMBERS]
    stated = find_child_age(cleaned) if len(numbers) > 1 or len(words) > 1 else None
    if stated is not None:
        age = stated
    elif len(numbers) == 1:
        age = int(numbers[0])
    elif not numbers and len(words) == 1:
        age = _WORD_NUMBERS[words[0]]
    else:
        return Parsed.bad("Please type the child's age in years, for example 9.")
    if "month" in cleaned and age < 24:
        age = 0
    if age > 17:
        return Parsed.bad(
            "This route is for children under 18. If the person is an adult, they can make the request themselves. Otherwise, please type the child's age in years."
        )
    return Parsed.good(age)


_UNDER_13 = (
    re.compile(r"\b(?:i\s*'?\s*a?m|i\s+am|im)\s+(?:only\s+|just\s+)?(\d{1,2}|" + "|".join(_WORD_NUMBERS) + r")\b(?!\s*(?:%|percent|minutes|min|hours|dollars|\$|kg|lbs|cm|ft|th|st|nd|rd|/|-|\.\d))", re.IGNORECASE),
    re.compile(r"\b(?:i\s*'?\s*a?m|i\s+am|im)\s+(?:a\s+)?(?:kid|child|minor|little\s+kid)\b", re.IGNORECASE),
    re.compile(r"\bmy\s+age\s+is\s+(\d{1,2}|" + "|".join(_WORD_NUMBERS) + r")\b", re.IGNORECASE),
    re.compile(r"\bi\s+(?:just\s+)?turned\s+(\d{1,2}|" + "|".join(_WORD_NUMBERS) + r")\b", re.IGNORECASE),
)


_UNDER_N = re.compile(
    r"\b(?:i\s*'?\s*a?m|i\s+am|im)\s+(?:under|below|younger\s+than)\s+(\d{1,2}|" + "|".join(_WORD_NUMBERS) + r")\b",
    re.IGNORECASE,
)


def claims_under_13(text: object) -> bool:
    """Does the user say they are under the policy's children's age ("I'm 12", "im a kid", "I am under 13")?"""
    cleaned = _clean(text)
    if not cleaned or len(cleaned) > 2000:
        return False
    limit = child_age()
    for match in _UNDER_N.finditer(cleaned):
        token = match.group(1).lower()
        if (int(token) if token.isdigit() else _WORD_NUMBERS.get(token, 99)) <= limit:
            return True  # "I'm under 13" with a limit of 13 or more
    for pattern in _UNDER_13:
        for match in pattern.finditer(cleaned):
            if not match.groups() or match.group(1) is None:
                return True
            token = match.group(1).lower()
            age = int(token) if token.isdigit() else _WORD_NUMBERS.get(token, 99)
            if 3 <= age < limit:
                # "I'm 12 years old" yes; "I'm 5 minutes late" excluded above.
                return True
    return False

"""Children: the policy's children's age, a child's age as a parent types it, and a user saying they are a child."""

from __future__ import annotations

import re

from bot.requests.parsing.result import Parsed
from bot.requests.sentences import WORD_NUMBERS as _WORD_NUMBERS
from bot.requests.sentences import clean_text as _clean
from bot.requests.sentences import find_child_age

#: The children's age when the policy and company.yml state none (COPPA's).
CHILD_AGE = 13


def child_age() -> int:
    """The age under which the policy treats a user as a child (the company profile's, else 13)."""
    from bot.company import CompanyFileError, current_profile

    try:
        return current_profile().children_age or CHILD_AGE
    except (CompanyFileError, OSError, ValueError):
        return CHILD_AGE


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
    re.compile(
        r"\b(?:i\s*'?\s*a?m|i\s+am|im)\s+(?:only\s+|just\s+)?(\d{1,2}|"
        + "|".join(_WORD_NUMBERS)
        + r")\b(?!\s*(?:%|percent|minutes|min|hours|dollars|\$|kg|lbs|cm|ft|th|st|nd|rd|/|-|\.\d))",
        re.IGNORECASE,
    ),
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

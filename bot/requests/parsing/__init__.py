"""Validators for what a requester types: pure functions, no Rasa, no I/O.

Each ``parse_*`` function takes the user's raw text and returns a
:class:`Parsed` result: ``ok`` with a normalised value, ``invalid`` with a
specific, user-facing ``problem`` (what was wrong and what to type instead),
or — for dates of birth — ``ambiguous`` with the readings to choose from.
Problems never quote the user's input (it may be personal data).

Dates of birth accept many written forms: ``03/04/1990``, ``1990-03-04``,
``March 4 1990``, ``4th of march 90``, ``4 Mar 1990``.  A numeric day/month
that could be either way round (``03/04/1990``) is ``ambiguous``; the bot asks.

This package's face: import from ``bot.requests.parsing``.  ``result`` holds the
answer type and the shared checks, ``contact`` names, e-mail and phone, ``dates``
dates of birth and ages, ``identifiers`` postal codes and order numbers,
``children`` the children's age; the ``find_*`` / ``read_*`` readers of whole
sentences come from :mod:`bot.requests.sentences`.
"""

from __future__ import annotations

from bot.requests.parsing.children import CHILD_AGE, child_age, claims_under_13, parse_child_age
from bot.requests.parsing.contact import parse_contact, parse_email, parse_name, parse_phone
from bot.requests.parsing.dates import age_on, format_date, is_under_13, parse_date_of_birth
from bot.requests.parsing.identifiers import parse_identifier, parse_order_number, parse_postal_code
from bot.requests.parsing.result import (
    FREE_TEXT_LIMIT,
    MAX_AGE,
    NAME_LIMIT,
    Outcome,
    Parsed,
    is_skip,
    parse_free_text,
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

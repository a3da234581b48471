"""The operator's ``company.yml``: read, checked against its schema, errors naming the field.

The file completes what the policy does not state and overrides what the operator wants said
differently.  Every key is optional (a policy may state it), unknown keys are refused (a typo must
not silently drop a value), and each value is checked for its type.  See ``company.yml`` at the
repository root for the documented example.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any, Callable, Dict, Mapping, Optional, Tuple

import yaml

from bot.tickets.deadlines import CCPA, GDPR_EU, GDPR_UK

__all__ = ["CompanyFileError", "SCHEMA", "read_company_file", "parse_company_values"]

MAX_FILE_BYTES = 64 * 1024


class CompanyFileError(ValueError):
    """``company.yml`` is unreadable or a field is invalid; the message names the file and the field."""


_EMAIL = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")
_PHONE = re.compile(r"^\+?[0-9 ().-]{7,25}$")
_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$")
#: The jurisdictions whose deadline rules the ticket store knows (``bot/tickets/deadlines.py``).
JURISDICTIONS = tuple(rule.code for rule in (CCPA, GDPR_EU, GDPR_UK))


def _text(max_len: int) -> Callable[[Any], Any]:
    def check(value: Any) -> str:
        if not isinstance(value, str) or not value.strip():
            raise ValueError("must be non-empty text")
        if len(value) > max_len or "\n" in value.strip():
            raise ValueError(f"must be one line of at most {max_len} characters")
        return value.strip()

    return check


def _pattern(rx: "re.Pattern[str]", what: str) -> Callable[[Any], Any]:
    def check(value: Any) -> str:
        if not isinstance(value, str) or not rx.match(value.strip()):
            raise ValueError(f"must be {what}")
        return value.strip()

    return check


def _age(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 21:
        raise ValueError("must be a whole number of years between 1 and 21")
    return value


def _jurisdictions(value: Any) -> Tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise ValueError(f"must be a non-empty list of codes from {', '.join(JURISDICTIONS)}")
    codes = []
    for code in value:
        if not isinstance(code, str) or code not in JURISDICTIONS:
            raise ValueError(f"has {code!r}: the deadline rules known are {', '.join(JURISDICTIONS)}")
        codes.append(code)
    return tuple(codes)


def _revision(value: Any) -> str:
    if isinstance(value, date):
        return value.isoformat()
    return _text(40)(value)


def _address(value: Any) -> Dict[str, Optional[str]]:
    if not isinstance(value, dict):
        raise ValueError("must be a mapping with addressee, care_of (optional) and street")
    unknown = set(value) - {"addressee", "care_of", "street"}
    if unknown:
        raise ValueError(f"has unknown key(s) {', '.join(sorted(unknown))}")
    out: Dict[str, Optional[str]] = {}
    for key in ("addressee", "street"):
        if key not in value:
            raise ValueError(f"needs {key}")
        out[key] = _text(200)(value[key])
    out["care_of"] = _text(100)(value["care_of"]) if value.get("care_of") is not None else None
    return out


#: key → (check, what it is for); the documented schema of ``company.yml``.
SCHEMA: Mapping[str, Tuple[Callable[[Any], Any], str]] = {
    "legal_name": (_text(200), "the company's legal name, as letters are addressed"),
    "display_name": (_text(80), "the short name users know (greeting, chat title, SMS)"),
    "assistant_name": (_text(80), "what the assistant calls itself"),
    "privacy_email": (_pattern(_EMAIL, "an e-mail address such as privacy@example.com"), "where privacy e-mail goes"),
    "postal_address": (_address, "addressee, C/O line and street lines for privacy letters"),
    "phone": (_pattern(_PHONE, "a telephone number such as +1 212 555 0100"), "the privacy telephone line"),
    "website": (_pattern(_URL, "an http(s) URL"), "the company's web site"),
    "jurisdictions": (_jurisdictions, "deadline rules that apply, the first being the default for requests"),
    "children_age": (_age, "no data is knowingly collected from children under this age"),
    "parental_deletion_age": (_age, "a parent may have a child's data deleted while the child is under it"),
    "parental_proof": (_text(300), "what a parent must send to prove parental or guardian status"),
    "policy_revision": (_revision, "the policy's revision date, when the policy does not state it"),
}


def parse_company_values(raw: Any, origin: str = "company.yml") -> Dict[str, Any]:
    """The checked values of a parsed ``company.yml`` mapping (``{}`` for an empty file)."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise CompanyFileError(f"{origin}: must be a mapping of field: value (see the documented company.yml)")
    values: Dict[str, Any] = {}
    for key, value in raw.items():
        if key not in SCHEMA:
            raise CompanyFileError(f"{origin}: unknown field {key!r}; known fields: {', '.join(SCHEMA)}")
        if value is None:
            continue  # an explicit blank: leave it to the policy
        check, _ = SCHEMA[key]
        try:
            values[key] = check(value)
        except ValueError as exc:
            raise CompanyFileError(f"{origin}: field {key!r} {exc}") from None
    for low, high in (("children_age", "parental_deletion_age"),):
        if low in values and high in values and values[low] > values[high]:
            raise CompanyFileError(f"{origin}: field {high!r} must not be below {low!r}")
    return values


def read_company_file(path: Path) -> Dict[str, Any]:
    """Read and check ``path``; a missing file is an error naming it (the operator must review one)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise CompanyFileError(f"{path}: no such company file (copy company.yml and fill it in)") from None
    if len(data) > MAX_FILE_BYTES:
        raise CompanyFileError(f"{path}: larger than {MAX_FILE_BYTES // 1024} KB; is this the company file?")
    try:
        raw = yaml.safe_load(data.decode("utf-8"))
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise CompanyFileError(f"{path}: not valid UTF-8 YAML{where}") from None
    return parse_company_values(raw, str(path))

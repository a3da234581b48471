"""Input validation for the ticket service: types, Unicode, caps, codes (never echoes values).

Every function raises :class:`~bot.tickets.errors.InvalidField` (or
:class:`~bot.tickets.errors.FieldTooLong`) naming the field, never the value,
so errors can be logged and shown without leaking personal data.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timezone
from typing import Any, Optional

from bot.privacy.crypto import normalise_phone
from bot.tickets.errors import FieldTooLong, InvalidField
from bot.tickets.states import RevealReason, VerificationLevel, VerificationMethod, parse_enum
from bot.tickets.types import FIELD_LIMITS, PersonalData, Verification

__all__ = ["text", "actor", "code", "birth_date", "personal", "verification", "expected_version"]

_CODE = re.compile(r"^[a-z][a-z0-9_.\-]{0,63}$")
_ACTOR = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:\-]{0,63}$")


def _today() -> date:
    return datetime.now(timezone.utc).date()


def text(field: str, value: Any, *, required: bool = False, limit: Optional[int] = None) -> Optional[str]:
    """Validated text: a ``str``, valid Unicode (no lone surrogates), within its cap."""
    if value is None:
        if required:
            raise InvalidField(field, "is required")
        return None
    if not isinstance(value, str):
        raise InvalidField(field, "must be text")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidField(field, "is not valid UTF-8 text") from None
    if "\x00" in value:
        raise InvalidField(field, "contains a NUL character")
    value = value.strip()
    if not value:
        if required:
            raise InvalidField(field, "is required")
        return None
    cap = limit if limit is not None else FIELD_LIMITS[field]
    if len(value) > cap:
        raise FieldTooLong(field, cap)
    return value


def actor(value: Any, field: str = "actor") -> str:
    cleaned = text(field, value, required=True, limit=FIELD_LIMITS["actor"]) or ""
    if not _ACTOR.match(cleaned):
        raise InvalidField(field, "must be an identifier (letters, digits, '_', '.', ':', '-')")
    return cleaned


def code(field: str, value: Any) -> Optional[str]:
    if value is None:
        return None
    if isinstance(value, RevealReason):
        return value.value
    cleaned = text(field, value, limit=FIELD_LIMITS["reason_code"])
    if cleaned is None:
        return None
    if not _CODE.match(cleaned):
        raise InvalidField(field, "must be a lower-case code such as 'requester_asked' (never free text)")
    return cleaned


def birth_date(field: str, value: Any) -> Optional[date]:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        raise InvalidField(field, "must be a date, not a date and time")
    if isinstance(value, str):
        try:
            value = date.fromisoformat(text(field, value, limit=10) or "")
        except ValueError:
            raise InvalidField(field, "must be a date (YYYY-MM-DD)") from None
    if not isinstance(value, date):
        raise InvalidField(field, "must be a date")
    if value.year < 1900 or value > _today():
        raise InvalidField(field, "is not a plausible date of birth")
    return value


def personal(data: Optional[PersonalData]) -> Optional[PersonalData]:
    if data is None:
        return None
    if not isinstance(data, PersonalData):
        raise InvalidField("personal", "must be PersonalData")
    email = text("email", data.email)
    if email is not None and ("@" not in email or " " in email or email.startswith("@") or email.endswith("@")):
        raise InvalidField("email", "is not an e-mail address")
    phone = text("phone", data.phone)
    if phone is not None:
        digits = normalise_phone(phone).lstrip("+")
        if not 5 <= len(digits) <= 15:
            raise InvalidField("phone", "is not a phone number")
    cleaned = PersonalData(
        requester_name=text("requester_name", data.requester_name),
        email=email,
        phone=phone,
        date_of_birth=birth_date("date_of_birth", data.date_of_birth),
        account_id=text("account_id", data.account_id),
        postal_address=text("postal_address", data.postal_address),
        child_name=text("child_name", data.child_name),
        child_date_of_birth=birth_date("child_date_of_birth", data.child_date_of_birth),
        details=text("details", data.details),
    )
    return None if cleaned.is_empty() else cleaned


def verification(value: Optional[Verification]) -> Verification:
    if value is None:
        return Verification()
    if not isinstance(value, Verification):
        raise InvalidField("verification", "must be Verification")
    method = parse_enum(VerificationMethod, value.method, "verification_method")
    level = parse_enum(VerificationLevel, value.level, "verification_level")
    points = tuple(value.data_points or ())
    if len(points) > FIELD_LIMITS["data_points"]:
        raise FieldTooLong("data_points", FIELD_LIMITS["data_points"])
    names = []
    for point in points:
        name = code("data_point", point)
        if name is None or len(name) > FIELD_LIMITS["data_point"]:
            raise InvalidField("data_point", "must be a short data-point name such as 'email'")
        names.append(name)
    return Verification(method=method, level=level, data_points=tuple(names))


def expected_version(value: Optional[int]) -> Optional[int]:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidField("expected_version", "must be a positive whole number")
    return value

"""A person's identifiers, normalised so the same e-mail or phone always compares equal.

Values are compared in normalised form: e-mail trimmed and lower-cased, phone in
E.164 (``phonenumbers``, US default region), text trimmed.  Systems should store
them that way (the demo shop does); otherwise declare the identity ``format: text``.
"""

from __future__ import annotations

from typing import Any, Dict, FrozenSet, Iterable, Mapping, Optional

import phonenumbers

from bot.fulfilment.datamap import DataMap, IdentityFormat
from bot.fulfilment.errors import AmbiguousPerson

__all__ = ["Identities", "normalise", "from_request", "merged", "check_unique"]

Identities = Mapping[str, FrozenSet[str]]


def normalise(fmt: IdentityFormat, value: Any) -> Optional[str]:
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        return None
    if fmt is IdentityFormat.EMAIL:
        return text.lower() if "@" in text else None
    if fmt is IdentityFormat.PHONE:
        try:
            parsed = phonenumbers.parse(text, "US")
        except phonenumbers.NumberParseException:
            return None
        return (
            phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
            if phonenumbers.is_possible_number(parsed)
            else None
        )
    return text


def from_request(datamap: DataMap, given: Mapping[str, Iterable[Any]]) -> Dict[str, FrozenSet[str]]:
    """The identities a verified request carries, normalised; kinds the map does not let requests carry are ignored."""
    result: Dict[str, FrozenSet[str]] = {}
    for name, values in given.items():
        identity = datamap.identities.get(name)
        if identity is None or not identity.from_request:
            continue
        if isinstance(values, str):
            values = [values]
        clean = frozenset(v for v in (normalise(identity.format, value) for value in values) if v)
        if clean:
            result[name] = clean
    return result


def merged(a: Identities, b: Identities) -> Dict[str, FrozenSet[str]]:
    out = dict(a)
    for name, values in b.items():
        out[name] = out.get(name, frozenset()) | values
    return out


def check_unique(datamap: DataMap, known: Identities) -> None:
    for name, values in known.items():
        identity = datamap.identities.get(name)
        if identity is not None and identity.unique and len(values) > 1:
            raise AmbiguousPerson(name, len(values))

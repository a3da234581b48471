"""Input and output shapes of the ticket service (separate from the table models).

Views (:class:`TicketView`, :class:`NoteView`, :class:`AuditEventView`) never hold
personal data; :class:`PersonalData` is only returned by
``TicketService.reveal_personal_data``, which audits the reveal.

Field caps (characters, checked before anything is written; longer input raises
:class:`~bot.tickets.errors.FieldTooLong`) are in :data:`FIELD_LIMITS`.
"""

from __future__ import annotations

import enum
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any, Dict, Mapping, NamedTuple, Optional, Tuple

from bot.tickets.states import (
    TRANSITIONS,
    AuditAction,
    Channel,
    Kind,
    NoteKind,
    Priority,
    Status,
    VerificationLevel,
    VerificationMethod,
)

__all__ = [
    "FIELD_LIMITS",
    "PERSONAL_FIELDS",
    "PersonalData",
    "Verification",
    "TicketView",
    "NoteView",
    "AuditEventView",
    "QueuePage",
    "CreateResult",
    "RotationReport",
]

#: Maximum lengths in characters.  Documented caps; the service rejects longer input.
FIELD_LIMITS: Mapping[str, int] = {
    "requester_name": 200,
    "child_name": 200,
    "email": 254,
    "phone": 32,
    "account_id": 128,
    "postal_address": 500,
    "details": 10_000,
    "transcript": 200_000,
    "note": 10_000,
    "extension_reason": 2_000,
    "idempotency_key": 200,
    "actor": 64,
    "reason_code": 64,
    "data_point": 32,
    "data_points": 10,  # items
}

#: Names of the personal-data fields (all encrypted at rest).
PERSONAL_FIELDS: Tuple[str, ...] = (
    "requester_name",
    "email",
    "phone",
    "date_of_birth",
    "account_id",
    "postal_address",
    "child_name",
    "child_date_of_birth",
    "details",
)


@dataclass(frozen=True)
class PersonalData:
    """Requester (and child) personal data.  Encrypted at rest as one blob per ticket.

    ``details`` is the requester's free text (what to correct, which data, ...).
    """

    requester_name: Optional[str] = None
    email: Optional[str] = None
    phone: Optional[str] = None
    date_of_birth: Optional[date] = None
    account_id: Optional[str] = None
    postal_address: Optional[str] = None
    child_name: Optional[str] = None
    child_date_of_birth: Optional[date] = None
    details: Optional[str] = None

    def to_json(self) -> Dict[str, Any]:
        """Plain JSON types (dates as ISO strings), ``None`` fields left out."""
        out: Dict[str, Any] = {}
        for name, value in asdict(self).items():
            if value is None:
                continue
            out[name] = value.isoformat() if isinstance(value, date) else value
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "PersonalData":
        values: Dict[str, Any] = {name: data.get(name) for name in PERSONAL_FIELDS}
        for name in ("date_of_birth", "child_date_of_birth"):
            if values[name] is not None:
                values[name] = date.fromisoformat(values[name])
        return cls(**values)

    def is_empty(self) -> bool:
        return all(value is None for value in asdict(self).values())


@dataclass(frozen=True)
class Verification:
    """How the requester was verified.  ``data_points`` names what matched (``"email"``,
    ``"phone"``, ``"date_of_birth"``, ...), never the values."""

    method: VerificationMethod = VerificationMethod.NONE
    level: VerificationLevel = VerificationLevel.NONE
    data_points: Tuple[str, ...] = ()


@dataclass(frozen=True)
class TicketView:
    """A ticket without personal data: what queues, status replies and the console show."""

    reference: str
    kind: Kind
    status: Status
    channel: Channel
    priority: Priority
    jurisdiction: str
    regime: str
    received_at: datetime
    acknowledge_by: Optional[date]
    acknowledged_at: Optional[datetime]
    due_date: date
    extended_due_date: Optional[date]
    #: The date that counts now: ``extended_due_date`` if extended, else ``due_date``.
    respond_by: date
    extension_count: int
    closed_at: Optional[datetime]
    verification: Verification
    verified_at: Optional[datetime]
    assignee: Optional[str]
    claimed_at: Optional[datetime]
    created_at: datetime
    updated_at: datetime
    anonymised_at: Optional[datetime]
    has_personal_data: bool
    has_transcript: bool
    #: Optimistic-concurrency token: pass it back as ``expected_version``.
    version: int
    #: The privacy policy in force when the ticket was filed (revision @ source sha), if known.
    policy_version: Optional[str] = None

    @property
    def is_open(self) -> bool:
        return bool(TRANSITIONS[self.status])

    @property
    def allowed_transitions(self) -> Tuple[Status, ...]:
        return tuple(sorted(TRANSITIONS[self.status], key=lambda s: list(Status).index(s)))

    def to_json(self) -> Dict[str, Any]:
        """JSON-ready dict (enums as values, dates/datetimes ISO 8601)."""
        out: Dict[str, Any] = {}
        for name, value in asdict(self).items():
            out[name] = _jsonable(value)
        out["verification"] = {
            "method": self.verification.method.value,
            "level": self.verification.level.value,
            "data_points": list(self.verification.data_points),
        }
        out["is_open"] = self.is_open
        out["allowed_transitions"] = [s.value for s in self.allowed_transitions]
        return out


@dataclass(frozen=True)
class NoteView:
    id: int
    kind: NoteKind
    author: str
    created_at: datetime
    #: ``None`` once the ticket was anonymised.
    body: Optional[str]


@dataclass(frozen=True)
class AuditEventView:
    """One audit event: who (actor), what (action, status change), when (at), why (reason_code)."""

    id: int
    at: datetime
    actor: str
    action: AuditAction
    reference: Optional[str]
    from_status: Optional[Status]
    to_status: Optional[Status]
    reason_code: Optional[str]


@dataclass(frozen=True)
class QueuePage:
    items: Tuple[TicketView, ...]
    #: Number of tickets matching all filters (for pagination).
    total: int
    limit: int
    offset: int
    #: Tickets per status matching every filter except the status filter (for tabs/badges).
    counts_by_status: Mapping[str, int] = field(default_factory=dict)
    #: Pass as ``after`` for the page that follows this one (keyset pagination: the same
    #: cost at any depth, and no ticket skipped or repeated when tickets are added
    #: meanwhile); ``None`` on a short page.
    next_cursor: Optional[str] = None
    #: This page was read ``after`` a cursor (``offset`` is then not meaningful).
    by_cursor: bool = False

    @property
    def next_offset(self) -> Optional[int]:
        if self.by_cursor:
            return None
        nxt = self.offset + len(self.items)
        return nxt if nxt < self.total else None


class CreateResult(NamedTuple):
    ticket: TicketView
    #: ``False`` when the idempotency key was seen before and the existing ticket is returned.
    created: bool


@dataclass(frozen=True)
class RotationReport:
    tickets: int
    notes: int


def _jsonable(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value

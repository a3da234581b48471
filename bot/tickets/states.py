"""Ticket vocabulary and the status state machine.

::

    awaiting_verification ──▶ verified ──▶ in_progress ──▶ completed
            │                                 │  ▲
            ▼                                 ▼  │
    awaiting_documents ◀──────────────  awaiting_requester / awaiting_documents

    any open status ──▶ rejected | withdrawn        (terminal: completed, rejected, withdrawn)

The table :data:`TRANSITIONS` is the whole machine; :func:`check_transition`
raises :class:`~bot.tickets.errors.InvalidTransition` for anything else.
"""

from __future__ import annotations

import enum
from typing import FrozenSet, Mapping, Type, TypeVar

from bot.tickets.errors import InvalidField, InvalidTransition

__all__ = [
    "Kind",
    "Status",
    "Channel",
    "Priority",
    "VerificationMethod",
    "VerificationLevel",
    "RevealReason",
    "NoteKind",
    "AuditAction",
    "TRANSITIONS",
    "INITIAL_STATUSES",
    "OPEN_STATUSES",
    "TERMINAL_STATUSES",
    "allowed_transitions",
    "check_transition",
    "parse_enum",
    "default_priority",
]


class Kind(str, enum.Enum):
    ACCESS = "access"
    CORRECTION = "correction"
    DELETION = "deletion"
    STOP_USING = "stop_using"
    PARENTAL_DELETION = "parental_deletion"
    ESCALATION = "escalation"


class Status(str, enum.Enum):
    AWAITING_VERIFICATION = "awaiting_verification"
    VERIFIED = "verified"
    IN_PROGRESS = "in_progress"
    AWAITING_REQUESTER = "awaiting_requester"
    AWAITING_DOCUMENTS = "awaiting_documents"
    COMPLETED = "completed"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class Channel(str, enum.Enum):
    WEB = "web"
    SMS = "sms"
    VOICE = "voice"
    API = "api"


class Priority(str, enum.Enum):
    """Queue priority; ``rank`` orders the queue (higher first)."""

    NORMAL = "normal"
    HIGH = "high"

    @property
    def rank(self) -> int:
        return _PRIORITY_RANK[self]

    @classmethod
    def from_rank(cls, rank: int) -> "Priority":
        for priority, value in _PRIORITY_RANK.items():
            if value == rank:
                return priority
        raise InvalidField("priority", "unknown rank")


_PRIORITY_RANK: Mapping[Priority, int] = {Priority.NORMAL: 0, Priority.HIGH: 10}


class VerificationMethod(str, enum.Enum):
    NONE = "none"
    SMS_CODE = "sms_code"
    EMAIL_CODE = "email_code"
    ACCOUNT_MATCH = "account_match"
    DOCUMENTS = "documents"
    AGENT = "agent"


class VerificationLevel(str, enum.Enum):
    """CCPA 11 CCR 7060-7062: ``reasonable`` = 2 data points, ``high`` = 3 + signed declaration."""

    NONE = "none"
    REASONABLE = "reasonable"
    HIGH = "high"


class RevealReason(str, enum.Enum):
    """Why an agent looked at personal data (the audit trail stores the code, never free text)."""

    FULFIL_REQUEST = "fulfil_request"
    VERIFY_IDENTITY = "verify_identity"
    CONTACT_REQUESTER = "contact_requester"
    EXPORT = "export"
    LEGAL_OBLIGATION = "legal_obligation"
    QUALITY_REVIEW = "quality_review"


class NoteKind(str, enum.Enum):
    INTERNAL = "internal"
    REPLY = "reply"  # text sent to the requester (the notifier sends it; the store keeps it)


class AuditAction(str, enum.Enum):
    CREATED = "created"
    TRANSITIONED = "transitioned"
    CLAIMED = "claimed"
    RELEASED = "released"
    NOTE_ADDED = "note_added"
    ACKNOWLEDGED = "acknowledged"
    EXTENDED = "extended"
    PERSONAL_DATA_REVEALED = "personal_data_revealed"
    EXPORTED = "exported"
    ANONYMISED = "anonymised"
    KEYS_ROTATED = "keys_rotated"
    RETENTION_RUN = "retention_run"


S = Status
TERMINAL_STATUSES: FrozenSet[Status] = frozenset({S.COMPLETED, S.REJECTED, S.WITHDRAWN})
OPEN_STATUSES: FrozenSet[Status] = frozenset(set(Status) - TERMINAL_STATUSES)
#: Statuses a ticket may be created in (parental deletion starts by waiting for proof).
INITIAL_STATUSES: FrozenSet[Status] = frozenset({S.AWAITING_VERIFICATION, S.VERIFIED, S.AWAITING_DOCUMENTS})

_ENDINGS = {S.REJECTED, S.WITHDRAWN}
TRANSITIONS: Mapping[Status, FrozenSet[Status]] = {
    S.AWAITING_VERIFICATION: frozenset({S.VERIFIED, S.AWAITING_DOCUMENTS, *_ENDINGS}),
    S.VERIFIED: frozenset({S.IN_PROGRESS, *_ENDINGS}),
    S.IN_PROGRESS: frozenset({S.AWAITING_REQUESTER, S.AWAITING_DOCUMENTS, S.COMPLETED, *_ENDINGS}),
    S.AWAITING_REQUESTER: frozenset({S.IN_PROGRESS, S.COMPLETED, *_ENDINGS}),
    S.AWAITING_DOCUMENTS: frozenset({S.VERIFIED, S.IN_PROGRESS, *_ENDINGS}),
    S.COMPLETED: frozenset(),
    S.REJECTED: frozenset(),
    S.WITHDRAWN: frozenset(),
}
del S

E = TypeVar("E", bound=enum.Enum)


def parse_enum(enum_type: Type[E], value: object, field: str) -> E:
    """``value`` (a member or its string value) as ``enum_type``, else :class:`InvalidField`."""
    if isinstance(value, enum_type):
        return value
    if isinstance(value, str):
        try:
            return enum_type(value)
        except ValueError:
            pass
    raise InvalidField(field, f"unknown {field}; expected one of {', '.join(str(m.value) for m in enum_type)}")


def allowed_transitions(current: Status) -> FrozenSet[Status]:
    return TRANSITIONS[current]


def check_transition(current: Status, requested: Status) -> None:
    """Raise :class:`InvalidTransition` unless ``current`` → ``requested`` is in :data:`TRANSITIONS`."""
    if requested not in TRANSITIONS[current]:
        raise InvalidTransition(current.value, requested.value)


def default_priority(kind: Kind) -> Priority:
    """Parental requests (children's data) are handled first."""
    return Priority.HIGH if kind is Kind.PARENTAL_DELETION else Priority.NORMAL

"""The ticket store: durable, encrypted, concurrency-safe privacy cases with an audit trail.

Use it through :class:`TicketService` only::

    from bot.tickets import TicketService, PersonalData, Kind, Channel

    service = TicketService.from_settings(settings)          # at startup
    result = service.create(kind=Kind.DELETION, channel=Channel.SMS,
                            idempotency_key=f"{conversation_id}:{form_run}",
                            personal=PersonalData(email=..., phone=...))
    result.ticket.reference                                  # "PD-7K3D-9QXM"

Domain code: no Rasa imports.  Blocking: call from async code via ``asyncio.to_thread``.
"""

from bot.tickets.deadlines import DeadlineRules, JurisdictionRule
from bot.tickets.errors import (
    AlreadyClaimed,
    ExtensionNotAllowed,
    FieldTooLong,
    InvalidField,
    InvalidTransition,
    NotClaimed,
    TicketError,
    TicketNotFound,
    VersionConflict,
)
from bot.tickets.references import new_reference, normalise_reference
from bot.tickets.service import DatabaseNotReady, TicketService
from bot.tickets.states import (
    AuditAction,
    Channel,
    Kind,
    NoteKind,
    Priority,
    RevealReason,
    Status,
    VerificationLevel,
    VerificationMethod,
)
from bot.tickets.types import (
    FIELD_LIMITS,
    AuditEventView,
    CreateResult,
    NoteView,
    PersonalData,
    QueuePage,
    RotationReport,
    TicketView,
    Verification,
)

__all__ = [
    "TicketService",
    "DeadlineRules",
    "JurisdictionRule",
    "TicketError",
    "TicketNotFound",
    "InvalidTransition",
    "AlreadyClaimed",
    "NotClaimed",
    "VersionConflict",
    "InvalidField",
    "FieldTooLong",
    "ExtensionNotAllowed",
    "DatabaseNotReady",
    "new_reference",
    "normalise_reference",
    "AuditAction",
    "Channel",
    "Kind",
    "NoteKind",
    "Priority",
    "RevealReason",
    "Status",
    "VerificationLevel",
    "VerificationMethod",
    "FIELD_LIMITS",
    "AuditEventView",
    "CreateResult",
    "NoteView",
    "PersonalData",
    "QueuePage",
    "RotationReport",
    "TicketView",
    "Verification",
]

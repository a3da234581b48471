"""Domain errors of the ticket store.

Every error carries data (never personal data) and becomes a reply or an HTTP
status only in adapters: ``TicketNotFound`` → 404, ``AlreadyClaimed`` /
``VersionConflict`` → 409, ``InvalidTransition`` → 409, ``InvalidField`` /
``FieldTooLong`` → 422.  Messages name fields and codes, never values.
"""

from __future__ import annotations

from typing import Optional

__all__ = [
    "TicketError",
    "TicketNotFound",
    "InvalidTransition",
    "AlreadyClaimed",
    "NotClaimed",
    "VersionConflict",
    "InvalidField",
    "FieldTooLong",
    "ExtensionNotAllowed",
]


class TicketError(Exception):
    """Base class for every ticket-store error."""


class TicketNotFound(TicketError):
    """No ticket has this reference (or id)."""

    def __init__(self, reference: str) -> None:
        # References are public, non-personal identifiers; still, echo only well-formed ones.
        shown = (
            reference if isinstance(reference, str) and len(reference) <= 20 and reference.isascii() else "<invalid>"
        )
        super().__init__(f"no ticket with reference {shown}")
        self.reference = shown


class InvalidTransition(TicketError):
    """The state machine does not allow ``current`` → ``requested``."""

    def __init__(self, current: str, requested: str) -> None:
        super().__init__(f"cannot move a ticket from {current} to {requested}")
        self.current = current
        self.requested = requested


class AlreadyClaimed(TicketError):
    """Another agent holds the ticket; ``holder`` says who."""

    def __init__(self, holder: str) -> None:
        super().__init__(f"ticket is already claimed by {holder}")
        self.holder = holder


class NotClaimed(TicketError):
    """Release by someone who does not hold the ticket (``holder`` may be ``None``)."""

    def __init__(self, holder: Optional[str]) -> None:
        super().__init__("ticket is not held by this agent" if holder else "ticket is not claimed")
        self.holder = holder


class VersionConflict(TicketError):
    """The ticket changed since the caller read it (optimistic concurrency)."""

    def __init__(self, expected: int, current: int) -> None:
        super().__init__(f"ticket changed since it was loaded (expected version {expected}, now {current})")
        self.expected = expected
        self.current = current


class InvalidField(TicketError):
    """A field has a value the store does not accept; ``field`` names it, ``problem`` says why."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


class FieldTooLong(InvalidField):
    """A field exceeds its documented cap (see ``bot.tickets.types.FIELD_LIMITS``)."""

    def __init__(self, field: str, limit: int) -> None:
        super().__init__(field, f"longer than {limit} characters")
        self.limit = limit


class ExtensionNotAllowed(TicketError):
    """The jurisdiction allows no (further) extension, or the ticket is closed."""

    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem

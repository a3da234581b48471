"""One table from domain errors to HTTP answers, for the console pages and the JSON API.

Each row turns an exception into a :class:`Problem`: the status code, the API's
machine-readable ``error`` code and message (plus ``holder`` /
``current_version`` / ``field`` where useful), and the sentence a console page
shows.  Messages never carry personal data or the input.  :func:`describe`
finds a row the way Starlette finds an exception handler: by walking
``type(exc).__mro__``, so the most specific class wins (``FieldTooLong`` before
``InvalidField``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Optional, Type

from bot.console.errors import AgentExists, AgentNotFound, InvalidAccountField, InvalidCredentials, TokenNotFound
from bot.console.workflow import DeliveryFailed, NotAdmin, NotHolder, NotificationUnavailable, ReplyNotAllowed
from bot.tickets import (
    AlreadyClaimed,
    ExtensionNotAllowed,
    FieldTooLong,
    InvalidField,
    InvalidTransition,
    NotClaimed,
    TicketNotFound,
    VersionConflict,
)
from bot.tickets.service import DatabaseNotReady

__all__ = ["Problem", "ERRORS", "describe", "display_actor", "STALE_MESSAGE"]

STALE_MESSAGE = (
    "This ticket changed since you loaded it. Nothing was saved: review the current state below and try again."
)


def display_actor(actor: Optional[str]) -> str:
    """How an actor is named to people: ``agent:ana`` → ``ana``; system actors as they are."""
    if not actor:
        return ""
    return actor.split(":", 1)[1] if actor.startswith("agent:") else actor


@dataclass(frozen=True)
class Problem:
    """How one error is answered: ``status``; ``code``/``message``/``extra`` for the API; ``page`` for the console."""

    status: int
    code: str
    message: str
    page: str
    extra: Dict[str, Any] = field(default_factory=dict)
    #: False: the API does not map this error (it is a console-only outcome).
    api: bool = True


def _account_problem(status: int, code: str) -> Callable[[Any], Problem]:
    return lambda exc: Problem(status, code, str(exc), str(exc).capitalize() + ".", _field(exc))


def _field(exc: Any) -> Dict[str, Any]:
    return {"field": exc.field} if getattr(exc, "field", None) is not None else {}


def _delivery_failed(exc: Any) -> Problem:
    page = f"The message was not sent ({exc.status.replace('_', ' ')}); nothing was recorded."
    if exc.status == "opted_out":
        return Problem(409, "opted_out", "the requester opted out of SMS; nothing was sent", page)
    return Problem(502, "delivery_failed", str(exc), page)


def _not_claimed(exc: Any) -> Problem:
    page = f"You do not hold this ticket{f'; {display_actor(exc.holder)} does' if exc.holder else ''}."
    return Problem(409, "not_holder", str(exc), page, {"holder": exc.holder})


def _not_holder(exc: Any) -> Problem:
    page = f"{display_actor(exc.holder)} holds this ticket." if exc.holder else "Claim the ticket before changing it."
    return Problem(409, "not_holder", str(exc), page, {"holder": exc.holder})


#: Exception type → its answer.  Looked up by :func:`describe` along the MRO.
ERRORS: Dict[Type[BaseException], Callable[[Any], Problem]] = {
    TicketNotFound: lambda exc: Problem(
        404, "not_found", "no ticket with that reference", "No ticket with that reference."
    ),
    AgentNotFound: _account_problem(404, "not_found"),
    TokenNotFound: _account_problem(404, "not_found"),
    NotAdmin: lambda exc: Problem(403, "forbidden", "this operation is for admins", "Only admins can do that."),
    AlreadyClaimed: lambda exc: Problem(
        409, "already_claimed", str(exc), f"Already claimed by {display_actor(exc.holder)}.", {"holder": exc.holder}
    ),
    NotClaimed: _not_claimed,
    NotHolder: _not_holder,
    VersionConflict: lambda exc: Problem(
        409,
        "version_conflict",
        "the ticket changed since you loaded it; nothing was written",
        STALE_MESSAGE,
        {"current_version": exc.current},
    ),
    InvalidTransition: lambda exc: Problem(
        409, "invalid_transition", str(exc), f"Not allowed while the ticket is {exc.current.replace('_', ' ')}."
    ),
    ExtensionNotAllowed: lambda exc: Problem(
        409, "extension_not_allowed", str(exc), f"No extension possible: {exc.problem}."
    ),
    ReplyNotAllowed: lambda exc: Problem(
        409, "reply_not_allowed", str(exc), f"Cannot contact the requester: {exc.problem}."
    ),
    AgentExists: _account_problem(409, "agent_exists"),
    FieldTooLong: lambda exc: Problem(
        422,
        "too_long",
        str(exc),
        f"The {exc.field.replace('_', ' ')} is too long (at most {exc.limit:,} characters).",
        {"field": exc.field},
    ),
    InvalidField: lambda exc: Problem(
        422,
        "invalid_field",
        str(exc),
        f"{exc.field.replace('_', ' ').capitalize()}: {exc.problem}.",
        {"field": exc.field},
    ),
    InvalidAccountField: _account_problem(422, "invalid_field"),
    InvalidCredentials: lambda exc: Problem(
        422, "invalid_credentials", str(exc), str(exc).capitalize() + ".", api=False
    ),
    DeliveryFailed: _delivery_failed,
    NotificationUnavailable: lambda exc: Problem(
        503, "unavailable", str(exc), "Messaging is not configured; nothing was sent."
    ),
    DatabaseNotReady: lambda exc: Problem(
        503,
        "unavailable",
        "the ticket database is not ready",
        "The ticket database is not ready (run privacy-desk migrate).",
    ),
}


def describe(exc: BaseException) -> Optional[Problem]:
    """The answer for ``exc`` from :data:`ERRORS` (most specific class first), or None."""
    for cls in type(exc).__mro__:
        rule = ERRORS.get(cls)
        if rule is not None:
            return rule(exc)
    return None

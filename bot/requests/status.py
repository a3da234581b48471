"""Status checks: a reference plus a one-time code to the contact on the ticket.

No enumeration: for an unknown (or malformed-but-plausible) reference a decoy
challenge is started, so the conversation goes on exactly as after a real send
and every code is "wrong" — the same answers, the same lockout after five tries.
No Rasa.  Blocking: call from async code via ``asyncio.to_thread``.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from typing import Any, Optional

from bot.requests.parsing import format_date
from bot.tickets import RevealReason, Status, TicketError, TicketView, normalise_reference
from bot.verification.codes import CheckResult

__all__ = ["StatusStart", "StatusLookup", "start_status_check", "finish_status_check", "describe_status"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StatusStart:
    """``challenge_id`` is always set (real or decoy); the caller cannot tell which."""

    challenge_id: Optional[str]
    reference: str


@dataclass(frozen=True)
class StatusLookup:
    """A checked code: ``ticket`` only when it was right."""

    check: CheckResult
    ticket: Optional[TicketView] = None


def start_status_check(reference: str, *, tickets: Any, verification: Any) -> StatusStart:
    """Send a code to the ticket's contact, or start a decoy for an unknown reference."""
    ref = normalise_reference(reference) or reference
    contact = channel = None
    try:
        personal = tickets.reveal_personal_data(ref, actor="bot", reason=RevealReason.VERIFY_IDENTITY)
        if personal.email:
            contact, channel = personal.email, "email"
        elif personal.phone:
            contact, channel = personal.phone, "sms"
    except TicketError:
        contact = None
    if contact and channel:
        started = verification.start_contact_check(channel, contact)
        if started.sent:
            return StatusStart(started.challenge_id, ref)
        log.warning("status check: code not sent (%s)", started.status.value)
    return StatusStart(verification.start_decoy_check().challenge_id, ref)


def finish_status_check(reference: str, challenge_id: Optional[str], code: object, *, tickets: Any, verification: Any) -> StatusLookup:
    result = verification.check_code(challenge_id, code)
    if result is not CheckResult.OK:
        return StatusLookup(result)
    try:
        return StatusLookup(result, tickets.get_by_reference(reference))
    except TicketError:
        return StatusLookup(CheckResult.WRONG)


_STATUS_TEXT = {
    Status.AWAITING_VERIFICATION: ("is waiting for identity verification", "we'll contact you to confirm who you are"),
    Status.VERIFIED: ("has been received and your identity is verified", "an agent will pick it up and work on it"),
    Status.IN_PROGRESS: ("is being worked on by our privacy team", "we'll contact you when it's done or if we need anything"),
    Status.AWAITING_REQUESTER: ("is waiting for a reply from you", "please answer our last message so we can continue"),
    Status.AWAITING_DOCUMENTS: (
        "is waiting for documents",
        "please send the official documents establishing parental or guardian status, quoting the reference",
    ),
    Status.COMPLETED: ("is completed", "nothing more is needed from you"),
    Status.REJECTED: ("was closed without action", "we sent you the reason; you can talk to a person if you have questions"),
    Status.WITHDRAWN: ("was withdrawn", "nothing more will happen with it"),
}


def describe_status(ticket: TicketView, today: Optional[date] = None) -> str:
    """One plain paragraph: status, next step, due date."""
    what, next_step = _STATUS_TEXT.get(ticket.status, ("is open", "our privacy team will be in touch"))
    text = f"Your request {ticket.reference} {what}. Next step: {next_step}."
    if ticket.is_open:
        text += f" We'll respond by {format_date(ticket.respond_by)}."
        if ticket.extension_count:
            text += " (The deadline was extended; we told you why.)"
    return text

"""Status checks: a reference, a second data point, then a one-time code to the contact on the ticket.

Knowing a reference is not enough to make us text or e-mail its owner: the
requester also gives the e-mail address or phone number on the request, and a
code goes out only when that matches (to that contact).  Every answer is the same
whether or not it matched (NIST SP 800-63B: no oracle for the second factor).

No enumeration: for an unknown reference, or details that do not match, a decoy
challenge is started, so the conversation goes on exactly as after a real send
and every code is "wrong" — the same answers, the same lockout after five tries.
Lockouts escalate per reference (typed references too, existing or not), with a
daily cap (:class:`bot.verification.limits.Lockouts`).
No Rasa.  Blocking: call from async code via ``asyncio.to_thread``.
"""

from __future__ import annotations

import hmac
import logging
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Optional, Tuple

from bot.privacy.crypto import normalise_email
from bot.requests.parsing import format_date
from bot.tickets import RevealReason, Status, TicketError, TicketView, normalise_reference
from bot.verification.codes import CheckResult
from bot.verification.directory import normalise_phone_e164

__all__ = ["StatusStart", "StatusLookup", "start_status_check", "finish_status_check", "describe_status"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StatusStart:
    """``challenge_id`` is set (real or decoy; the caller cannot tell which) unless the reference is locked out.

    ``retry_after``: the reference is locked out after too many wrong codes (real and
    unknown references alike); no check starts until then.
    """

    challenge_id: Optional[str]
    reference: str
    retry_after: Optional[timedelta] = None


@dataclass(frozen=True)
class StatusLookup:
    """A checked code: ``ticket`` only when it was right."""

    check: CheckResult
    ticket: Optional[TicketView] = None


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))


def _matching_contact(reference: str, given: object, tickets: Any) -> Optional[Tuple[str, str]]:
    """``(channel, contact)`` on the ticket that ``given`` names (its e-mail or phone), else ``None``."""
    if not isinstance(given, str) or not given.strip():
        return None
    try:
        personal = tickets.reveal_personal_data(reference, actor="bot", reason=RevealReason.VERIFY_IDENTITY)
    except TicketError:
        return None
    if "@" in given:
        if personal.email and _same(normalise_email(given), normalise_email(personal.email)):
            return "email", personal.email
        return None
    typed = normalise_phone_e164(given.strip()[:40])
    on_ticket = normalise_phone_e164(personal.phone) if personal.phone else None
    if typed and on_ticket and _same(typed, on_ticket):
        return "sms", personal.phone
    return None


def start_status_check(
    reference: str,
    contact: object,
    *,
    tickets: Any,
    verification: Any,
    conversation: Optional[str] = None,
    client: Optional[str] = None,
) -> StatusStart:
    """Send a code to the ticket's contact if ``contact`` is that contact; otherwise start a decoy.

    Args:
        reference: as typed (normalised here).
        contact: the e-mail address or phone number the requester says is on the request.
        conversation, client: counted by the code send limits.
    """
    ref = normalise_reference(reference) or reference
    wait = verification.lockouts.retry_after(ref)
    if wait is not None:
        return StatusStart(None, ref, retry_after=wait)
    target = _matching_contact(ref, contact, tickets)
    if target is not None:
        channel, to = target
        # Detached: the answer comes as fast whether or not a code goes out (no timing oracle).
        started = verification.start_contact_check(channel, to, conversation=conversation, client=client, detached=True)
        if started.sent:
            return StatusStart(started.challenge_id, ref)
        log.warning("status check: code not sent (%s)", started.status.value)
    return StatusStart(verification.start_decoy_check().challenge_id, ref)


def finish_status_check(
    reference: str, challenge_id: Optional[str], code: object, *, tickets: Any, verification: Any
) -> StatusLookup:
    """Check the code; a challenge locked by wrong codes locks the reference out for a while (longer each time)."""
    result = verification.check_code(challenge_id, code)
    if result is CheckResult.LOCKED:
        verification.lockouts.record(normalise_reference(reference) or reference)
    if result is not CheckResult.OK:
        return StatusLookup(result)
    try:
        return StatusLookup(result, tickets.get_by_reference(reference))
    except TicketError:
        return StatusLookup(CheckResult.WRONG)


_STATUS_TEXT = {
    Status.AWAITING_VERIFICATION: ("is waiting for identity verification", "we'll contact you to confirm who you are"),
    Status.VERIFIED: ("has been received and your identity is verified", "an agent will pick it up and work on it"),
    Status.IN_PROGRESS: (
        "is being worked on by our privacy team",
        "we'll contact you when it's done or if we need anything",
    ),
    Status.AWAITING_REQUESTER: ("is waiting for a reply from you", "please answer our last message so we can continue"),
    Status.AWAITING_DOCUMENTS: (
        "is waiting for documents",
        "please send the official documents establishing parental or guardian status, quoting the reference",
    ),
    Status.COMPLETED: ("is completed", "nothing more is needed from you"),
    Status.REJECTED: (
        "was closed without action",
        "we sent you the reason; you can talk to a person if you have questions",
    ),
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

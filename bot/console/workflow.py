"""What an agent does to a case: the console's and the API's shared operations (no HTTP).

:class:`CaseWork` combines the ticket store (state machine, audit, optimistic
versions) with the notifier (replies to the requester) and adds the console's
own rules:

* Changing a case (status, reply, documents request, extension) needs the
  agent to hold it (:class:`NotHolder` names the holder).  Notes, reveals and
  exports do not (anyone on the desk may add context or look, audited).
* Every change takes the ``expected_version`` the agent saw; a stale form
  raises :class:`~bot.tickets.errors.VersionConflict` and writes nothing.
* Completion and rejection take a code from :data:`COMPLETION_OUTCOMES` /
  :data:`REJECTION_REASONS` (the audit trail stores codes, never free text); the
  optional explanation is kept as an encrypted internal note.
* Replies go to the requester's verified channel (the code's channel first,
  else the ticket's), only once the requester is verified; reading the contact
  details is itself an audited reveal (``contact_requester``).  The text is
  recorded as a ``reply`` note after the notifier accepted it.

Blocking: call from async code through a thread.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Dict, Mapping, Optional, Tuple

from bot.company import texts as company_texts
from bot.console.account_types import AgentView
from bot.console.errors import ConsoleError
from bot.notices.recipients import to_e164
from bot.tickets import (
    FIELD_LIMITS,
    Channel,
    FieldTooLong,
    InvalidField,
    InvalidTransition,
    Kind,
    NoteKind,
    NoteView,
    RevealReason,
    Status,
    TicketService,
    TicketView,
    Verification,
    VerificationLevel,
    VerificationMethod,
    VersionConflict,
)
from bot.tickets.states import parse_enum

__all__ = [
    "CaseWork",
    "NotHolder",
    "NotAdmin",
    "ReplyNotAllowed",
    "NotificationUnavailable",
    "DeliveryFailed",
    "ReplyResult",
    "COMPLETION_OUTCOMES",
    "REJECTION_REASONS",
    "MOVES",
    "move_for",
    "REPLY_LIMIT",
    "NOTE_LIMIT",
    "REVEAL_REASONS",
]

log = logging.getLogger(__name__)

#: Documented caps (characters).
NOTE_LIMIT = FIELD_LIMITS["note"]  # 10,000
#: A reply is one SMS (Twilio: 1,600 characters) or a short e-mail; one cap for both.
REPLY_LIMIT = 1600
EMAIL_SUBJECT = "Your privacy request {reference}"

COMPLETION_OUTCOMES: Mapping[str, str] = {
    "fulfilled": "Request fulfilled",
    "partially_fulfilled": "Partially fulfilled (some data exempt)",
    "no_data_held": "No personal data held about the requester",
}
REJECTION_REASONS: Mapping[str, str] = {
    "identity_not_verified": "Identity could not be verified",
    "no_parental_proof": "No proof of parental or guardian status",
    "manifestly_unfounded": "Manifestly unfounded or excessive",
    "duplicate_request": "Duplicate of another request",
    "legal_exemption": "A legal exemption applies",
}
#: Plain status moves an agent may make (besides complete / reject / request documents),
#: with the audit reason code and the button label.
MOVES: Mapping[Status, Tuple[str, str]] = {
    Status.IN_PROGRESS: ("agent_started", "Start work"),
    Status.AWAITING_REQUESTER: ("waiting_for_requester", "Wait for requester"),
    Status.VERIFIED: ("documents_received", "Documents received: mark verified"),
    Status.WITHDRAWN: ("requester_withdrew", "Requester withdrew"),
}
#: "Mark verified" on a request the bot filed ``awaiting_verification`` (its details did not match a
#: customer record): here the agent checked the identity, not documents.
IDENTITY_CHECKED_MOVE: Tuple[str, str] = ("identity_checked_by_agent", "Identity checked: mark verified")


def move_for(current: Status, target: Status) -> Tuple[str, str]:
    """The audit reason code and button label of moving a ticket from ``current`` to ``target``."""
    if target is Status.VERIFIED and current is Status.AWAITING_VERIFICATION:
        return IDENTITY_CHECKED_MOVE
    return MOVES[target]


REVEAL_REASONS: Mapping[str, str] = {
    RevealReason.FULFIL_REQUEST.value: "Fulfil the request",
    RevealReason.VERIFY_IDENTITY.value: "Verify identity",
    RevealReason.CONTACT_REQUESTER.value: "Contact the requester",
    RevealReason.EXPORT.value: "Prepare the export",
    RevealReason.LEGAL_OBLIGATION.value: "Legal obligation",
    RevealReason.QUALITY_REVIEW.value: "Quality review",
}


class NotHolder(ConsoleError):
    """The agent does not hold the ticket; ``holder`` is who does (``None``: nobody, claim it first)."""

    def __init__(self, holder: Optional[str]) -> None:
        super().__init__(f"the ticket is held by {holder}" if holder else "claim the ticket first")
        self.holder = holder


class NotAdmin(ConsoleError):
    def __init__(self) -> None:
        super().__init__("only admins can do that")


class ReplyNotAllowed(ConsoleError):
    """No reply possible: requester not verified, or no contact channel on file."""

    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem


class NotificationUnavailable(ConsoleError):
    def __init__(self) -> None:
        super().__init__("the notifier is not configured")


class DeliveryFailed(ConsoleError):
    """The notifier did not send the message (``status``: opted_out / failed; ``error`` code)."""

    def __init__(self, status: str, error: Optional[str]) -> None:
        super().__init__(f"the message was not sent ({status})")
        self.status = status
        self.error = error


@dataclass(frozen=True)
class ReplyResult:
    ticket: TicketView
    note: NoteView
    channel: str
    delivery: Dict[str, Any]


def _check_text(field: str, value: Any, limit: int, *, required: bool = True) -> Optional[str]:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise InvalidField(field, "is required")
        return None
    if not isinstance(value, str):
        raise InvalidField(field, "must be text")
    if "\x00" in value:
        raise InvalidField(field, "contains a NUL character")
    value = value.strip()
    if len(value) > limit:
        raise FieldTooLong(field, limit)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidField(field, "is not valid UTF-8 text") from None
    return value


def _version(value: Any) -> int:
    if isinstance(value, bool):
        raise InvalidField("expected_version", "must be a positive whole number")
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if not isinstance(value, int) or value < 1 or value > 2**31:
        raise InvalidField("expected_version", "must be a positive whole number")
    return value


class CaseWork:
    """An agent's operations on tickets.

    Args:
        tickets: the ticket service.
        notifier: a :class:`bot.notify.Notifier` (``None``: replies are refused).
    """

    def __init__(self, tickets: TicketService, notifier: Any = None, notices: Any = None) -> None:
        self.tickets = tickets
        self.notifier = notifier
        #: A :class:`bot.notices.NoticeService`: tells the requester of extensions, closures, documents.
        self.notices = notices

    def _notice(self, reference: str, kind: str, step: str = "", **details: Any) -> Any:
        """Queue the requester's notice of this step; the step itself stands even if queueing fails."""
        if self.notices is None:
            return None
        from bot.notices import NoticeKind  # the notices package is optional at import time

        try:
            return self.notices.queue(reference, NoticeKind(kind), step=step, details=details)
        except Exception as exc:  # noqa: BLE001 - the agent's change is committed; the failure is logged
            log.error("notice %s not queued: %s", kind, type(exc).__name__)
            return None

    # ------------------------------------------------------------------ holding

    def claim(self, reference: str, agent: AgentView, expected_version: Any = None) -> TicketView:
        expected = _version(expected_version) if expected_version not in (None, "") else None
        return self.tickets.claim(reference, agent=agent.actor, expected_version=expected)

    def release(self, reference: str, agent: AgentView, expected_version: Any = None) -> TicketView:
        expected = _version(expected_version) if expected_version not in (None, "") else None
        return self.tickets.release(reference, agent=agent.actor, expected_version=expected)

    def reassign(self, reference: str, admin: AgentView, to: Optional[AgentView], expected_version: Any) -> TicketView:
        """Admin only: hand the ticket to ``to`` (an active agent) or back to the queue (``None``)."""
        if not admin.is_admin:
            raise NotAdmin()
        if to is not None and to.disabled:
            raise InvalidField("to", "that agent is disabled")
        return self.tickets.reassign(
            reference,
            to_agent=to.actor if to is not None else None,
            actor=admin.actor,
            expected_version=_version(expected_version),
        )

    def _held(self, reference: str, agent: AgentView, expected_version: Any) -> TicketView:
        expected = _version(expected_version)
        view = self.tickets.get_by_reference(reference)
        if view.version != expected:
            raise VersionConflict(expected, view.version)
        if view.assignee != agent.actor:
            raise NotHolder(view.assignee)
        return view

    # ------------------------------------------------------------------ notes and data

    def add_note(self, reference: str, agent: AgentView, body: Any) -> NoteView:
        text = _check_text("note", body, NOTE_LIMIT)
        return self.tickets.add_note(reference, text or "", author=agent.actor, kind=NoteKind.INTERNAL)

    def reveal(self, reference: str, agent: AgentView, reason: Any) -> Dict[str, Any]:
        return self.reveal_with_receipt(reference, agent, reason)[0]

    def reveal_with_receipt(self, reference: str, agent: AgentView, reason: Any) -> Tuple[Dict[str, Any], int]:
        """The data (audited reveal) and the audit event's id, which lets a redirected page show it again unaudited."""
        reason_ = parse_enum(RevealReason, reason, "reason")
        data, receipt = self.tickets.reveal_with_receipt(reference, actor=agent.actor, reason=reason_)
        return data.to_json(), receipt

    def show_revealed(self, reference: str, agent: AgentView, receipt: int) -> Optional[Dict[str, Any]]:
        """What ``agent``'s reveal ``receipt`` showed, if it is recent (see ``TicketService.show_revealed``)."""
        data = self.tickets.show_revealed(reference, actor=agent.actor, receipt=receipt)
        return data.to_json() if data is not None else None

    def export(self, reference: str, agent: AgentView) -> Dict[str, Any]:
        view = self.tickets.get_by_reference(reference)
        if view.kind is not Kind.ACCESS:
            raise InvalidTransition(view.kind.value, "exported")
        return self.tickets.export_package(reference, actor=agent.actor)

    # ------------------------------------------------------------------ status changes

    def move(self, reference: str, agent: AgentView, to: Any, expected_version: Any) -> TicketView:
        target = parse_enum(Status, to, "to")
        if target not in MOVES:
            raise InvalidField("to", "use complete, reject or request-documents for that status")
        view = self._held(reference, agent, expected_version)
        verification = None
        reason_code = move_for(view.status, target)[0]
        if target is Status.VERIFIED and view.status is Status.AWAITING_VERIFICATION:
            verification = Verification(
                method=VerificationMethod.AGENT, level=VerificationLevel.REASONABLE, data_points=("agent_check",)
            )
        elif target is Status.VERIFIED:
            verification = Verification(
                method=VerificationMethod.DOCUMENTS, level=VerificationLevel.REASONABLE, data_points=("documents",)
            )
        return self.tickets.transition(
            reference,
            target,
            actor=agent.actor,
            reason_code=reason_code,
            verification=verification,
            expected_version=view.version,
        )

    def complete(
        self, reference: str, agent: AgentView, outcome: Any, expected_version: Any, note: Any = None
    ) -> TicketView:
        return self._close(
            reference, agent, Status.COMPLETED, outcome, COMPLETION_OUTCOMES, "outcome", expected_version, note
        )

    def reject(
        self, reference: str, agent: AgentView, reason: Any, expected_version: Any, note: Any = None
    ) -> TicketView:
        return self._close(
            reference, agent, Status.REJECTED, reason, REJECTION_REASONS, "reason", expected_version, note
        )

    def _close(
        self,
        reference: str,
        agent: AgentView,
        target: Status,
        code: Any,
        codes: Mapping[str, str],
        field: str,
        expected_version: Any,
        note: Any,
    ) -> TicketView:
        if not isinstance(code, str) or code not in codes:
            raise InvalidField(field, f"must be one of {', '.join(codes)}")
        text = _check_text("note", note, NOTE_LIMIT, required=False)
        view = self._held(reference, agent, expected_version)
        result = self.tickets.transition(
            reference, target, actor=agent.actor, reason_code=code, expected_version=view.version
        )
        if text:
            self.tickets.add_note(reference, text, author=agent.actor, kind=NoteKind.INTERNAL)
        if target is Status.REJECTED:
            self._notice(reference, "rejected", code=code)
        else:
            self._notice(reference, "partly_fulfilled" if code == "partially_fulfilled" else "completed", code=code)
        return result

    def extend(self, reference: str, agent: AgentView, reason: Any, expected_version: Any) -> TicketView:
        text = _check_text("extension_reason", reason, FIELD_LIMITS["extension_reason"])
        view = self._held(reference, agent, expected_version)
        extended = self.tickets.extend(reference, text or "", actor=agent.actor, expected_version=view.version)
        self._notice(reference, "extended", step=str(extended.extension_count), reason=text or "")
        return extended

    def request_documents(
        self, reference: str, agent: AgentView, expected_version: Any, notify: bool = True
    ) -> TicketView:
        """Move to ``awaiting_documents`` and (``notify``) send the requester the fixed request text."""
        view = self._held(reference, agent, expected_version)
        if Status.AWAITING_DOCUMENTS not in view.allowed_transitions:
            raise InvalidTransition(view.status.value, Status.AWAITING_DOCUMENTS.value)
        message = company_texts.documents_letter(
            view.reference,
            " and of your parental or guardian status" if view.kind is Kind.PARENTAL_DELETION else "",
        )
        if notify and self.notices is None:
            channel, to = self._contact(view, agent, require_verified=False)
            self._deliver(channel, to, view.reference, message)
        updated = self.tickets.transition(
            reference,
            Status.AWAITING_DOCUMENTS,
            actor=agent.actor,
            reason_code="documents_requested",
            expected_version=view.version,
        )
        if notify and self.notices is not None:
            queued = self._notice(reference, "documents", step=str(updated.version))
            message = (
                f"Documents notice queued ({queued.channel} to {queued.recipient})"
                if queued is not None
                else "No documents notice: the requester has no verified contact"
            )
            self.tickets.add_note(reference, message, author=agent.actor, kind=NoteKind.INTERNAL)
        elif notify:
            self.tickets.add_note(reference, message, author=agent.actor, kind=NoteKind.REPLY)
        return updated

    # ------------------------------------------------------------------ replies

    def reply(self, reference: str, agent: AgentView, message: Any, expected_version: Any) -> ReplyResult:
        text = _check_text("message", message, REPLY_LIMIT)
        view = self._held(reference, agent, expected_version)
        if not view.is_open:
            raise InvalidTransition(view.status.value, "replied")
        channel, to = self._contact(view, agent, require_verified=True)
        delivery = self._deliver(channel, to, view.reference, text or "")
        note = self.tickets.add_note(reference, text or "", author=agent.actor, kind=NoteKind.REPLY)
        return ReplyResult(
            ticket=self.tickets.get_by_reference(reference), note=note, channel=channel, delivery=delivery
        )

    def reply_channel_hint(self, view: TicketView) -> str:
        """Which channel a reply will use, without reading personal data (for the form label)."""
        method = view.verification.method
        if method is VerificationMethod.SMS_CODE or (
            method is not VerificationMethod.EMAIL_CODE and view.channel in (Channel.SMS, Channel.VOICE)
        ):
            return "sms"
        return "email"

    def _contact(self, view: TicketView, agent: AgentView, *, require_verified: bool) -> Tuple[str, str]:
        if self.notifier is None:
            raise NotificationUnavailable()
        verified = view.verified_at is not None and view.verification.level is not VerificationLevel.NONE
        # Not verified yet, but the bot confirmed one contact with a one-time code (the details did not
        # match a customer record): the agent may write to that contact, and only to it, to check identity.
        code_confirmed = _CODE_CONFIRMED.get(view.verification.method)
        if require_verified and not verified and code_confirmed is None:
            raise ReplyNotAllowed("the requester is not verified yet: no replies to unverified contact details")
        personal = self.tickets.reveal_personal_data(
            view.reference, actor=agent.actor, reason=RevealReason.CONTACT_REQUESTER
        )
        phone = to_e164(personal.phone)
        if require_verified and not verified:
            to = phone if code_confirmed == "sms" else personal.email
            if not to or code_confirmed is None:
                raise ReplyNotAllowed("the contact confirmed by the code is not on file")
            return code_confirmed, to
        preferred = self.reply_channel_hint(view)
        if preferred == "sms" and phone:
            return "sms", phone
        if personal.email:
            return "email", personal.email
        if phone:
            return "sms", phone
        raise ReplyNotAllowed("no phone number or e-mail address on file")

    def _deliver(self, channel: str, to: str, reference: str, text: str) -> Dict[str, Any]:
        from bot.notify.types import InvalidMessage  # the notifier package is optional at import time

        try:
            if channel == "sms":
                delivery = self.notifier.send_sms(to, text)
            else:
                delivery = self.notifier.send_email(to, EMAIL_SUBJECT.format(reference=reference), text)
        except InvalidMessage as exc:
            raise ReplyNotAllowed(f"the requester's contact details cannot be used ({exc.field})") from None
        if not delivery.ok:
            raise DeliveryFailed(delivery.status.value, delivery.error)
        return delivery.to_json()


#: Which contact a one-time code confirmed, by verification method.
_CODE_CONFIRMED: Mapping[VerificationMethod, str] = {
    VerificationMethod.EMAIL_CODE: "email",
    VerificationMethod.SMS_CODE: "sms",
}

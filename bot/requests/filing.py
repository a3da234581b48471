"""Filing a confirmed privacy request as a ticket: pure domain, no Rasa.

:func:`submit_request` turns a confirmed :class:`~bot.requests.flows.RequestDraft` into a
ticket through :class:`~bot.tickets.TicketService`, after checking with the verification
service that the contact was confirmed and how many data points match the customer
directory (:class:`bot.verification.VerificationService`); :func:`submit_parental_request`
does the same for a parent's deletion of a child's data.  Both return a plain
:class:`SubmitOutcome`: the user's confirmation comes only from the ticket store's answer.
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Mapping, Optional, Tuple

from bot.requests import parsing
from bot.requests.flows import (
    REQUEST_KIND,
    ParentalDraft,
    RequestDraft,
    correction_email_conflict,
    idempotency_key,
)
from bot.tickets import (
    Channel,
    Kind,
    PersonalData,
    Status,
    Verification,
    VerificationLevel,
    VerificationMethod,
)
from bot.verification.levels import RequestKind

__all__ = ["Failure", "SubmitOutcome", "submit_request", "submit_parental_request", "confirmed_via"]

log = logging.getLogger(__name__)


class Failure(str, enum.Enum):
    """Why nothing actionable was filed (the user is told; nothing half-done)."""

    #: The one-time code was not confirmed for this contact.
    NOT_VERIFIED = "not_verified"
    #: The ticket store or another backend failed: NOT filed, try again later.
    UNAVAILABLE = "unavailable"
    #: The collected values are incomplete or invalid.
    INVALID = "invalid"


@dataclass(frozen=True)
class SubmitOutcome:
    """What :func:`submit_request` did; only ``ok`` outcomes carry a reference."""

    ok: bool
    kind: str
    reference: Optional[str] = None
    status: Optional[str] = None
    level: Optional[str] = None
    due_date: Optional[date] = None
    created: bool = False
    failure: Optional[Failure] = None
    #: The request was filed as something narrower than asked (access specific → categories).
    downgraded: bool = False
    #: The ticket carries a flag for the agent (e.g. a correction to another e-mail address).
    flagged: bool = False
    matched_points: Tuple[str, ...] = field(default_factory=tuple)
    #: Why verification fell short (from the verification service; no personal data).
    explanation: Optional[str] = None
    #: Which contact the one-time code confirmed: ``"email"`` or ``"sms"`` (the phone).
    confirmed_via: Optional[str] = None

    @property
    def due_text(self) -> str:
        return parsing.format_date(self.due_date) if self.due_date else ""


def _channel(channel: Optional[str]) -> Channel:
    try:
        return Channel(channel or "web")
    except ValueError:
        return Channel.WEB


def submit_request(
    values: Mapping[str, Any],
    *,
    conversation_id: str,
    channel: Optional[str],
    challenge_id: Optional[str],
    tickets: Any,
    verification: Any,
    form_run: Optional[str] = None,
) -> SubmitOutcome:
    """File a confirmed rights request (once per form run: ``form_run`` keys it).

    Checks that the one-time code was entered (``challenge_id``) for the
    contact it was sent to — the e-mail address, or, when an SMS or phone
    requester chose the number they were texting or calling from, that phone
    number — matches the requester's data points in the customer directory,
    asks the verification service whether the kind's level is reached (the
    confirmed contact must be one the customer has on file:
    ``confirmed_via``), and only then creates a ``verified`` ticket with that level.
    Access to specific pieces verified only to the two-point level is filed as
    access to categories (``downgraded``), as CCPA 11 CCR 7062 directs.
    A confirmed contact whose details do not reach the level (a typo in the date
    of birth, a number not on file) is filed ``awaiting_verification`` for a
    person to check, so the requester does not lose the request; without a
    confirmed contact nothing is filed.

    Never raises for backend failures: they become ``Failure.UNAVAILABLE``.
    """
    try:
        draft = RequestDraft.from_values(values)
    except (ValueError, TypeError):
        return SubmitOutcome(ok=False, kind=str(values.get(REQUEST_KIND) or ""), failure=Failure.INVALID)
    try:
        via = confirmed_via(verification, challenge_id, draft)
        confirmed = via is not None
        ident_kind = draft.identifier_kind
        match = verification.match(
            email=draft.email,
            phone=draft.phone,
            full_name=draft.full_name,
            date_of_birth=draft.date_of_birth,
            postal_code=draft.identifier if ident_kind == "postal_code" else None,
            order_number=draft.identifier if ident_kind == "order_number" else None,
        )
        verdict = verification.assess(
            draft.verification_kind,
            match,
            declaration=draft.declaration,
            contact_confirmed=confirmed,
            confirmed_via=via or "email",
        )
        downgraded = False
        if not verdict.allowed and draft.verification_kind is RequestKind.ACCESS_SPECIFIC:
            fallback = verification.assess(
                RequestKind.ACCESS_CATEGORIES, match, contact_confirmed=confirmed, confirmed_via=via or "email"
            )
            if fallback.allowed:
                verdict, downgraded = fallback, True
        if not confirmed:
            return SubmitOutcome(
                ok=False,
                kind=draft.kind,
                failure=Failure.NOT_VERIFIED,
                explanation=verdict.explanation,
                matched_points=tuple(verdict.matched_points),
            )
        # The contact is proven but the directory did not match enough data points: a person checks
        # who this is (status awaiting_verification) instead of the requester losing the request.
        unmatched = not verdict.allowed
        flagged = False
        details = draft.details_text()
        if unmatched:
            details += (
                f" NOT VERIFIED: the contact was confirmed by a one-time code, but the details did not "
                f"match a customer record well enough ({verdict.explanation or 'no match'} Matched: "
                f"{', '.join(verdict.matched_points) or 'nothing'}). Verify the requester before acting."
            )
        if downgraded:
            details += (
                " NOTE: verified to the two-data-point level only (no third point or no declaration), "
                "so handled as a request for categories (CCPA 11 CCR 7062)."
            )
        if via == "sms":
            details += (
                " Contact confirmed by a one-time code texted to the phone number the requester was texting "
                "or calling from; the e-mail address was not confirmed by a code"
            )
            details += (
                " (it matches the customer record)."
                if "email" in verdict.matched_points
                else " and does not match the customer record: reply only to contacts on file."
            )
        if draft.kind == "correction" and correction_email_conflict(values):
            flagged = True
            details += (
                " FLAG: the correct value is an e-mail address different from the one the requester "
                "verified; confirm the requester controls it before changing anything."
            )
            other = verification.match(email=draft.correction_value or "")
            if other.customer_id is not None and other.customer_id != verdict.customer_id:
                details += " The new address belongs to another customer record."
        personal = PersonalData(
            requester_name=draft.full_name,
            email=draft.email,
            phone=draft.phone,
            date_of_birth=draft.date_of_birth,
            postal_address=draft.identifier if ident_kind == "postal_code" else None,
            account_id=f"order {draft.identifier}" if ident_kind == "order_number" else None,
            details=details,
        )
        result = tickets.create(
            kind=Kind(draft.kind),
            channel=_channel(channel),
            idempotency_key=idempotency_key(conversation_id, draft.kind, form_run),
            conversation_id=conversation_id,  # a completed deletion erases this conversation too
            personal=personal,
            status=Status.AWAITING_VERIFICATION if unmatched else Status.VERIFIED,
            verification=Verification(
                method=VerificationMethod.SMS_CODE if via == "sms" else VerificationMethod.EMAIL_CODE,
                level=VerificationLevel.NONE if unmatched else VerificationLevel(verdict.ticket_level),
                data_points=tuple(verdict.matched_points)[:10],
            ),
            actor="bot",
        )
    except Exception as exc:  # noqa: BLE001 - database drivers raise their own families; never a false confirmation
        log.error("request not filed: %s", type(exc).__name__)
        return SubmitOutcome(ok=False, kind=draft.kind, failure=Failure.UNAVAILABLE)
    ticket = result.ticket
    return SubmitOutcome(
        ok=True,
        kind=draft.kind,
        reference=ticket.reference,
        status=ticket.status.value,
        level=ticket.verification.level.value,
        due_date=ticket.respond_by,
        created=result.created,
        downgraded=downgraded,
        flagged=flagged,
        matched_points=tuple(verdict.matched_points),
        explanation=verdict.explanation if unmatched else None,
        confirmed_via=via,
    )


def confirmed_via(verification: Any, challenge_id: Optional[str], draft: RequestDraft) -> Optional[str]:
    """``"email"`` or ``"sms"``: the contact the code in ``challenge_id`` was sent to and entered for, else ``None``.

    Only the requester's own e-mail address or phone number counts, exactly as
    given (the code store compares the keyed index of the contact the code went to).
    """
    if not challenge_id:
        return None
    if verification.is_confirmed(challenge_id, "email", draft.email):
        return "email"
    if draft.phone and verification.is_confirmed(challenge_id, "sms", draft.phone):
        return "sms"
    return None


def submit_parental_request(
    values: Mapping[str, Any],
    *,
    conversation_id: str,
    channel: Optional[str],
    challenge_id: Optional[str],
    tickets: Any,
    verification: Any,
    form_run: Optional[str] = None,
) -> SubmitOutcome:
    """File a parental deletion (once per form run): contact confirmed by code, ticket ``awaiting_documents``, high priority."""
    kind = "parental_deletion"
    try:
        draft = ParentalDraft.from_values(values)
    except (ValueError, TypeError):
        return SubmitOutcome(ok=False, kind=kind, failure=Failure.INVALID)
    try:
        if not challenge_id or not verification.is_confirmed(challenge_id, draft.contact_channel, draft.parent_contact):
            return SubmitOutcome(ok=False, kind=kind, failure=Failure.NOT_VERIFIED)
        is_email = draft.contact_channel == "email"
        personal = PersonalData(
            requester_name=draft.parent_name,
            email=draft.parent_contact if is_email else None,
            phone=None if is_email else draft.parent_contact,
            child_name=draft.child_name,
            account_id=draft.child_account,
            details=draft.details_text(),
        )
        result = tickets.create(
            kind=Kind.PARENTAL_DELETION,
            channel=_channel(channel),
            idempotency_key=idempotency_key(conversation_id, kind, form_run),
            conversation_id=conversation_id,  # a completed deletion erases this conversation too
            personal=personal,
            status=Status.AWAITING_DOCUMENTS,
            verification=Verification(
                method=VerificationMethod.EMAIL_CODE if is_email else VerificationMethod.SMS_CODE,
                level=VerificationLevel.NONE,
                data_points=(),
            ),
            actor="bot",
        )
    except Exception as exc:  # noqa: BLE001 - never a false confirmation
        log.error("parental request not filed: %s", type(exc).__name__)
        return SubmitOutcome(ok=False, kind=kind, failure=Failure.UNAVAILABLE)
    ticket = result.ticket
    return SubmitOutcome(
        ok=True,
        kind=kind,
        reference=ticket.reference,
        status=ticket.status.value,
        level=ticket.verification.level.value,
        due_date=ticket.respond_by,
        created=result.created,
    )

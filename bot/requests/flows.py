"""What each privacy request needs, and filing it: pure domain, no Rasa.

Field names here are the conversation's slot names (the actions map them 1:1),
so the form, the summary and the ticket agree on one vocabulary.

Rights requests (access, correction, deletion, stop using) collect the kind's
details, then the requester's identity (name, e-mail, optional phone, date of
birth, optional postal code / order number), a summary to confirm, and a
one-time code sent to the e-mail address (or, on SMS and the phone line, texted
to the number the requester chose to use).  Parental deletion collects the
parent's and the child's details and a code to the parent's contact; the
ticket then waits for proof of parental status (``awaiting_documents``).

:func:`submit_request` turns a confirmed draft into a ticket through
:class:`~bot.tickets.TicketService`, after checking with
the verification service that the contact was confirmed and how
many data points match the customer directory
(:class:`bot.verification.VerificationService`).  It returns a plain
:class:`SubmitOutcome`; the user's confirmation comes only from the ticket
store's answer.
"""

from __future__ import annotations

import enum
import hashlib
import json
import logging
import secrets
from dataclasses import dataclass, field
from datetime import date
from typing import Any, List, Mapping, Optional, Sequence, Tuple

from bot.requests import parsing
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

__all__ = [
    "SKIPPED",
    "REQUEST_KINDS",
    "RIGHTS_FIELDS",
    "PARENTAL_FIELDS",
    "STATUS_FIELDS",
    "PERSONAL_FIELDS",
    "OPTIONAL_FIELDS",
    "CANCELS_REGISTRATION",
    "required_fields",
    "parental_fields",
    "kind_from_text",
    "field_to_change",
    "Failure",
    "SubmitOutcome",
    "RequestDraft",
    "ParentalDraft",
    "submit_request",
    "submit_parental_request",
    "confirmed_via",
    "idempotency_key",
    "new_form_run",
    "summary_lines",
    "cancels_registration",
    "correction_email_conflict",
]

log = logging.getLogger(__name__)

#: Slot value for an optional question the user declined ("skip").
SKIPPED = "__skipped__"

REQUEST_KINDS = ("access", "correction", "deletion", "stop_using")

# Field (slot) names.
REQUEST_KIND = "request_kind"
ACCESS_SCOPE = "access_scope"
ACCESS_DETAILS = "access_details"
CORRECTION_WHAT = "correction_what"
CORRECTION_VALUE = "correction_value"
STOP_SCOPE = "stop_scope"
FULL_NAME = "full_name"
EMAIL = "email"
PHONE = "phone"
DATE_OF_BIRTH = "date_of_birth"
IDENTIFIER = "identifier"
DECLARATION = "declaration"
REQUEST_CONFIRMED = "request_confirmed"
VERIFICATION_CODE = "verification_code"
PARENT_NAME = "parent_name"
PARENT_CONTACT = "parent_contact"
RELATIONSHIP = "relationship"
CHILD_NAME = "child_name"
CHILD_ACCOUNT = "child_account"
CHILD_AGE = "child_age"
PARENTAL_CONFIRMED = "parental_confirmed"
STATUS_REFERENCE = "status_reference"
STATUS_CONTACT = "status_contact"
STATUS_CODE = "status_code"

_IDENTITY = (FULL_NAME, EMAIL, PHONE, DATE_OF_BIRTH, IDENTIFIER)
RIGHTS_FIELDS = (
    REQUEST_KIND,
    ACCESS_SCOPE,
    ACCESS_DETAILS,
    CORRECTION_WHAT,
    CORRECTION_VALUE,
    STOP_SCOPE,
    *_IDENTITY,
    DECLARATION,
    REQUEST_CONFIRMED,
    VERIFICATION_CODE,
)
PARENTAL_FIELDS = (
    PARENT_NAME,
    PARENT_CONTACT,
    RELATIONSHIP,
    CHILD_NAME,
    CHILD_ACCOUNT,
    CHILD_AGE,
    PARENTAL_CONFIRMED,
    VERIFICATION_CODE,
)
#: A reference alone never sends a code: the e-mail or phone on the request must match first.
STATUS_FIELDS = (STATUS_REFERENCE, STATUS_CONTACT, STATUS_CODE)

#: Slots holding what a person told us: cleared when the ticket holds them or the user leaves.
PERSONAL_FIELDS = (
    ACCESS_DETAILS,
    CORRECTION_WHAT,
    CORRECTION_VALUE,
    *_IDENTITY,
    PARENT_NAME,
    PARENT_CONTACT,
    RELATIONSHIP,
    CHILD_NAME,
    CHILD_ACCOUNT,
    CHILD_AGE,
    VERIFICATION_CODE,
    STATUS_REFERENCE,
    STATUS_CONTACT,
    STATUS_CODE,
)
#: Questions the user may decline with "skip".
OPTIONAL_FIELDS = frozenset({PHONE, IDENTIFIER, CHILD_ACCOUNT})

#: The demo policy: "The deletion of your Personal Information or a request for [the company] to stop
#: using it will result in the cancellation of your registration."
CANCELS_REGISTRATION = "deletion"


def cancels_registration(kind: Optional[str], stop_scope: Optional[str] = None) -> bool:
    """Deletion, and stopping all use, cancel the registration (the policy says so)."""
    return kind == "deletion" or (kind == "stop_using" and stop_scope != "marketing")


def required_fields(kind: Optional[str], access_scope: Optional[str] = None) -> List[str]:
    """The rights-request form's questions, in order, for ``kind`` (and the access scope)."""
    fields: List[str] = [REQUEST_KIND]
    if kind == "access":
        fields.append(ACCESS_SCOPE)
        if access_scope == "specific":
            fields.append(ACCESS_DETAILS)
    elif kind == "correction":
        fields += [CORRECTION_WHAT, CORRECTION_VALUE]
    elif kind == "stop_using":
        fields.append(STOP_SCOPE)
    elif kind != "deletion":
        return fields
    fields += list(_IDENTITY)
    if kind == "access" and access_scope == "specific":
        fields.append(DECLARATION)
    fields += [REQUEST_CONFIRMED, VERIFICATION_CODE]
    return fields


def parental_fields() -> List[str]:
    return list(PARENTAL_FIELDS)


# --------------------------------------------------------------------------- reading choices from text

_KIND_WORDS: Sequence[Tuple[str, Tuple[str, ...]]] = (
    (
        "stop_using",
        (
            "stop using",
            "stop use",
            "opt out",
            "opt-out",
            "unsubscribe",
            "marketing",
            "stop sending",
            "stop processing",
            "stop contacting",
            "stop emailing",
            "no more emails",
            "restrict",
        ),
    ),
    ("deletion", ("delet", "erase", "remove", "forget", "wipe", "close my account", "get rid")),
    ("correction", ("correct", "fix", "update", "wrong", "change", "rectif", "mistake", "outdated", "incorrect")),
    (
        "access",
        (
            "access",
            "copy",
            "see",
            "what data",
            "what information",
            "what do you have",
            "what you have",
            "disclos",
            "download",
            "export",
            "know what",
            "view",
            "show me",
            "which data",
            "get my data",
        ),
    ),
)


def kind_from_text(text: object) -> Optional[str]:
    """The request kind a phrase names ("delete my data" → ``deletion``), or ``None``."""
    if not isinstance(text, str):
        return None
    lowered = " ".join(text.lower().split())[:300]
    for kind, words in _KIND_WORDS:
        if any(word in lowered for word in words):
            return kind
    return None


_FIELD_WORDS: Sequence[Tuple[str, Tuple[str, ...]]] = (
    (EMAIL, ("e-mail", "email", "mail address")),
    (PHONE, ("phone", "mobile", "cell", "telephone")),
    (DATE_OF_BIRTH, ("birth", "dob", "birthday", "birthdate")),
    (IDENTIFIER, ("postal", "post code", "postcode", "zip", "order")),
    (CHILD_NAME, ("child's name", "childs name", "child name", "kid's name", "son's name", "daughter's name")),
    (CHILD_ACCOUNT, ("child's account", "account", "username", "user name")),
    (CHILD_AGE, ("age", "how old")),
    (RELATIONSHIP, ("relationship", "relation")),
    (PARENT_CONTACT, ("contact",)),
    (PARENT_NAME, ("my name",)),
    (FULL_NAME, ("name",)),
    (CORRECTION_VALUE, ("correct value", "new value", "right value", "correct one", "new one")),
    (CORRECTION_WHAT, ("what is wrong", "what's wrong", "wrong")),
    (ACCESS_DETAILS, ("pieces", "which data", "which information", "details")),
    (STOP_SCOPE, ("marketing", "all use")),
    (ACCESS_SCOPE, ("categories", "specific")),
    (REQUEST_KIND, ("request type", "kind of request", "type of request", "the request")),
)
_CHANGE_VERBS = (
    "change",
    "edit",
    "fix",
    "correct",
    "update",
    "wrong",
    "mistake",
    "typo",
    "redo",
    "modify",
    "not right",
)


def field_to_change(text: object, fields: Sequence[str]) -> Optional[str]:
    """Which of ``fields`` a message like "change my email" or "the date of birth is wrong" names."""
    if not isinstance(text, str):
        return None
    lowered = " ".join(text.lower().split())[:200]
    if not any(verb in lowered for verb in _CHANGE_VERBS) and len(lowered.split()) > 4:
        return None
    for name, words in _FIELD_WORDS:
        if name == PARENT_NAME and PARENT_NAME in fields and "name" in lowered and "child" not in lowered:
            return PARENT_NAME
        if name in fields and any(word in lowered for word in words):
            return name
    return None


# --------------------------------------------------------------------------- drafts


def _opt(value: Any) -> Optional[str]:
    if value is None or value == SKIPPED or value == "":
        return None
    return str(value)


@dataclass(frozen=True)
class RequestDraft:
    """A rights request as collected (personal data: never log it)."""

    kind: str
    full_name: str
    email: str
    date_of_birth: date
    phone: Optional[str] = None
    identifier: Optional[str] = None
    access_scope: Optional[str] = None
    access_details: Optional[str] = None
    correction_what: Optional[str] = None
    correction_value: Optional[str] = None
    stop_scope: Optional[str] = None
    declaration: bool = False

    def __repr__(self) -> str:
        return f"RequestDraft(kind={self.kind!r}, ...)"

    @classmethod
    def from_values(cls, values: Mapping[str, Any]) -> "RequestDraft":
        """From slot values (as the form stored them).  Raises ``ValueError`` naming a missing field."""
        for name in (REQUEST_KIND, FULL_NAME, EMAIL, DATE_OF_BIRTH):
            if not _opt(values.get(name)):
                raise ValueError(f"{name} is missing")
        kind = str(values[REQUEST_KIND])
        if kind not in REQUEST_KINDS:
            raise ValueError("request_kind is not a rights request")
        return cls(
            kind=kind,
            full_name=str(values[FULL_NAME]),
            email=str(values[EMAIL]),
            date_of_birth=date.fromisoformat(str(values[DATE_OF_BIRTH])),
            phone=_opt(values.get(PHONE)),
            identifier=_opt(values.get(IDENTIFIER)),
            access_scope=_opt(values.get(ACCESS_SCOPE)),
            access_details=_opt(values.get(ACCESS_DETAILS)),
            correction_what=_opt(values.get(CORRECTION_WHAT)),
            correction_value=_opt(values.get(CORRECTION_VALUE)),
            stop_scope=_opt(values.get(STOP_SCOPE)),
            declaration=values.get(DECLARATION) is True or values.get(DECLARATION) == "yes",
        )

    @property
    def identifier_kind(self) -> Optional[str]:
        if not self.identifier:
            return None
        return parsing.parse_identifier(self.identifier).kind

    @property
    def verification_kind(self) -> RequestKind:
        if self.kind == "access":
            return RequestKind.ACCESS_SPECIFIC if self.access_scope == "specific" else RequestKind.ACCESS_CATEGORIES
        return RequestKind(self.kind)

    def details_text(self) -> str:
        """What the agent reads: the request in words (stored encrypted on the ticket)."""
        if self.kind == "access":
            if self.access_scope == "specific":
                return f"Access: a copy of specific pieces of personal information. Which: {self.access_details or 'not stated'}"
            return "Access: the categories of personal information held and how they are used."
        if self.kind == "correction":
            return f"Correction. What is wrong: {self.correction_what}. Correct value: {self.correction_value}"
        if self.kind == "stop_using":
            scope = "marketing only" if self.stop_scope == "marketing" else "all use of personal information"
            return f"Stop using: {scope}."
        return "Deletion of all personal information (cancels the registration)."


@dataclass(frozen=True)
class ParentalDraft:
    """A parent's or guardian's request to delete a child's registration and data."""

    parent_name: str
    parent_contact: str
    relationship: str
    child_name: str
    child_age: int
    child_account: Optional[str] = None

    def __repr__(self) -> str:
        return "ParentalDraft(...)"

    @classmethod
    def from_values(cls, values: Mapping[str, Any]) -> "ParentalDraft":
        for name in (PARENT_NAME, PARENT_CONTACT, RELATIONSHIP, CHILD_NAME, CHILD_AGE):
            if _opt(values.get(name)) is None:
                raise ValueError(f"{name} is missing")
        return cls(
            parent_name=str(values[PARENT_NAME]),
            parent_contact=str(values[PARENT_CONTACT]),
            relationship=str(values[RELATIONSHIP]),
            child_name=str(values[CHILD_NAME]),
            child_age=int(float(values[CHILD_AGE])),
            child_account=_opt(values.get(CHILD_ACCOUNT)),
        )

    @property
    def contact_channel(self) -> str:
        return "email" if "@" in self.parent_contact else "sms"

    def details_text(self) -> str:
        account = self.child_account or "not known"
        return (
            f"Parental deletion: cancel the child's registration and delete all their details. "
            f"Requester's relationship to the child: {self.relationship}. Child's age: {self.child_age}. "
            f"Child's account e-mail or username: {account}. Waiting for official documents establishing "
            f"parental or guardian status."
        )


def new_form_run() -> str:
    """A random nonce for one form run (kept in the ``form_run`` slot while the form runs)."""
    return secrets.token_urlsafe(16)


def idempotency_key(conversation_id: str, kind: str, form_run: Optional[str]) -> str:
    """One key per form run: a retried submit of the same run files nothing new, a new run files anew.

    ``form_run`` is the nonce the form set when it started (:func:`new_form_run`);
    sender ids and turn counts repeat across calls and sessions, so they never make
    a key alone.  Without a nonce (a conversation that started before it existed)
    a fresh one is drawn: a new ticket rather than someone else's.  The ticket store
    never resolves a key to a closed ticket either.
    """
    run = form_run if isinstance(form_run, str) and form_run else new_form_run()
    canonical = json.dumps({"c": conversation_id, "k": kind, "r": run}, sort_keys=True, ensure_ascii=True)
    return "req:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------- summaries

_LABELS = {
    REQUEST_KIND: "Request",
    ACCESS_SCOPE: "What you'd like",
    ACCESS_DETAILS: "Which information",
    CORRECTION_WHAT: "What is wrong",
    CORRECTION_VALUE: "Correct value",
    STOP_SCOPE: "Stop using",
    FULL_NAME: "Name",
    EMAIL: "E-mail",
    PHONE: "Phone",
    DATE_OF_BIRTH: "Date of birth",
    IDENTIFIER: "Postal code / order number",
    PARENT_NAME: "Your name",
    PARENT_CONTACT: "Your contact",
    RELATIONSHIP: "Relationship to the child",
    CHILD_NAME: "Child's name",
    CHILD_ACCOUNT: "Child's account e-mail or username",
    CHILD_AGE: "Child's age",
}
_KIND_LABELS = {
    "access": "see the personal information we hold about you",
    "correction": "correct your personal information",
    "deletion": "delete your personal information",
    "stop_using": "stop us using your personal information",
}
#: What each request kind does, in the user's terms ("delete your personal information").
KIND_LABELS = _KIND_LABELS
_SCOPE_LABELS = {
    "categories": "the categories of information we hold and how we use them",
    "specific": "a copy of specific pieces of information",
    "marketing": "for marketing only",
    "all": "for all purposes",
}


def _shown(name: str, value: Any) -> str:
    if value in (None, "", SKIPPED):
        return "(skipped)"
    if name == REQUEST_KIND:
        return _KIND_LABELS.get(str(value), str(value))
    if name in (ACCESS_SCOPE, STOP_SCOPE):
        return _SCOPE_LABELS.get(str(value), str(value))
    if name == DATE_OF_BIRTH:
        try:
            return parsing.format_date(date.fromisoformat(str(value)))
        except ValueError:
            return str(value)
    if name == CHILD_AGE:
        return str(int(float(value)))
    return str(value)


def summary_lines(fields: Sequence[str], values: Mapping[str, Any]) -> List[str]:
    """ "Label: value" lines for the summary before submission (only questions asked)."""
    return [f"- {_LABELS[name]}: {_shown(name, values.get(name))}" for name in fields if name in _LABELS]


def correction_email_conflict(values: Mapping[str, Any]) -> bool:
    """Is the "correct value" of a correction an e-mail address other than the requester's own?"""
    new = values.get(CORRECTION_VALUE)
    own = values.get(EMAIL)
    if not isinstance(new, str) or "@" not in new:
        return False
    parsed = parsing.parse_email(new)
    candidate = parsed.value if parsed.ok and parsed.value else new.strip()
    return not (isinstance(own, str) and candidate.lower() == own.lower())


# --------------------------------------------------------------------------- submitting


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

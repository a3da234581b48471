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

Filing a confirmed draft as a ticket is :mod:`bot.requests.filing`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
from dataclasses import dataclass
from datetime import date
from typing import Any, List, Mapping, Optional, Sequence, Tuple

from bot.requests import parsing
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
    "RequestDraft",
    "ParentalDraft",
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

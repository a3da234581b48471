"""What each notice says about a ticket: the template context, built from the ticket's
non-personal fields, the company details and the masked contact (never the requester's data).
"""

from __future__ import annotations

from datetime import date
from typing import Any, Dict, Mapping, Optional

from bot.notices.company import CompanyDetails
from bot.notices.kinds import NoticeKind
from bot.tickets import Kind, TicketView

__all__ = ["KIND_LABELS", "notice_context", "format_day", "REJECTION_TEXT"]

KIND_LABELS: Mapping[Kind, str] = {
    Kind.ACCESS: "request for a copy of your information",
    Kind.CORRECTION: "correction request",
    Kind.DELETION: "deletion request",
    Kind.STOP_USING: "request to stop using your information",
    Kind.PARENTAL_DELETION: "request to delete your child's information",
    Kind.ESCALATION: "question for our privacy team",
}
_NEXT_STEP: Mapping[Kind, str] = {
    Kind.ACCESS: "our privacy team will prepare your information and send it to you securely.",
    Kind.CORRECTION: "our privacy team will check the correction and make it.",
    Kind.DELETION: "our privacy team will delete your personal information and cancel your registration.",
    Kind.STOP_USING: "our privacy team will stop the use you asked about.",
    Kind.PARENTAL_DELETION: "once we have proof of your parental or guardian status, we will cancel the child's "
    "registration and delete their details; this is handled with priority.",
    Kind.ESCALATION: "a person on our privacy team will reply.",
}
_OUTCOMES: Mapping[str, str] = {
    "fulfilled": "We did what you asked.",
    "no_data_held": "We looked, and we hold no personal information about you, so there was nothing to act on.",
}
#: Requester-facing wording of the console's rejection codes (the agent's free-text note stays internal).
REJECTION_TEXT: Mapping[str, str] = {
    "identity_not_verified": "we could not verify your identity from the details we have.",
    "no_parental_proof": "we did not receive proof of parental or guardian status.",
    "manifestly_unfounded": "the request is manifestly unfounded or excessive.",
    "duplicate_request": "it duplicates another request of yours that we are handling or have handled.",
    "legal_exemption": "a legal exemption applies to the information concerned.",
}
_ASK_AGAIN: Mapping[str, str] = {
    "identity_not_verified": "start a new request and confirm the code we send, or send us a copy of an identity document.",
    "no_parental_proof": "send the proof quoting your reference, or start a new request.",
}
_COMPLAIN: Mapping[str, str] = {
    "ccpa": "If you are not satisfied, you may complain to the California Privacy Protection Agency (cppa.ca.gov) "
    "or the California Attorney General (oag.ca.gov/privacy).",
    "gdpr": "If you are not satisfied, you may complain to your data protection supervisory authority.",
}
_REJECTION_SHORT: Mapping[str, str] = {
    "identity_not_verified": "we could not verify your identity.",
    "no_parental_proof": "no proof of parental status received.",
    "manifestly_unfounded": "unfounded or excessive.",
    "duplicate_request": "a duplicate of another request.",
    "legal_exemption": "a legal exemption applies.",
}


def format_day(day: Optional[date]) -> str:
    """``17 January 2027``: unambiguous on every channel."""
    return f"{day.day} {day:%B %Y}" if day else ""


def notice_context(
    kind: NoticeKind,
    ticket: TicketView,
    company: CompanyDetails,
    contact: str,
    details: Optional[Mapping[str, Any]] = None,
) -> Dict[str, Any]:
    """The template values of ``kind`` for ``ticket``; ``details`` holds the step's own values
    (``reason`` of an extension, ``code`` of a closure, ``documents_by`` of a documents request)."""
    details = dict(details or {})
    regime = (ticket.regime or "").lower()
    values: Dict[str, Any] = {
        "company": company,
        "reference": ticket.reference,
        "contact": contact,
        "kind_label": KIND_LABELS.get(ticket.kind, "request"),
        "received": format_day(ticket.received_at.date()),
        "due": format_day(ticket.respond_by),
        "next_step": _NEXT_STEP.get(ticket.kind, "our privacy team will be in touch.").capitalize(),
        "complain": _COMPLAIN.get("gdpr" if "gdpr" in regime else "ccpa", ""),
    }
    code = str(details.get("code") or "")
    if kind is NoticeKind.EXTENDED:
        values["reason"] = " ".join(str(details.get("reason") or "").split()) or "the request is complex."
    elif kind is NoticeKind.COMPLETED:
        values["outcome_text"] = _OUTCOMES.get(code, _OUTCOMES["fulfilled"])
        values["outcome_short"] = "We hold no data about you." if code == "no_data_held" else "We did what you asked."
    elif kind is NoticeKind.REJECTED:
        values["reason"] = REJECTION_TEXT.get(code, "the request could not be completed.").capitalize()
        values["reason_short"] = _REJECTION_SHORT.get(code, "see our e-mail.").capitalize()
        values["ask_again"] = _ASK_AGAIN.get(code, f"e-mail {company.email} quoting your reference.")
    elif kind is NoticeKind.DOCUMENTS:
        parental = ticket.kind is Kind.PARENTAL_DELETION
        values["proof_of"] = "your identity and of your parental or guardian status" if parental else "your identity"
        values["proof_of_short"] = "parental status" if parental else "identity"
        values["documents"] = (
            "official documents establishing parental or guardian status, for example the child's birth certificate "
            "or a court order naming you as guardian, and a copy of your own identity document."
            if parental
            else "a copy of an official identity document (a passport, driving licence or national identity card)."
        )
        values["documents_short"] = "e.g. birth certificate" if parental else "e.g. passport"
        values["documents_by"] = format_day(details.get("documents_by") or ticket.respond_by)
    elif kind is NoticeKind.AT_RISK:
        values.update(
            days_left=details.get("days_left", 0),
            status_label=ticket.status.value.replace("_", " "),
            console_url=details.get("console_url", "/console"),
        )
    return values

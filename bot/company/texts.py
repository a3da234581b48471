"""Every user-facing sentence that names the company or says how to reach it, filled from the profile.

Each function takes a :class:`CompanyProfile` (default: :func:`current_profile`, so a reloaded policy
or company file reaches the next reply) and returns plain text: the channels and actions call these
instead of holding a company's name, e-mail or address.  Voice callers get e-mails spelled by the
voice channel (``bot.channels.speech_format``), not here.
"""

from __future__ import annotations

from typing import Optional

from bot.company.load import current_profile
from bot.company.profile import CompanyProfile

__all__ = [
    "greeting",
    "other_language",
    "chat_title",
    "chat_notice",
    "sms_help",
    "sms_failure",
    "voice_recording_notice",
    "voice_goodbye_silent",
    "contact_ways_sentence",
    "write_to",
    "child_stop",
    "not_filed_unavailable",
    "parental_proof",
    "documents_letter",
    "escalation_email_instructions",
]


def _p(profile: Optional[CompanyProfile]) -> CompanyProfile:
    return profile if profile is not None else current_profile()


def greeting(profile: Optional[CompanyProfile] = None) -> str:
    p = _p(profile)
    return (
        f"Hello! I'm the {p.assistant_name} for {p.display_name}. I can answer questions about our privacy policy "
        "and help you with requests about your personal information. How can I help?"
        if p.display_name.lower() not in p.assistant_name.lower()
        else f"Hello! I'm the {p.assistant_name}. I can answer questions about our privacy policy and help you with "
        "requests about your personal information. How can I help?"
    )


def other_language(profile: Optional[CompanyProfile] = None) -> str:
    p = _p(profile)
    return f"Sorry, I can only help in English for now. For help in another language, please e-mail {p.privacy_email}."


def chat_title(profile: Optional[CompanyProfile] = None) -> str:
    p = _p(profile)
    return f"Privacy Desk — {p.display_name} privacy assistant"


def chat_notice(profile: Optional[CompanyProfile] = None) -> str:
    """The line under the web chat: who runs it, and how to reach a person outside the chat."""
    p = _p(profile)
    return f"{p.display_name}'s privacy assistant. To reach our privacy team directly, {p.contact_ways()}."


def write_to(profile: Optional[CompanyProfile] = None) -> str:
    """``e-mail privacy@example.com or write to Example Corp., C/O ..., 1 Main Street ...``."""
    return _p(profile).contact_ways()


def contact_ways_sentence(profile: Optional[CompanyProfile] = None) -> str:
    return f"You can also {_p(profile).contact_ways()}."


def sms_help(profile: Optional[CompanyProfile] = None) -> str:
    p = _p(profile)
    return (
        f"{p.display_name} privacy assistant: ask about our privacy policy, or make or check a request about your "
        f"personal data. To reach a person, reply AGENT or {p.contact_ways()}. "
        "Reply STOP to opt out. Msg&data rates may apply."
    )


def sms_failure(profile: Optional[CompanyProfile] = None) -> str:
    return (
        "Sorry, something went wrong on our side and your message was not processed. "
        f"Please try again in a few minutes, or e-mail {_p(profile).privacy_email}."
    )


def voice_recording_notice(profile: Optional[CompanyProfile] = None) -> str:
    return (
        f"Thank you for calling the {_p(profile).display_name} privacy line. "
        "Calls may be recorded for security reasons."
    )


def voice_goodbye_silent(profile: Optional[CompanyProfile] = None) -> str:
    """Said on the phone: the voice channel spells the e-mail out."""
    return (
        "I still can't hear you, so I'll end the call now. Please call again any time, or write to us at "
        f"{_p(profile).privacy_email}. Goodbye."
    )


def child_stop(profile: Optional[CompanyProfile] = None) -> str:
    p = _p(profile)
    under = f"children under {p.children_age}" if p.children_age else "children"
    return (
        f"Thank you for telling me. We don't collect information from {under}, so I've stopped and "
        "removed what you told me in this conversation. A parent or guardian can ask us to delete a child's "
        'registration and details: they can start here by saying "delete my child\'s data", or e-mail '
        f"{p.privacy_email}. Please ask a parent or guardian to help you with this."
    )


def not_filed_unavailable(profile: Optional[CompanyProfile] = None) -> str:
    return (
        "I'm sorry — something went wrong on our side and your request was NOT filed. Nothing has been sent for "
        f"it. Please try again in a few minutes, or {_p(profile).contact_ways()}."
    )


def parental_proof(reference: str, profile: Optional[CompanyProfile] = None) -> str:
    p = _p(profile)
    proof = p.parental_proof or "documents establishing parental or guardian status"
    post = f", or post copies to {p.postal_address.one_line()}" if p.postal_address else ""
    return (
        f"What happens next: our policy asks for {proof} (for example a birth certificate or a court order "
        f"naming you as guardian). Please e-mail them to {p.privacy_email} quoting your reference {reference}"
        f"{post}. Once we have them, we'll cancel the child's registration and delete their details; this case "
        "is handled with priority."
    )


def documents_letter(reference: str, parental: str, profile: Optional[CompanyProfile] = None) -> str:
    """The console's request for documents (SMS or e-mail to the requester)."""
    p = _p(profile)
    post = f" or by post to {p.postal_address.one_line()}" if p.postal_address else ""
    return (
        f"{p.display_name} Privacy Desk, request {reference}: to continue we need proof of your identity{parental}. "
        f"Please send official documents to {p.privacy_email}{post}, quoting {reference}."
    )


def escalation_email_instructions(reference: str, profile: Optional[CompanyProfile] = None) -> str:
    return f"{_p(profile).privacy_email} quoting {reference}"

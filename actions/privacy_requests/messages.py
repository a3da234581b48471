"""What the assistant says in the request flows (plain text: works on web chat, SMS and voice).

Never tell users to reply "cancel" or "stop": on SMS, Twilio treats those as an
opt-out.  The way out of a form is "never mind".
"""

from __future__ import annotations

from typing import Dict, List

from bot.company import texts as company_texts

#: Texts that name the company or say how to reach it: read from the company profile on every use, so a
#: reloaded policy or company file reaches the next reply (``bot.company.texts``).
_COMPANY_TEXTS = {
    "CHILD_STOP": company_texts.child_stop,
    "NOT_FILED_UNAVAILABLE": company_texts.not_filed_unavailable,
    "OTHER_WAYS": company_texts.contact_ways_sentence,
}


def __getattr__(name: str) -> str:
    if name in _COMPANY_TEXTS:
        return _COMPANY_TEXTS[name]()
    raise AttributeError(name)


def parental_proof(reference: str) -> str:
    """What a parent sends next, and where (the company's e-mail and address)."""
    return company_texts.parental_proof(reference)


LEAVE_HINT = '(Say "never mind" at any time to leave.)'

PERSON_BUTTON = {"title": "Talk to a person", "payload": "talk to a person"}
CONFIRM_BUTTONS: List[Dict[str, str]] = [
    {"title": "Yes, that's right", "payload": "yes, that's correct"},
    {"title": "Change something", "payload": "I want to change something"},
    {"title": "Never mind", "payload": "never mind"},
]

OFFER_PERSON = 'If you\'d rather, I can put you in touch with a person: just say "talk to a person".'

CANCELLED = "OK, I've stopped. Nothing was filed, and I've removed the details you gave me from this conversation."
NOTHING_TO_CANCEL = "OK. Is there anything else I can help with?"
STATUS_CHECK_STOPPED = (
    "OK, I've stopped the status check. Your request itself is not affected. " "Is there anything else I can help with?"
)

WHAT_TO_CHANGE = (
    'What would you like to change? For example "change my email" or "change my date of birth". ' + LEAVE_HINT
)

CANCELS_REGISTRATION = (
    "Please note: as our privacy policy says, deleting your personal information or asking us to stop using it "
    "cancels your registration with us."
)

LOCKED = (
    "That's too many wrong codes, so I've stopped this check for your security and removed the details from this "
    'conversation. You can try again later, or talk to a person: just say "talk to a person".'
)

CODE_BEFORE_REQUEST = (
    "I haven't sent you a code in this conversation. If you'd like to check a request you've already made, "
    'say "check my request status"; to make a new request, say what you\'d like to do, for example "delete my data".'
)


def mask_email(email: str) -> str:
    """``a***@example.com``: enough to recognise, not enough to read back someone's address."""
    local, _, domain = email.partition("@")
    if not domain:
        return "your e-mail address"
    return f"{local[:1]}***@{domain}"


def mask_phone(phone: str) -> str:
    digits = [c for c in phone if c.isdigit()]
    return "the number ending " + "".join(digits[-2:]) if len(digits) >= 4 else "your phone"


def number_ending(phone: str) -> str:
    """``the number ending 4567``: the last four digits, for a number the user is texting or calling from."""
    digits = [c for c in phone if c.isdigit()]
    return "the number ending " + "".join(digits[-4:]) if len(digits) >= 7 else "your phone"


def code_sent(contact: str) -> str:
    """What the user is told when a code went out: an e-mail masked, a phone by its last four digits."""
    if "@" in contact:
        return f"I've sent a 6-digit code to {mask_email(contact)}. It's valid for 10 minutes."
    # Said for every number alike: whether a number opted out of our texts is never revealed.
    return (
        f"I've texted a 6-digit code to {number_ending(contact)}. It's valid for 10 minutes. If no text arrives "
        '(for example because that number once replied STOP to us; texting START opts back in), say "send a new '
        'code" or use an e-mail address instead.'
    )

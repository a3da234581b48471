"""What the assistant says in the request flows (plain text: works on web chat, SMS and voice).

Never tell users to reply "cancel" or "stop": on SMS, Twilio treats those as an
opt-out.  The way out of a form is "never mind".
"""
from __future__ import annotations

from typing import Dict, List, Optional

from bot.requests.flows import POLICY_EMAIL, POLICY_POSTAL_ADDRESS

LEAVE_HINT = "(Say \"never mind\" at any time to leave.)"

PERSON_BUTTON = {"title": "Talk to a person", "payload": "talk to a person"}
CONFIRM_BUTTONS: List[Dict[str, str]] = [
    {"title": "Yes, that's right", "payload": "yes, that's correct"},
    {"title": "Change something", "payload": "I want to change something"},
    {"title": "Never mind", "payload": "never mind"},
]

OFFER_PERSON = "If you'd rather, I can put you in touch with a person: just say \"talk to a person\"."

CHILD_STOP = (
    "Thank you for telling me. We don't collect information from children under 13, so I've stopped and "
    "removed what you told me in this conversation. A parent or guardian can ask us to delete a child's "
    "registration and details: they can start here by saying \"delete my child's data\", or e-mail "
    f"{POLICY_EMAIL}. Please ask a parent or guardian to help you with this."
)

CANCELLED = "OK, I've stopped. Nothing was filed, and I've removed the details you gave me from this conversation."
NOTHING_TO_CANCEL = "OK. Is there anything else I can help with?"

WHAT_TO_CHANGE = "What would you like to change? For example \"change my email\" or \"change my date of birth\". " + LEAVE_HINT

CANCELS_REGISTRATION = (
    "Please note: as our privacy policy says, deleting your personal information or asking us to stop using it "
    "cancels your registration with us."
)

NOT_FILED_UNAVAILABLE = (
    "I'm sorry — something went wrong on our side and your request was NOT filed. Nothing has been sent for it. "
    f"Please try again in a few minutes, or e-mail {POLICY_EMAIL}, or write to {POLICY_POSTAL_ADDRESS}."
)

OTHER_WAYS = f"You can also e-mail {POLICY_EMAIL} or write to {POLICY_POSTAL_ADDRESS}."

PARENTAL_PROOF = (
    "What happens next: our policy asks for official documents establishing parental or guardian status "
    "(for example a birth certificate or a court order naming you as guardian). Please e-mail them to "
    f"{POLICY_EMAIL} quoting your reference {{reference}}, or post copies to {POLICY_POSTAL_ADDRESS}. "
    "Once we have them, we'll cancel the child's registration and delete their details; this case is handled with priority."
)

LOCKED = (
    "That's too many wrong codes, so I've stopped this check for your security and removed the details from this "
    "conversation. You can try again later, or talk to a person: just say \"talk to a person\"."
)

CODE_BEFORE_REQUEST = (
    "I haven't sent you a code in this conversation. If you'd like to check a request you've already made, "
    "say \"check my request status\"; to make a new request, say what you'd like to do, for example \"delete my data\"."
)
REFERENCE_OUTSIDE_FORM = "That looks like a request reference. To check its status, say \"check my request status\"."


def mask_email(email: str) -> str:
    """``a***@example.com``: enough to recognise, not enough to read back someone's address."""
    local, _, domain = email.partition("@")
    if not domain:
        return "your e-mail address"
    return f"{local[:1]}***@{domain}"


def mask_phone(phone: str) -> str:
    digits = [c for c in phone if c.isdigit()]
    return "the number ending " + "".join(digits[-2:]) if len(digits) >= 4 else "your phone"


def mask_contact(contact: Optional[str]) -> str:
    if not contact:
        return "your contact"
    return mask_email(contact) if "@" in contact else mask_phone(contact)


def number_ending(phone: str) -> str:
    """``the number ending 4567``: the last four digits, for a number the user is texting or calling from."""
    digits = [c for c in phone if c.isdigit()]
    return "the number ending " + "".join(digits[-4:]) if len(digits) >= 7 else "your phone"


def code_sent(contact: str) -> str:
    """What the user is told when a code went out: an e-mail masked, a phone by its last four digits."""
    if "@" in contact:
        return f"I've sent a 6-digit code to {mask_email(contact)}. It's valid for 10 minutes."
    return f"I've texted a 6-digit code to {number_ending(contact)}. It's valid for 10 minutes."


def enter_code(input_channel: Optional[str]) -> str:
    """How to give the code back: the keypad on the phone line, typing elsewhere."""
    if input_channel == "twilio_voice":
        return "enter the 6 digits on your keypad"
    return "type the 6 digits"

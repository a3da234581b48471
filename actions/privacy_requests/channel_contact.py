"""The number an SMS or phone conversation comes from, offered as a one-tap contact in the request forms.

On ``twilio_sms`` and ``twilio_voice`` the channel seals the sender's (caller's)
E.164 number into every message's metadata (:mod:`bot.channels.contact`).
Where a form asks for a phone or a contact — the rights request's ``phone``,
the parental request's ``parent_contact`` — the question offers that number,
masked ("Use the number ending 4567"): a numbered option on SMS, "press 1" on
the phone line.  Accepting it fills the slot with the number read from the
*sealed metadata* of the accepting message, never from its text: a payload or
a typed number that claims to be "this number" is only ever a typed number,
and on any other channel (or with metadata that is missing, forged or another
conversation's) nothing is offered and the phrase fills nothing.

Why a one-time code is still sent to that number, and never skipped: the
number is what Twilio's *signed* request says the message came from, but
caller ids and SMS sender ids can be spoofed before a call or message ever
reaches Twilio.  The code texted to the number and typed (or keyed) back is
what proves the requester holds that phone.  Where the code goes:

* parental request with a phone contact: by SMS to it (as for a typed number);
* rights request where the requester chose the channel's number
  (slot ``phone_from_channel``): by SMS to that phone instead of by e-mail;
  the submit step then checks the code was confirmed for exactly that phone
  and the verification level requires that phone to be on file
  (:func:`bot.requests.filing.submit_request`, ``confirmed_via="sms"``);
* otherwise: to the e-mail address, as on web chat.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker

from actions import names
from actions.privacy_requests import messages
from actions.privacy_requests.services import get_services
from bot.channels.contact import ChannelContact, confirmed_contact
from bot.channels.names import TWILIO_CHANNELS, TWILIO_VOICE

__all__ = [
    "USE_CHANNEL_NUMBER",
    "TWILIO_CHANNELS",
    "CodeRoute",
    "accepts_channel_number",
    "channel_contact",
    "channel_number_button",
    "from_where",
    "parental_code_route",
    "phone_buttons",
    "rights_code_route",
]

logger = logging.getLogger(__name__)

#: The button's payload: plain text (public channels strip a leading "/"); the NLU knows the phrase.
USE_CHANNEL_NUMBER = "use this number"

_LEAD = r"(?:(?:yes|yeah|yep|ok|okay|sure)\s+)?(?:please\s+)?"
_FROM = r"(?:i'?m|i am|you'?re|you are)\s+(?:texting|calling|messaging|using|writing)(?:\s+(?:from|on|with|now))?"
_THING = r"(?:phone\s+number|mobile\s+number|cell\s+number|number|phone|mobile|one)"
_ACCEPT = (
    # "use this number", "use my number", "use the number ending 4567", "yes, use this one please"
    re.compile(
        rf"^{_LEAD}use\s+(?:this|that|my|the\s+same|same|the)\s+{_THING}(?:\s+ending(?:\s+in)?\s+\d{{2,4}})?"
        rf"(?:\s+{_FROM})?(?:\s+please)?$"
    ),
    # "this number", "the same number", "this one please"
    re.compile(rf"^{_LEAD}(?:this|that|the\s+same|same)\s+{_THING}(?:\s+{_FROM})?(?:\s+please)?$"),
    # "the number I'm texting from", "the one I'm calling from"
    re.compile(rf"^{_LEAD}(?:the|my)\s+{_THING}\s+{_FROM}(?:\s+please)?$"),
)


def accepts_channel_number(value: Any) -> bool:
    """Is the answer "use the number I'm texting / calling from" (the button or its words)?

    A message with a phone number in it (seven digits or more) is a typed
    number, never an acceptance: the number itself always comes from metadata.
    """
    if not isinstance(value, str) or len(value) > 80:
        return False
    if sum(ch.isdigit() for ch in value) >= 7:
        return False
    text = " ".join(re.sub(r"[.,!?;:()\"]", " ", value.replace("\u2019", "'").lower()).split())
    return any(pattern.match(text) for pattern in _ACCEPT)


async def channel_contact(tracker: Tracker) -> Optional[ChannelContact]:
    """The latest message's channel-confirmed phone on SMS / voice, or ``None`` (other channels, absent, forged)."""
    channel = tracker.get_latest_input_channel()
    if channel not in TWILIO_CHANNELS:
        return None
    try:
        services = await get_services()
    except Exception as exc:  # noqa: BLE001 - without services, offer nothing (the form still works)
        logger.warning("channel contact unavailable: %s", type(exc).__name__)
        return None
    if services.cipher is None:
        return None
    found = confirmed_contact(tracker.latest_message.get("metadata"), tracker.sender_id, services.cipher)
    if found is None or found.channel != channel:
        return None
    return found


def channel_number_button(contact: ChannelContact) -> Dict[str, str]:
    """``Use the number ending 4567`` → payload :data:`USE_CHANNEL_NUMBER` (the number is never in the payload)."""
    return {"title": f"Use {messages.number_ending(contact.phone)}", "payload": USE_CHANNEL_NUMBER}


def from_where(contact: ChannelContact) -> str:
    """ "calling" on the phone line, "texting" on SMS."""
    return "calling" if contact.channel == TWILIO_VOICE else "texting"


@dataclass(frozen=True)
class CodeRoute:
    """Where a form's one-time code goes: ``channel`` ``"sms"`` or ``"email"``, and the contact."""

    channel: str
    contact: Optional[str]

    def __repr__(self) -> str:  # the contact is personal data
        return f"CodeRoute(channel={self.channel!r}, contact=<redacted>)"

    @property
    def by_sms(self) -> bool:
        return self.channel == "sms"


def rights_code_route(tracker: Tracker) -> CodeRoute:
    """A rights request's code: by SMS to the channel's number when the requester chose it, else by e-mail."""
    phone = tracker.get_slot(names.SLOT_PHONE)
    if tracker.get_slot(names.SLOT_PHONE_FROM_CHANNEL) is True and isinstance(phone, str) and phone.startswith("+"):
        return CodeRoute("sms", phone)
    email = tracker.get_slot(names.SLOT_EMAIL)
    return CodeRoute("email", email if isinstance(email, str) else None)


def parental_code_route(tracker: Tracker) -> CodeRoute:
    """A parental request's code: to the parent's contact, by e-mail or by SMS."""
    contact = tracker.get_slot(names.SLOT_PARENT_CONTACT)
    contact = contact if isinstance(contact, str) and contact else None
    return CodeRoute("email" if contact and "@" in contact else "sms", contact)


def phone_buttons(contact: ChannelContact) -> List[Dict[str, str]]:
    return [channel_number_button(contact), {"title": "Skip", "payload": "skip"}]

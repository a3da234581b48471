"""A person, from any state: an escalation ticket with a masked transcript, and an honest answer.

When the user asks for a person, ``escalation_contact_form`` runs first.  If the
conversation already has a way to reach them — an e-mail or phone validated by a
request form, or the phone number an SMS/call comes from (channel-confirmed) — it
finishes at once.  Otherwise it asks one question, "How should our team reach
you?": an e-mail address or phone number (checked with
:func:`bot.requests.parsing.parse_email` / :func:`~bot.requests.parsing.parse_phone`;
a bad value is asked again with what was wrong), or "no thanks" / "skip".  Then
:class:`ActionEscalate` files the ticket with that contact (encrypted, like every
personal value on a ticket) or without one, says how the team will answer, and
clears the contact from the conversation's slots.
"""

from __future__ import annotations

import logging
import re
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import REQUESTED_SLOT
from rasa_sdk.types import DomainDict

from actions import names
from actions.privacy_requests import messages
from actions.privacy_requests.common import ticket_channel, wind_up
from actions.privacy_requests.forms import PrivacyFormValidation
from actions.privacy_requests.services import blocking, get_services
from bot.channels.names import TWILIO_CHANNELS
from bot.company import texts as company_texts
from bot.privacy.masking import agent_transcript
from bot.requests import parsing
from bot.requests.flows import PERSONAL_FIELDS, idempotency_key
from bot.tickets import Kind, PersonalData

__all__ = [
    "ActionEscalate",
    "ValidateEscalationContactForm",
    "ESCALATION_PERSONAL_SLOTS",
    "DECLINED",
    "masked_transcript",
]

logger = logging.getLogger(__name__)

TRANSCRIPT_LIMIT = 100_000


def masked_transcript(tracker: Tracker) -> str:
    """The conversation so far for the agent: answers to personal-data questions withheld, a child's words
    discarded, everything else masked (:func:`bot.privacy.masking.agent_transcript`)."""
    return agent_transcript(
        tracker.events,
        personal_questions=PERSONAL_QUESTIONS,
        discard_markers=(messages.CHILD_STOP,),
        limit=TRANSCRIPT_LIMIT,
    )


#: Personal-data slots this module fills; cleared once the ticket holds the value (or the flow ends).
ESCALATION_PERSONAL_SLOTS = (names.SLOT_ESCALATION_CONTACT,)

#: Questions whose answers are personal data: never copied into a transcript. The change-of-mind
#: confirmation counts: it is asked in place of an identity question, and people often answer the
#: question it displaced (their name, their e-mail) instead of "yes" or "no".
PERSONAL_QUESTIONS = frozenset({*PERSONAL_FIELDS, *ESCALATION_PERSONAL_SLOTS, names.SLOT_SWITCH_CONFIRMED})

#: ``escalation_contact`` when the user said "no thanks": file without a contact.
DECLINED = "__declined__"

#: Bad answers to "How should our team reach you?" before filing without a contact.
MAX_CONTACT_TRIES = 3

_DECLINE = re.compile(
    r"^(?:no,?\s*thanks?(?:\s+you)?|no\s+thank\s+you|nah|not\s+needed|no\s+need|(?:i'?d\s+)?rather\s+not|"
    r"(?:please\s+)?don'?t\s+contact\s+me|no\s+contact|i'?ll\s+pass|skip(?:\s+(?:it|this|that))?)$",
    re.IGNORECASE,
)


def declines(text: str) -> bool:
    """Did the user decline to give a contact ("no thanks", "skip", "no", "I'd rather not")?"""
    cleaned = " ".join(text.split()).strip(" .!").replace("’", "'")
    return bool(_DECLINE.match(cleaned)) or parsing.is_skip(cleaned)


def _contact(tracker: Tracker, cipher: Any) -> Tuple[Optional[str], Optional[str]]:
    """An (email, phone) the agent can reply to: validated in this conversation, or confirmed by the channel."""
    email = tracker.get_slot(names.SLOT_EMAIL)
    parent = tracker.get_slot(names.SLOT_PARENT_CONTACT)
    if isinstance(parent, str) and "@" in parent:
        email = email or parent
    phone = tracker.get_slot(names.SLOT_PHONE)
    phone = phone if isinstance(phone, str) and phone.startswith("+") else None
    if isinstance(parent, str) and parent.startswith("+"):
        phone = phone or parent
    if phone is None and cipher is not None:
        try:
            from bot.channels.contact import confirmed_contact

            found = confirmed_contact(tracker.latest_message.get("metadata"), tracker.sender_id, cipher)
            phone = found.phone if found else None
        except Exception:  # noqa: BLE001 - no channel contact is fine
            phone = None
    return (email if isinstance(email, str) and "@" in email else None), phone


def _given_contact(tracker: Tracker) -> Tuple[Optional[str], Optional[str]]:
    """The (email, phone) the user typed at "How should our team reach you?" (validated again here)."""
    value = tracker.get_slot(names.SLOT_ESCALATION_CONTACT)
    if not isinstance(value, str) or value == DECLINED:
        return None, None
    if "@" in value:
        parsed = parsing.parse_email(value)
        return (parsed.value if parsed.ok else None), None
    parsed = parsing.parse_phone(value)
    return None, (parsed.value if parsed.ok else None)


async def known_contact(tracker: Tracker) -> Tuple[Optional[str], Optional[str]]:
    """A way to reach the user already known: validated in a form, or confirmed by the SMS/voice channel."""
    email, phone = _contact(tracker, None)
    if email or phone:
        return email, phone
    if tracker.get_latest_input_channel() not in TWILIO_CHANNELS:
        return None, None
    try:
        services = await get_services()
    except Exception as exc:  # noqa: BLE001 - unknown channel contact: ask (filing will say if the store is down)
        logger.warning("channel contact not readable: %s", type(exc).__name__)
        return None, None
    return _contact(tracker, services.cipher)


class ValidateEscalationContactForm(PrivacyFormValidation):
    """ "How should our team reach you?" — asked only when no contact is known; one answer, or "no thanks"."""

    def name(self) -> Text:
        return names.ACTION_VALIDATE_ESCALATION_CONTACT_FORM

    def fields(self, tracker: Tracker) -> List[Text]:
        return [names.SLOT_ESCALATION_CONTACT]

    async def required_slots(
        self, domain_slots: List[Text], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Text]:
        if tracker.get_slot(names.SLOT_ESCALATION_CONTACT) is None and any(await known_contact(tracker)):
            return []  # nothing to ask: the form ends at once and the escalation is filed
        return await super().required_slots(domain_slots, dispatcher, tracker, domain)

    async def validate_escalation_contact(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        text = value if isinstance(value, str) else ""
        if declines(text):
            return self.accept(names.SLOT_ESCALATION_CONTACT, DECLINED, tracker)
        text = text.strip()[:300]
        if "@" in text:
            parsed = parsing.parse_email(text)
        elif any(ch.isdigit() for ch in text):
            parsed = parsing.parse_phone(text)
        else:
            parsed = parsing.Parsed.bad(
                "I need an e-mail address (like name@example.com) or a phone number with its area code, so our team "
                "can reach you."
            )
        if parsed.ok:
            return self.accept(names.SLOT_ESCALATION_CONTACT, parsed.value, tracker)
        failures = self._failures(tracker)
        failures[names.SLOT_ESCALATION_CONTACT] = failures.get(names.SLOT_ESCALATION_CONTACT, 0) + 1
        if failures[names.SLOT_ESCALATION_CONTACT] >= MAX_CONTACT_TRIES:
            dispatcher.utter_message(
                text="I still couldn't read an e-mail address or phone number there, so I'll pass "
                "this on without one."
            )
            return self.accept(names.SLOT_ESCALATION_CONTACT, DECLINED, tracker)
        dispatcher.utter_message(text=parsed.problem or "Sorry, I couldn't use that.")
        return {names.SLOT_ESCALATION_CONTACT: None, names.SLOT_FIELD_FAILURES: failures}


class ActionEscalate(Action):
    """Hand the conversation to the privacy team; leaves any form and drops the collected slots."""

    def name(self) -> Text:
        return names.ACTION_ESCALATE

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        leave: List[EventType] = [ActiveLoop(None), SlotSet(REQUESTED_SLOT, None)] if tracker.active_loop_name else []
        key = idempotency_key(tracker.sender_id, Kind.ESCALATION.value, tracker.get_slot(names.SLOT_FORM_RUN))
        forget = [SlotSet(slot, None) for slot in ESCALATION_PERSONAL_SLOTS]
        try:
            services = await get_services()
            email, phone = _contact(tracker, services.cipher)
            if not (email or phone):
                email, phone = _given_contact(tracker)
            personal = PersonalData(email=email, phone=phone) if (email or phone) else None
            result = await blocking(
                services.tickets.create,
                kind=Kind.ESCALATION,
                channel=ticket_channel(tracker),
                idempotency_key=key,
                personal=personal,
                transcript=masked_transcript(tracker),
                actor="bot",
            )
            days = services.escalation_reply_days
        except Exception as exc:  # noqa: BLE001 - tell the truth: nothing was passed on
            logger.error("escalation not filed: %s", type(exc).__name__)
            dispatcher.utter_message(
                text=(
                    "I'm sorry — I couldn't pass this to our team just now, so nothing was sent. Please try again in a few "
                    f"minutes, or {messages.OTHER_WAYS[0].lower()}{messages.OTHER_WAYS[1:]}"
                )
            )
            return [*leave, *wind_up(), *forget]
        reference = result.ticket.reference
        if email:
            how = f"They'll reply by e-mail to {messages.mask_email(email)}"
        elif phone:
            how = f"They'll reply by text or phone to {messages.mask_phone(phone)}"
        else:
            how = (
                f"I don't have a way for them to reach you once you leave this chat, so please e-mail "
                f"{company_texts.escalation_email_instructions(reference)}, and they'll answer there"
            )
        dispatcher.utter_message(
            text=(
                f"I've passed this conversation to our privacy team (reference {reference}). They're people, and they work "
                f"on business days, so it isn't instant. {how}, normally within {days} business days. "
                "I've kept a copy of this conversation for them with personal details hidden."
            )
        )
        return [*leave, *wind_up(), *forget, SlotSet(names.SLOT_LAST_REFERENCE, reference)]

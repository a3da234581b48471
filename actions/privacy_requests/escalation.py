"""A person, from any state: an escalation ticket with a masked transcript, and an honest answer."""
from __future__ import annotations

import hashlib
import logging
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import REQUESTED_SLOT

from actions import names
from actions.privacy_requests import messages
from actions.privacy_requests.common import ticket_channel, wind_up
from actions.privacy_requests.services import blocking, get_services
from bot.privacy.masking import mask_text
from bot.tickets import Kind, PersonalData

logger = logging.getLogger(__name__)

TRANSCRIPT_LIMIT = 100_000


def masked_transcript(tracker: Tracker) -> str:
    """The conversation so far, user and assistant turns, with personal data masked."""
    lines: List[str] = []
    for event in tracker.events:
        kind = event.get("event")
        text = event.get("text")
        if kind not in ("user", "bot") or not isinstance(text, str) or not text.strip():
            continue
        who = "User" if kind == "user" else "Assistant"
        lines.append(f"{who}: {mask_text(text.strip())}")
    transcript = "\n".join(lines)
    return transcript[-TRANSCRIPT_LIMIT:] if transcript else "(no messages)"


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


class ActionEscalate(Action):
    """Hand the conversation to the privacy team; leaves any form and drops the collected slots."""

    def name(self) -> Text:
        return names.ACTION_ESCALATE

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        leave: List[EventType] = [ActiveLoop(None), SlotSet(REQUESTED_SLOT, None)] if tracker.active_loop_name else []
        turns = sum(1 for e in tracker.events if e.get("event") == "user")
        key = "esc:" + hashlib.sha256(f"{tracker.sender_id}:{turns}".encode("utf-8")).hexdigest()
        try:
            services = await get_services()
            email, phone = _contact(tracker, services.cipher)
            personal = PersonalData(email=email, phone=phone) if (email or phone) else None
            result = await blocking(
                services.tickets.create, kind=Kind.ESCALATION, channel=ticket_channel(tracker), idempotency_key=key,
                personal=personal, transcript=masked_transcript(tracker), actor="bot")
            days = services.escalation_reply_days
        except Exception as exc:  # noqa: BLE001 - tell the truth: nothing was passed on
            logger.error("escalation not filed: %s", type(exc).__name__)
            dispatcher.utter_message(text=(
                "I'm sorry — I couldn't pass this to our team just now, so nothing was sent. Please try again in a few "
                f"minutes, or {messages.OTHER_WAYS[0].lower()}{messages.OTHER_WAYS[1:]}"))
            return [*leave, *wind_up()]
        reference = result.ticket.reference
        if email:
            how = f"They'll reply by e-mail to {messages.mask_email(email)}"
        elif phone:
            how = f"They'll reply by text or phone to {messages.mask_phone(phone)}"
        else:
            how = (f"I don't have a way for them to reach you once you leave this chat, so please e-mail "
                   f"eboutique.us@cartier.com quoting {reference}, and they'll answer there")
        dispatcher.utter_message(text=(
            f"I've passed this conversation to our privacy team (reference {reference}). They're people, and they work "
            f"on business days, so it isn't instant: {how}, normally within {days} business days. "
            "I've kept a copy of this conversation for them with personal details hidden."))
        return [*leave, *wind_up(), SlotSet(names.SLOT_LAST_REFERENCE, reference)]

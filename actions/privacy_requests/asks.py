"""Summaries before submission: what we'll file, the option to change any of it, and warnings."""

from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import date
from typing import Any, Dict, List, Text, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions import names
from actions.privacy_requests import messages
from actions.privacy_requests.channel_contact import (
    channel_contact,
    channel_number_button,
    from_where,
    phone_buttons,
    rights_code_route,
)
from bot.requests import flows, parsing


def _values(tracker: Tracker, fields: List[str]) -> Dict[str, Any]:
    return {field: tracker.get_slot(field) for field in fields}


class ActionAskRequestConfirmed(Action):
    """Show the rights request back; warn that deletion / stopping all use cancels the registration."""

    def name(self) -> Text:
        return names.ACTION_ASK_REQUEST_CONFIRMED

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        kind = tracker.get_slot(names.SLOT_REQUEST_KIND)
        fields = flows.required_fields(kind, tracker.get_slot(names.SLOT_ACCESS_SCOPE))
        values = _values(tracker, fields)
        parts = ["Here's what I'll send to our privacy team:", *flows.summary_lines(fields, values)]
        if kind == "correction" and flows.correction_email_conflict(values):
            parts.append(
                "Note: the new e-mail address is different from the one you're verifying with, so our team will "
                "confirm that it's yours before changing anything."
            )
        route = rights_code_route(tracker)
        code = (
            f"I'll text a code to {messages.number_ending(route.contact or '')}"
            if route.by_sms
            else "I'll e-mail you a code"
        )
        if flows.cancels_registration(kind, tracker.get_slot(names.SLOT_STOP_SCOPE)):
            parts.append(messages.CANCELS_REGISTRATION)
            parts.append(
                f"Do you want to go ahead? If so, {code} to confirm it's you. "
                'Or tell me what to change (for example "change my email").'
            )
        else:
            parts.append(
                f"Is everything right? If so, {code} to confirm it's you. "
                'Or tell me what to change (for example "change my email").'
            )
        dispatcher.utter_message(text="\n".join(parts), buttons=messages.CONFIRM_BUTTONS)
        return []


class ActionAskParentalConfirmed(Action):
    """Show the parental request back and explain the proof the policy asks for before filing."""

    def name(self) -> Text:
        return names.ACTION_ASK_PARENTAL_CONFIRMED

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        fields = flows.parental_fields()
        values = _values(tracker, fields)
        contact = tracker.get_slot(names.SLOT_PARENT_CONTACT) or ""
        how = "e-mail" if "@" in contact else "text"
        parts = [
            "Here's the request to delete the child's registration and details:",
            *flows.summary_lines(fields, values),
            "Before we act, our privacy policy asks for official documents establishing parental or guardian status; "
            "I'll tell you how to send them once the request is filed.",
            f"Is everything right? If so, I'll {how} you a code to confirm your contact details. Or tell me what to change.",
        ]
        dispatcher.utter_message(text="\n".join(parts), buttons=messages.CONFIRM_BUTTONS)
        return []


class ActionAskDateOfBirth(Action):
    """Ask for the date of birth — or, after an ambiguous one ("03/04/1990"), which reading was meant."""

    def name(self) -> Text:
        return names.ACTION_ASK_DATE_OF_BIRTH

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        choices = tracker.get_slot(names.SLOT_DOB_CHOICES)
        readings = []
        for value in choices if isinstance(choices, list) else []:
            try:
                readings.append(parsing.format_date(date.fromisoformat(str(value))))
            except ValueError:
                continue
        if len(readings) == 2:
            dispatcher.utter_message(
                text=f"Just to be sure: is your date of birth {readings[0]} or {readings[1]}?",
                buttons=[{"title": r, "payload": r} for r in readings],
            )
            return []
        dispatcher.utter_message(text="What's your date of birth? For example: March 4 1990.")
        return []


class _OfferChannelNumber(Action, ABC):
    """Ask a contact question; on SMS and the phone line, also offer the number the user is texting or calling from.

    On other channels (and without a valid sealed channel contact) this is exactly the
    domain's usual question.  See :mod:`actions.privacy_requests.channel_contact`.
    """

    usual_response: Text

    @abstractmethod
    def offer(self, contact: Any) -> Tuple[Text, List[Dict[Text, Text]]]:
        """The question and its buttons when the channel confirmed ``contact``."""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        contact = await channel_contact(tracker)
        if contact is None:
            dispatcher.utter_message(response=self.usual_response)
            return []
        text, buttons = self.offer(contact)
        dispatcher.utter_message(text=text, buttons=buttons)
        return []


class ActionAskPhone(_OfferChannelNumber):
    """The requester's phone: the channel's number also means the code is texted there instead of e-mailed."""

    usual_response = names.UTTER_ASK_PHONE

    def name(self) -> Text:
        return names.ACTION_ASK_PHONE

    def offer(self, contact: Any) -> Tuple[Text, List[Dict[Text, Text]]]:
        return (
            f"What's your phone number, with the area code? It helps us find your records. You can use "
            f"{messages.number_ending(contact.phone)}, the one you're {from_where(contact)} from: I'll then text "
            'your code there instead of e-mailing it. Or give another number, or say "skip".',
            phone_buttons(contact),
        )


class ActionAskParentContact(_OfferChannelNumber):
    """How to reach the parent (the code goes there)."""

    usual_response = names.UTTER_ASK_PARENT_CONTACT

    def name(self) -> Text:
        return names.ACTION_ASK_PARENT_CONTACT

    def offer(self, contact: Any) -> Tuple[Text, List[Dict[Text, Text]]]:
        return (
            f"What's the best e-mail address or mobile number to reach you? I'll send a code there to confirm it. "
            f"You can use {messages.number_ending(contact.phone)}, the one you're {from_where(contact)} from, "
            "or give another number or an e-mail address.",
            [channel_number_button(contact)],
        )


class ActionAskStatusReference(Action):
    """Ask for the reference; when a request was filed earlier in this conversation, offer it as one tap."""

    def name(self) -> Text:
        return names.ACTION_ASK_STATUS_REFERENCE

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        last = tracker.get_slot(names.SLOT_LAST_REFERENCE)
        if not isinstance(last, str) or not last.startswith("PD-"):
            dispatcher.utter_message(response=names.UTTER_ASK_STATUS_REFERENCE)
            return []
        dispatcher.utter_message(
            text=f"Is it {last}, the request from this conversation? Choose it, or type another reference "
            '(they look like PD-7K3D-9QXM). Say "never mind" to leave.',
            buttons=[{"title": last, "payload": last}],
        )
        return []

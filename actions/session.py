"""A new conversation session: the company's details as slots, so domain responses can name it.

Rasa responses interpolate slots (``{company_name}``); the company is not in ``domain.yml``, it is
read from the company profile (``bot.company``) when each session starts, so the model trained once
serves any company and a reloaded policy or company file reaches every new session.
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import names
from bot.company import CompanyProfile, current_profile


def company_slots(profile: CompanyProfile) -> List[EventType]:
    """The slots the domain's responses read the company from."""
    return [
        SlotSet(names.SLOT_COMPANY_NAME, profile.display_name),
        SlotSet(names.SLOT_COMPANY_EMAIL, profile.privacy_email),
        SlotSet(names.SLOT_ASSISTANT_NAME, profile.assistant_name),
    ]


class ActionSessionStart(Action):
    """Start the session as Rasa does, then set the company slots before the first turn."""

    def name(self) -> Text:
        return names.ACTION_SESSION_START

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        return [SessionStarted(), *company_slots(current_profile()), ActionExecuted(names.ACTION_LISTEN)]

"""Conversation basics that need code: the low-confidence fallback."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, UserUtteranceReverted
from rasa_sdk.executor import CollectingDispatcher

from actions import names

# Plain-text payloads: the NLU model knows these phrases verbatim.
MAIN_OPTIONS = [
    {"title": "Ask about the privacy policy", "payload": "I have a question about the privacy policy"},
    {"title": "Make a request about my data", "payload": "I want to make a privacy request"},
    {"title": "Check a request's status", "payload": "check the status of my request"},
    {"title": "Talk to a person", "payload": "talk to a person"},
]


class ActionDefaultFallbackOptions(Action):
    """When NLU is unsure, say so and offer the main options instead of guessing.

    The user's turn is reverted so a misunderstood message does not steer the
    dialogue policy on the next turn.
    """

    def name(self) -> Text:
        return names.ACTION_DEFAULT_FALLBACK_OPTIONS

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        dispatcher.utter_message(response=names.UTTER_DEFAULT, buttons=MAIN_OPTIONS)
        return [UserUtteranceReverted()]

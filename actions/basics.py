"""Conversation basics that need code: the low-confidence fallback."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, UserUtteranceReverted
from rasa_sdk.executor import CollectingDispatcher

from actions import names
from actions.second_reading import flow_offers
from bot.requests import parsing

# Plain-text payloads: the NLU model knows these phrases verbatim.
MAIN_OPTIONS = [
    {"title": "Ask about the privacy policy", "payload": "I have a question about the privacy policy"},
    {"title": "Make a request about my data", "payload": "I want to make a privacy request"},
    {"title": "Check a request's status", "payload": "check the status of my request"},
    {"title": "Talk to a person", "payload": "talk to a person"},
]


def _offer_button(intent: str) -> Optional[Dict[str, str]]:
    """The button that starts ``intent``'s flow (plain text the NLU reads as that intent)."""
    from actions.policy import FOLLOW_UP_BUTTONS, FOLLOW_UP_OF_INTENT, PERSON_BUTTON  # loads the KB holder

    if intent in FOLLOW_UP_OF_INTENT:
        return FOLLOW_UP_BUTTONS[FOLLOW_UP_OF_INTENT[intent]]
    if intent == names.INTENT_TALK_TO_PERSON:
        return PERSON_BUTTON
    return {
        names.INTENT_CHECK_STATUS: MAIN_OPTIONS[2],
        names.INTENT_MAKE_REQUEST: MAIN_OPTIONS[1],
    }.get(intent)


def fallback_buttons(ranking: List[Dict[str, Any]], in_form: bool) -> List[Dict[str, str]]:
    """What the NLU hesitated over first (outside forms), then the main options, each once."""
    offered = [] if in_form else [b for b in map(_offer_button, flow_offers(ranking)) if b is not None]
    buttons: List[Dict[str, str]] = []
    for button in offered + MAIN_OPTIONS:
        if all(button["payload"] != b["payload"] for b in buttons):
            buttons.append(button)
    return buttons


class ActionDefaultFallbackOptions(Action):
    """When NLU is unsure, say so and offer options instead of guessing.

    Outside a form a request reference in the message starts the status check, and the flows
    the NLU hesitated over come first ("get me a supervisor now" →
    "Talk to a person"), then the main options. The user's turn is reverted so a
    misunderstood message does not steer the dialogue policy on the next turn.
    """

    def name(self) -> Text:
        return names.ACTION_DEFAULT_FALLBACK_OPTIONS

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        in_form = tracker.active_loop_name is not None
        if not in_form and parsing.find_reference(tracker.latest_message.get("text") or "", asked=False):
            # "any update on pd 4hjr 22wx": a reference says which request; the status form reads it
            return [FollowupAction(names.FORM_STATUS)]
        ranking = tracker.latest_message.get("intent_ranking") or []
        buttons = fallback_buttons(ranking, in_form=in_form)
        dispatcher.utter_message(response=names.UTTER_DEFAULT, buttons=buttons)
        return [UserUtteranceReverted()]

"""Question or request? Use the knowledge base's confidence and offer both, never guess.

The NLU marks a message torn between ``ask_policy`` and a request intent as
``question_or_request`` (``bot/rasa/question_or_request.py``), keeping the original
ranking. This action asks the knowledge base how well the policy answers the text:

- the policy covers it → the answer (with its section), then the request as one tap;
- the policy does not cover it → say so plainly, and offer the request or another question.

Every button payload is plain text the NLU knows (public channels strip "/" intents).
"""

from __future__ import annotations

import asyncio
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import names
from actions.basics import MAIN_OPTIONS
from actions.kb_holder import question_vector_from
from actions.policy import (
    FOLLOW_UP_BUTTONS,
    FOLLOW_UP_OF_INTENT,
    PERSON_BUTTON,
    TELL_MORE_BUTTON,
    format_answer,
    get_knowledge_base,
)

__all__ = ["ActionRouteQuestionOrRequest", "request_button"]

_ANY_REQUEST_BUTTON = next(b for b in MAIN_OPTIONS if b["payload"] == "I want to make a privacy request")
_ASK_QUESTION_BUTTON = next(b for b in MAIN_OPTIONS if b["payload"] == "I have a question about the privacy policy")


def request_button(ranking: List[Dict[str, Any]], kb_follow_up: Optional[str]) -> Dict[str, str]:
    """The button for the request the NLU hesitated over (the KB's own guess if the NLU's was generic)."""
    for entry in ranking:
        name = entry.get("name")
        if name in FOLLOW_UP_OF_INTENT:
            return FOLLOW_UP_BUTTONS[FOLLOW_UP_OF_INTENT[name]]
        if name == names.INTENT_MAKE_REQUEST:
            break
    if kb_follow_up in FOLLOW_UP_BUTTONS:
        return FOLLOW_UP_BUTTONS[kb_follow_up]
    return _ANY_REQUEST_BUTTON


class ActionRouteQuestionOrRequest(Action):
    """Answer from the policy if it can, and offer the request beside it (see module docstring)."""

    def name(self) -> Text:
        return names.ACTION_ROUTE_QUESTION_OR_REQUEST

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        latest = tracker.latest_message or {}
        text = latest.get("text") or ""
        ranking = latest.get("intent_ranking") or []
        kb = await get_knowledge_base()
        with question_vector_from(text, latest):  # the NLU's vector of it: not encoded again
            answer = await asyncio.to_thread(kb.answer, text) if kb is not None else None
        request = request_button(ranking, answer.follow_up if answer is not None else None)
        if answer is not None and answer.covered:
            buttons = [request] + ([TELL_MORE_BUTTON] if answer.more else [])
            dispatcher.utter_message(text=format_answer(answer))
            dispatcher.utter_message(response=names.UTTER_ROUTE_OFFER_REQUEST, buttons=buttons)
            return [
                SlotSet(names.SLOT_POLICY_SECTION, answer.section_id),
                SlotSet(names.SLOT_POLICY_SHOWN, [str(i) for i in answer.shown]),
            ]
        dispatcher.utter_message(
            response=names.UTTER_ROUTE_NOT_IN_POLICY, buttons=[request, _ASK_QUESTION_BUTTON, PERSON_BUTTON]
        )
        return [SlotSet(names.SLOT_POLICY_SECTION, None), SlotSet(names.SLOT_POLICY_SHOWN, None)]

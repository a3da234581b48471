"""Leaving a form ("never mind", "stop", "cancel") and answers to input that arrives out of place."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, FollowupAction, SlotSet, UserUtteranceReverted
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import REQUESTED_SLOT

from actions import names
from actions.basics import MAIN_OPTIONS
from actions.privacy_requests import messages
from actions.privacy_requests.common import say_child_stop, wind_up
from actions.second_reading import replayed_as, stray_reading
from bot.requests import parsing
from bot.verification.codes import normalise_code


class ActionCancelRequest(Action):
    """Leave any form at once and drop what it collected."""

    def name(self) -> Text:
        return names.ACTION_CANCEL_REQUEST

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        if tracker.active_loop_name:
            # Leaving a status check files and removes nothing: never say "nothing was filed" there.
            stopped = (
                messages.STATUS_CHECK_STOPPED if tracker.active_loop_name == names.FORM_STATUS else messages.CANCELLED
            )
            dispatcher.utter_message(text=stopped)
            return [ActiveLoop(None), SlotSet(REQUESTED_SLOT, None), *wind_up()]
        dispatcher.utter_message(text=messages.NOTHING_TO_CANCEL)
        return wind_up()


class ActionStrayInput(Action):
    """Details, codes or references typed when no form asked for them: a clear answer, nothing stored.

    A whole request that merely carries a value ("take me off your list, it's 555 884 1200") is
    read as the request the NLU ranked next, and a correction with no form to correct as a
    correction request (``actions.second_reading``).
    """

    def name(self) -> Text:
        return names.ACTION_STRAY_INPUT

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        text = tracker.latest_message.get("text") or ""
        if parsing.claims_under_13(text):
            say_child_stop(dispatcher)
            return wind_up()
        if normalise_code(text) is not None:
            dispatcher.utter_message(text=messages.CODE_BEFORE_REQUEST)
            return [UserUtteranceReverted()]
        if parsing.find_reference(text, asked=False):
            # "my reference is PD-7K3D-9QXM": the user wants that request's status; the form reads the reference.
            return [FollowupAction(names.FORM_STATUS)]
        reading = stray_reading(tracker.latest_message)
        if reading is not None:
            # "remove my data, my phone is 555 201 3344": a request with a value in it, read as the request;
            # "my middle initial is wrong, it's L": a correction of held data, read as a correction request
            return replayed_as(tracker.latest_message, reading, tracker.get_latest_input_channel())
        dispatcher.utter_message(response=names.UTTER_DEFAULT, buttons=MAIN_OPTIONS)
        return [UserUtteranceReverted()]

"""Small helpers shared by the request actions."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import names
from actions.privacy_requests import messages
from actions.privacy_requests.forms import clear_personal_slots
from bot.channels.names import TWILIO_SMS, TWILIO_VOICE
from bot.privacy.masking import DISCARD_USER_WORDS

_CHANNELS = {TWILIO_SMS: "sms", TWILIO_VOICE: "voice", "rest": "web", "socketio": "web"}


def ticket_channel(tracker: Tracker) -> str:
    """The ticket store's channel for the conversation's latest input channel."""
    return _CHANNELS.get(tracker.get_latest_input_channel() or "", "web")


def wind_up() -> List[EventType]:
    """Events after a flow ends, whatever the outcome: no personal data left in slots, outcome reset."""
    return [*clear_personal_slots(), SlotSet(names.SLOT_REQUEST_OUTCOME, None)]


def say_child_stop(dispatcher: CollectingDispatcher) -> None:
    """Tell an under-13 user we stopped and removed what they said — and make that true: the utterance's
    metadata has the tracker store and transcripts discard their earlier words (``DISCARD_USER_WORDS``)."""
    dispatcher.utter_message(text=messages.CHILD_STOP, **{DISCARD_USER_WORDS: True})


def explain_outcome(outcome: Optional[str], dispatcher: CollectingDispatcher) -> bool:
    """Say what an early-ended flow means; ``True`` when ``outcome`` was such an ending."""
    if not outcome:
        return False
    if outcome == "child":
        say_child_stop(dispatcher)
    elif outcome == "locked":
        dispatcher.utter_message(text=messages.LOCKED, buttons=[messages.PERSON_BUTTON])
    elif outcome == "unavailable":
        dispatcher.utter_message(text=messages.NOT_FILED_UNAVAILABLE)
    elif outcome == "not_sent":
        dispatcher.utter_message(text="Nothing was filed, and I've removed the details from this conversation.")
    elif outcome in ("switch_parental", "switch_request", "offered"):
        return True  # the parental form follows / the offer was already made (listening.ActionBackToRequest)
    else:
        dispatcher.utter_message(
            text="Sorry, something was missing, so nothing was filed. Please start again. " + messages.OTHER_WAYS
        )
    return True


#: Early endings that hand over to another form (a change of mind in the status check).
SWITCH_FORMS = {"switch_request": names.FORM_REQUEST, "switch_parental": names.FORM_PARENTAL}


def switch_events(outcome: Optional[str], dispatcher: CollectingDispatcher) -> Optional[List[EventType]]:
    """After a form ended on a change of mind: drop its data and start the form the user asked for."""
    form = SWITCH_FORMS.get(outcome or "")
    if form is None:
        return None
    dispatcher.utter_message(text="OK, I've left the status check.")
    return [*wind_up(), FollowupAction(form)]


def slot_values(tracker: Tracker, fields: List[Text]) -> Dict[Text, Any]:
    return {field: tracker.get_slot(field) for field in fields}

"""Reading a form answer: yes or no (by intent or by words), a request for a new code, the text of a
slot value; and the slot values that end a form without filing."""

from __future__ import annotations

import re
from typing import Any, Dict, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.forms import REQUESTED_SLOT

from actions import names
from actions.privacy_requests.forms import clear_personal_slots

__all__ = ["is_yes", "is_no", "as_text", "latest_intent", "stop_values", "RESEND"]

YES = {
    "yes",
    "y",
    "yeah",
    "yep",
    "yup",
    "sure",
    "ok",
    "okay",
    "correct",
    "confirm",
    "i confirm",
    "right",
    "that's right",
    "thats right",
    "yes please",
    "yes, that's correct",
    "yes that's correct",
    "yes that is correct",
    "all good",
    "looks good",
    "that's correct",
    "go ahead",
    "submit",
    "send it",
    "absolutely",
    "of course",
    "i agree",
    "i declare this is true",
    "i declare",
    "agreed",
}
NO = {"no", "n", "nope", "nah", "not really", "no thanks", "i don't", "i do not", "i disagree", "don't", "no way"}
RESEND = re.compile(
    r"\b(new code|another code|send (it )?again|resend|re-send|didn'?t (get|receive|arrive)|never (got|came|arrived)|no code|not received|hasn'?t (come|arrived))\b",
    re.I,
)


def latest_intent(tracker: Tracker) -> Optional[str]:
    """The NLU's top intent for the latest message (``nlu_fallback`` when it was unsure)."""
    intent = tracker.latest_message.get("intent") or {}
    return intent.get("name") if isinstance(intent, dict) else None


def as_text(value: Any) -> str:
    return value if isinstance(value, str) else ("" if value is None else str(value))


def is_yes(tracker: Tracker, value: Any) -> bool:
    text = " ".join(as_text(value).lower().strip(" .!").split())
    return latest_intent(tracker) == names.INTENT_AFFIRM or text in YES


def is_no(tracker: Tracker, value: Any) -> bool:
    text = " ".join(as_text(value).lower().strip(" .!").split())
    return latest_intent(tracker) == names.INTENT_DENY or text in NO


def stop_values(outcome: str) -> Dict[Text, Any]:
    values: Dict[Text, Any] = {event["name"]: None for event in clear_personal_slots()}
    values[names.SLOT_REQUEST_OUTCOME] = outcome
    values[REQUESTED_SLOT] = None
    return values

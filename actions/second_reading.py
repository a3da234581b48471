"""A second reading of a message that arrived out of place, from the NLU's own ranking.

Outside a form, ``inform`` (a bare answer: "my phone is 555 201 3344") and the low-confidence
fallback have nothing to act on. Real first messages often land there while the NLU's ranking
still holds what the user wants: "remove my data, my phone is 555 201 3344" ranks ``inform``
first and ``request_deletion`` close behind; "get me a supervisor now" falls under the
fallback threshold with ``talk_to_person`` on top. Instead of "Sorry, I didn't understand":

- ``change_field`` outside a form ("my middle initial is wrong, it's L not I") has no earlier answer
  to correct: the person wants the data the company holds corrected, so it is read as a
  correction request;
- ``inform`` outside a form → the best *flow* intent (a request, a status check, a person) with
  at least :data:`REREAD_MIN_CONFIDENCE` is taken as the reading, and the turn is replayed as
  that intent (the way Rasa's two-stage fallback replays a clarified message), so the usual
  rules start the flow and the form reads the values already in the message;
- the fallback outside a form → the flow intents the NLU hesitated over are offered first as
  buttons (one tap), then the main options: an offer, never a guess.

Only the NLU's ranking is read: a user cannot name an intent (public channels strip "/intent"
payloads), so this cannot force one.
"""

from __future__ import annotations

import time
from typing import Any, Dict, List, Mapping, Optional, Sequence

from rasa_sdk.events import ActionExecuted, EventType, UserUtteranceReverted, UserUttered

from actions import names

__all__ = [
    "FLOW_INTENTS",
    "OFFER_MIN_CONFIDENCE",
    "REREAD_MIN_CONFIDENCE",
    "flow_offers",
    "flow_reading",
    "replayed_as",
    "stray_reading",
]

# intents that start a flow from a first message (what a second reading may pick)
FLOW_INTENTS = (
    names.INTENT_REQUEST_ACCESS,
    names.INTENT_REQUEST_CORRECTION,
    names.INTENT_REQUEST_DELETION,
    names.INTENT_REQUEST_STOP_USING,
    names.INTENT_REQUEST_PARENTAL_DELETION,
    names.INTENT_MAKE_REQUEST,
    names.INTENT_CHECK_STATUS,
    names.INTENT_TALK_TO_PERSON,
)
# a bare value ranks inform near 1.0 and every flow intent near 0: a whole request with a value
# in it keeps its request intent well above this
REREAD_MIN_CONFIDENCE = 0.2
# the fallback already says the NLU is unsure: offer whatever it hesitated over
OFFER_MIN_CONFIDENCE = 0.1
_MAX_OFFERS = 2


def _flow_entries(ranking: Sequence[Mapping[str, Any]], floor: float) -> List[Mapping[str, Any]]:
    return [
        entry
        for entry in ranking
        if entry.get("name") in FLOW_INTENTS and float(entry.get("confidence") or 0.0) >= floor
    ]


def flow_reading(ranking: Sequence[Mapping[str, Any]]) -> Optional[Mapping[str, Any]]:
    """The ranking entry an out-of-place ``inform`` should be read as, if the NLU saw a flow in it."""
    entries = _flow_entries(ranking, REREAD_MIN_CONFIDENCE)
    return entries[0] if entries else None


def stray_reading(latest_message: Mapping[str, Any]) -> Optional[Mapping[str, Any]]:
    """The reading of an ``inform`` or ``change_field`` turn that arrived with no form to take it."""
    intent = latest_message.get("intent") or {}
    if intent.get("name") == names.INTENT_CHANGE_FIELD:
        return {"name": names.INTENT_REQUEST_CORRECTION, "confidence": float(intent.get("confidence") or 0.0)}
    return flow_reading(latest_message.get("intent_ranking") or [])


def flow_offers(ranking: Sequence[Mapping[str, Any]]) -> List[str]:
    """Flow intents the fallback offers first, best first (at most two)."""
    return [str(entry["name"]) for entry in _flow_entries(ranking, OFFER_MIN_CONFIDENCE)[:_MAX_OFFERS]]


def replayed_as(
    latest_message: Mapping[str, Any], reading: Mapping[str, Any], input_channel: Optional[str]
) -> List[EventType]:
    """Events that replace the latest user turn by the same text read as ``reading``."""
    parse_data: Dict[str, Any] = dict(latest_message)
    parse_data["intent"] = {"name": reading["name"], "confidence": float(reading.get("confidence") or 0.0)}
    replayed = UserUttered(
        latest_message.get("text"), parse_data=parse_data, input_channel=input_channel, timestamp=time.time()
    )
    # the channel's sealed metadata (an SMS sender's number) stays on the turn it came with
    replayed["metadata"] = latest_message.get("metadata") or {}
    replayed["message_id"] = latest_message.get("message_id")
    return [UserUtteranceReverted(), ActionExecuted(names.ACTION_LISTEN), replayed]

"""Building rasa_sdk trackers and running actions for the request-flow tests (one helper, many modules)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.requests import flows
from bot.settings import PROJECT_ROOT

FIXTURE = Path(__file__).resolve().parents[2] / "data" / "requests" / "tracker_in_request_form.json"
DOMAIN: Dict[str, Any] = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text())


def build_tracker(
    text: str,
    intent: str = "inform",
    *,
    slots: Optional[Dict[str, Any]] = None,
    active_loop: Optional[str] = "request_form",
    events: Optional[List[Dict[str, Any]]] = None,
    channel: str = "rest",
    metadata: Optional[Dict[str, Any]] = None,
    sender: Optional[str] = None,
) -> Tracker:
    """A tracker whose latest turn is ``text``, as Rasa hands it to an action.

    Earlier turns set the known slots; the slot being asked (``requested_slot``) is set
    after this message, as Rasa does; ``metadata`` rides on the user event (where the
    Twilio channels put the sealed channel contact).
    """
    state = json.loads(FIXTURE.read_text())
    if sender is not None:
        state["sender_id"] = sender
    state["slots"].update(slots or {})
    parse = {"intent": {"name": intent, "confidence": 0.99}}
    state["latest_message"] = {
        "text": text,
        **parse,
        "intent_ranking": [{"name": intent, "confidence": 0.99}],
        "entities": [],
        "metadata": metadata or {},
    }
    given = slots or {}
    asked = given.get("requested_slot")
    earlier = [{"event": "slot", "name": k, "value": v} for k, v in given.items() if k != asked]
    state["events"] = (
        copy.deepcopy(state["events"][:-1])
        + earlier
        + [{"event": "user", "text": text, "parse_data": parse, "input_channel": channel, "metadata": metadata or {}}]
    )
    if asked and asked in given:
        state["events"].append({"event": "slot", "name": asked, "value": given[asked]})
    state["events"] += events or []
    state["active_loop"] = {"name": active_loop} if active_loop else {}
    return Tracker.from_dict(state)


async def run_action(action: Any, tracker: Tracker) -> Tuple[List[Dict[str, Any]], List[Dict[str, Any]]]:
    """(events, messages) of one action run."""
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker, DOMAIN)
    return events, dispatcher.messages


def slotsets(events: List[Dict[str, Any]]) -> Dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def tracker(
    text: str = "Ada Demo",
    intent: str = "inform",
    slots: Optional[Dict[str, Any]] = None,
    active_loop: Optional[str] = "request_form",
    events: Optional[List[Dict[str, Any]]] = None,
    channel: str = "rest",
) -> Tracker:
    return build_tracker(text, intent, slots=slots, active_loop=active_loop, events=events, channel=channel)


def texts(messages_: List[Dict[str, Any]]) -> str:
    """Every message's text, one a line: what the user would read."""
    return "\n".join(m.get("text") or "" for m in messages_)


#: A complete deletion request for the demo customer Ada.
ADA_SLOTS = {
    "request_kind": "deletion",
    "full_name": "Ada Demo",
    "email": "ada.demo@example.com",
    "phone": flows.SKIPPED,
    "date_of_birth": "1985-12-10",
    "identifier": "10022",
}

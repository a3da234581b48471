"""Out-of-place messages get a second reading from the NLU's own ranking, never a guess."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker

from actions import names
from actions.basics import MAIN_OPTIONS, ActionDefaultFallbackOptions
from actions.policy import FOLLOW_UP_BUTTONS, PERSON_BUTTON
from actions.privacy_requests.cancel import ActionStrayInput
from actions.second_reading import REREAD_MIN_CONFIDENCE, flow_offers, flow_reading
from tests.unit.requests.support import build_tracker, run_action


def ranked(text: str, ranking: List[Dict[str, Any]], active_loop: Optional[str] = None) -> Tracker:
    tracker = build_tracker(text, ranking[0]["name"], active_loop=active_loop, metadata={"sealed": "x"})
    tracker.latest_message["intent_ranking"] = ranking
    tracker.latest_message["intent"] = dict(ranking[0])
    return tracker


async def test_a_request_carrying_a_value_outside_a_form_is_replayed_as_the_request() -> None:
    text = "remove my data, my phone is 555 201 3344"
    tracker = ranked(text, [{"name": "inform", "confidence": 0.55}, {"name": "request_deletion", "confidence": 0.35}])
    events, msgs = await run_action(ActionStrayInput(), tracker)
    assert msgs == []
    assert [e["event"] for e in events] == ["rewind", "action", "user"]
    assert events[1]["name"] == names.ACTION_LISTEN
    replayed = events[2]
    assert replayed["text"] == text and replayed["input_channel"] == "rest"
    assert replayed["parse_data"]["intent"] == {"name": "request_deletion", "confidence": 0.35}
    assert replayed["parse_data"]["text"] == text  # entities and the rest of the parse travel with it
    assert replayed["metadata"] == tracker.latest_message["metadata"]  # a channel's sealed contact stays on it


async def test_a_bare_value_outside_a_form_still_gets_the_clear_answer() -> None:
    tracker = ranked(
        "555 201 3344", [{"name": "inform", "confidence": 0.97}, {"name": "request_deletion", "confidence": 0.01}]
    )
    events, msgs = await run_action(ActionStrayInput(), tracker)
    assert msgs[0]["response"] == names.UTTER_DEFAULT
    assert [e["event"] for e in events] == ["rewind"]


def test_only_flow_intents_above_the_floor_are_a_reading() -> None:
    assert flow_reading([{"name": "inform", "confidence": 0.7}, {"name": "greet", "confidence": 0.3}]) is None
    below = REREAD_MIN_CONFIDENCE - 0.01
    assert (
        flow_reading([{"name": "inform", "confidence": 0.8}, {"name": "request_access", "confidence": below}]) is None
    )
    best = flow_reading(
        [
            {"name": "inform", "confidence": 0.4},
            {"name": "ask_policy", "confidence": 0.3},
            {"name": "talk_to_person", "confidence": 0.25},
        ]
    )
    assert best is not None and best["name"] == "talk_to_person"


async def test_the_fallback_outside_a_form_offers_what_the_nlu_hesitated_over_first() -> None:
    tracker = ranked(
        "get me a supervisor now",
        [
            {"name": "nlu_fallback", "confidence": 0.45},
            {"name": "talk_to_person", "confidence": 0.3},
            {"name": "request_deletion", "confidence": 0.12},
            {"name": "greet", "confidence": 0.1},
        ],
    )
    events, msgs = await run_action(ActionDefaultFallbackOptions(), tracker)
    buttons = msgs[0]["buttons"]
    assert buttons[:2] == [PERSON_BUTTON, FOLLOW_UP_BUTTONS["deletion"]]
    payloads = [b["payload"] for b in buttons]
    assert len(payloads) == len(set(payloads))  # "talk to a person" is not offered twice
    assert all(option["payload"] in payloads for option in MAIN_OPTIONS)
    assert [e["event"] for e in events] == ["rewind"]


async def test_the_fallback_inside_a_form_keeps_the_main_options() -> None:
    tracker = ranked(
        "hmm whatever",
        [{"name": "nlu_fallback", "confidence": 0.45}, {"name": "request_deletion", "confidence": 0.4}],
        active_loop="request_form",
    )
    _, msgs = await run_action(ActionDefaultFallbackOptions(), tracker)
    assert msgs[0]["buttons"] == MAIN_OPTIONS


async def test_a_reference_in_a_message_the_nlu_was_unsure_of_starts_the_status_check() -> None:
    tracker = ranked("any update on pd 4hjr 22wx", [{"name": "nlu_fallback", "confidence": 0.45}])
    events, msgs = await run_action(ActionDefaultFallbackOptions(), tracker)
    assert msgs == [] and events == [{"event": "followup", "name": names.FORM_STATUS, "timestamp": None}]


def test_the_fallback_offers_at_most_two_flows() -> None:
    ranking = [{"name": n, "confidence": 0.2} for n in ("request_access", "request_deletion", "check_status")]
    assert flow_offers(ranking) == ["request_access", "request_deletion"]


def test_ending_a_flow_returns_verified_to_its_initial_false_and_clears_personal_data() -> None:
    from actions.privacy_requests.common import wind_up

    cleared = {e["name"]: e["value"] for e in wind_up() if e.get("event") == "slot"}
    assert cleared[names.SLOT_VERIFIED] is False  # the domain's initial value, never None
    assert cleared["email"] is None and cleared["full_name"] is None and cleared["challenge_id"] is None


async def test_a_correction_outside_a_form_starts_a_correction_request() -> None:
    text = "hey so my middle initial is wrong its L not I"
    tracker = ranked(text, [{"name": "change_field", "confidence": 0.8}, {"name": "inform", "confidence": 0.1}])
    events, msgs = await run_action(ActionStrayInput(), tracker)
    assert msgs == []
    assert [e["event"] for e in events] == ["rewind", "action", "user"]
    assert events[2]["parse_data"]["intent"] == {"name": names.INTENT_REQUEST_CORRECTION, "confidence": 0.8}
    assert events[2]["text"] == text

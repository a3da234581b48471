"""Question or request: the knowledge base's confidence decides what leads, both are offered."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Dict, List, Optional

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import names, policy, routing
from policy_kb import Answer, AnswerReason

ROOT = Path(__file__).resolve().parents[3]


class _FakeKB:
    """Stands in for the knowledge base: one fixed answer, and records what it was asked."""

    def __init__(self, answer: Answer) -> None:
        self._answer = answer
        self.asked: List[str] = []

    def answer(self, question: str) -> Answer:
        self.asked.append(question)
        return self._answer


COVERED = Answer(
    question="q",
    covered=True,
    reason=AnswerReason.ANSWERED,
    text="We may collect data.",
    section_id="collection",
    section_title="Collection",
    more="More text.",
    score=0.7,
    follow_up="access",
    shown=(3,),
)
NOT_COVERED = Answer(question="q", covered=False, reason=AnswerReason.NOT_COVERED, score=0.2)


@pytest.fixture
def use_kb():
    def install(answer: Answer) -> _FakeKB:
        kb = _FakeKB(answer)
        policy.set_knowledge_base(kb)  # type: ignore[arg-type]
        return kb

    yield install
    policy.set_knowledge_base(None)


def _tracker(text: str, ranking: List[Dict]) -> Tracker:
    return Tracker(
        sender_id="t",
        slots={},
        latest_message={"text": text, "intent": ranking[0], "intent_ranking": ranking},
        events=[],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


async def _run(tracker: Tracker):
    dispatcher = CollectingDispatcher()
    events = await routing.ActionRouteQuestionOrRequest().run(dispatcher, tracker, {})
    return dispatcher.messages, events


RANKING = [
    {"name": "question_or_request", "confidence": 0.9},
    {"name": "request_access", "confidence": 0.5},
    {"name": "ask_policy", "confidence": 0.4},
]


async def test_a_covered_question_is_answered_and_the_request_offered_beside_it(use_kb):
    kb = use_kb(COVERED)
    messages, events = await _run(_tracker("does it see my contacts?", RANKING))
    assert kb.asked == ["does it see my contacts?"]
    assert messages[0]["text"].startswith('From the policy, section "Collection": We may collect data.')
    assert messages[1]["response"] == names.UTTER_ROUTE_OFFER_REQUEST
    assert messages[1]["buttons"] == [policy.FOLLOW_UP_BUTTONS["access"], policy.TELL_MORE_BUTTON]
    assert SlotSet(names.SLOT_POLICY_SECTION, "collection") in events


async def test_an_uncovered_question_is_not_guessed_and_both_paths_are_offered(use_kb):
    use_kb(NOT_COVERED)
    messages, events = await _run(_tracker("does it have access to my camera?", RANKING))
    assert len(messages) == 1 and messages[0]["response"] == names.UTTER_ROUTE_NOT_IN_POLICY
    payloads = [b["payload"] for b in messages[0]["buttons"]]
    assert payloads[0] == policy.FOLLOW_UP_BUTTONS["access"]["payload"]
    assert "I have a question about the privacy policy" in payloads
    assert SlotSet(names.SLOT_POLICY_SECTION, None) in events


async def test_without_a_knowledge_base_both_paths_are_still_offered():
    policy.set_knowledge_base(None)
    original = policy._load_kb
    policy._load_kb = lambda: (_ for _ in ()).throw(policy.KBNotFound("none"))  # type: ignore[assignment]
    try:
        messages, _ = await _run(_tracker("does it have access to my camera?", RANKING))
    finally:
        policy._load_kb = original  # type: ignore[assignment]
    assert messages[0]["response"] == names.UTTER_ROUTE_NOT_IN_POLICY


@pytest.mark.parametrize(
    "ranking, follow_up, expected",
    [
        (RANKING, None, policy.FOLLOW_UP_BUTTONS["access"]),
        (
            [{"name": "question_or_request"}, {"name": "ask_policy"}, {"name": "request_parental_deletion"}],
            None,
            policy.FOLLOW_UP_BUTTONS["parental_deletion"],
        ),
        (
            [{"name": "question_or_request"}, {"name": "make_request"}, {"name": "ask_policy"}],
            "deletion",
            policy.FOLLOW_UP_BUTTONS["deletion"],
        ),
        (
            [{"name": "question_or_request"}, {"name": "make_request"}, {"name": "ask_policy"}],
            None,
            {"title": "Make a request about my data", "payload": "I want to make a privacy request"},
        ),
    ],
)
def test_the_button_starts_the_request_the_nlu_hesitated_over(ranking, follow_up: Optional[str], expected):
    assert routing.request_button(ranking, follow_up) == expected


def _examples() -> Dict[str, str]:
    out: Dict[str, str] = {}
    for path in (ROOT / "data" / "nlu").glob("*.yml"):
        for item in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu", []):
            for line in (item.get("examples") or "").splitlines():
                if line.strip().startswith("- ") and "intent" in item:
                    out[line.strip()[2:].strip()] = item["intent"]
    return out


def test_every_button_payload_is_plain_text_the_nlu_was_trained_on():
    examples = _examples()
    buttons = list(policy.FOLLOW_UP_BUTTONS.values()) + [
        routing._ANY_REQUEST_BUTTON,
        routing._ASK_QUESTION_BUTTON,
        policy.PERSON_BUTTON,
        policy.TELL_MORE_BUTTON,
    ]
    for button in buttons:
        assert not button["payload"].startswith("/")
        assert button["payload"] in examples, button["payload"]
    assert examples[routing._ASK_QUESTION_BUTTON["payload"]] == names.INTENT_ASK_POLICY
    assert re.fullmatch(r"request_\w+", examples[policy.FOLLOW_UP_BUTTONS["deletion"]["payload"]])

"""A message torn between a policy question and a request is marked question_or_request."""

from __future__ import annotations

from typing import List, Tuple

import pytest
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.rasa.question_or_request import DEFAULTS, QuestionOrRequestRouter, is_question_or_request


def _message(ranking: List[Tuple[str, float]]) -> Message:
    entries = [{"name": n, "confidence": c} for n, c in ranking]
    return Message(
        data={TEXT: "does it have access to my camera?", INTENT: dict(entries[0]), INTENT_RANKING_KEY: entries}
    )


def _route(ranking: List[Tuple[str, float]]) -> Message:
    message = _message(ranking)
    QuestionOrRequestRouter(QuestionOrRequestRouter.get_default_config()).process([message])
    return message


def test_a_close_call_between_the_policy_and_a_request_becomes_question_or_request():
    message = _route([("request_access", 0.52), ("ask_policy", 0.41), ("greet", 0.07)])
    assert message.get(INTENT)["name"] == "question_or_request"
    assert message.get(INTENT)["confidence"] == pytest.approx(0.93)
    # the original ranking stays below, so the action can tell which request was meant
    assert [r["name"] for r in message.get(INTENT_RANKING_KEY)] == [
        "question_or_request",
        "request_access",
        "ask_policy",
        "greet",
    ]


def test_the_router_fires_whichever_of_the_two_is_on_top():
    assert _route([("ask_policy", 0.55), ("request_deletion", 0.40)]).get(INTENT)["name"] == "question_or_request"


@pytest.mark.parametrize(
    "ranking",
    [
        [("request_access", 0.90), ("ask_policy", 0.08)],  # a clear request
        [("ask_policy", 0.97), ("request_deletion", 0.02)],  # a clear question
        [("request_access", 0.50), ("request_deletion", 0.45)],  # two requests: not this router's call
        [("ask_policy", 0.50), ("greet", 0.45)],  # no request among the two best
        [("ask_policy", 0.50), ("greet", 0.30), ("request_access", 0.2)],  # the request is only third
    ],
)
def test_clear_or_unrelated_predictions_are_left_alone(ranking):
    message = _route(ranking)
    assert message.get(INTENT)["name"] == ranking[0][0]
    assert len(message.get(INTENT_RANKING_KEY)) == len(ranking)


def test_the_request_meant_is_named():
    ranking = [{"name": "ask_policy", "confidence": 0.5}, {"name": "request_stop_using", "confidence": 0.4}]
    assert is_question_or_request(ranking, DEFAULTS) == "request_stop_using"
    assert is_question_or_request(ranking[:1], DEFAULTS) is None


def test_the_routed_confidence_stays_above_the_fallback_ambiguity_margin():
    """FallbackClassifier (after the router) must not turn the offer into "didn't understand"."""
    message = _route([("request_access", 0.45), ("ask_policy", DEFAULTS["min_second"])])
    top, runner_up = message.get(INTENT_RANKING_KEY)[:2]
    assert top["confidence"] - runner_up["confidence"] >= 0.08

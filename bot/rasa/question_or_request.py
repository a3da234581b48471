"""Mark a message the classifier cannot place between a policy question and a request.

Why: "does it have access to my camera?" scores close to both ``ask_policy`` and
``request_access``. Guessing the request opens a form the user never asked for;
guessing the question may ignore a real request. When the two best intents are
the policy question and a request and their confidences are close, this
component (placed after the intent classifier, before ``FallbackClassifier``) predicts the
``question_or_request`` intent instead. The dialogue then runs
``action_route_question_or_request`` (``actions/routing.py``), which asks the
knowledge base how well the policy answers the text and offers both paths as
buttons. The original ranking is kept below the new top entry so the action can
see which request was meant.

Config (``config.yml``)::

    - name: bot.rasa.question_or_request.QuestionOrRequestRouter
      max_gap: 0.35        # top-1 minus top-2 confidence at most this
      min_second: 0.12     # and the runner-up at least this
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, PREDICTED_CONFIDENCE_KEY
from rasa.shared.nlu.training_data.message import Message

__all__ = ["QuestionOrRequestRouter", "is_question_or_request"]

DEFAULTS: Dict[Text, Any] = {
    "intent": "question_or_request",
    "policy_intent": "ask_policy",
    "request_intents": [
        "request_access",
        "request_correction",
        "request_deletion",
        "request_stop_using",
        "request_parental_deletion",
        "make_request",
    ],
    "max_gap": 0.35,
    "min_second": 0.12,
}


def is_question_or_request(ranking: List[Dict[Text, Any]], config: Dict[Text, Any]) -> Optional[Text]:
    """The request intent to offer beside the policy question if ``ranking`` is torn between them."""
    if len(ranking) < 2:
        return None
    first, second = ranking[0], ranking[1]
    names = {first.get(INTENT_NAME_KEY), second.get(INTENT_NAME_KEY)}
    if config["policy_intent"] not in names:
        return None
    request = next((n for n in names if n in config["request_intents"]), None)
    if request is None:
        return None
    c1 = float(first.get(PREDICTED_CONFIDENCE_KEY) or 0.0)
    c2 = float(second.get(PREDICTED_CONFIDENCE_KEY) or 0.0)
    if c2 < config["min_second"] or c1 - c2 > config["max_gap"]:
        return None
    return request


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class QuestionOrRequestRouter(GraphComponent):
    """Re-labels policy-question-vs-request ties as ``question_or_request`` (see module docstring)."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """Intent names and the two closeness thresholds."""
        return dict(DEFAULTS)

    def __init__(self, config: Dict[Text, Any]) -> None:
        self._config = {**DEFAULTS, **config}

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "QuestionOrRequestRouter":
        """A router with ``config`` (defaults filled in)."""
        return cls(config)

    def process(self, messages: List[Message]) -> List[Message]:
        """Set the ``question_or_request`` intent on messages torn between the two."""
        for message in messages:
            ranking = message.get(INTENT_RANKING_KEY) or []
            if is_question_or_request(ranking, self._config) is None:
                continue
            confidence = sum(float(r.get(PREDICTED_CONFIDENCE_KEY) or 0.0) for r in ranking[:2])
            routed = {INTENT_NAME_KEY: self._config["intent"], PREDICTED_CONFIDENCE_KEY: min(1.0, confidence)}
            message.set(INTENT, routed, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [routed, *ranking], add_to_output=True)
        return messages

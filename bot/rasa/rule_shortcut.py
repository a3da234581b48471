"""Skip the other policies when a rule has already decided the next action.

Rasa 3.6 runs every policy of the model for every prediction (memoization,
rules, TED) and then lets the ensemble pick the winner.  In this assistant
most predictions are decided by a rule at confidence 1.0, and RulePolicy has
the highest priority, so TED's forward pass (about a fifth of a policy turn's
CPU under load) is computed and then thrown away.

:func:`predict_next_with_tracker` runs the RulePolicy node first.  When the
ensemble could not choose anything else, it returns what the ensemble would:

- the rule predicts at confidence 1.0 (no prediction can exceed it, and on a
  tie the higher priority wins) and RulePolicy's priority is strictly the
  highest of the model's policies;
- no other policy can make a prediction that overrules confidence: the others
  are MemoizationPolicy and a TEDPolicy trained without end-to-end (text)
  features, neither of which makes "no user" or end-to-end predictions, and
  neither adds events to a prediction it does not win;
- the last action was not rejected (the ensemble would zero its confidence)
  and no follow-up action is pending (Rasa's own path handles those).

In every other case Rasa's own ``_predict_next_with_tracker`` runs unchanged.
The winning prediction is then combined by the model's own ensemble, so the
events it carries are the ones Rasa would add.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Callable, Dict, Optional, Text

__all__ = ["RuleShortcut", "install", "rule_shortcut_for"]

logger = logging.getLogger(__name__)

_ATTRIBUTE = "_privacy_desk_rule_shortcut"
_NOT_APPLICABLE = object()


@dataclass(frozen=True)
class RuleShortcut:
    """Where the rule's prediction comes from in a loaded model, and who combines it."""

    rule_node: Text
    ensemble: Any  # the model's DefaultPolicyPredictionEnsemble


def _priority(schema_node: Any) -> int:
    return int({**schema_node.uses.get_default_config(), **schema_node.config}.get("priority", 0))


def _loaded_component(graph_runner: Any, node_name: Text) -> Any:
    node = getattr(graph_runner, "_instantiated_nodes", {}).get(node_name)
    return getattr(node, "_component", None)


def _never_overrules_confidence(schema_node: Any, component: Any) -> bool:
    """True for the policies known never to make "no user" or end-to-end predictions."""
    from rasa.core.policies.memoization import MemoizationPolicy
    from rasa.core.policies.ted_policy import TEDPolicy
    from rasa.shared.nlu.constants import TEXT

    if schema_node.uses is MemoizationPolicy:
        return True
    if schema_node.uses is TEDPolicy:
        # TED predicts end-to-end only if it was trained on text: then it may overrule a rule.
        return component is not None and TEXT not in getattr(component, "fake_features", {TEXT: None})
    return False


def rule_shortcut_for(processor: Any) -> Optional[RuleShortcut]:
    """The shortcut for this processor's model, or None if the model's policies do not allow it."""
    cached = getattr(processor, _ATTRIBUTE, None)
    if cached is None:
        cached = _find_shortcut(processor) or _NOT_APPLICABLE
        setattr(processor, _ATTRIBUTE, cached)
    return cached if isinstance(cached, RuleShortcut) else None


def _find_shortcut(processor: Any) -> Optional[RuleShortcut]:
    from rasa.core.policies.ensemble import DefaultPolicyPredictionEnsemble
    from rasa.core.policies.rule_policy import RulePolicy

    try:
        schema: Dict[Text, Any] = processor.model_metadata.predict_schema.nodes
        target = processor.model_metadata.core_target
    except AttributeError:
        return None
    ensemble_node = schema.get(target) if target else None
    if ensemble_node is None or ensemble_node.uses is not DefaultPolicyPredictionEnsemble:
        return None
    policy_nodes = [
        name
        for name in ensemble_node.needs.values()
        if name in schema and hasattr(schema[name].uses, "predict_action_probabilities")
    ]
    rules = [name for name in policy_nodes if schema[name].uses is RulePolicy]
    if len(rules) != 1:
        return None
    rule_node = rules[0]
    others = [name for name in policy_nodes if name != rule_node]
    if any(_priority(schema[name]) >= _priority(schema[rule_node]) for name in others):
        return None
    runner = processor.graph_runner
    if not all(_never_overrules_confidence(schema[name], _loaded_component(runner, name)) for name in others):
        return None
    ensemble = _loaded_component(runner, target) or DefaultPolicyPredictionEnsemble()
    return RuleShortcut(rule_node=rule_node, ensemble=ensemble)


def _last_action_rejected(tracker: Any) -> bool:
    from rasa.shared.core.events import ActionExecuted, ActionExecutionRejected

    last = next((e for e in reversed(tracker.events) if isinstance(e, (ActionExecutionRejected, ActionExecuted))), None)
    return isinstance(last, ActionExecutionRejected)


_rasas_predict: Optional[Callable[[Any, Any], Any]] = None


def predict_next_with_tracker(processor: Any, tracker: Any) -> Any:
    """``MessageProcessor._predict_next_with_tracker``: the rule's prediction if nothing can beat it."""
    from rasa.engine.constants import PLACEHOLDER_TRACKER

    if _rasas_predict is None:
        raise RuntimeError("bot.rasa.rule_shortcut.install() was not called")
    shortcut = rule_shortcut_for(processor)
    if shortcut is None or tracker.followup_action or _last_action_rejected(tracker):
        return _rasas_predict(processor, tracker)
    rule = processor.graph_runner.run(inputs={PLACEHOLDER_TRACKER: tracker}, targets=[shortcut.rule_node])
    prediction = rule[shortcut.rule_node]
    if prediction.max_confidence < 1.0:
        return _rasas_predict(processor, tracker)
    return shortcut.ensemble.combine_predictions([prediction], tracker, processor.domain)


def install() -> None:
    """Route Rasa's next-action prediction through :func:`predict_next_with_tracker` (idempotent)."""
    global _rasas_predict
    from rasa.core.processor import MessageProcessor

    if _rasas_predict is not None:
        return
    _rasas_predict = MessageProcessor._predict_next_with_tracker
    MessageProcessor._predict_next_with_tracker = predict_next_with_tracker  # type: ignore[method-assign]

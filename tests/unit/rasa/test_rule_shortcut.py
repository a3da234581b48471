"""A rule that decides the next action spares the other policies, and nothing else changes.

A tiny model is trained here (memoization, rules and TED, as in config.yml);
each prediction with the shortcut is compared with Rasa's own for the same
tracker, and TED's calls are counted.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Iterator, List

import pytest

DOMAIN = """version: "3.1"
intents: [greet, ask_hours, thank]
responses:
  utter_greet: [{text: "hello"}]
  utter_hours: [{text: "nine to five"}]
  utter_welcome: [{text: "you are welcome"}]
"""
DATA = """version: "3.1"
rules:
  - rule: greet back
    steps: [{intent: greet}, {action: utter_greet}]
stories:
  - story: hours then thanks
    steps: [{intent: ask_hours}, {action: utter_hours}, {intent: thank}, {action: utter_welcome}]
"""
CONFIG = """recipe: default.v1
assistant_id: shortcut-test
language: en
policies:
  - name: MemoizationPolicy
  - name: RulePolicy
  - name: TEDPolicy
    epochs: 1
    random_seed: 1
"""


@pytest.fixture(scope="module")
def processor(tmp_path_factory) -> Any:
    from rasa.core.agent import Agent
    from rasa.model_training import train_core

    root: Path = tmp_path_factory.mktemp("shortcut")
    (root / "domain.yml").write_text(DOMAIN, encoding="utf-8")
    (root / "data.yml").write_text(DATA, encoding="utf-8")
    (root / "config.yml").write_text(CONFIG, encoding="utf-8")
    model = train_core(str(root / "domain.yml"), str(root / "config.yml"), str(root / "data.yml"), str(root / "models"))
    assert model is not None
    return Agent.load(model).processor


@pytest.fixture
def ted_calls(processor, monkeypatch) -> Iterator[List[int]]:
    """Counts the runs of the model's TED node (the graph node holds the bound method it calls)."""
    calls: List[int] = []
    name = next(n for n in processor.model_metadata.predict_schema.nodes if "TEDPolicy" in n)
    node = processor.graph_runner._instantiated_nodes[name]
    predict = node._fn

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return predict(*args, **kwargs)

    monkeypatch.setattr(node, "_fn", counted)
    yield calls


def _tracker(*events: Any) -> Any:
    from rasa.shared.core.events import ActionExecuted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    start = [ActionExecuted("action_session_start"), ActionExecuted("action_listen")]
    built = [UserUttered(e, intent={"name": e, "confidence": 1.0}) if isinstance(e, str) else e for e in events]
    return DialogueStateTracker.from_events("shortcut", start + built)


def _both(processor: Any, tracker_events: tuple) -> tuple:
    """(Rasa's prediction, the shortcut's) for two copies of the same tracker."""
    from bot.rasa import rule_shortcut

    rule_shortcut.install()
    rasas = rule_shortcut._rasas_predict(processor, _tracker(*tracker_events))
    ours = rule_shortcut.predict_next_with_tracker(processor, _tracker(*tracker_events))
    return rasas, ours


def _same(first: Any, second: Any) -> bool:
    return (
        first.probabilities == second.probabilities
        and first.policy_name == second.policy_name
        and first.events == second.events
        and first.is_end_to_end_prediction == second.is_end_to_end_prediction
        and first.is_no_user_prediction == second.is_no_user_prediction
    )


def test_a_turn_a_rule_decides_gets_rasas_prediction_without_running_ted(processor, ted_calls) -> None:
    from bot.rasa import rule_shortcut

    rule_shortcut.install()
    rasas = rule_shortcut._rasas_predict(processor, _tracker("greet"))
    assert len(ted_calls) == 1, "Rasa's own path runs TED"
    ours = rule_shortcut.predict_next_with_tracker(processor, _tracker("greet"))
    assert len(ted_calls) == 1, "the shortcut does not"
    assert "RulePolicy" in ours.policy_name and _same(rasas, ours)
    assert processor.domain.action_names_or_texts[ours.max_confidence_index] == "utter_greet"


def test_a_turn_no_rule_decides_runs_every_policy_and_gets_the_same_prediction(processor, ted_calls) -> None:
    rasas, ours = _both(processor, ("ask_hours",))
    assert len(ted_calls) == 2, "TED runs on both paths"
    assert _same(rasas, ours)


def test_after_a_rejected_action_every_policy_runs(processor, ted_calls) -> None:
    from rasa.shared.core.events import ActionExecutionRejected

    rasas, ours = _both(processor, ("greet", ActionExecutionRejected("utter_greet")))
    assert len(ted_calls) == 2 and _same(rasas, ours)


def test_a_pending_followup_action_is_predicted_as_rasa_does(processor, ted_calls) -> None:
    from rasa.shared.core.events import FollowupAction

    rasas, ours = _both(processor, ("greet", FollowupAction("utter_hours")))
    assert not ted_calls and _same(rasas, ours)
    assert processor.domain.action_names_or_texts[ours.max_confidence_index] == "utter_hours"


def _processor_with(processor: Any, node_name_part: str, **changes: Any) -> Any:
    """A stand-in processor whose schema node named like ``node_name_part`` is changed."""
    nodes = dict(processor.model_metadata.predict_schema.nodes)
    name = next(n for n in nodes if node_name_part in n)
    nodes[name] = dataclasses.replace(nodes[name], **changes)
    metadata = SimpleNamespace(
        predict_schema=SimpleNamespace(nodes=nodes), core_target=processor.model_metadata.core_target
    )
    return SimpleNamespace(model_metadata=metadata, graph_runner=processor.graph_runner)


def test_the_trained_model_allows_the_shortcut(processor) -> None:
    from bot.rasa.rule_shortcut import rule_shortcut_for

    shortcut = rule_shortcut_for(_processor_with(processor, "RulePolicy"))
    assert shortcut is not None and "RulePolicy" in shortcut.rule_node


def test_no_shortcut_when_another_policy_has_the_rules_priority_or_higher(processor) -> None:
    from bot.rasa.rule_shortcut import rule_shortcut_for

    memoization = processor.model_metadata.predict_schema.nodes
    name = next(n for n in memoization if "MemoizationPolicy" in n)
    raised = _processor_with(processor, "MemoizationPolicy", config={**memoization[name].config, "priority": 6})
    assert rule_shortcut_for(raised) is None


def test_no_shortcut_when_ted_was_trained_on_text_and_may_predict_end_to_end(processor, monkeypatch) -> None:
    from rasa.shared.nlu.constants import TEXT

    from bot.rasa.rule_shortcut import rule_shortcut_for

    stand_in = _processor_with(processor, "RulePolicy")
    ted = next(n for n in stand_in.model_metadata.predict_schema.nodes if "TEDPolicy" in n)
    component = processor.graph_runner._instantiated_nodes[ted]._component
    monkeypatch.setattr(component, "fake_features", {**component.fake_features, TEXT: []})
    assert rule_shortcut_for(stand_in) is None


def test_no_shortcut_with_a_policy_it_does_not_know(processor) -> None:
    from rasa.core.policies.policy import Policy

    from bot.rasa.rule_shortcut import rule_shortcut_for

    class SomePolicy(Policy):
        pass

    assert rule_shortcut_for(_processor_with(processor, "TEDPolicy", uses=SomePolicy)) is None

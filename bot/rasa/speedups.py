"""Speed-ups for Rasa 3.6 hot paths that cost more than they need to (found with py-spy).

- **Action results**: ``RemoteAction._validate_action_result`` calls
  ``jsonschema.validate(result, schema)`` for every action server answer, and
  that re-checks the schema itself against the JSON-Schema meta-schema each
  time: about 30 ms of CPU *on the event loop* per action call (0.4 ms with a
  validator built once), and a valid result's events are each checked against the one
  schema branch their name selects instead of all ~20.  Same schema, same errors, same
  message.
- **Model graph off the event loop**: Rasa runs the NLU graph (tokenizer, featurizers
  with the MiniLM encoder, the intent classifier) and the policy graph (memoization, rules, TED) inline
  in its coroutines, so every other conversation waits while one message is parsed or
  one action predicted (~50 ms of a policy turn).  Here both run in a small worker
  pool (:data:`GRAPH_THREADS`), so the event loop keeps serving HTTP, the tracker store
  and action calls meanwhile, and the matrix products (numpy and TensorFlow release the
  GIL) of two turns overlap on two cores.  A conversation's turns stay sequential: Rasa
  holds the conversation's lock for the whole turn.  Same calls, same results.
- **Rules first**: when a rule decides the next action and no other policy could
  overrule it, TED's forward pass is skipped (:mod:`bot.rasa.rule_shortcut`).

:func:`install` is idempotent; :mod:`bot.rasa.server` calls it at start-up.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Dict, Optional, Text, Tuple, TypeVar

from bot.rasa import rule_shortcut

__all__ = ["GRAPH_THREADS", "install", "run_graph"]

logger = logging.getLogger(__name__)

#: Worker threads for model graph runs (one per core of the machine this is sized for).
GRAPH_THREADS = 2

_T = TypeVar("_T")
_graph_pool: Optional[ThreadPoolExecutor] = None


async def run_graph(function: Callable[..., _T], *args: Any) -> _T:
    """``function(*args)`` in the graph worker pool (created on first use), awaited."""
    global _graph_pool
    if _graph_pool is None:
        _graph_pool = ThreadPoolExecutor(max_workers=GRAPH_THREADS, thread_name_prefix="rasa-graph")
    return await asyncio.get_running_loop().run_in_executor(_graph_pool, functools.partial(function, *args))


@functools.lru_cache(maxsize=1)
def _action_result_validator() -> Any:
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    cls = validator_for(schema)
    cls.check_schema(schema)  # once, as jsonschema.validate would on every call
    return cls(schema)


@functools.lru_cache(maxsize=1)
def _fast_action_result_check() -> Optional[Tuple[Any, Dict[str, Any]]]:
    """(validator of the result without its events, {event name: validator of one such event}).

    Each event in the schema is ``oneOf`` ~20 branches told apart by the ``event`` name: checking
    an event against only the branch its name selects is the same test (no other branch can
    match), without trying every branch (~1 ms per action call).  ``None`` if the schema is
    not shaped so (names not unique): then only the full validator runs.
    """
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    try:
        event_schema = dict(schema["properties"]["events"]["items"])
        branches = event_schema.pop("oneOf")
        names = [branch["properties"]["event"]["const"] for branch in branches]
    except (KeyError, TypeError):
        return None
    if len(set(names)) != len(names):
        return None
    cls = validator_for(schema)
    outer = {**schema, "properties": {**schema["properties"], "events": {"type": "array"}}}
    per_event = {name: cls({"allOf": [event_schema, branch]}) for name, branch in zip(names, branches)}
    return cls(outer), per_event


def _quickly_valid(result: Any) -> bool:
    """True only if ``result`` is valid (a False may still be valid: the full validator decides)."""
    fast = _fast_action_result_check()
    if fast is None:
        return False
    outer, per_event = fast
    if not outer.is_valid(result):
        return False
    for event in result.get("events") or []:
        name = event.get("event") if isinstance(event, dict) else None
        validator = per_event.get(name) if isinstance(name, str) else None
        if validator is None or not validator.is_valid(event):
            return False
    return True


def _validate_action_result(self: Any, result: Dict[Text, Any]) -> bool:
    from jsonschema.exceptions import best_match
    from rasa.shared.constants import DOCS_BASE_URL

    if _quickly_valid(result):
        return True
    validator = _action_result_validator()
    error = best_match(validator.iter_errors(result))  # what jsonschema.validate raises
    if error is None:
        return True
    error.message += (
        ". Failed to validate Action server response from API, make sure your response from the "
        f"Action endpoint is valid. For more information about the format visit {DOCS_BASE_URL}/custom-actions"
    )
    raise error


async def _parse_message(
    self: Any, message: Any, tracker: Any = None, only_output_properties: bool = True
) -> Dict[Text, Any]:
    """``MessageProcessor.parse_message`` of Rasa 3.6, with the NLU graph run in the worker pool."""
    from rasa.shared.core.trackers import DialogueStateTracker

    if self.http_interpreter:
        parse_data: Dict[Text, Any] = await self.http_interpreter.parse(message)
    else:
        if tracker is None:
            tracker = DialogueStateTracker.from_events(message.sender_id, [])
        parse_data = await run_graph(self._parse_message_with_graph, message, tracker, only_output_properties)
    self._update_full_retrieval_intent(parse_data)
    self._check_for_unseen_features(parse_data)
    return parse_data


async def _run_prediction_loop(self: Any, output_channel: Any, tracker: Any) -> None:
    """``MessageProcessor._run_prediction_loop`` of Rasa 3.6, each prediction run in the worker pool."""
    from rasa.core.processor import ActionLimitReached

    should_predict_another_action = True
    while should_predict_another_action and self._should_handle_message(tracker):
        try:
            action, prediction = await run_graph(self.predict_next_with_tracker_if_should, tracker)
        except ActionLimitReached:
            logger.warning("Circuit breaker tripped. Stopped predicting more actions for this conversation.")
            if self.on_circuit_break:
                self.on_circuit_break(tracker, output_channel, self.nlg)
            break
        if prediction.is_end_to_end_prediction:
            tracker = await self.run_action_extract_slots(output_channel, tracker)
        should_predict_another_action = await self._run_action(action, tracker, output_channel, self.nlg, prediction)


def install() -> None:
    from rasa.core.actions.action import RemoteAction
    from rasa.core.processor import MessageProcessor

    if getattr(RemoteAction._validate_action_result, "_privacy_desk", False):
        return
    _validate_action_result._privacy_desk = True  # type: ignore[attr-defined]
    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]
    MessageProcessor.parse_message = _parse_message  # type: ignore[method-assign]
    MessageProcessor._run_prediction_loop = _run_prediction_loop  # type: ignore[method-assign]
    rule_shortcut.install()

"""The cached action-result validation accepts and rejects exactly what Rasa's did."""

from __future__ import annotations

import asyncio

import pytest
from jsonschema import ValidationError

from bot.rasa.speedups import install


@pytest.fixture
def remote_action():
    from rasa.core.actions.action import RemoteAction

    install()
    return RemoteAction("action_x", None)


def test_a_valid_action_result_is_accepted(remote_action) -> None:
    result = {"events": [{"event": "slot", "name": "x", "value": "y"}], "responses": [{"text": "hi"}]}
    assert remote_action._validate_action_result(result) is True


@pytest.mark.parametrize("result", [{"events": "not a list"}, {"responses": [1]}, {"events": [{"no": "event key"}]}])
def test_an_invalid_action_result_raises_rasas_validation_error(remote_action, result) -> None:
    from jsonschema import validate
    from rasa.core.actions.action import RemoteAction

    with pytest.raises(ValidationError) as ours:
        remote_action._validate_action_result(result)
    with pytest.raises(ValidationError) as theirs:
        validate(result, RemoteAction.action_response_format_spec())
    assert ours.value.message.startswith(theirs.value.message)
    assert "Failed to validate Action server response" in ours.value.message


VALID_RESULTS = [
    {"events": [], "responses": []},
    {
        "events": [
            {"event": "slot", "timestamp": None, "name": "policy_section", "value": "s3"},
            {"event": "slot", "name": "policy_shown", "value": ["1", "2"]},
            {"event": "active_loop", "name": "deletion_form"},
            {"event": "followup", "name": "action_listen"},
            {"event": "reset_slots"},
            {"event": "user", "text": "hi", "parse_data": {"intent": {"name": "greet", "confidence": 1.0}}},
        ],
        "responses": [{"text": "hello", "buttons": [{"title": "Yes", "payload": "yes"}]}],
    },
]
INVALID_RESULTS = [
    {"events": [{"event": "slot", "name": 3}]},
    {"events": [{"event": "no_such_event"}]},
    {"events": [{"event": "followup", "timestamp": "yesterday"}]},
    {"events": [{"event": "user", "parse_data": "not an object"}]},
    {"events": ["not an object"]},
]


@pytest.mark.parametrize("result", VALID_RESULTS)
def test_a_valid_result_takes_the_per_event_check_and_is_valid_for_rasas_schema(remote_action, result) -> None:
    from jsonschema import validate
    from rasa.core.actions.action import RemoteAction

    from bot.rasa.speedups import _quickly_valid

    assert _quickly_valid(result)
    validate(result, RemoteAction.action_response_format_spec())
    assert remote_action._validate_action_result(result) is True


@pytest.mark.parametrize("result", INVALID_RESULTS)
def test_the_per_event_check_never_accepts_what_rasas_schema_rejects(remote_action, result) -> None:
    from bot.rasa.speedups import _quickly_valid

    assert not _quickly_valid(result)
    with pytest.raises(ValidationError):
        remote_action._validate_action_result(result)


class _FakeProcessor:
    """The parts of Rasa's MessageProcessor the patched coroutines call, recording their threads."""

    http_interpreter = None
    nlg = None

    def __init__(self, actions_before_listen: int = 1, limit_reached: bool = False) -> None:
        self.threads: list = []
        self.remaining = actions_before_listen
        self.limit_reached = limit_reached
        self.circuit_broken = False
        self.on_circuit_break = self._break

    def _break(self, *args) -> None:
        self.circuit_broken = True

    def _parse_message_with_graph(self, message, tracker, only_output_properties):
        import threading

        self.threads.append(threading.get_ident())
        return {"text": message, "intent": {"name": "greet"}, "entities": []}

    def _update_full_retrieval_intent(self, parse_data) -> None:
        parse_data["updated"] = True

    def _check_for_unseen_features(self, parse_data) -> None:
        pass

    def _should_handle_message(self, tracker) -> bool:
        return True

    def predict_next_with_tracker_if_should(self, tracker):
        import threading

        from rasa.core.processor import ActionLimitReached

        self.threads.append(threading.get_ident())
        if self.limit_reached:
            raise ActionLimitReached("limit")
        return "action", type("Prediction", (), {"is_end_to_end_prediction": False})()

    async def _run_action(self, action, tracker, output_channel, nlg, prediction) -> bool:
        self.remaining -= 1
        return self.remaining > 0


def test_the_nlu_graph_runs_off_the_event_loop_and_its_parse_data_is_returned() -> None:
    import threading

    from bot.rasa.speedups import _parse_message

    processor = _FakeProcessor()
    parsed = asyncio.run(_parse_message(processor, "hello", tracker=object()))
    assert parsed == {"text": "hello", "intent": {"name": "greet"}, "entities": [], "updated": True}
    assert processor.threads and processor.threads[0] != threading.get_ident()


def test_predictions_run_off_the_event_loop_until_the_policy_listens() -> None:
    import threading

    from bot.rasa.speedups import _run_prediction_loop

    processor = _FakeProcessor(actions_before_listen=3)
    asyncio.run(_run_prediction_loop(processor, None, object()))
    assert len(processor.threads) == 3
    assert threading.get_ident() not in processor.threads


def test_the_action_limit_stops_the_loop_and_calls_the_circuit_breaker() -> None:
    from bot.rasa.speedups import _run_prediction_loop

    processor = _FakeProcessor(limit_reached=True)
    asyncio.run(_run_prediction_loop(processor, None, object()))
    assert processor.circuit_broken
    assert len(processor.threads) == 1

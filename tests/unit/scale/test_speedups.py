"""The cached action-result validation accepts and rejects exactly what Rasa's did."""

from __future__ import annotations

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

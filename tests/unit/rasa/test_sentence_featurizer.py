"""The MiniLM sentence featurizer gives the intent classifier one dense 384-d sentence vector per text."""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.rasa import sentence_featurizer
from bot.rasa.sentence_featurizer import MiniLMSentenceFeaturizer
from bot.rasa.sentence_vector import PARSE_DATA_KEY, unpack


@pytest.fixture(scope="module")
def featurizer(tmp_path_factory) -> MiniLMSentenceFeaturizer:
    storage = LocalModelStorage(tmp_path_factory.mktemp("storage"))
    return MiniLMSentenceFeaturizer.create(
        MiniLMSentenceFeaturizer.get_default_config(), storage, Resource("minilm"), ExecutionContext(None, "minilm")
    )


def _sentence_vector(message: Message) -> np.ndarray:
    sequence, sentence = message.get_dense_features(TEXT)
    assert sequence is None  # sentence-level only: no per-token features
    return sentence.features


def test_each_message_gets_one_normalised_384_dimensional_sentence_vector(featurizer):
    messages = [Message(data={TEXT: "can i delete my account"}), Message(data={TEXT: "hi"})]
    featurizer.process(messages)
    for message in messages:
        vector = _sentence_vector(message)
        assert vector.shape == (1, 384)
        assert vector.dtype == np.float32
        assert np.linalg.norm(vector) == pytest.approx(1.0, abs=1e-4)


def test_the_same_text_gets_the_same_vector_at_training_and_at_inference(featurizer):
    text = "pls delete all my info asap"
    trained = Message(data={TEXT: text, INTENT: "request_deletion"})
    featurizer.process_training_data(TrainingData([trained, Message(data={TEXT: "hello", INTENT: "greet"})]))
    served_once, served_twice = Message(data={TEXT: text}), Message(data={TEXT: text})
    featurizer.process([served_once])
    featurizer.process([served_twice])
    np.testing.assert_array_equal(_sentence_vector(served_once), _sentence_vector(served_twice))
    np.testing.assert_allclose(_sentence_vector(trained), _sentence_vector(served_once), atol=1e-6)


def test_user_messages_are_not_kept_in_the_training_memo(featurizer):
    secret = "my email is ada.demo@example.com please delete it"
    featurizer.process([Message(data={TEXT: secret})])
    assert secret not in sentence_featurizer._training_cache


def test_a_user_message_carries_its_vector_and_token_count_in_its_parse_output(featurizer):
    message = Message(data={TEXT: "do you share my data with other companies?"})
    featurizer.process([message])
    carried = unpack(message.as_dict(only_output_properties=True))
    assert carried is not None
    assert carried.tokens == sentence_featurizer.token_count("do you share my data with other companies?")
    np.testing.assert_allclose(carried.vector, _sentence_vector(message)[0], atol=1e-3)  # float16 on the wire


def test_training_examples_and_empty_messages_carry_no_vector(featurizer):
    example = Message(data={TEXT: "delete my data", INTENT: "request_deletion"})
    featurizer.process_training_data(TrainingData([example]))
    empty = Message(data={TEXT: ""})
    featurizer.process([empty])
    assert example.get(PARSE_DATA_KEY) is None
    assert empty.get(PARSE_DATA_KEY) is None


def test_a_message_without_text_gets_no_features(featurizer):
    message = Message(data={})
    featurizer.process([message])
    assert message.features == []


def test_an_empty_user_message_gets_a_zero_vector_so_the_classifier_can_answer_it(featurizer):
    message = Message(data={TEXT: ""})
    featurizer.process([message])
    vector = _sentence_vector(message)
    assert vector.shape == (1, 384)
    assert not vector.any()


def test_works_inside_a_tiny_trained_pipeline(tmp_path: Path):
    from rasa.core.agent import Agent
    from rasa.model_training import train_nlu

    (tmp_path / "config.yml").write_text(
        "recipe: default.v1\nlanguage: en\nassistant_id: featurizer-test\npipeline:\n"
        "  - name: WhitespaceTokenizer\n  - name: CountVectorsFeaturizer\n"
        "  - name: bot.rasa.sentence_featurizer.MiniLMSentenceFeaturizer\n"
        "  - name: bot.rasa.linear_intent_classifier.LinearIntentClassifier\n",
        encoding="utf-8",
    )
    (tmp_path / "nlu.yml").write_text(
        'version: "3.1"\nnlu:\n'
        "  - intent: greet\n    examples: |\n      - hello\n      - hi there\n      - good morning\n"
        "  - intent: request_deletion\n    examples: |\n      - delete my data\n      - erase my account\n"
        "      - remove my personal information\n",
        encoding="utf-8",
    )
    model = train_nlu(
        str(tmp_path / "config.yml"), str(tmp_path / "nlu.yml"), str(tmp_path / "models"), fixed_model_name="tiny"
    )
    assert model is not None and Path(model).is_file()
    agent = Agent.load(model)
    parsed = asyncio.run(agent.parse_message("delete my data"))
    assert parsed["intent"]["name"] == "request_deletion"
    assert unpack(parsed) is not None  # the vector reaches the parse data the tracker stores
    assert {r["name"] for r in parsed["intent_ranking"]} == {"greet", "request_deletion"}
    assert asyncio.run(agent.parse_message(""))["intent"]["name"] in {"greet", "request_deletion"}


@pytest.fixture(scope="module")
def kinds_featurizer(tmp_path_factory) -> MiniLMSentenceFeaturizer:
    storage = LocalModelStorage(tmp_path_factory.mktemp("storage_kinds"))
    config = {**MiniLMSentenceFeaturizer.get_default_config(), "values_as_kinds": True}
    return MiniLMSentenceFeaturizer.create(config, storage, Resource("minilm"), ExecutionContext(None, "minilm"))


def test_with_values_as_kinds_two_addresses_in_the_same_sentence_get_the_same_vector(kinds_featurizer):
    first = Message(data={TEXT: "hello, you can reach me at zqxwab at example dot net"})
    second = Message(data={TEXT: "hello, you can reach me at mrtplq at example dot net"})
    kinds_featurizer.process([first, second])
    np.testing.assert_array_equal(_sentence_vector(first), _sentence_vector(second))


def test_with_values_as_kinds_only_a_message_read_as_typed_carries_its_vector_to_the_kb(kinds_featurizer):
    """The action server reuses the vector for the typed text only; a message with values is encoded there."""
    plain, with_value = Message(data={TEXT: "do you sell my data"}), Message(data={TEXT: "my email is a@example.com"})
    kinds_featurizer.process([plain, with_value])
    assert unpack(plain.as_dict(only_output_properties=True)) is not None
    assert with_value.get(PARSE_DATA_KEY) is None

"""The linear intent classifier learns from the featurizers' sentence features and stores plain arrays."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Dict, List, Optional

import numpy as np
import pytest
import scipy.sparse
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.rasa.linear_intent_classifier import LinearIntentClassifier

VOCABULARY = ["delete", "erase", "remove", "hello", "hi", "morning", "copy", "see", "data"]
# a made-up 4-d "sentence embedding" per intent, so the dense block carries signal too
DIRECTION = {"request_deletion": [1, 0, 0, 0], "greet": [0, 1, 0, 0], "request_access": [0, 0, 1, 0]}


def _message(words: List[str], intent: Optional[str] = None, dense: bool = True, sparse: bool = True) -> Message:
    message = Message(data={TEXT: " ".join(words), **({INTENT: intent} if intent else {})})
    if sparse:
        counts = scipy.sparse.coo_matrix(np.array([[words.count(w) for w in VOCABULARY]], dtype=np.float32))
        message.add_features(Features(counts, "sentence", TEXT, "words"))
        letters = scipy.sparse.coo_matrix(np.array([[len(words), 1.0]], dtype=np.float32))
        message.add_features(Features(letters, "sentence", TEXT, "letters"))
    if dense:
        direction = np.array(DIRECTION.get(intent or "", [0, 0, 0, 1]), dtype=np.float32)
        message.add_features(Features(direction.reshape(1, -1), "sentence", TEXT, "minilm"))
    return message


EXAMPLES = [
    (["delete", "data"], "request_deletion"),
    (["erase", "data"], "request_deletion"),
    (["remove", "data"], "request_deletion"),
    (["hello"], "greet"),
    (["hi"], "greet"),
    (["morning"], "greet"),
    (["copy", "data"], "request_access"),
    (["see", "data"], "request_access"),
]


def _classifier(storage: LocalModelStorage, config: Optional[Dict] = None) -> LinearIntentClassifier:
    return LinearIntentClassifier.create(
        {**LinearIntentClassifier.get_default_config(), **(config or {})},
        storage,
        Resource("intents"),
        ExecutionContext(None, "intents"),
    )


@pytest.fixture()
def trained(tmp_path: Path):
    storage = LocalModelStorage(tmp_path)
    classifier = _classifier(storage)
    resource = classifier.train(TrainingData([_message(w, i) for w, i in EXAMPLES]))
    return classifier, storage, resource


def _ranking(message: Message) -> List[Dict]:
    return message.get(INTENT_RANKING_KEY)


def test_predicts_the_intent_of_an_unseen_wording_and_ranks_every_intent(trained):
    classifier, _, _ = trained
    message = _message(["remove", "erase"], dense=False)
    classifier.process([message])
    assert message.get(INTENT)["name"] == "request_deletion"
    ranking = _ranking(message)
    assert {r["name"] for r in ranking} == {"request_deletion", "greet", "request_access"}
    assert sum(r["confidence"] for r in ranking) == pytest.approx(1.0, abs=1e-5)
    assert [r["confidence"] for r in ranking] == sorted((r["confidence"] for r in ranking), reverse=True)


def test_the_dense_sentence_vector_decides_when_the_words_are_unknown(trained):
    classifier, _, _ = trained
    message = _message(["gimme"], intent="request_access", sparse=False)  # vector points at access
    message.data.pop(INTENT)
    classifier.process([message])
    assert message.get(INTENT)["name"] == "request_access"


def test_a_loaded_model_ranks_exactly_as_the_trained_one_without_unpickling(trained):
    classifier, storage, resource = trained
    loaded = LinearIntentClassifier.load(
        LinearIntentClassifier.get_default_config(), storage, resource, ExecutionContext(None, "intents")
    )
    before, after = _message(["see", "hi"]), _message(["see", "hi"])
    classifier.process([before])
    loaded.process([after])
    assert [r["name"] for r in _ranking(before)] == [r["name"] for r in _ranking(after)]
    np.testing.assert_allclose(
        [r["confidence"] for r in _ranking(before)], [r["confidence"] for r in _ranking(after)], rtol=1e-5
    )
    with storage.read_from(resource) as directory:
        stored = sorted(p.name for p in directory.iterdir())
        with zipfile.ZipFile(directory / "linear_intent_classifier.npz") as archive:
            assert all(name.endswith(".npy") for name in archive.namelist())
    assert stored == ["layout.json", "linear_intent_classifier.npz"]


def test_a_message_without_some_features_still_gets_a_ranking(trained):
    classifier, _, _ = trained
    bare = Message(data={TEXT: ""})  # no featurizer ran on it
    classifier.process([bare])
    assert len(_ranking(bare)) == 3


def test_the_ranking_is_cut_to_the_configured_length(tmp_path: Path):
    classifier = _classifier(LocalModelStorage(tmp_path), {"ranking_length": 2})
    classifier.train(TrainingData([_message(w, i) for w, i in EXAMPLES]))
    message = _message(["hello"])
    classifier.process([message])
    assert len(_ranking(message)) == 2


def test_two_intents_give_a_ranking_of_two(tmp_path: Path):
    classifier = _classifier(LocalModelStorage(tmp_path))
    classifier.train(TrainingData([_message(w, i) for w, i in EXAMPLES if i != "request_access"]))
    message = _message(["hi"])
    classifier.process([message])
    assert [r["name"] for r in _ranking(message)][0] == "greet"
    assert len(_ranking(message)) == 2


def test_an_untrained_classifier_leaves_messages_unlabelled(tmp_path: Path):
    storage = LocalModelStorage(tmp_path)
    loaded = LinearIntentClassifier.load(
        LinearIntentClassifier.get_default_config(), storage, Resource("never"), ExecutionContext(None, "never")
    )
    message = _message(["hello"])
    loaded.process([message])
    assert message.get(INTENT) is None


def test_tf_idf_is_sublinear_counts_times_idf_scaled_to_unit_rows() -> None:
    from bot.rasa.linear_intent_classifier import _tf_idf

    rng = np.random.default_rng(3)
    counts = scipy.sparse.random(6, 40, density=0.2, format="csr", random_state=4, dtype=np.float32)
    counts.data = np.ceil(counts.data * 4).astype(np.float32)
    counts = scipy.sparse.vstack([counts, scipy.sparse.csr_matrix((1, 40), dtype=np.float32)]).tocsr()  # an empty row
    idf = rng.uniform(1.0, 3.0, 40).astype(np.float32)

    dense = counts.toarray().astype(np.float64)
    expected = np.where(dense > 0, (1.0 + np.log(np.maximum(dense, 1e-12))) * idf, 0.0)
    norms = np.linalg.norm(expected, axis=1, keepdims=True)
    expected /= np.where(norms == 0.0, 1.0, norms)

    weighted = _tf_idf(counts, idf)
    assert weighted.dtype == np.float32
    np.testing.assert_allclose(weighted.toarray(), expected, atol=1e-6)
    assert np.abs(counts.toarray() - dense).max() == 0.0  # the input is left as it was


def test_scoring_block_by_block_equals_scoring_the_stacked_input(trained) -> None:
    messages = [_message(["erase", "data", "data"]), _message(["hello", "morning"], dense=False), _message(["see"])]
    classifier = trained[0]
    stacked = np.asarray(classifier._inputs(messages, classifier._layout) @ classifier._coef.T)
    np.testing.assert_allclose(classifier._scores(messages, classifier._layout, classifier._coef), stacked, atol=1e-5)

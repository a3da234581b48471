"""The faster answer paths compute what the straightforward ones did.

Per-KB work done once at load (BM25 postings, clause groups, an index from word to sentences) and the
two parts of a two-part question encoded in one pass must leave every answer as it was.
"""

from __future__ import annotations

import numpy as np
import pytest

from policy_kb import KnowledgeBase
from policy_kb.embed import MiniLMEncoder
from policy_kb.retriever import _BM25, HybridRetriever
from policy_kb.text import content_tokens, expand

TWO_PART = [
    "how long do you keep my data and who do you share it with",
    "can I get my information deleted and what proof do you need",
    "do you use cookies and can I turn them off",
]


@pytest.fixture(scope="module")
def encoder() -> MiniLMEncoder:
    return MiniLMEncoder()


def test_one_text_through_the_joint_pass_is_exactly_its_own_encoding(encoder: MiniLMEncoder) -> None:
    text = "do you sell my personal information"
    assert np.array_equal(encoder.encode_joint([text]), encoder.encode([text]))


def test_texts_encoded_together_land_within_float_rounding_of_their_own_encodings(encoder: MiniLMEncoder) -> None:
    texts = ["how long do you keep my data", "who do you share it with", "x"]
    joint = encoder.encode_joint(texts)
    assert joint.shape == (3, encoder.dim) and joint.dtype == np.float32
    assert np.abs(joint - encoder.encode(texts)).max() < 1e-6


def test_parts_encoded_together_are_cached_apart_from_the_same_text_asked_alone(cartier_kb: KnowledgeBase) -> None:
    hybrid = cartier_kb.hybrid
    hybrid.clear_query_cache()
    hybrid.joint_vectors(["how long do you keep my data", "who do you share it with"])
    alone = hybrid.query_vector("how long do you keep my data")
    fresh = cartier_kb.encoder.encode(["how long do you keep my data"], max_tokens=hybrid.QUERY_MAX_TOKENS)[0]
    assert np.array_equal(alone, fresh)


def test_a_two_part_question_gets_the_same_answer_with_its_parts_encoded_together_or_alone(
    cartier_kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    together = []
    for question in TWO_PART:
        cartier_kb.hybrid.clear_query_cache()
        together.append(cartier_kb.answer(question))
    monkeypatch.setattr(cartier_kb.hybrid, "joint_vectors", lambda questions: None)  # each part on its own
    for question, expected in zip(TWO_PART, together):
        cartier_kb.hybrid.clear_query_cache()
        assert cartier_kb.answer(question) == expected


def _bm25_loop(index: _BM25, query, weights) -> np.ndarray:
    out = np.zeros(len(index.docs))
    norm = index.k1 * (1 - index.b + index.b * index.lengths / index.avgdl)
    for term, w in zip(query, weights):
        idf = index.idf.get(term)
        if idf is None:
            continue
        for i, counts in enumerate(index.tf):
            f = counts.get(term)
            if f:
                out[i] += w * idf * f * (index.k1 + 1) / (f + norm[i])
    return out


def test_bm25_over_postings_scores_exactly_as_a_loop_over_every_document() -> None:
    docs = [["data", "share", "data", "partner"], ["cooki", "browser"], ["data", "retain", "period"], []]
    index = _BM25(docs)
    query = ["data", "share", "data", "unknown", "period"]
    weights = [1.0, 1.0, 0.7, 1.0, 0.7]
    assert np.array_equal(index.scores(query, weights), _bm25_loop(index, query, weights))
    assert np.array_equal(index.scores(["cooki"]), _bm25_loop(index, ["cooki"], [1.0]))


def test_a_sentence_scores_the_cosine_of_its_best_clause_when_that_is_higher() -> None:
    rng = np.random.default_rng(3)
    sentences = rng.standard_normal((6, 8)).astype(np.float32)
    clauses = rng.standard_normal((7, 8)).astype(np.float32)
    owner = np.array([4, 1, 4, 0, 1, 4, 5])
    passages = [{"section": "s", "text": "t"}]
    hybrid = HybridRetriever(
        passages, {"s": "S"}, np.zeros((1, 8), np.float32), None, sentences, [0] * 6, clauses, owner
    )
    qvec = rng.standard_normal(8).astype(np.float32)
    expected = sentences @ qvec
    np.maximum.at(expected, owner, clauses @ qvec)
    assert np.array_equal(hybrid.sentence_cosines(qvec), expected)


def test_the_word_overlap_feature_is_computed_for_every_sentence_sharing_a_word(cartier_kb: KnowledgeBase) -> None:
    question = "do you share my personal information with other companies"
    X = cartier_kb.ranker_features(question)
    idf, idf_max = cartier_kb._sent_idf, cartier_kb._idf_max
    qstems = set(content_tokens(question))
    qexp = set(expand(content_tokens(question)))
    mass = 1.0 + sum(idf.get(t, idf_max) for t in qstems)
    for i, toks in enumerate(cartier_kb._sent_tokens):
        value = (
            sum(idf.get(t, idf_max) for t in qstems & toks)
            + 0.3 * sum(idf.get(t, idf_max) for t in (qexp - qstems) & toks)
        ) / mass
        assert X[i, 5] == value

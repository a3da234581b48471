"""An "on topic, not stated" negative for the abstention model: a question asked of its policy without the
passages that answer it (``policy_kb.train_ranker.masked_negative``)."""

from __future__ import annotations

import numpy as np
import pytest

from policy_kb import train_ranker
from policy_kb.answer_types import expected_answer_type
from policy_kb.ranker import ABSTAIN_FEATURES, FEATURES
from policy_kb.train_ranker import AbstainRows, masked_negative, masked_rows, unsupported_without, without_rows

QUESTION = "how long do you keep my order records"


def _sentence(kb, words: str) -> int:
    return next(i for i, s in enumerate(kb.sentences) if words in s["text"])


def test_masking_drops_every_sentence_of_the_answering_passages_and_nothing_else(second_kb):
    gold = [_sentence(second_kb, "six years")]
    spans = ("Backups are kept in Ireland",)  # an answer span in another passage counts as answering too
    keep = masked_rows(second_kb, gold, spans)
    pi = second_kb._sentence_passage
    dropped = {int(pi[gold[0]]), int(pi[_sentence(second_kb, "Backups")])}
    assert all(keep[i] == (int(p) not in dropped) for i, p in enumerate(pi))
    assert not keep[_sentence(second_kb, "three years")]  # the gold passage's other sentence goes too


def test_masked_features_are_relative_to_the_best_remaining_sentence(second_kb):
    X = second_kb.ranker_features(QUESTION, expected_answer_type(QUESTION))
    keep = masked_rows(second_kb, [_sentence(second_kb, "six years")], ())
    Y = without_rows(X, keep)
    col = FEATURES.index
    assert Y.shape == (keep.sum(), len(FEATURES))
    assert Y[:, col("sent_cos_rel")].max() == 0.0 and Y[:, col("hybrid_rel")].max() == 0.0
    assert np.array_equal(Y[:, col("sent_cos")], X[keep, col("sent_cos")])
    assert Y[:, col("bm25_rel")].max() in (0.0, 1.0)


def test_a_masked_negative_sees_only_the_rest_of_the_policy(second_kb, monkeypatch):
    monkeypatch.setattr(train_ranker, "MIN_MASKED_ROWS", 5)
    weights = second_kb.ranker_weights
    X = second_kb.ranker_features(QUESTION, expected_answer_type(QUESTION))
    gold = [_sentence(second_kb, "six years")]
    x = masked_negative(weights, second_kb, X, gold, (), QUESTION)
    assert x is not None and x.shape == (len(ABSTAIN_FEATURES),)
    keep = masked_rows(second_kb, gold, ())
    assert x[ABSTAIN_FEATURES.index("max_sent_cos")] == X[keep, 0].max() < X[:, 0].max()
    monkeypatch.setattr(train_ranker, "MIN_MASKED_ROWS", 100)
    assert masked_negative(weights, second_kb, X, gold, (), QUESTION) is None  # too little policy left


def test_a_word_used_only_in_the_dropped_passage_counts_as_unsupported(second_kb):
    question = "how long do you keep backups"
    keep = masked_rows(second_kb, [_sentence(second_kb, "Backups")], ())
    assert not second_kb.unsupported_terms(question)
    assert unsupported_without(second_kb, question, keep) == 1


@pytest.mark.parametrize("held_out", ["a", "b"])
def test_cross_validation_rows_leave_out_one_policy(held_out):
    rows = AbstainRows(
        pos=[np.full(1, i) for i in range(5)],
        pos_policy=["a", "b", "a", "", ""],
        tune_pos=3,
        neg=[np.full(1, i) for i in range(3)],
        neg_policy=["a", "b", ""],
        neg_kind=["masked", "off-topic", "dev"],
    )
    rest = rows.without(held_out)
    assert held_out not in rest.pos_policy + rest.neg_policy
    assert rest.tune_pos == sum(p != held_out for p in ("a", "b", "a"))
    assert rest.pos_policy[rest.tune_pos :] == ["", ""]

"""Learned sentence ranking: which sentence of the policy answers the question.

Every sentence of the policy gets a feature vector (:data:`FEATURES`): MiniLM similarity of the
question with the sentence, its passage and its section title; BM25 of its passage; the IDF-weighted
word overlap with the sentence; whether it holds the kind of answer the question asks for (a
duration for "how long", an organisation for "who" ...); whether it states a builder fact of the
kind asked for (contact, storage, rights ...); and its place in the passage.  A logistic model over
these features, trained on real website policies (PolicyQA, the *tune* policies of
``corpora/splits.json``; the gold answer span marks the answering sentence), scores each sentence.
The cosine treats every MiniLM dimension alike; the ranker also learns how much each dimension's
question-sentence agreement counts (``interaction``: a weight per dimension of ``q ⊙ s``, i.e. a
diagonal bilinear score ``qᵀ diag(w) s``), which raised the answering sentence's rank on policies held
out of training (grouped cross-validation over the tune policies, see ``train_ranker.py``).

The weights live in ``ranker.json`` next to this file (≈ 5 KB, built from MIT-licensed
data by ``python -m policy_kb.train_ranker``); nothing downloads and nothing trains at run time.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Sequence

import numpy as np

from .text import content_tokens, expand

__all__ = [
    "FEATURES",
    "ABSTAIN_FEATURES",
    "Abstainer",
    "abstain_features",
    "RankerWeights",
    "WEIGHTS_FILE",
    "sentence_features",
    "load_weights",
]

WEIGHTS_FILE = Path(__file__).with_name("ranker.json")

FEATURES = (
    "sent_cos",  # cosine(question, sentence or its best clause)
    "pass_cos",  # cosine(question, "<title>. <passage>")
    "title_cos",  # cosine(question, section title)
    "bm25",  # BM25 of the passage, saturated: b / (b + 12)
    "bm25_rel",  # BM25 of the passage / best BM25 in the policy
    "sent_lex",  # IDF-weighted share of the question's words in the sentence (synonyms 0.3)
    "sent_cos_rel",  # sent_cos - best sent_cos in the policy
    "pass_cos_rel",  # pass_cos - best pass_cos in the policy
    "type_match",  # the question asks for a kind of answer and the sentence holds one
    "type_missing",  # the question asks for a kind of answer and the sentence holds none
    "fact",  # the sentence states a builder fact of the kind the question asks about
    "first_in_passage",
    "log_len",  # log(characters / 100)
    "hybrid",  # the hybrid retriever's passage score (cosines + saturated BM25)
    "hybrid_rel",  # hybrid - best hybrid in the policy
    "category",  # agreement of the question's and the passage's OPP-115 category (category.py)
)


#: question-level evidence that the policy answers at all (the abstention model's inputs)
ABSTAIN_FEATURES = (
    "top_score",
    "max_sent_cos",
    "max_pass_cos",
    "max_bm25",
    "max_sent_lex",
    "unsupported",
    "top_type_missing",
)


def abstain_features(X: np.ndarray, scores: np.ndarray, unsupported: int) -> np.ndarray:
    """:data:`ABSTAIN_FEATURES` from one question's sentence features and ranker scores."""
    top = int(np.argmax(scores))
    return np.array(
        [scores[top], X[:, 0].max(), X[:, 1].max(), X[:, 3].max(), X[:, 5].max(), min(2, unsupported), X[top, 9]]
    )


@dataclass(frozen=True)
class Abstainer:
    """Logistic model: log-odds that the policy answers the question; declines below ``threshold``."""

    coef: np.ndarray
    intercept: float
    mean: np.ndarray
    scale: np.ndarray
    threshold: float

    def log_odds(self, features: np.ndarray) -> float:
        return float(((features - self.mean) / self.scale) @ self.coef + self.intercept)

    def to_json(self) -> dict:
        return {
            "features": list(ABSTAIN_FEATURES),
            "coef": self.coef.round(5).tolist(),
            "intercept": round(self.intercept, 5),
            "mean": self.mean.round(5).tolist(),
            "scale": self.scale.round(5).tolist(),
            "threshold": round(self.threshold, 4),
        }


@dataclass(frozen=True)
class RankerWeights:
    """A linear model over :data:`FEATURES` (standardised with ``mean``/``scale``) and its abstention threshold."""

    coef: np.ndarray
    intercept: float
    mean: np.ndarray
    scale: np.ndarray
    threshold: float
    support_gap: float  # a second sentence is shown when its score is within this of the first one
    unsupported_penalty: float = 0.0  # taken off the confidence per question word the policy never uses (≤ 2)
    abstainer: Optional[Abstainer] = None  # when set, decides coverage instead of ``threshold``
    interaction: Optional[np.ndarray] = None  # a weight per MiniLM dimension of question ⊙ sentence

    def scores(
        self, features: np.ndarray, qvec: Optional[np.ndarray] = None, svec: Optional[np.ndarray] = None
    ) -> np.ndarray:
        """One score per sentence row; the interaction term needs the question's and the sentences' vectors."""
        out = ((features - self.mean) / self.scale) @ self.coef + self.intercept
        if self.interaction is not None and qvec is not None and svec is not None:
            out = out + svec @ (qvec * self.interaction)
        return out

    def to_json(self) -> dict:
        return {
            "features": list(FEATURES),
            "coef": self.coef.round(5).tolist(),
            "intercept": round(self.intercept, 5),
            "mean": self.mean.round(5).tolist(),
            "scale": self.scale.round(5).tolist(),
            "threshold": round(self.threshold, 4),
            "support_gap": round(self.support_gap, 4),
            "unsupported_penalty": round(self.unsupported_penalty, 4),
            "abstain": self.abstainer.to_json() if self.abstainer else None,
            "interaction": self.interaction.round(4).tolist() if self.interaction is not None else None,
        }


def load_weights(path: Path = WEIGHTS_FILE) -> Optional[RankerWeights]:
    """The committed weights, or ``None`` when missing or made for other features."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if data.get("features") != list(FEATURES):
        return None
    ab = data.get("abstain")
    abstainer = None
    if ab and ab.get("features") == list(ABSTAIN_FEATURES):
        abstainer = Abstainer(
            np.asarray(ab["coef"], float),
            float(ab["intercept"]),
            np.asarray(ab["mean"], float),
            np.asarray(ab["scale"], float),
            float(ab["threshold"]),
        )
    inter = data.get("interaction")
    return RankerWeights(
        np.asarray(data["coef"], float),
        float(data["intercept"]),
        np.asarray(data["mean"], float),
        np.asarray(data["scale"], float),
        float(data["threshold"]),
        float(data["support_gap"]),
        float(data.get("unsupported_penalty", 0.0)),
        abstainer,
        np.asarray(inter, np.float32) if inter else None,
    )


def sentence_features(
    kb, question: str, qvec: Optional[np.ndarray], expected: Optional[str], fact_sentences: Sequence[str] = ()
) -> np.ndarray:
    """One row of :data:`FEATURES` per sentence of ``kb`` (a :class:`policy_kb.kb.KnowledgeBase`)."""
    n = len(kb.sentences)
    pi = kb._sentence_passage
    X = np.zeros((n, len(FEATURES)))
    if qvec is not None and kb._svec is not None:
        sent_cos = kb.hybrid.sentence_cosines(qvec)
        pass_cos = (kb._pvec @ qvec)[pi]
        title = kb.hybrid.title_vectors
        X[:, 2] = (title @ qvec)[pi] if title is not None else 0.0
        X[:, 0], X[:, 1] = sent_cos, pass_cos
        X[:, 6], X[:, 7] = sent_cos - sent_cos.max(), pass_cos - pass_cos.max()
    base = content_tokens(question)
    expanded = expand(base)
    bm = kb.hybrid.bm25(question)[pi]  # the question's stems, synonyms weighted 0.7
    X[:, 3] = bm / (bm + 12.0)
    X[:, 4] = bm / bm.max() if bm.max() > 0 else 0.0
    qstems, qexp = set(base), set(expanded)
    idf, idf_max = kb._sent_idf, kb._idf_max
    q_mass = 1.0 + sum(idf.get(t, idf_max) for t in qstems)
    # only sentences sharing a word with the question have overlap; the rest stay 0.0
    for i in kb.sentences_with(qexp):
        toks = kb._sent_tokens[i]
        X[i, 5] = (
            sum(idf.get(t, idf_max) for t in qstems & toks)
            + 0.3 * sum(idf.get(t, idf_max) for t in (qexp - qstems) & toks)
        ) / q_mass
    if expected:
        hit = kb._typed_mask(expected)
        X[:, 8], X[:, 9] = hit, 1.0 - hit
    if fact_sentences:
        facts = set(fact_sentences)
        X[:, 10] = [s["text"] in facts for s in kb.sentences]
    X[:, 11] = kb._first_in_passage
    X[:, 12] = kb._log_len
    hybrid = kb.hybrid.score_all(question, qvec)
    X[:, 13] = hybrid[pi]
    X[:, 14] = hybrid[pi] - hybrid.max()
    passage_categories = kb.passage_categories()
    if qvec is not None and passage_categories is not None:
        X[:, 15] = (passage_categories @ kb.category_model.probs(qvec))[pi]
    return X

"""Passage retrieval: BM25 (baseline) and hybrid BM25 + MiniLM embeddings.

Scores are comparable across questions: the hybrid score is the cosine
similarity plus a saturated BM25 term, so one threshold can decide abstention.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Protocol, Sequence, Tuple, Union

import numpy as np

from .text import content_tokens, expand

__all__ = ["Hit", "BM25Retriever", "HybridRetriever", "Encoder"]


class Encoder(Protocol):
    """What retrieval needs of a sentence encoder (``embed.MiniLMEncoder``; tests pass fakes)."""

    def encode(self, texts: Sequence[str], max_tokens: int = ...) -> np.ndarray: ...


@dataclass(frozen=True)
class Hit:
    index: int  # passage index
    section: str
    text: str
    score: float


class _BM25:
    """Okapi BM25 over pre-tokenised documents (weighted query terms allowed)."""

    def __init__(self, docs: Sequence[Sequence[str]], k1: float = 1.2, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self.docs = [list(d) for d in docs]
        self.lengths = np.array([len(d) for d in self.docs], dtype=np.float64)
        self.avgdl = float(self.lengths.mean()) if len(self.docs) else 1.0
        n = len(self.docs)
        df: Dict[str, int] = {}
        for d in self.docs:
            for t in set(d):
                df[t] = df.get(t, 0) + 1
        self.idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}
        self.tf = []
        for d in self.docs:
            counts: Dict[str, int] = {}
            for t in d:
                counts[t] = counts.get(t, 0) + 1
            self.tf.append(counts)
        # per term, the documents holding it and its count in each: a query term touches only those
        # (the same arithmetic per document as a loop over all of them, in the same term order)
        rows: Dict[str, List[int]] = {}
        for i, counts in enumerate(self.tf):
            for t in counts:
                rows.setdefault(t, []).append(i)
        self._postings: Dict[str, tuple] = {
            t: (np.array(ids, dtype=np.int64), np.array([self.tf[i][t] for i in ids], dtype=np.float64))
            for t, ids in rows.items()
        }
        self._norm = self.k1 * (1 - self.b + self.b * self.lengths / self.avgdl)

    def scores(self, query: Sequence[str], weights: Optional[Sequence[float]] = None) -> np.ndarray:
        out = np.zeros(len(self.docs))
        weights = weights or [1.0] * len(query)
        norm = self._norm
        for term, w in zip(query, weights):
            idf = self.idf.get(term)
            if idf is None:
                continue
            docs, f = self._postings[term]
            out[docs] += w * idf * f * (self.k1 + 1) / (f + norm[docs])
        return out


class BM25Retriever:
    """Plain BM25 over passages (stemmed, no stopwords, no expansion): the baseline."""

    name = "bm25"

    def __init__(self, passages: Sequence[dict], section_titles: Optional[dict] = None) -> None:
        self.passages = list(passages)
        self._index = _BM25([content_tokens(p["text"]) for p in self.passages])

    def search(self, question: str, top: int = 3) -> List[Hit]:
        scores = self._index.scores(content_tokens(question))
        order = np.argsort(-scores, kind="stable")[:top]
        return [Hit(int(i), self.passages[i]["section"], self.passages[i]["text"], float(scores[i])) for i in order]


class HybridRetriever:
    """BM25 with section titles and query expansion, fused with MiniLM cosine similarity.

    ``score = cos + BM25_WEIGHT * bm25 / (bm25 + BM25_HALF)``; without the
    embedding model the score is the saturated BM25 term alone.
    """

    name = "hybrid"
    BM25_WEIGHT = 0.35
    BM25_HALF = 12.0
    SYNONYM_WEIGHT = 0.7

    TITLE_WEIGHT = 0.2  # share of the cosine with the passage's section title in the ranking (not in the score)

    QUERY_MAX_TOKENS = 64  # questions are short; this bounds the cost of a 5,000-character one
    SENTENCE_WEIGHT = 0.5  # share of the best-sentence cosine in the semantic score

    def __init__(
        self,
        passages: Sequence[dict],
        section_titles: dict,
        vectors: Optional[np.ndarray] = None,
        encoder: Optional[Encoder] = None,
        sentence_vectors: Optional[np.ndarray] = None,
        sentence_passage: Optional[Sequence[int]] = None,
        clause_vectors: Optional[np.ndarray] = None,
        clause_sentence: Optional[np.ndarray] = None,
        title_vectors: Optional[np.ndarray] = None,
    ) -> None:
        self.passages = list(passages)
        # one row per passage: the embedding of its section's title
        self.title_vectors = (
            title_vectors if title_vectors is not None and len(title_vectors) == len(self.passages) else None
        )
        self.sentence_vectors = sentence_vectors
        self.clause_vectors = clause_vectors if clause_vectors is not None and len(clause_vectors) else None
        self.clause_sentence = clause_sentence
        self._cos_cache: tuple = (None, None)
        self._bm25_cache: tuple = (None, None)
        # clauses grouped by their sentence, so each sentence's best clause is one reduction
        # (clause order by sentence, start of each sentence's run in it, the sentence of each run)
        self._clause_groups: Optional[Tuple[np.ndarray, np.ndarray, np.ndarray]] = None
        if self.clause_vectors is not None and clause_sentence is not None and len(clause_sentence):
            owner = np.asarray(clause_sentence)
            order = np.argsort(owner, kind="stable")
            starts = np.flatnonzero(np.r_[True, owner[order][1:] != owner[order][:-1]])
            self._clause_groups = (order, starts, owner[order][starts])
        # sentences are stored in passage order: start offset of each passage's run
        self._starts = None
        if sentence_vectors is not None and sentence_passage is not None and len(sentence_passage):
            sp = np.asarray(sentence_passage)
            if np.all(np.diff(sp) >= 0) and set(sp.tolist()) == set(range(len(self.passages))):
                self._starts = np.searchsorted(sp, np.arange(len(self.passages)))
        docs = [content_tokens(section_titles.get(p["section"], "")) + content_tokens(p["text"]) for p in self.passages]
        self._index = _BM25(docs)
        self.vectors = vectors
        self.encoder = encoder
        # single questions by their text; parts encoded together by ("joint", part, part ...)
        self._qcache: "OrderedDict[Union[str, Tuple[str, ...]], np.ndarray]" = OrderedDict()
        self._qcache_lock = threading.Lock()
        self.cache_hits = 0

    QUERY_CACHE_SIZE = 256  # recent query embeddings (the same question is asked again and again)

    def query_vector(self, question: str) -> Optional[np.ndarray]:
        """The question's embedding (read-only array), from a small LRU cache when seen recently."""
        if self.vectors is None or self.encoder is None:
            return None
        encoder = self.encoder
        return self._cached(question, lambda: encoder.encode([question], max_tokens=self.QUERY_MAX_TOKENS)[0])

    def joint_vectors(self, questions: Sequence[str]) -> Optional[np.ndarray]:
        """Embeddings of a few short questions (a two-part question's parts) in one encoder pass, cached.

        Cached apart from :meth:`query_vector`: the joint pass differs from a text's own encoding by float
        rounding, and what a question gets must not depend on what was asked before.
        """
        if self.vectors is None or self.encoder is None:
            return None
        joint = getattr(self.encoder, "encode_joint", None)  # test encoders may only have ``encode``
        encode = joint if joint is not None else self.encoder.encode
        return self._cached(("joint", *questions), lambda: encode(list(questions), max_tokens=self.QUERY_MAX_TOKENS))

    def _cached(self, key: Union[str, Tuple[str, ...]], compute: Callable[[], np.ndarray]) -> np.ndarray:
        """``compute()`` made read-only and kept in the LRU query cache under ``key`` (computed outside the lock)."""
        with self._qcache_lock:
            cached = self._qcache.get(key)
            if cached is not None:
                self._qcache.move_to_end(key)
                self.cache_hits += 1
                return cached
        vectors = compute()
        vectors.setflags(write=False)
        with self._qcache_lock:
            self._qcache[key] = vectors
            while len(self._qcache) > self.QUERY_CACHE_SIZE:
                self._qcache.popitem(last=False)
        return vectors

    def clear_query_cache(self) -> None:
        with self._qcache_lock:
            self._qcache.clear()

    def bm25(self, question: str) -> np.ndarray:
        """BM25 of every passage for the question's stems and their synonyms (read-only; the last question's
        scores are kept, since the ranker's features and the hybrid score both need them for one question)."""
        cached_q, cached = self._bm25_cache
        if cached_q == question:
            return cached
        base = content_tokens(question)
        expanded = expand(base)
        weights = [1.0] * len(base) + [self.SYNONYM_WEIGHT] * (len(expanded) - len(base))
        bm = self._index.scores(expanded, weights)
        bm.setflags(write=False)
        self._bm25_cache = (question, bm)
        return bm

    def score_all(self, question: str, qvec: Optional[np.ndarray] = None) -> np.ndarray:
        bm = self.bm25(question)
        lexical = self.BM25_WEIGHT * bm / (bm + self.BM25_HALF)
        if qvec is None:
            qvec = self.query_vector(question)
        if qvec is None:
            return lexical / self.BM25_WEIGHT * 0.8
        semantic = self.vectors @ qvec
        if self._starts is not None:
            best_sentence = np.maximum.reduceat(self.sentence_cosines(qvec), self._starts)
            semantic = (1 - self.SENTENCE_WEIGHT) * semantic + self.SENTENCE_WEIGHT * best_sentence
        return semantic + lexical

    def title_scores(self, qvec: Optional[np.ndarray]) -> np.ndarray:
        """``TITLE_WEIGHT`` × cosine of the question with each passage's section title (zeros without vectors).

        Section-level evidence for choosing among passages of similar score ("how do you protect my
        payment details" → Security); kept out of :meth:`score_all` so the calibrated score is unchanged.
        """
        if qvec is None or self.title_vectors is None:
            return np.zeros(len(self.passages))
        return self.TITLE_WEIGHT * (self.title_vectors @ qvec)

    def sentence_cosines(self, qvec: np.ndarray) -> np.ndarray:
        """Cosine of each sentence, or of its best clause when that is higher (long list sentences)."""
        cached_q, cached = self._cos_cache
        if cached_q is qvec:
            return cached
        cos = self.sentence_vectors @ qvec
        if self.clause_vectors is not None and self._clause_groups is not None:
            order, starts, owner = self._clause_groups
            best_clause = np.maximum.reduceat((self.clause_vectors @ qvec)[order], starts)
            cos[owner] = np.maximum(cos[owner], best_clause)
        self._cos_cache = (qvec, cos)
        return cos

    def search(self, question: str, top: int = 3, qvec: Optional[np.ndarray] = None) -> List[Hit]:
        """Top passages ranked by score plus section-title similarity (``Hit.score`` is that ranking score)."""
        if qvec is None:
            qvec = self.query_vector(question)
        scores = self.score_all(question, qvec) + self.title_scores(qvec)
        order = np.argsort(-scores, kind="stable")[:top]
        return [Hit(int(i), self.passages[i]["section"], self.passages[i]["text"], float(scores[i])) for i in order]

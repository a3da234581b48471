"""Choosing which sentences of a section answer a question, and how they are cut to fit.

A mixin of :class:`policy_kb.kb.KnowledgeBase`: it reads the KB's sentences and scores and its tuning
constants (declared here, valued on ``KnowledgeBase``), so the answering flow in ``kb.py`` stays short.
"""

from __future__ import annotations

from typing import Dict, List, Optional, Sequence, Set, Tuple

import numpy as np

from .answer_types import has_answer_type
from .question import _clauses_within
from .retriever import HybridRetriever
from .text import content_tokens, expand

__all__ = ["SentencePicker"]


class SentencePicker:
    """Sentence scoring and selection over ``self.sentences`` (see ``KnowledgeBase`` for the values)."""

    EXTRA_SENTENCE_GAP: float
    FACT_BOOST: float
    SENT_LEX_WEIGHT: float
    SENT_PASSAGE_WEIGHT: float
    MIN_CLAUSE_BUDGET: int
    NEIGHBOUR_BONUS: float
    LEADIN_WEIGHT: float
    TYPE_MARGIN: float
    sentences: List[dict]
    hybrid: HybridRetriever
    _sent_tokens: List[set]
    _sent_idf: Dict[str, float]
    _idf_max: float
    _typed: Dict[str, frozenset]
    _typed_masks: Dict[str, np.ndarray]
    _sentences_by_stem: Dict[str, List[int]]

    def _pick(
        self,
        section_id: str,
        qstems: set,
        qexp: set,
        qvec: Optional[np.ndarray],
        scores: np.ndarray,
        fact_sentences: set,
        max_chars: int,
        expected: Optional[str],
        first: Optional[int] = None,
    ) -> Tuple[List[Tuple[int, str]], Tuple[int, float]]:
        """The sentences answering from ``section_id`` (policy order), and (id, score) of the leading one."""
        # every sentence of the chosen section competes: the best passage's own sentence is not always the answer
        candidates = self._section_sentences(section_id)
        sent_scores = self._sentence_scores(candidates, qstems, qexp, qvec, scores)
        for i in candidates:
            if self.sentences[i]["text"] in fact_sentences:
                sent_scores[i] += self.FACT_BOOST
        chosen = self._choose(candidates, sent_scores, max_chars, qexp, first=first, expected=expected)
        if fact_sentences:
            # a fact sentence the question asks for, in the answer's section, is included when it fits
            ids = [i for i, _ in chosen]
            length = sum(len(t) + 1 for _, t in chosen)
            for i in candidates:
                text_i = self.sentences[i]["text"]
                if text_i in fact_sentences and i not in ids and length + len(text_i) + 1 <= max_chars:
                    chosen.append((i, text_i))
                    length += len(text_i) + 1
            chosen.sort(key=lambda c: c[0])
        top = first if first is not None else max(candidates, key=lambda i: (sent_scores[i], -i))
        return chosen, (top, sent_scores[top])

    def _holds_type(
        self, chosen: Sequence[Tuple[int, str]], top: Tuple[int, float], kind: str, fact_sentences: set
    ) -> bool:
        """The leading sentence (as shown, maybe cut) or an asked-for fact sentence holds a ``kind`` answer."""
        for i, text in chosen:
            if (i == top[0] or self.sentences[i]["text"] in fact_sentences) and has_answer_type(text, kind):
                return True
        return False

    def _typed_sentences(self, kind: str) -> frozenset:
        """Ids of the sentences holding an answer of type ``kind`` (computed once per type)."""
        found = self._typed.get(kind)
        if found is None:
            found = frozenset(i for i, s in enumerate(self.sentences) if has_answer_type(s["text"], kind))
            self._typed[kind] = found
        return found

    def _typed_mask(self, kind: str) -> np.ndarray:
        """1.0 for each sentence holding a ``kind`` answer, else 0.0 (read-only; computed once per type)."""
        found = self._typed_masks.get(kind)
        if found is None:
            typed = self._typed_sentences(kind)
            found = np.array([i in typed for i in range(len(self.sentences))], dtype=float)
            found.setflags(write=False)
            self._typed_masks[kind] = found
        return found

    def sentences_with(self, stems: Set[str]) -> List[int]:
        """Ids (ascending) of the sentences whose words or synonyms include one of ``stems``."""
        ids: Set[int] = set()
        for t in stems:
            ids.update(self._sentences_by_stem.get(t, ()))
        return sorted(ids)

    def _typed_alternative(
        self,
        kind: str,
        qstems: set,
        qexp: set,
        qvec: Optional[np.ndarray],
        passage_scores: np.ndarray,
        fact_sentences: set,
        top: Tuple[int, float],
    ) -> Optional[int]:
        """The best-scoring sentence of the whole policy that holds a ``kind`` answer, if within the margin."""
        typed = sorted(self._typed_sentences(kind))
        if not typed:
            return None
        all_scores = self._sentence_scores(typed, qstems, qexp, qvec, passage_scores)
        for i in typed:
            if self.sentences[i]["text"] in fact_sentences:
                all_scores[i] += self.FACT_BOOST
        best = max(typed, key=lambda i: (all_scores[i], -i))
        return best if all_scores[best] >= top[1] - self.TYPE_MARGIN else None

    def _sentence_scores(
        self, candidates: Sequence[int], qstems: set, qexp: set, qvec: Optional[np.ndarray], passage_scores: np.ndarray
    ) -> Dict[int, float]:
        out = {}
        sent_cos = self.hybrid.sentence_cosines(qvec) if qvec is not None else None
        q_mass = 1.0 + sum(self._sent_idf.get(t, self._idf_max) for t in qstems)
        for i in candidates:
            toks = self._sent_tokens[i]
            idf = self._sent_idf
            lexical = (
                sum(idf.get(t, self._idf_max) for t in qstems & toks)
                + 0.3 * sum(idf.get(t, self._idf_max) for t in (qexp - qstems) & toks)
            ) / q_mass
            sem = float(sent_cos[i]) if sent_cos is not None else 0.0
            if self.LEADIN_WEIGHT and ":" in self.sentences[i]["text"][:120]:
                # "We will use your information: to ...; to ..." answers "what do you use my data for"
                lead = set(expand(content_tokens(self.sentences[i]["text"].split(":", 1)[0])))
                lexical += self.LEADIN_WEIGHT * len(qstems & lead) / (1 + len(qstems))
            out[i] = (
                sem
                + self.SENT_LEX_WEIGHT * lexical
                + self.SENT_PASSAGE_WEIGHT * float(passage_scores[self.sentences[i]["_pi"]])
            )
        return out

    def _choose(
        self,
        candidates: Sequence[int],
        sent_scores: Dict[int, float],
        budget: int,
        qexp: set,
        first: Optional[int] = None,
        expected: Optional[str] = None,
    ) -> List[Tuple[int, str]]:
        ranked = sorted(dict.fromkeys(candidates), key=lambda i: -sent_scores[i])
        if first is not None:  # the sentence holding the expected kind of answer leads
            ranked = [first] + [i for i in ranked if i != first]
        top = ranked[0]
        if self.NEIGHBOUR_BONUS:
            # the sentence right after (or before) the best one in the same paragraph usually carries
            # on from it ("... create an account. During this process, you will provide ...")
            same = self.sentences[top]["_pi"]

            def extra_key(i: int) -> float:
                near = self.sentences[i]["_pi"] == same and abs(i - top) == 1
                return -(sent_scores[i] + (self.NEIGHBOUR_BONUS if near else 0.0))

            ranked = [top] + sorted(ranked[1:], key=extra_key)
        chosen: List[int] = []
        length = 0
        top_text = self.sentences[top]["text"]
        if len(top_text) > budget:
            return [(top, _clauses_within(top_text, budget, qexp, expected))]
        cut: Dict[int, str] = {}
        for i in ranked:
            n = len(self.sentences[i]["text"]) + (1 if chosen else 0)
            if length + n > budget:
                near = (
                    self.NEIGHBOUR_BONUS
                    and chosen == [top]
                    and self.sentences[i]["_pi"] == self.sentences[top]["_pi"]
                    and abs(i - top) == 1
                    and budget - length - 1 >= self.MIN_CLAUSE_BUDGET
                )
                if near and sent_scores[i] >= sent_scores[top] - self.EXTRA_SENTENCE_GAP:
                    # the next sentence of the same paragraph, cut to its most relevant clauses
                    text_i = _clauses_within(self.sentences[i]["text"], budget - length - 1, qexp, expected)
                    if text_i and len(text_i) <= budget - length - 1:
                        cut[i] = text_i
                        chosen.append(i)
                        length += len(text_i) + 1
                continue
            if chosen and sent_scores[i] < sent_scores[top] - self.EXTRA_SENTENCE_GAP:
                continue
            chosen.append(i)
            length += n
        chosen.sort()
        return [(i, cut.get(i, self.sentences[i]["text"])) for i in chosen]

    def _section_sentences(self, section_id: str) -> List[int]:
        return [i for i, s in enumerate(self.sentences) if s["section"] == section_id]

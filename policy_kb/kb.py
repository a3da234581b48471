"""Load a built knowledge base and answer questions from it, extractively.

Every answer is made of sentences (or marked clauses of a sentence) copied from
the policy; nothing is paraphrased or invented.  Below a calibrated score the
answer is ``covered=False`` and says nothing about the policy's content.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from .answer_types import LENIENT, PREFERRED, expected_answer_type
from .answers import Answer, AnswerReason, Citation, Continuation, KBNotFound, _AnswerBase
from .builder import KB_FILE, MANIFEST_FILE, VECTORS_FILE
from .category import load_categories
from .clean import split_sentences
from .compose import compose, render
from .pick import SentencePicker
from .policy_facts import PolicyFacts
from .question import (
    _CHAT_STEMS,
    _CHILD_STEMS,
    _FACT_QUESTIONS,
    _FOLLOW_UPS,
    _META_STEMS,
    _SELF_STEMS,
    ELLIPSIS,
    MAX_QUESTION_CHARS,
    _clauses_within,  # noqa: F401 (re-exported: tests and callers import it from here)
    _cut,
    _normalise_question,
    _request_kinds,
)
from .ranker import RankerWeights, load_weights, sentence_features
from .retriever import BM25Retriever, Encoder, Hit, HybridRetriever
from .scope import QuestionScope
from .text import STOPWORDS, content_tokens, expand, known_vocabulary, stem, tokens

__all__ = [
    "KnowledgeBase",
    "Answer",
    "Citation",
    "AnswerReason",
    "KBNotFound",
    "Continuation",
    "COVERAGE_THRESHOLD",
    "MAX_QUESTION_CHARS",
]

logger = logging.getLogger(__name__)

# calibrated on bench/kb_dev_set.jsonl (see bench/RESULTS_KB.md)
COVERAGE_THRESHOLD = 0.45
COVERAGE_THRESHOLD_LEXICAL = 0.30  # when the embedding model is not installed


class KnowledgeBase(SentencePicker, QuestionScope):
    """A loaded KB. Use :meth:`load`; then :meth:`answer` and :meth:`search`."""

    EXTRA_SENTENCE_GAP = 0.5
    FACT_BOOST = 0.12
    SENT_LEX_WEIGHT = 0.5
    SENT_PASSAGE_WEIGHT = 0.5
    MIN_CLAUSE_BUDGET = 100
    NEIGHBOUR_BONUS = 0.2
    LEADIN_WEIGHT = 0.5
    UNSUPPORTED_PENALTY = 0.06
    REQUEST_BOOST = 0.18  # a passage stating the right the question asks to exercise ("a copy of my data")
    # expected answer type ("how long" → a duration): a sentence holding one, anywhere in the policy, is
    # preferred to the best sentence lacking one when its score is within TYPE_MARGIN; otherwise the
    # confidence drops by TYPE_PENALTY and the usual threshold decides (see bench/RESULTS_KB.md)
    TYPE_MARGIN = 0.15
    TYPE_PENALTY = 0.30

    def __init__(self, data: dict, manifest: dict, vectors: Optional[np.ndarray], encoder: Optional[Encoder]) -> None:
        self.title: Optional[str] = data.get("title")
        self.sections: List[dict] = data["sections"]
        self.passages: List[dict] = data["passages"]
        self.sentences: List[dict] = data["sentences"]
        self.facts: dict = data["facts"]
        self.manifest = manifest
        self._titles = {s["id"]: s["title"] for s in self.sections}
        n_pass, n_sent = len(self.passages), len(self.sentences)
        self._clauses: List[dict] = data.get("clauses", [])
        self._pvec = vectors[:n_pass] if vectors is not None else None
        self._svec = vectors[n_pass : n_pass + n_sent] if vectors is not None else None
        n_clause = len(self._clauses)
        self._cvec = vectors[n_pass + n_sent : n_pass + n_sent + n_clause] if vectors is not None else None
        title_vectors = None
        if vectors is not None:
            # one vector per section title after the clauses (builder 3); older builds: encoded here
            tvec = vectors[n_pass + n_sent + n_clause :]
            if len(tvec) != len(self.sections) and encoder is not None:
                tvec = encoder.encode([s["title"] for s in self.sections])
            if len(tvec) == len(self.sections):
                row = {s["id"]: i for i, s in enumerate(self.sections)}
                title_vectors = tvec[[row[p["section"]] for p in self.passages]]
        self._clause_sentence = np.array([c["sentence"] for c in self._clauses], dtype=np.int64)
        self.encoder = encoder if vectors is not None else None
        self._sent_by_passage: Dict[int, List[int]] = {}
        passage_index = {}
        for pi, p in enumerate(self.passages):
            local = sum(1 for q in self.passages[:pi] if q["section"] == p["section"])
            passage_index[(p["section"], local)] = pi
        for si, s in enumerate(self.sentences):
            pi = passage_index[(s["section"], s["passage"])]
            s["_pi"] = pi
            self._sent_by_passage.setdefault(pi, []).append(si)
        self.hybrid = HybridRetriever(
            self.passages,
            self._titles,
            self._pvec,
            self.encoder,
            self._svec,
            [s["_pi"] for s in self.sentences],
            self._cvec,
            self._clause_sentence,
            title_vectors,
        )
        self.bm25 = BM25Retriever(self.passages)
        self.threshold = COVERAGE_THRESHOLD if self.encoder is not None else COVERAGE_THRESHOLD_LEXICAL
        self._sent_tokens = [set(expand(content_tokens(s["text"]))) for s in self.sentences]
        df: Dict[str, int] = {}
        self._sentences_by_stem: Dict[str, List[int]] = {}  # stem → ids of the sentences using it
        for si, toks in enumerate(self._sent_tokens):
            for t in toks:
                df[t] = df.get(t, 0) + 1
                self._sentences_by_stem.setdefault(t, []).append(si)
        n_s = max(1, len(self.sentences))
        self._sent_idf = {t: float(np.log(1 + n_s / f)) for t, f in df.items()}
        self._idf_max = float(np.log(1 + n_s))
        self._kb_stems = set().union(*self._sent_tokens) | {
            t for s in self.sections for t in content_tokens(s["title"])
        }
        self._vocab = {t for s in self.sentences for t in tokens(s["text"])} | {
            t for s in self.sections for t in tokens(s["title"])
        }
        self._vocab_stems = {stem(t) for t in self._vocab} | known_vocabulary()
        self._typed: Dict[str, frozenset] = {}
        self._typed_masks: Dict[str, np.ndarray] = {}
        # per-sentence arrays for the learned ranker (policy_kb/ranker.py)
        self._sentence_passage = np.array([s["_pi"] for s in self.sentences], dtype=np.int64)
        self._first_in_passage = np.array(
            [i == 0 or self.sentences[i - 1]["_pi"] != s["_pi"] for i, s in enumerate(self.sentences)], dtype=float
        )
        self._log_len = np.log(np.array([max(20, len(s["text"])) for s in self.sentences], dtype=float) / 100.0)
        self.load_seconds = 0.0
        # "learned": the sentence ranker trained on PolicyQA (ranker.json); "rules": the earlier
        # hand-tuned scorer, kept selectable so that benchmarks print both in one run
        self.ranker_weights: Optional[RankerWeights] = load_weights()
        self.category_model = load_categories()
        self._passage_categories: Optional[np.ndarray] = None
        self.scorer = "learned" if self.ranker_weights is not None and self.encoder is not None else "rules"

    # ------------------------------------------------------------------ loading
    @classmethod
    def load(cls, kb_dir: Path, embeddings: bool = True) -> "KnowledgeBase":
        """Load the KB in ``kb_dir``; falls back to lexical search if the model is missing."""
        start = time.perf_counter()
        kb_dir = Path(kb_dir)
        try:
            data = json.loads((kb_dir / KB_FILE).read_text(encoding="utf-8"))
            manifest = json.loads((kb_dir / MANIFEST_FILE).read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise KBNotFound(
                f"no knowledge base in {kb_dir}; run: python -m policy_kb build --source FILE --out {kb_dir}"
            ) from exc
        vectors = None
        encoder = None
        if embeddings and manifest.get("embedding_model") and (kb_dir / VECTORS_FILE).is_file():
            try:
                from .embed import MiniLMEncoder

                encoder = MiniLMEncoder()
                vectors = np.load(kb_dir / VECTORS_FILE, allow_pickle=False)
            except (ImportError, OSError, ValueError, RuntimeError) as exc:
                logger.warning("embedding model unavailable, using lexical search only: %s", type(exc).__name__)
                vectors, encoder = None, None
        kb = cls(data, manifest, vectors, encoder)
        kb.load_seconds = time.perf_counter() - start
        return kb

    @property
    def policy_facts(self) -> PolicyFacts:
        """The company's facts as the policy states them (typed; see ``policy_facts.py``)."""
        return PolicyFacts.from_facts(self.facts)

    @property
    def contact_email(self) -> Optional[str]:
        return self.facts.get("contact_email")

    def section_title(self, section_id: str) -> Optional[str]:
        return self._titles.get(section_id)

    # ---------------------------------------------------------------- retrieval
    def search(self, question: str, top: int = 3, method: str = "hybrid") -> List[Hit]:
        question = _normalise_question(question)
        if not question:
            return []
        retriever = self.bm25 if method == "bm25" else self.hybrid
        return retriever.search(question, top)

    # ------------------------------------------------------------------ answers
    def passage_categories(self) -> Optional[np.ndarray]:
        """OPP-115 category distribution of each passage (``category.py``), computed once; ``None`` without vectors."""
        if self._passage_categories is None and self.category_model is not None and self._pvec is not None:
            self._passage_categories = self.category_model.probs(self._pvec)
        return self._passage_categories

    def ranker_features(
        self, question: str, expected: Optional[str] = None, qvec: Optional[np.ndarray] = None
    ) -> np.ndarray:
        """The learned ranker's features of every sentence for ``question`` (see ``ranker.py``); ``qvec``:
        the question's vector when the caller has it (else encoded, or taken from the query cache)."""
        q = _normalise_question(question)
        if qvec is None:
            qvec = self.hybrid.query_vector(q)
        _, fact_sentences = self._fact_boost(q.lower(), set(expand(content_tokens(q))))
        return sentence_features(self, q, qvec, expected, sorted(fact_sentences))

    def ranker_scores(
        self, question: str, expected: Optional[str], weights: RankerWeights, qvec: Optional[np.ndarray] = None
    ) -> Tuple[np.ndarray, np.ndarray]:
        """(features, score of every sentence) under ``weights``; the question vector is cached, so cheap."""
        X = self.ranker_features(question, expected, qvec)
        if qvec is None:
            qvec = self.hybrid.query_vector(_normalise_question(question))
        return X, weights.scores(X, qvec, self._svec)

    def answer(self, question: str, max_chars: int = 320, weights: Optional[RankerWeights] = None) -> Answer:
        """Answer ``question`` from the policy, or say it is not covered."""
        raw = question if isinstance(question, str) else ""
        q = _normalise_question(raw)
        base: _AnswerBase = {
            "question": raw[:MAX_QUESTION_CHARS],
            "contact_email": self.contact_email,
            "expected_type": None,
        }
        words = tokens(q)
        if not words:
            return Answer(covered=False, reason=AnswerReason.EMPTY, **base)
        content = [w for w in words if w not in STOPWORDS]
        known = [w for w in words if w in STOPWORDS or w in self._vocab or stem(w) in self._vocab_stems]
        if not set(content_tokens(q)) - _META_STEMS:  # "I have a question about the privacy policy"
            return Answer(covered=False, reason=AnswerReason.EMPTY, **base)
        if len(known) < max(1, 0.5 * len(words)) or not content:
            return Answer(covered=False, reason=AnswerReason.NOT_UNDERSTOOD, **base)
        if self._names_unknown_entity(q):
            return Answer(covered=False, reason=AnswerReason.OTHER_COMPANY, **base)
        if self._asks_about_another_document(q):
            return Answer(covered=False, reason=AnswerReason.NOT_COVERED, **base)
        weights = weights or (self.ranker_weights if self.scorer == "learned" else None)
        if weights is not None:
            return self._answer_learned(q, words, base, weights, max_chars)
        qvec = self.hybrid.query_vector(q)
        scores = self.hybrid.score_all(q, qvec)
        qstems = set(content_tokens(q))
        qexp = set(expand(qstems))
        boost, self_fact_sentences = self._fact_boost(q.lower(), qexp)
        scores = scores + boost
        # the section is chosen with its title's similarity as extra evidence; the confidence
        # (abstention) score stays the passage's own, calibrated score
        best = int(np.argmax(scores + self.hybrid.title_scores(qvec)))
        # a content word of the question that the policy never uses (nor a synonym of it) is
        # something the policy cannot be said to answer: "biometric data", "order history"
        unsupported = self.unsupported_terms(q)
        score = float(scores[best]) - self.UNSUPPORTED_PENALTY * min(2, len(unsupported))
        expected = expected_answer_type(q)
        base["expected_type"] = expected
        if score < self.threshold:
            return Answer(covered=False, reason=AnswerReason.NOT_COVERED, score=score, **base)
        section_id = self.passages[best]["section"]
        chosen, top = self._pick(section_id, qstems, qexp, qvec, scores, self_fact_sentences, max_chars, expected)
        penalty = self.UNSUPPORTED_PENALTY * min(2, len(unsupported))
        preferred = PREFERRED.get(expected or "")
        typed = None
        if preferred and not self._holds_type(chosen, top, preferred, self_fact_sentences):
            # "who receives my card number": a sentence naming the company ("Paylane Ltd") rather than
            # one with a generic noun ("your bank") leads, if it scores nearly as well
            typed = self._typed_alternative(preferred, qstems, qexp, qvec, scores, self_fact_sentences, top)
        if typed is None and expected and not self._holds_type(chosen, top, expected, self_fact_sentences):
            # "how long ...": the answer has no duration; the best sentence that has one, anywhere in the
            # policy, answers instead if it scores nearly as well; else the policy likely does not say
            typed = self._typed_alternative(expected, qstems, qexp, qvec, scores, self_fact_sentences, top)
            if typed is None and expected not in LENIENT:
                score -= self.TYPE_PENALTY
        if typed is not None:
            if self.sentences[typed]["section"] != section_id:
                section_id = self.sentences[typed]["section"]
                score = min(score, float(scores[self.sentences[typed]["_pi"]]) - penalty)
            chosen, top = self._pick(
                section_id, qstems, qexp, qvec, scores, self_fact_sentences, max_chars, expected, first=typed
            )
        if score < self.threshold:
            return Answer(covered=False, reason=AnswerReason.NOT_COVERED, score=score, **base)
        text = self._render(chosen)
        shown = tuple(sorted(i for i, _ in chosen if i >= 0))
        also: List[Citation] = []
        for sid, sentence in self._age_sentences(qstems, section_id, self._section_sentences(section_id)):
            if sentence in text:
                continue
            if sid == section_id and len(text) + len(sentence) + 1 <= max_chars:
                text = f"{text} {sentence}"
            else:
                also.append(Citation(sid, self._titles[sid], sentence))
        more = self._rest_of_section(section_id, shown)
        return Answer(
            covered=True,
            reason=AnswerReason.ANSWERED,
            text=text,
            section_id=section_id,
            section_title=self._titles[section_id],
            more=more,
            score=score,
            follow_up=self._follow_up(qstems, set(words)),
            also=tuple(also),
            shown=shown,
            **base,
        )

    def _answer_learned(
        self, q: str, words: List[str], base: _AnswerBase, weights: RankerWeights, max_chars: int
    ) -> Answer:
        """The learned ranker's answer: the answering sentence first, then at most one more (``compose.py``)."""
        expected = expected_answer_type(q)
        base["expected_type"] = expected
        qstems = set(content_tokens(q))
        qexp = set(expand(qstems))
        confidence, ids = compose(self, q, weights, expected, max_chars, len(self.unsupported_terms(q)))
        if not ids:
            topical = set(qexp) & self._kb_stems - _CHAT_STEMS - _META_STEMS
            reason = AnswerReason.NOT_COVERED if topical else AnswerReason.OUT_OF_SCOPE
            return Answer(covered=False, reason=reason, score=confidence, **base)
        section_id = self.sentences[ids[0]]["section"]
        text, also = render(self, q, ids, max_chars, qexp, expected)
        shown = tuple(sorted(i for i in ids if self.sentences[i]["section"] == section_id))
        for sid, sentence in self._age_sentences(qstems, section_id, self._section_sentences(section_id)):
            if sentence not in text and all(sentence != c.text for c in also):
                also.append(Citation(sid, self._titles[sid], sentence))
        return Answer(
            covered=True,
            reason=AnswerReason.ANSWERED,
            text=text,
            section_id=section_id,
            section_title=self._titles[section_id],
            more=self._rest_of_section(section_id, shown),
            score=confidence,
            follow_up=self._follow_up(qstems, set(words)),
            also=tuple(also),
            shown=shown,
            **base,
        )

    def _render(self, chosen: Sequence[Tuple[int, str]]) -> str:
        """Chosen sentences in policy order; a gap between them (or a paragraph break) is marked with …"""
        out = ""
        prev = None
        for i, t in chosen:
            if out:
                joined = prev is not None and i == prev + 1 and self.sentences[i]["_pi"] == self.sentences[prev]["_pi"]
                out += " " if joined or out.endswith("…") else ELLIPSIS
            out += t
            prev = i
        return out

    def more(self, section_id: str, shown: Sequence[int] = (), max_chars: int = 700) -> Optional[Continuation]:
        """The next part of a section not yet shown (``None`` for an unknown section)."""
        if section_id not in self._titles:
            return None
        rest = [i for i, s in enumerate(self.sentences) if s["section"] == section_id and i not in set(shown)]
        picked: List[int] = []
        length = 0
        for i in rest:
            n = len(self.sentences[i]["text"]) + 1
            if picked and length + n > max_chars:
                break
            picked.append(i)
            length += n
        text = " ".join(self.sentences[i]["text"] for i in picked)
        if picked and len(text) > max_chars:
            text = _cut(text, max_chars)
        new_shown = tuple(sorted(set(shown) | set(picked)))
        return Continuation(section_id, self._titles[section_id], text, new_shown, len(picked) < len(rest))

    # ----------------------------------------------------------------- helpers
    def _fact_boost(self, q: str, qexp: set) -> Tuple[np.ndarray, set]:
        """Passages (and sentences) holding a structured fact of the kind the question asks for."""
        boost = np.zeros(len(self.passages))
        wanted: List[str] = []
        for kind, rx in _FACT_QUESTIONS:
            if rx.search(q):
                wanted.append(kind)
        facts = self.facts
        sentences: List[str] = []
        # "how do I get a copy of my data": the sentence stating that right (the policy may call it "disclosure")
        kinds = _request_kinds(q)
        requested = [f["sentence"] for f in facts.get("rights", []) if kinds & set(f["kinds"])]
        if requested:
            for pi, passage in enumerate(self.passages):
                if any(sent in passage["text"] for sent in requested):
                    boost[pi] = self.REQUEST_BOOST
            sentences += requested
        if not wanted:
            return boost, set(sentences)
        if "revised" in wanted and facts.get("last_revised"):
            sentences.append(facts["last_revised"]["sentence"])
        if "storage" in wanted:
            sentences += [f["sentence"] for f in facts.get("storage", [])[:1]]
        if "contact" in wanted:
            sentences += [f["sentence"] for f in facts.get("rights_how", [])]
        if "rights" in wanted:
            sentences += [f["sentence"] for f in facts.get("rights", [])]
        if "security" in wanted:
            sentences += [f["sentence"] for f in facts.get("security", [])]
        for pi, passage in enumerate(self.passages):
            text = passage["text"]
            if any(sent in text for sent in sentences):
                boost[pi] = max(boost[pi], self.FACT_BOOST)
        if "processor" in wanted:
            for proc in facts.get("processors", []):
                toks = set(content_tokens(proc["role"] + " " + " ".join(proc["receives"])))
                if toks & qexp or not proc["role"]:
                    for pi, passage in enumerate(self.passages):
                        if passage["text"] == proc["passage"] and proc["role"]:
                            boost[pi] = max(boost[pi], self.FACT_BOOST)
                            sentences += [sent for sent in split_sentences(passage["text"]) if proc["name"] in sent]
        return boost, set(sentences)

    def _age_sentences(self, qstems: set, section_id: str, candidates: Sequence[int]) -> List[Tuple[str, str]]:
        """When a question is about ages/children and sections state different ages, quote each."""
        ages = self.facts.get("age_thresholds") or []
        if len({a["age"] for a in ages}) < 2:
            return []
        cand_text = " ".join(self.sentences[i]["text"] for i in candidates)
        about_age = bool(qstems & _CHILD_STEMS) or any(a["sentence"] in cand_text for a in ages)
        if not about_age:
            return []
        out: List[Tuple[str, str]] = []
        for a in ages:
            if not any(sid == a["section"] and s == a["sentence"] for sid, s in out):
                out.append((a["section"], a["sentence"]))
        out.sort(key=lambda x: x[0] != section_id)
        return out

    def _follow_up(self, qstems: set, words: set) -> Optional[str]:
        offered = {k for r in self.facts.get("rights", []) for k in r["kinds"]}
        if not (words | qstems) & _SELF_STEMS:
            return None  # "how are deletions handled?" is a question, not a wish about one's own data
        for kind, stems in _FOLLOW_UPS:
            if qstems & stems:
                if kind == "deletion" and qstems & _CHILD_STEMS:
                    return "parental_deletion" if self.facts.get("age_thresholds") else None
                if kind in offered:
                    return kind
        return None

    def _rest_of_section(self, section_id: str, shown: Sequence[int]) -> str:
        return " ".join(
            s["text"] for i, s in enumerate(self.sentences) if s["section"] == section_id and i not in set(shown)
        )

"""Answers made from the learned sentence ranking: the answering sentence first, then at most one more.

The ranker (``ranker.py``) scores every sentence of the policy.  The best one answers; its section is
cited.  A question asking for a kind of answer ("how long" → a duration) is answered only by a sentence
holding one (the best such sentence if it scores within ``TYPE_MARGIN``), else declined.  A question
asking how to reach the company is answered by the contact the builder extracted (``policy_facts.py``).  A second sentence is added when it scores within the trained ``support_gap`` of the first and
fits the length limit — preferably the next sentence of the same passage, which usually carries on
from the first.  A two-part question ("how do I get it removed and what proof do you need") is ranked
part by part, and the best sentence of each part is shown.  Below the calibrated threshold the answer
declines.  Everything shown is a policy sentence or a marked clause of one.
"""

from __future__ import annotations

import re
from typing import List, Optional, Tuple

import numpy as np

from .answer_types import LENIENT, PREFERRED
from .ranker import RankerWeights, abstain_features
from .text import content_tokens

__all__ = ["compose", "contact_sentences", "question_parts"]

NEIGHBOUR_BONUS = 0.5
#: characters left after the answering sentence for a supporting sentence (or its relevant clauses)
MIN_SUPPORT = 100
#: ranker score margin within which a sentence holding the asked-for kind of answer replaces the best one
TYPE_MARGIN = 1.0

_PART_SPLIT = re.compile(
    r"\?\s+(?=\w)|,?\s+and\s+(?=(?:what|how|who|where|when|which|why|do|does|can|is|are|will|would)\b)", re.I
)


#: a question asking how to reach the company, by kind of contact the builder extracts (``facts.py``)
_CONTACT_Q = re.compile(
    r"\b(?:what(?:'s| is| are)|give me|tell me|where(?:'s| is)|which)\b.{0,20}\b(?:your|the|an?)\b.{0,25}"
    r"\b(?P<kind>e-?mail(?: address)?|(?:postal |mailing |post(?:al)? )?address|(?:tele)?phone(?: number)?|number)\b"
    r"|\b(?:where|who)\b.{0,25}\b(?P<write>write|send (?:a |my |the )?(?:letter|request|mail)|post|mail)\b"
    r"|\bhow (?:do|can|should|would) i\b.{0,10}\b(?P<reach>contact|reach|write to|e-?mail|call)\b"
    r"|\b(?P<dpo>data protection officer|dpo|privacy officer|contact details|contact information)\b",
    re.I,
)


def contact_sentences(kb, question: str) -> List[int]:
    """Sentence ids stating the contact a question asks for ("where do I write" → the postal address)."""
    m = _CONTACT_Q.search(question)
    if not m:
        return []
    facts = kb.policy_facts
    email = re.search(r"\be-?mail\b", question, re.I)
    phone = re.search(r"\b(?:(?:tele)?phone|call|ring|number)\b", question, re.I)
    wanted: List[str] = []
    if email and facts.emails:
        wanted.append(facts.emails[0].sentence)
    elif phone and facts.telephones:
        wanted.append(facts.telephones[0].sentence)
    elif m.group("kind") or m.group("write"):
        wanted += [a.sentence for a in facts.postal_addresses[:1]]
    else:  # "how do I contact you", "data protection officer": the address, and the e-mail if stated apart
        wanted += [a.sentence for a in facts.postal_addresses[:1]] + [e.sentence for e in facts.emails[:1]]
    ids: List[int] = []
    for sentence in wanted:
        for i, s in enumerate(kb.sentences):
            if s["text"] == sentence and i not in ids:
                ids.append(i)
                break
    return ids


def question_parts(question: str) -> List[str]:
    """The parts of a two-part question, or ``[question]``; each part needs a content word."""
    parts = [p.strip(" ?,") for p in _PART_SPLIT.split(question) if p.strip(" ?,")]
    if len(parts) == 2 and all(content_tokens(p) for p in parts):
        return parts
    return [question]


def _best_typed(kb, kind: str, scores: np.ndarray, floor: float) -> Optional[int]:
    """The best-scoring sentence holding a ``kind`` answer, if it scores at least ``floor``."""
    best = max(kb._typed_sentences(kind), key=lambda i: scores[i], default=None)
    return best if best is not None and scores[best] >= floor else None


def _judge(
    kb, question: str, weights: RankerWeights, expected: Optional[str], unsupported: int
) -> Tuple[np.ndarray, np.ndarray, float, bool]:
    """(features, sentence scores, confidence, whether the policy answers it at all)."""
    X, scores = kb.ranker_scores(question, expected, weights)
    if weights.abstainer is not None:
        confidence = weights.abstainer.log_odds(abstain_features(X, scores, unsupported))
        return X, scores, confidence, confidence >= weights.abstainer.threshold
    confidence = float(scores.max()) - weights.unsupported_penalty * min(2, unsupported)
    return X, scores, confidence, confidence >= weights.threshold


def compose(
    kb, question: str, weights: RankerWeights, expected: Optional[str], max_chars: int, unsupported: int
) -> Tuple[float, List[int]]:
    """(confidence, sentence ids to show, leading first). An empty list means nothing scores high enough."""
    parts = question_parts(question)
    X, scores, confidence, covered = _judge(kb, question, weights, expected, unsupported)
    top = int(np.argmax(scores))
    contact = contact_sentences(kb, question)
    if contact:  # the builder's fact answers, wherever the ranker's best sentence is
        chosen: List[int] = []
        for i in contact:
            if sum(len(kb.sentences[j]["text"]) + 1 for j in chosen) + len(kb.sentences[i]["text"]) <= max_chars:
                chosen.append(i)
        return confidence, chosen or contact[:1]
    if not covered:
        return confidence, []
    if expected and X[top, 9]:
        # "how long ...": the best sentence holds no duration; the best one that does leads if it scores
        # nearly as well, otherwise the policy does not say (answer types: answer_types.py); a lenient
        # type ("what do you collect") only reorders, it never declines
        best = _best_typed(kb, expected, scores, scores[top] - TYPE_MARGIN)
        if best is None and expected not in LENIENT:
            return confidence, []
        top = top if best is None else best
    preferred = PREFERRED.get(expected or "")
    if preferred and top not in kb._typed_sentences(preferred):
        # "who receives my card number": a sentence naming the organisation leads if nearly as good
        best = _best_typed(kb, preferred, scores, scores[top] - TYPE_MARGIN)
        top = top if best is None else best
    chosen = [top]
    length = len(kb.sentences[top]["text"])
    if len(parts) == 2:
        for part in parts:
            _, part_scores, _, part_covered = _judge(kb, part, weights, None, len(kb.unsupported_terms(part)))
            best = int(np.argmax(part_scores))
            if best not in chosen and part_covered and length + 1 + len(kb.sentences[best]["text"]) <= max_chars:
                chosen.append(best)
                length += 1 + len(kb.sentences[best]["text"])
        return confidence, chosen
    section = kb.sentences[top]["section"]
    pi = kb.sentences[top]["_pi"]
    best, best_score = None, -np.inf
    for j, s in enumerate(kb.sentences):
        if j == top or s["section"] != section:
            continue
        bonus = NEIGHBOUR_BONUS if s["_pi"] == pi and j == top + 1 else 0.0
        if scores[j] + bonus > best_score:
            best, best_score = j, scores[j] + bonus
    if best is not None and best_score >= scores[top] - weights.support_gap and max_chars - length - 3 >= MIN_SUPPORT:
        chosen.append(best)  # cut to its relevant clauses by the caller when it does not fit whole
    return confidence, chosen

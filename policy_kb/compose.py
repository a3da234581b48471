"""Answers made from the learned sentence ranking: the answering sentence first, then at most one more.

The ranker (``ranker.py``) scores every sentence of the policy.  The best one answers; its section is
cited.  A question asking for a kind of answer ("how long" → a duration) is answered only by a sentence
holding one (the best such sentence if it scores within ``TYPE_MARGIN``), else declined.

Some questions are answered by what the builder found rather than by the ranking: how to reach the
company (the contact facts, ``policy_facts.py``), who the company is or who the controller is (the
sentence defining "we"), what the policy covers (its statement of scope).  A question asking to exercise a
right the policy states ("can I see what you hold on me") is answered by that right when the ranker puts
it first, even if the abstention model is unsure; "how do I ..." adds how the policy says to exercise it.

What follows the best sentence: its whole paragraph when that fits the limit; for "why ..." a neighbour
giving the reason; else a second sentence of the section scoring within the trained ``support_gap``
(a neighbour, and a sentence using question words the best one lacks, score higher).  A two-part
question ("how do I get it removed and what proof do you need") is ranked part by part: each part's best
sentence is added (one of another section is cited apart, so it needs no room in the answer).  ``render`` fits
it all in the length limit by cutting at clauses (see there).  Below the calibrated threshold the answer
declines.  Everything shown is a policy sentence or a marked clause of one.
"""

from __future__ import annotations

import re
from typing import Dict, List, Optional, Tuple

import numpy as np

from .answer_types import CONTACT_Q, LENIENT, PREFERRED, asks_why, has_answer_type, names_same_organisation
from .answers import Citation
from .question import ELLIPSIS, _clauses_within, _normalise_question, _request_kinds
from .ranker import RankerWeights, abstain_features
from .text import content_tokens

__all__ = ["compose", "contact_sentences", "identity_sentences", "question_parts", "render"]

NEIGHBOUR_BONUS = 0.5
#: weight of a candidate supporting sentence's share of question words the best sentence lacks
NOVELTY_WEIGHT = 2.0
#: characters left after the answering sentence for a supporting sentence (or its relevant clauses)
MIN_SUPPORT = 100
#: a two-part question's part declined on its own still adds its best sentence when that sentence is among
#: this many best for the whole question (which is covered)
PART_VOUCHED_RANK = 3
#: ranker score margin within which a sentence holding the asked-for kind of answer replaces the best one
TYPE_MARGIN = 1.0

_PART_SPLIT = re.compile(
    r"\?\s+(?=\w)|,?\s+and\s+(?=(?:what|how|who|where|when|which|why|do|does|can|is|are|will|would)\b)", re.I
)


#: a question asking which organisation the user is dealing with (the company behind the policy)
_IDENTITY_Q = re.compile(
    r"\bwho (?:are you|am i (?:talking|speaking|chatting) (?:to|with))\b|\b(?:legal|registered|full|official) name\b"
    r"|\bname of (?:the|your|this) (?:company|business|firm|organi[sz]ation)\b|\b(?:company|business)(?:'s)? name\b"
    r"|\bwho (?:runs|owns|operates) (?:this|it|you|(?:this|the|your) (?:site|website|shop|store|company|business|"
    r"app|service))\b"
    r"|\b(?:what|which) (?:company|business|firm|organi[sz]ation) (?:is|are) (?:this|you|behind)\b"
    r"|\b(?:who(?:'s| is| are)|what(?:'s| is)|name of) (?:the |your )?(?:data )?controllers?\b",
    re.I,
)
#: the sentence that names the company and says it is "we" in the policy: ("Northwind", "we")
_WE_DEFINED_S = re.compile(r"\([^()]{0,80}?[\"“'](?:we|us|our)[\"”']", re.I)
_CONTROLLER_S = re.compile(r"\b(?:is|are|acts? as) (?:the |a |joint )?(?:data )?controllers?\b", re.I)


def identity_sentences(kb, question: str) -> List[int]:
    """ "Who is the data controller", "what's your legal name": the sentence where the policy names the
    company it calls "we", and the one saying who the controller is, when the policy has them."""
    if not _IDENTITY_Q.search(question):
        return []
    ids: List[int] = []
    for pattern in (_WE_DEFINED_S, _CONTROLLER_S):
        found = next((i for i, s in enumerate(kb.sentences) if pattern.search(s["text"])), None)
        if found is not None and found not in ids:
            ids.append(found)
    return ids


#: "what does this policy cover", "who does this notice apply to": the policy's statement of its own scope
_SCOPE_Q = re.compile(
    r"\b(?:what|who|which \w+)\b.{0,20}\b(?:this|the|your) (?:privacy )?(?:policy|notice|statement)\b.{0,12}"
    r"\b(?:cover|covers|apply|applies|govern|governs|about|for)\b"
    r"|\b(?:scope|purpose) of (?:this|the|your) (?:privacy )?(?:policy|notice|statement)\b"
    r"|\b(?:does|do) (?:this|the|your) (?:privacy )?(?:policy|notice|statement) (?:also )?(?:cover|apply)\b",
    re.I,
)
_SCOPE_S = re.compile(
    r"\b(?:this|our|the) (?:privacy )?(?:policy|notice|statement) (?:governs|applies|covers|describes|explains|sets out)\b",
    re.I,
)


def scope_sentences(kb, question: str) -> List[int]:
    """ "What does this policy cover": the first sentence where the policy states what it governs."""
    if not _SCOPE_Q.search(question):
        return []
    found = next((i for i, s in enumerate(kb.sentences) if _SCOPE_S.search(s["text"])), None)
    return [] if found is None else [found]


def contact_sentences(kb, question: str) -> List[int]:
    """Sentence ids stating the contact a question asks for ("where do I write" → the postal address)."""
    m = CONTACT_Q.search(question)
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
    elif m.group("kind") or m.group("write") or m.group("place"):
        wanted += [a.sentence for a in facts.postal_addresses[:1]]
    else:  # "how do I contact you", "data protection officer": the address, and the e-mail if stated apart
        wanted += [a.sentence for a in facts.postal_addresses[:1]] + [e.sentence for e in facts.emails[:1]]
    if not wanted and (m.group("kind") or m.group("write")):
        # the kind asked for is not stated: the ways the policy does give to reach the company
        wanted += [f.sentence for f in (*facts.postal_addresses[:1], *facts.emails[:1], *facts.telephones[:1])]
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


def _novelty(kb, question: str, top: int) -> Dict[int, float]:
    """Per sentence, the IDF-weighted share of the question's words it uses that the best sentence lacks:
    a supporting sentence should add what the question asks and the best one does not say."""
    qstems = set(content_tokens(question))
    idf, idf_max = kb._sent_idf, kb._idf_max
    mass = 1.0 + sum(idf.get(t, idf_max) for t in qstems)
    raw = getattr(kb, "_raw_sentence_tokens", None)
    if raw is None:  # the sentences' own words (``kb._sent_tokens`` holds their synonyms too)
        raw = [set(content_tokens(s["text"])) for s in kb.sentences]
        kb._raw_sentence_tokens = raw
    missing = qstems - raw[top]
    out: Dict[int, float] = {}
    for j, toks in enumerate(raw):
        found = missing & toks
        if found:
            out[j] = sum(idf.get(t, idf_max) for t in found) / mass
    return out


def _states_asked_right(kb, question: str, top: int) -> bool:
    """Whether the ranker's best sentence is where the builder found the right the question asks to
    exercise ("can I see what information you have on me" → access): the policy answers it, however
    unsure the abstention model is about the question's wording."""
    kinds = _request_kinds(question.lower())
    stated = {f["sentence"] for f in kb.facts.get("rights", []) if kinds & set(f["kinds"])}
    return kb.sentences[top]["text"] in stated


def _best_typed(kb, kind: str, scores: np.ndarray, floor: float) -> Optional[int]:
    """The best-scoring sentence holding a ``kind`` answer, if it scores at least ``floor``."""
    best = max(kb._typed_sentences(kind), key=lambda i: scores[i], default=None)
    return best if best is not None and scores[best] >= floor else None


def _judge(
    kb,
    question: str,
    weights: RankerWeights,
    expected: Optional[str],
    unsupported: int,
    qvec: Optional[np.ndarray] = None,
) -> Tuple[np.ndarray, np.ndarray, float, bool]:
    """(features, sentence scores, confidence, whether the policy answers it at all); ``qvec``: the
    question's vector if already encoded."""
    X, scores = kb.ranker_scores(question, expected, weights, qvec)
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
    contact = contact_sentences(kb, question) or identity_sentences(kb, question) or scope_sentences(kb, question)
    if contact:  # the builder's fact answers, wherever the ranker's best sentence is
        chosen: List[int] = []
        for i in contact:
            if sum(len(kb.sentences[j]["text"]) + 1 for j in chosen) + len(kb.sentences[i]["text"]) <= max_chars:
                chosen.append(i)
        return confidence, chosen or contact[:1]
    if not covered and not (expected is None and _states_asked_right(kb, question, top)):
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
    if (
        preferred
        and top not in kb._typed_sentences(preferred)
        and not names_same_organisation(question, kb.sentences[top]["text"])
    ):
        # "who receives my card number": a sentence naming the organisation leads if nearly as good
        best = _best_typed(kb, preferred, scores, scores[top] - TYPE_MARGIN)
        top = top if best is None else best
    chosen = [top]
    length = len(kb.sentences[top]["text"])
    section = kb.sentences[top]["section"]
    if len(parts) == 2:
        vouched_ids = {int(i) for i in np.argsort(-scores)[:PART_VOUCHED_RANK]}
        # both parts in one encoder pass (about a third cheaper than one after the other)
        vectors = kb.hybrid.joint_vectors([_normalise_question(part) for part in parts])
        for n, part in enumerate(parts):
            qvec = None if vectors is None else vectors[n]
            _, part_scores, _, part_covered = _judge(kb, part, weights, None, len(kb.unsupported_terms(part)), qvec)
            best = int(np.argmax(part_scores))
            # a part alone is short and often refers back ("do you pass *that* on"), so the abstention model
            # declines it; the whole question, which is covered, vouches for the part's best sentence when it
            # also ranks among the whole question's best few
            vouched = part_covered or best in vouched_ids
            # a sentence of another section is cited apart (``render``): it takes no room in the answer text
            apart = kb.sentences[best]["section"] != section
            if best not in chosen and vouched and (apart or length + 1 + len(kb.sentences[best]["text"]) <= max_chars):
                chosen.append(best)
                length += 0 if apart else 1 + len(kb.sentences[best]["text"])
        if len(chosen) > 1:
            return confidence, chosen
        # both parts are answered by the same sentence: it is supported as for a one-part question
    pi = kb.sentences[top]["_pi"]
    paragraph = [j for j, s in enumerate(kb.sentences) if s["_pi"] == pi]
    if len(paragraph) > 1 and sum(len(kb.sentences[j]["text"]) + 1 for j in paragraph) - 1 <= max_chars:
        # a short paragraph is shown whole: its other sentences qualify the best one ("... We will not
        # send individual notices of changes")
        return confidence, [top] + [j for j in paragraph if j != top]
    # "how do I get my data erased": the stated right, then how the policy says to exercise it
    if _HOW_DO_I.search(question) and _states_asked_right(kb, question, top):
        how = {f["sentence"] for f in kb.facts.get("rights_how", [])}
        exercise = next((i for i, s in enumerate(kb.sentences) if s["text"] in how), None)
        if exercise is not None and exercise != top:
            shown, _ = render(kb, question, [top, exercise], max_chars, set(), None)
            if has_answer_type(shown, "contact_detail"):  # only when the way to reach them survives the cut
                return confidence, [top, exercise]
    # "why ...": when the best sentence gives no reason, its neighbour that does ("We collect this
    # information so that we can ...") supports it, however it scores
    reason = [
        j
        for j in (top + 1, top - 1)
        if j in paragraph and asks_why(question) and has_answer_type(kb.sentences[j]["text"], "purpose")
    ]
    if reason and not has_answer_type(kb.sentences[top]["text"], "purpose"):
        return confidence, [top, reason[0]]
    best, best_score = None, -np.inf
    novel = _novelty(kb, question, top)
    for j, s in enumerate(kb.sentences):
        if j == top or s["section"] != section:
            continue
        bonus = NEIGHBOUR_BONUS if s["_pi"] == pi and abs(j - top) == 1 else 0.0
        bonus += NOVELTY_WEIGHT * novel.get(j, 0.0)
        if scores[j] + bonus > best_score:
            best, best_score = j, scores[j] + bonus
    if best is not None and best_score >= scores[top] - weights.support_gap:
        chosen.append(best)  # ``render`` cuts one of the two to its relevant clauses when they do not fit
    return confidence, chosen


def _join(kb, pieces: List[Tuple[int, str]]) -> str:
    """The pieces (leading first) as one text: a run of consecutive sentences of one passage in policy order,
    joined by spaces; otherwise the leading piece first and each gap marked with …"""
    ids = sorted(i for i, _ in pieces)
    run = all(b == a + 1 and kb.sentences[a]["_pi"] == kb.sentences[b]["_pi"] for a, b in zip(ids, ids[1:]))
    out = ""
    for _, t in sorted(pieces) if run else pieces:
        out += ("" if not out else " " if run or out.endswith("…") else ELLIPSIS) + t
    return out


def _clause_cut(sentence: str, budget: int, qexp: set, expected: Optional[str]) -> str:
    """``sentence`` cut to its relevant clauses within ``budget``; "" when it has no clauses to cut at."""
    if budget <= 0 or not re.search(r"[,;:]\s", sentence):
        return ""
    cut = _clauses_within(sentence, budget, qexp, expected)
    return cut if len(cut) <= budget else ""


#: "how do I ...": the clause giving a way to reach the company counts as relevant when a sentence is cut
_HOW_DO_I = re.compile(r"\bhow (?:do|can|could|should|would|will|must) (?:i|we)\b", re.I)


def render(
    kb, question: str, ids: List[int], max_chars: int, qexp: set, expected: Optional[str]
) -> Tuple[str, List[Citation]]:
    """The answer text from ``compose``'s sentence ids (leading first), and the sentences cited apart.

    In a "how do I ..." question the clause giving an e-mail, phone or street address counts as relevant.
    A supporting sentence of the leading sentence's section that does not fit whole is cut to its relevant
    clauses.  If it has none and it is the leading sentence's neighbour, the leading sentence is cut to its
    relevant clauses instead (keeping at least half of it) to make room for the whole supporting sentence:
    a cut mid-sentence loses the end, which is often the point ("... will result in the cancellation of
    your registration").  Only then is the supporting sentence cut at a word.
    """
    lead = ids[0]
    section = kb.sentences[lead]["section"]
    also: List[Citation] = []
    if expected is None and _HOW_DO_I.search(question):
        expected = "contact_detail"
    lead_full = kb.sentences[lead]["text"]
    pieces = [
        (lead, lead_full if len(lead_full) <= max_chars else _clauses_within(lead_full, max_chars, qexp, expected))
    ]
    for i in ids[1:]:
        sentence = kb.sentences[i]["text"]
        if kb.sentences[i]["section"] != section:
            also.append(Citation(kb.sentences[i]["section"], kb._titles[kb.sentences[i]["section"]], sentence))
            continue
        if len(_join(kb, pieces + [(i, sentence)])) <= max_chars:
            pieces.append((i, sentence))
            continue
        room = max_chars - len(_join(kb, pieces)) - len(ELLIPSIS)
        options = []
        if room >= MIN_SUPPORT:
            options.append(pieces + [(i, _clause_cut(sentence, room, qexp, expected))])
        lead_budget = max_chars - len(sentence) - 1
        adjacent = abs(i - lead) == 1 and kb.sentences[i]["_pi"] == kb.sentences[lead]["_pi"]
        too_long = len(lead_full) > max_chars  # cut in any case: a list of purposes, of data items ...
        if len(pieces) == 1 and (adjacent or too_long) and lead_budget >= MIN_SUPPORT:
            # the leading sentence keeps at least half of what it says, or of what the limit lets it say
            lead_cut = _clause_cut(lead_full, lead_budget, qexp, expected)
            enough = 2 * len(lead_cut) >= min(len(lead_full), max_chars)
            options.append([(lead, lead_cut if enough else ""), (i, sentence)])
        if room >= MIN_SUPPORT:
            options.append(pieces + [(i, _clauses_within(sentence, room, qexp, expected))])
        for option in options:
            if all(t for _, t in option) and len(_join(kb, option)) <= max_chars:
                pieces = option
                break
    return _join(kb, pieces), also

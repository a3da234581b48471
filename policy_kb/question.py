"""Question-side text handling of the KB: cue words, normalising a question, cutting a sentence to clauses.

Pure functions and constants with no KB state, so ``kb.py`` stays about choosing and rendering answers.
"""

from __future__ import annotations

import re
from typing import Callable, List, Optional

from .answer_types import CLAUSE_TYPE, has_answer_type
from .facts import COUNTRIES, ORG_SUFFIX
from .shorthand import spell_out
from .text import content_tokens, stem

MAX_QUESTION_CHARS = 500
ELLIPSIS = " … "

_CHILD_STEMS = {
    stem(w)
    for w in "child children kid kids minor minors teen teenager son daughter underage young age parent guardian".split()
}
_FOLLOW_UPS = [
    ("deletion", {stem(w) for w in "delete deletion erase erasure remove removal wipe forget forgotten".split()}),
    ("stop_using", {stem(w) for w in "stop unsubscribe opt object withdraw".split()}),
    ("correction", {stem(w) for w in "correct correction fix wrong inaccurate rectify".split()}),
    ("access", {stem(w) for w in "access copy see view obtain".split()}),
]
_FACT_QUESTIONS = [
    (
        "revised",
        re.compile(
            r"\b(when|date|dated|last|latest|version|current|how old)\b.*\b(updat|revis|chang|modif|date|version|policy)"
            r"|\b(last|latest) (updat|revis|chang)|\beffective date"
        ),
    ),
    ("storage", re.compile(r"\b(where|which countr|what countr|abroad|overseas|outside|located|servers?)\b")),
    (
        "processor",
        re.compile(
            r"\b(who|which|what)\b.{0,20}\b(compan|third|partner|provider|vendor|processor|firm|handles?|does|runs?|checks?|process)"
        ),
    ),
    (
        "contact",
        re.compile(
            r"\b(e-?mail|contact|write|postal|address|by post|send (a|my) (letter|request)|reach)\b"
            r"|\bhow (do|can|would|should) i (ask|request|exercise|make|send|get|have)\b"
        ),
    ),
    ("rights", re.compile(r"\b(my rights|privacy rights|what rights|right to)\b")),
    (
        "security",
        re.compile(
            r"\b(secure|securely|security|safe|safely|protect|protected|protecting|encrypt\w*|hack\w*|"
            r"breach\w*|leak\w*|stolen|steal\w*)\b"
        ),
    ),
]
# conversational words that carry no topic: never count as "not in the policy"
_CHAT_STEMS = {
    stem(w)
    for w in "happen happens need needs ask asking else info stuff someone somebody anyone anybody "
    "anything everything want wants possible sign turn run old year years extra within "
    "together later now look make made way ways fine okay sure".split()
}
_META_STEMS = {
    stem(w)
    for w in "question questions ask asking query privacy policy policies notice statement help "
    "quick something about have".split()
}
_SELF_STEMS = {stem(w) for w in "my mine me i i'm im our account child children kid son daughter".split()}
_RIGHT_KIND_FOR = {"access": "access", "correction": "correction", "deletion": "deletion", "stop_using": "stop_using"}
_PLACE_WORDS = {c.lower() for c in COUNTRIES} | {
    "europe",
    "asia",
    "africa",
    "america",
    "americas",
    "north",
    "south",
    "east",
    "west",
    "eu",
    "usa",
    "us",
    "uk",
    "english",
    "i",
    "sms",
}
_MONTHS = set(
    "january february march april may june july august september october november december monday "
    "tuesday wednesday thursday friday saturday sunday".split()
)


_REQUEST_RES = {
    "access": re.compile(
        r"\b(a copy|copies|access (?:to )?(?:my|the|all)|obtain|download|export)\b"
        r"|\b(?:see|view|know|find out|check|look at)\b.{0,12}\b(?:what|which|all|the)\b.{0,25}"
        r"\b(?:you|they)\b.{0,10}\b(?:have|hold|keep|store|know)\b"
    ),
    "correction": re.compile(r"\b(correct|correction|rectify|fix|amend)\b"),
    "deletion": re.compile(r"\b(delete|deleted|deletion|erase|erased|erasure|remove|removed|wipe|forget|forgotten)\b"),
    "stop_using": re.compile(r"\b(stop (?:you )?(?:from )?using|opt out|object to|withdraw (?:my )?consent)\b"),
}


def _request_kinds(q: str) -> set:
    """Data-subject request kinds a question talks about ("get a copy of my data" → access)."""
    return {kind for kind, rx in _REQUEST_RES.items() if rx.search(q)}


#: "<word> policy/policies/terms" — the name of a document ("return policy", "shipping terms"); "in <word> terms"
#: is a way of speaking ("in plain terms"), not a document
_OTHER_DOCUMENT = re.compile(r"(?<!\bin )\b([a-z]{3,})[-\s]+(?:polic(?:y|ies)|terms)\b")


def _normalise_question(text: str) -> str:
    if not isinstance(text, str):
        return ""
    text = text[: MAX_QUESTION_CHARS * 4]
    text = re.sub(r"<[^>]{0,200}>", " ", text)
    text = spell_out(re.sub(r"\s+", " ", text).strip())
    if len(text) > MAX_QUESTION_CHARS:
        text = text[:MAX_QUESTION_CHARS].rsplit(" ", 1)[0]
    return text


def _cut(text: str, max_chars: int) -> str:
    if len(text) <= max_chars:
        return text
    cut = text[: max_chars - 1].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + "…"


#: where a long sentence may be cut: after a comma, semicolon or colon, but never between a company's name and its
#: legal suffix ("Accertify, Inc.")
_CLAUSE_BREAK = re.compile(r"(?<=[,;:])\s+(?!" + ORG_SUFFIX + ")")


def _whole_list(parts: List[str], render: Callable[[set], str], budget: int) -> str:
    """A lead-in and the list it introduces ("The following information will be shared with X, who …, and Y:
    1. …; 2. …; and 3. …"), shown as the lead-in's first clause, its clause ending in ":" and every item, when
    that fits: the items are what such a sentence says; the lead-in's other clauses only qualify it."""
    colon = next((i for i, part in enumerate(parts) if part.endswith(":")), None)
    if colon is None or len(parts) - colon - 1 < 2:
        return ""
    text = render({0, *range(colon, len(parts))})
    return text if len(text) <= budget else ""


def _clauses_within(sentence: str, budget: int, qexp: set, expected: Optional[str] = None) -> str:
    """A long sentence cut to its most relevant clauses (kept in order, gaps marked with …).

    A lead-in and its list are shown with the whole list when that fits (:func:`_whole_list`), unless the
    question asks for a typed answer; otherwise a clause holding the ``expected`` kind of answer (e.g. the
    duration) counts as relevant too.
    """
    parts = _CLAUSE_BREAK.split(sentence)
    if len(parts) == 1:
        return _cut(sentence, budget)

    def render(keep: set) -> str:
        out, prev = ("" if 0 in keep else "…"), -1
        for idx in sorted(keep):
            if out and out != "…":
                out += " " if idx == prev + 1 else ELLIPSIS
            out += parts[idx]
            prev = idx
        if prev != len(parts) - 1:
            out = out.rstrip(",;:") + "…"
        return out

    if expected in (None, "collected"):
        listed = _whole_list(parts, render, budget)
        if listed:
            return listed
    expected = CLAUSE_TYPE.get(expected or "", expected)
    relevance = [
        len(set(content_tokens(part)) & qexp) + (2 if expected and has_answer_type(part, expected) else 0)
        for part in parts
    ]
    keep = {0}
    best = max(range(len(parts)), key=lambda i: (relevance[i], -i))
    if relevance[best] > relevance[0] and len(render({0, best})) > budget and len(render({best})) <= budget:
        # the clause that answers ("if you choose not to provide ..., we may not be able to ...") does not
        # fit after the sentence's first clause: it is quoted on its own, marked as a cut with "…"
        keep = {best}
    for idx in sorted(range(len(parts)), key=lambda i: (-relevance[i], i)):
        if relevance[idx] == 0:
            break
        if len(render(keep | {idx})) <= budget:
            keep.add(idx)
    # then the clauses right after kept ones (e.g. the list a lead-in introduces), in order
    changed = True
    while changed:
        changed = False
        for idx in range(len(parts)):
            if idx not in keep and idx - 1 in keep and len(render(keep | {idx})) <= budget:
                keep.add(idx)
                changed = True
    text = render(keep)
    return text if len(text) <= budget else _cut(sentence, budget)

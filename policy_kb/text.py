"""Tokenising, light stemming and a generic privacy-vocabulary query expansion.

The synonym groups are ordinary privacy-policy vocabulary (what customers say
vs. what policies write); none of them names anything from a particular policy.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Dict, FrozenSet, Iterable, List, Set

__all__ = ["tokens", "stem", "expand", "STOPWORDS", "content_tokens"]

STOPWORDS: FrozenSet[str] = frozenset(
    """
a about above after again against all am an and any are aren't as at be because been before being below between
both but by can can't cannot could couldn't did didn't do does doesn't doing don't down during each few for from
further had hadn't has hasn't have haven't having he her here hers herself him himself his how i i'm if in into is
isn't it it's its itself just let's me more most mustn't my myself no nor not of off on once only or other ought our
ours ourselves out over own same shan't she should shouldn't so some such than that that's the their theirs them
themselves then there there's these they this those through to too under until up very was wasn't we were weren't
what what's when where which while who whom why with won't would wouldn't you your yours yourself yourselves
will shall may might must also us hi hello hey please thanks thank ok okay tell know want like get got
im u ur pls plz really actually just anything something thing things
""".split()
)

# what customers say → words policies use (all generic privacy vocabulary)
_SYNONYM_GROUPS: List[str] = [
    "record recording recorded tape taped listen monitor",
    "call calls phone telephone ring rang hotline",
    "store stored storage keep kept hold held host hosted server servers located location where",
    "country countries abroad overseas international transfer transferred outside",
    "delete deletion erase erasure remove removal wipe forget forgotten",
    "cancel cancellation close closing deactivate terminate account registration",
    "child children kid kids minor minors teen teenager son daughter young age underage",
    "parent parents guardian guardians mom mother dad father legal",
    "share sharing shared sell selling sold disclose disclosure third party parties partner partners unaffiliated give pass",
    "cookie cookies tracking tracker track browser beacon",
    "fraud anti-fraud scam check checks credit verification",
    "payment pay card credit portal billing financial bank",
    "contact email e-mail mail write address reach",
    "change changes changed update updated revise revised revision notice notify modify",
    "right rights request requests exercise entitled",
    "access copy see view obtain disclosure",
    "correct correction fix wrong inaccurate update rectify",
    "stop opt unsubscribe object withdraw consent marketing",
    "marketing promotions promotional newsletter advertising advertisers ads offers events",
    "secure security safe safety protect protection breach hack hacked leak unauthorised unauthorized liable",
    "collect collection gather gathered obtain information data personal details",
    "use used using purpose purposes process processing",
    "merger acquisition acquired takeover bought buy buyer reorganisation liquidation liquidated assets bankruptcy",
    "ip address computer device browser pages visit",
    "law legal laws regulation regulations court police government authorities",
    "retain retention retained long period keep",
    "required mandatory compulsory must obligatory optional voluntary voluntarily",
]


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A light suffix stripper: enough to match record/recorded/recording, child/children.

    Cached: a pure function of the word, called for every word of every question and sentence.
    """
    w = word.lower()
    if len(w) <= 3:
        return w
    irregular = {
        "children": "child",
        "kids": "kid",
        "parties": "parti",
        "countries": "countri",
        "data": "data",
        "sold": "sell",
        "kept": "keep",
        "held": "hold",
        "bought": "buy",
        "rang": "ring",
        "gave": "give",
    }
    if w in irregular:
        return irregular[w]
    for suffix in (
        "ational",
        "ization",
        "isation",
        "ations",
        "ation",
        "ments",
        "ment",
        "ingly",
        "ing",
        "edly",
        "ies",
        "ied",
        "ed",
        "es",
        "er",
        "ly",
        "s",
    ):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            base = w[: -len(suffix)]
            if suffix in ("ies", "ied"):
                base += "i"
            if len(base) > 3 and base[-1] == base[-2] and base[-1] not in "ls":
                base = base[:-1]
            return base.rstrip("e") if len(base) > 4 else base
    return w.rstrip("e") if len(w) > 4 else w


_POSSESSIVE_RE = re.compile(r"['’]s$")
_TOKEN_RE = re.compile(r"[^\W_]+(?:['’\-][^\W_]+)*")


def tokens(text: str) -> List[str]:
    """Lower-cased word tokens."""
    return [_POSSESSIVE_RE.sub("", t) for t in _TOKEN_RE.findall((text or "").lower().replace("e-mail", "email"))]


def content_tokens(text: str) -> List[str]:
    """Stemmed tokens without stopwords."""
    return [stem(t) for t in tokens(text) if t not in STOPWORDS]


@lru_cache(maxsize=1)
def _synonym_index() -> Dict[str, Set[str]]:
    index: Dict[str, Set[str]] = {}
    for group in _SYNONYM_GROUPS:
        stems = {stem(w) for w in group.split()}
        for s in stems:
            index.setdefault(s, set()).update(stems)
    return index


def expand(stems: Iterable[str]) -> List[str]:
    """Stems plus the synonyms of each (synonyms after the originals)."""
    stems = list(stems)
    seen = set(stems)
    extra = []
    index = _synonym_index()
    for s in stems:
        for syn in sorted(index.get(s, ())):
            if syn not in seen:
                seen.add(syn)
                extra.append(syn)
    return stems + extra


def known_vocabulary() -> Set[str]:
    """Stems the expansion layer knows (used to tell English questions from others)."""
    return set(_synonym_index())

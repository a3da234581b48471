"""Text-message shorthand spelled out before a question is matched against the policy.

Why: people ask by SMS the way they text ("wats ur hq address", "do u keep info on ppl under 18").
A policy never writes "ur" or "ppl", so word matching (BM25, the ranker's word-overlap features, the
"words the policy never uses" check) misses the question's real words and counts the shorthand as
unknown. The table holds common English chat shorthand only — nothing about any one policy — and
replaces whole words, so "u" inside "usa" or "ur" inside "your" is never touched.
"""

from __future__ import annotations

import re
from typing import Dict

__all__ = ["spell_out"]

_SHORTHAND: Dict[str, str] = {
    "u": "you",
    "ya": "you",
    "ur": "your",
    "urs": "yours",
    "r": "are",
    "pls": "please",
    "plz": "please",
    "ppl": "people",
    "wat": "what",
    "wats": "what's",
    "whats": "what's",
    "wut": "what",
    "hq": "headquarters",
    "n": "and",
    "b4": "before",
    "abt": "about",
    "bc": "because",
    "cuz": "because",
    "coz": "because",
    "thx": "thanks",
    "im": "I'm",
    "dont": "don't",
    "cant": "can't",
    "wont": "won't",
    "doesnt": "doesn't",
    "didnt": "didn't",
    "isnt": "isn't",
    "gonna": "going to",
    "wanna": "want to",
    "gotta": "have to",
    "acct": "account",
    "addr": "address",
    "msg": "message",
    "msgs": "messages",
    "txt": "text",
    "txts": "texts",
    "w/": "with",
    "w/o": "without",
    "yr": "year",
    "yrs": "years",
}

_WORD = re.compile(
    r"(?<![\w'/.])(" + "|".join(re.escape(k) for k in sorted(_SHORTHAND, key=len, reverse=True)) + r")(?![\w'/]|\.\w)",
    re.IGNORECASE,
)


def spell_out(text: str) -> str:
    """``text`` with each whole-word chat shorthand replaced by its spelled-out form."""
    return _WORD.sub(lambda m: _SHORTHAND[m.group(1).lower()], text)

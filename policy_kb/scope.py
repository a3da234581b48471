"""Whether a question is about this policy at all: words it never uses, other documents, other companies.

A mixin of :class:`policy_kb.kb.KnowledgeBase`: it reads the KB's vocabulary (built in ``kb.py``) so that
the answering flow can decline a question before any ranking.
"""

from __future__ import annotations

import re
from typing import List, Optional, Set

from .question import _CHAT_STEMS, _MONTHS, _OTHER_DOCUMENT, _PLACE_WORDS
from .text import STOPWORDS, content_tokens, expand, stem

__all__ = ["QuestionScope", "loose_stem", "unsupported_against"]


def loose_stem(word_stem: str) -> str:
    """A stem with one more suffix stripped, hyphens dropped and a final y read as i ("compani")."""
    out = stem(word_stem.replace("-", ""))
    return out[:-1] + "i" if out.endswith("y") and len(out) > 3 else out


def unsupported_against(question: str, stems: Set[str], loose: Set[str]) -> List[str]:
    """Content stems of ``question`` that neither ``stems`` (a vocabulary) nor their synonyms use, compared
    loosely too (``loose``: :func:`loose_stem` of each stem)."""
    out = []
    for t in content_tokens(question):
        if t in _CHAT_STEMS or t.isdigit() or len(t) < 3:
            continue
        if not set(expand([t])) & stems and loose_stem(t) not in loose:
            out.append(t)
    return out


class QuestionScope:
    """Checks of a question against the policy's vocabulary (``KnowledgeBase`` fills the sets)."""

    _kb_stems: Set[str]
    _vocab: Set[str]
    _vocab_stems: Set[str]

    def unsupported_terms(self, question: str) -> List[str]:
        """Content stems of ``question`` that neither the policy nor its synonyms ever use.

        Stems are compared loosely too (:func:`loose_stem`): the light stemmer strips one suffix, so
        "customers" and "customer", "company" and "companies", "online" and "on-line" differ until then.
        """
        return unsupported_against(question, self._kb_stems, self._loose_kb_stems())

    def _loose_kb_stems(self) -> Set[str]:
        found: Optional[Set[str]] = getattr(self, "_loose_stems", None)
        if found is None:
            found = {loose_stem(t) for t in self._kb_stems}
            self._loose_stems = found
        return found

    def _asks_about_another_document(self, question: str) -> bool:
        """ "What is your return policy?": a policy (or terms) named by a word this document never uses is
        another document, however well "policy" itself matches this one."""
        unsupported = set(self.unsupported_terms(question))
        return any(stem(m.group(1)) in unsupported for m in _OTHER_DOCUMENT.finditer(question.lower()))

    def _names_unknown_entity(self, question: str) -> bool:
        """A capitalised name (not first word) the policy never mentions, e.g. another company."""
        for sentence in re.split(r"(?<=[.!?])\s+", question):
            words = re.findall(r"[^\W_]+(?:['’][^\W_]+)?", sentence)
            for pos, word in enumerate(words):
                if pos == 0 or not word[:1].isupper() or word.isupper() and len(word) <= 3:
                    continue
                bare = re.sub(r"['’]s$", "", word).lower()
                if bare in self._vocab or bare in STOPWORDS or bare in _PLACE_WORDS or bare in _MONTHS:
                    continue
                if stem(bare) in self._vocab_stems:
                    continue
                return True
        return False

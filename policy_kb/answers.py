"""What the knowledge base returns: answers, their citations and reasons, section continuations.

Kept apart from ``kb.py`` so callers (actions, bot) can name these types without the retrieval machinery.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Optional, Tuple, TypedDict

__all__ = ["KBNotFound", "AnswerReason", "Citation", "Answer", "Continuation"]


class KBNotFound(FileNotFoundError):
    """No built knowledge base in the given directory (run ``python -m policy_kb build``)."""


class AnswerReason(str, enum.Enum):
    ANSWERED = "answered"
    EMPTY = "empty"  # nothing to search for (blank, punctuation only)
    NOT_UNDERSTOOD = "not_understood"  # e.g. another language, code fragments
    OTHER_COMPANY = "other_company"  # names an organisation the policy never mentions
    NOT_COVERED = "not_covered"  # below the confidence threshold
    OUT_OF_SCOPE = "out_of_scope"  # declined, and no word of the question is a topic of the policy at all


@dataclass(frozen=True)
class Citation:
    section_id: str
    section_title: str
    text: str


@dataclass(frozen=True)
class Answer:
    """The answer to one question. ``text`` is only policy sentences, ≤ ``max_chars``."""

    question: str
    covered: bool
    reason: AnswerReason
    text: str = ""
    section_id: Optional[str] = None
    section_title: Optional[str] = None
    more: str = ""
    score: float = 0.0
    follow_up: Optional[str] = None
    also: Tuple[Citation, ...] = ()
    shown: Tuple[int, ...] = ()  # sentence ids used, for "tell me more"
    contact_email: Optional[str] = None
    expected_type: Optional[str] = None  # the kind of answer asked for ("duration" for "how long ..."), if any

    @property
    def citations(self) -> Tuple[Citation, ...]:
        if not self.covered:
            return ()
        return (Citation(self.section_id or "", self.section_title or "", self.text),) + self.also


class _AnswerBase(TypedDict):
    """The fields every answer to one question shares, declined or not (passed as ``**base``)."""

    question: str
    contact_email: Optional[str]
    expected_type: Optional[str]


@dataclass(frozen=True)
class Continuation:
    section_id: str
    section_title: str
    text: str
    shown: Tuple[int, ...]
    remaining: bool

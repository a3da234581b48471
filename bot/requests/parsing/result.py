"""The answer every parser gives (:class:`Parsed`), the shared length limits, and the checks every
question shares: the user declining an optional one ("skip"), and free text."""

from __future__ import annotations

import enum
import unicodedata
from dataclasses import dataclass, field
from typing import Generic, Optional, Tuple, TypeVar

from bot.requests.sentences import clean_text as _clean

T = TypeVar("T")

FREE_TEXT_LIMIT = 1000
NAME_LIMIT = 100
MAX_AGE = 120


class Outcome(str, enum.Enum):
    OK = "ok"
    INVALID = "invalid"
    AMBIGUOUS = "ambiguous"


@dataclass(frozen=True)
class Parsed(Generic[T]):
    """A validator's answer.  ``problem`` is a sentence to show the user."""

    outcome: Outcome
    value: Optional[T] = None
    problem: Optional[str] = None
    #: With ``AMBIGUOUS``: the possible readings, most likely first.
    alternatives: Tuple[T, ...] = field(default_factory=tuple)
    #: Extra facts, e.g. ``"postal_code"`` / ``"order_number"`` for :func:`parse_identifier`.
    kind: Optional[str] = None

    @property
    def ok(self) -> bool:
        return self.outcome is Outcome.OK

    @classmethod
    def good(cls, value: T, kind: Optional[str] = None) -> "Parsed[T]":
        return cls(Outcome.OK, value=value, kind=kind)

    @classmethod
    def bad(cls, problem: str) -> "Parsed[T]":
        return cls(Outcome.INVALID, problem=problem)

    def __repr__(self) -> str:  # values may be personal data: keep them out of logs/tracebacks
        return f"Parsed(outcome={self.outcome.value!r}, kind={self.kind!r})"


_SKIP_WORDS = {
    "skip",
    "skip it",
    "skip this",
    "skip that",
    "none",
    "no",
    "nope",
    "n/a",
    "na",
    "don't have one",
    "dont have one",
    "i don't have one",
    "i dont have one",
    "don't know",
    "dont know",
    "i don't know",
    "i dont know",
    "not sure",
    "no idea",
    "pass",
    "i don't have",
    "i dont have",
    "nothing",
    "-",
    "don't have any",
    "no i don't",
    "unknown",
    "i don't remember",
    "i dont remember",
}


def is_skip(text: object) -> bool:
    """Did the user decline an optional question ("skip", "I don't have one", "no")?"""
    cleaned = _clean(text).lower().strip(" .!")
    return cleaned in _SKIP_WORDS


# --------------------------------------------------------------------------- free text


def parse_free_text(text: object, limit: int = FREE_TEXT_LIMIT) -> Parsed[str]:
    """Free text, trimmed, non-empty, at most ``limit`` characters."""
    if not isinstance(text, str):
        return Parsed.bad("I didn't catch that. Please describe it in a sentence or two.")
    cleaned = "\n".join(
        " ".join(line.split()) for line in unicodedata.normalize("NFC", text).strip().splitlines()
    ).strip()
    cleaned = "".join(ch for ch in cleaned if ch == "\n" or unicodedata.category(ch) not in {"Cc", "Cf", "Cs", "Co"})
    if not any(ch.isalnum() for ch in cleaned):
        return Parsed.bad("I didn't catch that. Please describe it in a few words.")
    if len(cleaned) > limit:
        return Parsed.bad(
            f"That's a bit long: please keep it under {limit} characters (it's {len(cleaned)} now). A short summary is fine; an agent can ask for more."
        )
    return Parsed.good(cleaned)

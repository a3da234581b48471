"""Mask personal data in free text: log records and agent-facing transcripts.

Patterns are deliberately greedy: a false positive costs a few masked
characters in a log line, a false negative leaks a customer's data.
"""
from __future__ import annotations

import re
from typing import Pattern, Sequence, Tuple

__all__ = ["mask_text", "MASKS"]

_MONTHS = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"

# Order matters: longer, more specific shapes first.
MASKS: Sequence[Tuple[str, Pattern[str]]] = (
    ("[email]", re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)),
    ("[card]", re.compile(r"\b(?:\d[ -]?){13,19}\b")),
    ("[phone]", re.compile(r"(?<![\w])\+?\d[\d ().-]{7,}\d\b")),
    ("[date]", re.compile(r"\b\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}\b")),
    (
        "[date]",
        re.compile(
            rf"\b(?:\d{{1,2}}(?:st|nd|rd|th)?(?:\s+of)?\s+{_MONTHS},?\s+\d{{2,4}}|{_MONTHS}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{2,4}})\b",
            re.IGNORECASE,
        ),
    ),
    ("[code]", re.compile(r"\b\d{3}[ -]?\d{3}\b")),
    ("[number]", re.compile(r"\b\d{5,}\b")),
)


def mask_text(text: str) -> str:
    """Replace e-mail addresses, card-like numbers, phones, dates and codes with placeholders."""
    for placeholder, pattern in MASKS:
        text = pattern.sub(placeholder, text)
    return text

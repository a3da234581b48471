"""Mask personal data in free text: log records and agent-facing transcripts.

Patterns are deliberately greedy: a false positive costs a few masked
characters in a log line, a false negative leaks a customer's data.
"""
from __future__ import annotations

import re
from typing import Pattern, Sequence, Tuple

__all__ = ["mask_text", "MASKS"]

_MONTHS = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"

# Order matters: longer, more specific shapes first.  URL-encoded shapes
# (form bodies such as Twilio webhooks: ``From=%2B1555...``, ``alice%40example.com``)
# come before the plain ones.
MASKS: Sequence[Tuple[str, Pattern[str]]] = (
    ("[email]", re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+(?:@|%40|\\u0040)[\w-]+(?:\.[\w-]+)+", re.UNICODE | re.IGNORECASE)),
    ("[phone]", re.compile(r"(?:%2B|\\u002b)[\d%+.-]{7,}\d", re.IGNORECASE)),
    ("[date]", re.compile(r"(?<![\d.])\b\d{1,4}([/-])\d{1,2}\1\d{1,4}\b(?!\.\d)")),
    # Dotted dates need a 4-digit year, so versions (3.10.13) and addresses stay readable.
    ("[date]", re.compile(r"(?<![\d.])\b(?:\d{1,2}\.\d{1,2}\.\d{4}|\d{4}\.\d{1,2}\.\d{1,2})\b(?!\.\d)")),
    ("[card]", re.compile(r"\b(?:\d[ -]?){13,19}\b")),
    ("[phone]", re.compile(r"(?<![\w])\+?\d[\d ().-]{7,}\d\b")),
    (
        "[date]",
        re.compile(
            rf"\b(?:\d{{1,2}}(?:st|nd|rd|th)?(?:\s+of)?\s+{_MONTHS},?\s+\d{{2,4}}|{_MONTHS}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{2,4}})\b",
            re.IGNORECASE,
        ),
    ),
    ("[phone]", re.compile(r"\b\d{3}[ .-]\d{4}\b")),  # local numbers: 555-0107
    ("[code]", re.compile(r"\b\d{3}[ -]?\d{3}\b")),
    ("[code]", re.compile(r"\b\d{2}[ -]\d{2}[ -]\d{2}\b")),  # codes read out in pairs: 12 34 56
    ("[number]", re.compile(r"(?<!:)\b\d{5,}\b|(?<=:)\d{6,}\b")),  # ":5005" is a port
)


# Shapes that look like personal data but are the server's own: IPv4 addresses,
# Rasa model names (20261125-035841-...).  They are set aside before masking.
_OWN_SHAPES = re.compile(r"(?<![\d.])\d{1,3}(?:\.\d{1,3}){3}(?![\d.])|\b\d{8}-\d{6}\b")
_KEPT = re.compile("\x00(\\d+)\x00")


def mask_text(text: str) -> str:
    """Replace e-mail addresses, card-like numbers, phones, dates and codes with placeholders."""
    kept = []

    def keep(match: "re.Match[str]") -> str:
        kept.append(match.group(0))
        return f"\x00{len(kept) - 1}\x00"

    text = _OWN_SHAPES.sub(keep, text.replace("\x00", ""))
    for placeholder, pattern in MASKS:
        text = pattern.sub(placeholder, text)
    return _KEPT.sub(lambda match: kept[int(match.group(1))], text) if kept else text

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
    ("[date]", re.compile(r"(?<![\d.])\b\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}\b(?!\.\d)")),  # not IPs/versions
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
    ("[number]", re.compile(r"\b\d{5,}\b")),
)


_IPV4 = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}")


def _replacer(placeholder: str):
    def replace(match: "re.Match[str]") -> str:
        # Loopback and other IPv4 addresses in server logs are not phone numbers.
        return match.group(0) if _IPV4.fullmatch(match.group(0)) else placeholder

    return replace


def mask_text(text: str) -> str:
    """Replace e-mail addresses, card-like numbers, phones, dates and codes with placeholders."""
    for placeholder, pattern in MASKS:
        text = pattern.sub(_replacer(placeholder), text)
    return text

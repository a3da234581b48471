"""Mask personal data in free text: log records and agent-facing transcripts.

Patterns are deliberately greedy: a false positive costs a few masked
characters in a log line, a false negative leaks a customer's data.
"""

from __future__ import annotations

import re
from typing import Any, Collection, Iterable, List, Mapping, Optional, Pattern, Sequence, Tuple

__all__ = [
    "mask_text",
    "value_spans",
    "MASKS",
    "agent_transcript",
    "WITHHELD",
    "DISCARDED",
    "DISCARD_USER_WORDS",
    "discards_user_words",
]

_MONTHS = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_AT = r"(?:[(\[{<]\s*at\s*[)\]}>]|\bat\b)"
_DOT = r"(?:[(\[{<]\s*dot\s*[)\]}>]|\bdot\b)"
_STREET = (
    r"(?:street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|drive|dr|court|ct|place|pl|terrace|close|"
    r"square|sq|parkway|pkwy|highway|hwy|crescent|circle|cir|row|gardens|mews|alley|trail|plaza)"
)
_UNIT = r"(?:,?\s*(?:apt|apartment|suite|ste|unit|flat|floor|fl|#)\.?\s*[\w-]+|,?\s*\d+(?:st|nd|rd|th)\s+floor)*"

# Order matters: longer, more specific shapes first.  URL-encoded shapes
# (form bodies such as Twilio webhooks: ``From=%2B1555...``, ``alice%40example.com``)
# come before the plain ones.
MASKS: Sequence[Tuple[str, Pattern[str]]] = (
    # Typos too: "x@@example.net", "x @ example . net".
    (
        "[email]",
        re.compile(
            r"[\w.!#$%&'*+/=?^`{|}~-]+\s*(?:@|%40|\\u0040)+\s*[\w-]+(?:\s*\.\s*[\w-]+)+", re.UNICODE | re.IGNORECASE
        ),
    ),
    # Spelled out against scrapers: "dmitri at example dot net", "dmitri (at) example [dot] net".
    (
        "[email]",
        re.compile(rf"[\w.+-]+\s*{_AT}\s*[\w-]+(?:\s*{_DOT}\s*[\w-]+)*\s*{_DOT}\s*[a-z]{{2,24}}\b", re.IGNORECASE),
    ),
    (
        "[address]",
        re.compile(
            rf"\b\d{{1,6}}[a-z]?(?:[-/]\d{{1,4}})?,?\s+(?:[\w'.-]+\s+){{0,4}}{_STREET}\b\.?{_UNIT}", re.IGNORECASE
        ),
    ),
    ("[address]", re.compile(r"\bP\.?\s*O\.?\s*Box\s+\d+\b", re.IGNORECASE)),
    # UK-style postcodes (SW1A 1AA, m1 1ae); US ZIP codes are caught as numbers below.
    ("[postcode]", re.compile(r"\b[a-z]{1,2}\d[a-z\d]?\s*\d[a-z]{2}\b", re.IGNORECASE)),
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
    """Replace e-mail addresses (typed oddly or spelled out too), street addresses, postcodes, card-like
    numbers, phones, dates and codes with placeholders."""
    kept = []

    def keep(match: "re.Match[str]") -> str:
        kept.append(match.group(0))
        return f"\x00{len(kept) - 1}\x00"

    text = _OWN_SHAPES.sub(keep, text.replace("\x00", ""))
    for placeholder, pattern in MASKS:
        text = pattern.sub(placeholder, text)
    return _KEPT.sub(lambda match: kept[int(match.group(1))], text) if kept else text


def value_spans(text: str, first: Sequence[Tuple[str, Pattern[str]]] = ()) -> List[Tuple[int, int, str]]:
    """Where :func:`mask_text` finds personal values in ``text``: ``(start, end, placeholder)``, in order.

    The shapes of ``first`` (other values a caller wants found, such as request references), then
    those of :data:`MASKS`, are tried in order on the original text; a span overlapping one already
    found is skipped, as masking would have replaced the earlier one first. The intent classifier
    counts each value as its kind, so a random e-mail or phone number weighs the same in every message.
    """
    spans: List[Tuple[int, int, str]] = []
    for placeholder, pattern in (*first, *MASKS):
        for match in pattern.finditer(text):
            start, end = match.span()
            if end > start and not any(start < taken_end and taken_start < end for taken_start, taken_end, _ in spans):
                spans.append((start, end, placeholder))
    return sorted(spans)


#: Metadata key on a bot utterance saying it removed what the user said (an under-13 user): from then
#: on the user's earlier words exist nowhere — not in transcripts, not in the stored conversation
#: (:func:`bot.privacy.conversations.discard_user_words`).
DISCARD_USER_WORDS = "discard_user_words"


def discards_user_words(event: Mapping[str, Any]) -> bool:
    """Is ``event`` (a Rasa event dict) the assistant saying it removed what the user said?"""
    metadata = event.get("metadata")
    return event.get("event") == "bot" and isinstance(metadata, Mapping) and bool(metadata.get(DISCARD_USER_WORDS))


WITHHELD = "[answer withheld: personal details]"
DISCARDED = "[removed: the user said they are under 13]"


def agent_transcript(
    events: Iterable[Mapping[str, Any]],
    *,
    personal_questions: Collection[str],
    discard_markers: Collection[str] = (),
    limit: int = 100_000,
) -> str:
    """The conversation for an agent to read: user and assistant turns, nothing that identifies anyone.

    * a user turn given while a form asked one of ``personal_questions`` (its
      ``requested_slot``: name, e-mail, phone, date of birth, postal code, a
      child's details...) is replaced by :data:`WITHHELD` — the ticket holds
      those values encrypted, behind the audited reveal;
    * once the assistant said it removed what an under-13 user said (its utterance
      carries :data:`DISCARD_USER_WORDS`, or is one of ``discard_markers``), everything
      before it becomes one :data:`DISCARDED` line (the assistant may have echoed them);
    * everything else passes :func:`mask_text`.

    ``events`` are Rasa event dicts (``tracker.events``); the last ``limit``
    characters are kept.
    """
    lines: List[Tuple[str, str]] = []
    asked: Optional[str] = None
    for event in events:
        kind = event.get("event")
        if kind == "slot" and event.get("name") == "requested_slot":
            asked = event.get("value") if isinstance(event.get("value"), str) else None
            continue
        if kind == "active_loop" and not event.get("name"):
            asked = None
            continue
        text = event.get("text")
        if kind not in ("user", "bot") or not isinstance(text, str) or not text.strip():
            continue
        if kind == "bot":
            if discards_user_words(event) or text in discard_markers:
                lines = [("User", DISCARDED)]  # the assistant may have echoed them too: nothing before stays
            lines.append(("Assistant", mask_text(text.strip())))
        else:
            lines.append(("User", WITHHELD if asked in personal_questions else mask_text(text.strip())))
    transcript = "\n".join(f"{who}: {said}" for who, said in lines)
    return transcript[-limit:] if transcript else "(no messages)"

"""Bot messages → text that reads well as an SMS.

- no Markdown or HTML (:func:`bot.channels.markup.strip_markup`);
- typographic characters (curly quotes, dashes, ellipsis, bullets) become their
  GSM-7 equivalents so a reply is not silently sent as UCS-2 (70 characters a
  segment instead of 160);
- buttons become numbered options, and :func:`choice_for_reply` maps a reply of
  "1", "2", ... back to the button's payload;
- a reply longer than :data:`SMS_PAGE_CHARS` is cut at a sentence or word
  boundary and ends with "reply MORE"; the rest is sent when the user does;
- never an instruction to reply "cancel" or "stop": carriers and Twilio treat
  those words as an opt-out, so they become "never mind".

:func:`segments` counts what a carrier bills: GSM-7 (160 a single message,
153 a part; ``^{}\\[~]|€`` take two) or UCS-2 (70 / 67 UTF-16 units).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from bot.channels.markup import strip_markup

__all__ = [
    "MORE_KEYWORD",
    "SMS_PAGE_CHARS",
    "Segments",
    "choice_for_reply",
    "compose_reply",
    "gsm_safe",
    "is_gsm7",
    "number_options",
    "paginate",
    "segment_count",
    "segments",
    "to_sms_text",
]

SMS_PAGE_CHARS = 320
MORE_KEYWORD = "MORE"
MORE_SUFFIX = " ... (reply MORE)"
MAX_OPTIONS = 9

GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = set("^{}\\[~]|€\f")

_TRANSLITERATE = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u2033": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
        "\u2022": "-",
        "\u00b7": "-",
        "\u2023": "-",
        "\u25cf": "-",
        "\u00a0": " ",
        "\u2007": " ",
        "\u2009": " ",
        "\u202f": " ",
        "\u200b": "",
        "\u2026": "...",
        "\u2122": "(TM)",
        "\u00ae": "(R)",
        "\u00a9": "(C)",
        "\u2192": "->",
        "\u2190": "<-",
    }
)

# "reply CANCEL", 'say "stop"', "type stop" ... → "never mind" (Twilio/carriers opt the number out on
# these words) — except the standard "Reply STOP to opt out", which means exactly that.
_OPT_OUT_INSTRUCTION = re.compile(
    r"\b(reply|replying|say|saying|type|typing|send|sending|text|texting|write|writing|enter)(\s+(?:with\s+)?)"
    r"([\"'\u201c\u2018]?)(cancel|stop|stopall|unsubscribe|end|quit)([\"'\u201d\u2019]?)(?=\W|$)"
    r"(?!\s+to\s+(?:opt\s*out|unsubscribe))",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Segments:
    """What a carrier counts for one message."""

    encoding: str  # "GSM-7" or "UCS-2"
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    count: int  # billed segments


def is_gsm7(text: str) -> bool:
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENDED for ch in text)


def _pack(sizes: Sequence[int], single: int, part: int) -> int:
    """Segments for characters of ``sizes`` units; a character is never split across parts."""
    total = sum(sizes)
    if total == 0:
        return 0
    if total <= single:
        return 1
    count, used = 1, 0
    for size in sizes:
        if used + size > part:
            count, used = count + 1, 0
        used += size
    return count


def segments(text: str) -> Segments:
    """GSM-7 when every character is in the GSM 03.38 alphabet, else UCS-2."""
    if is_gsm7(text):
        sizes = [2 if ch in GSM7_EXTENDED else 1 for ch in text]
        return Segments("GSM-7", sum(sizes), _pack(sizes, 160, 153))
    sizes = [2 if ord(ch) > 0xFFFF else 1 for ch in text]
    return Segments("UCS-2", sum(sizes), _pack(sizes, 70, 67))


def gsm_safe(text: str) -> str:
    """Replace typographic characters with GSM-7 ones; other characters (names, emoji) stay."""
    return text.translate(_TRANSLITERATE)


def never_opt_out_instructions(text: str) -> str:
    return _OPT_OUT_INSTRUCTION.sub(lambda m: f"{m.group(1)}{m.group(2)}{m.group(3)}never mind{m.group(5)}", text)


def to_sms_text(text: str) -> str:
    """One bot message's text as plain, GSM-friendly SMS text."""
    return gsm_safe(never_opt_out_instructions(strip_markup(text or "", link_style="inline")))


def _button_title(button: Mapping[str, Any]) -> str:
    return to_sms_text(str(button.get("title") or button.get("payload") or "")).replace("\n", " ").strip()


def number_options(buttons: Sequence[Mapping[str, Any]]) -> str:
    """``1) Delete my data`` lines and how to answer; empty when there are no buttons."""
    usable = [b for b in buttons if _button_title(b)][:MAX_OPTIONS]
    if not usable:
        return ""
    lines = [f"{i}) {_button_title(b)}" for i, b in enumerate(usable, start=1)]
    return "Reply with a number:\n" + "\n".join(lines)


def choice_for_reply(reply: str, buttons: Sequence[Mapping[str, Any]]) -> Optional[str]:
    """The payload of button ``n`` when the reply is just ``n`` (``"2"``, ``" 2."``); else ``None``."""
    stripped = (reply or "").strip().rstrip(".)").strip()
    if not stripped.isdigit() or len(stripped) > 1:
        return None
    usable = [b for b in buttons if _button_title(b)][:MAX_OPTIONS]
    index = int(stripped)
    if not 1 <= index <= len(usable):
        return None
    payload = usable[index - 1].get("payload") or usable[index - 1].get("title")
    return str(payload) if payload else None


def _cut_point(text: str, limit: int) -> int:
    """Where to cut ``text`` to at most ``limit`` chars: paragraph, sentence, then word boundary."""
    window = text[:limit]
    for pattern, minimum in ((r"\n\n", 0.4), (r"[.!?:]\s", 0.5), (r"\n", 0.5), (r"\s", 0.3)):
        positions = [m.end() for m in re.finditer(pattern, window)]
        positions = [p for p in positions if p >= limit * minimum]
        if positions:
            return positions[-1]
    return limit


def paginate(text: str, limit: int = SMS_PAGE_CHARS) -> List[str]:
    """Pages of at most ``limit`` characters; every page but the last ends with "reply MORE"."""
    text = text.strip()
    pages: List[str] = []
    room = limit - len(MORE_SUFFIX)
    while len(text) > limit:
        cut = _cut_point(text, room)
        pages.append(text[:cut].rstrip() + MORE_SUFFIX)
        text = text[cut:].strip()
    if text:
        pages.append(text)
    return pages


def compose_reply(
    messages: Sequence[Mapping[str, Any]], limit: int = SMS_PAGE_CHARS
) -> Tuple[List[str], List[Dict[str, Any]]]:
    """A turn's bot messages → (SMS pages, the buttons shown, in option order).

    All texts of one turn become one SMS (paragraphs), with the last message's
    buttons as numbered options at the end.  Images become their URL; custom
    payloads are not for SMS and are dropped.
    """
    parts: List[str] = []
    buttons: List[Dict[str, Any]] = []
    for message in messages:
        text = message.get("text")
        if text:
            parts.append(to_sms_text(str(text)))
        if message.get("image"):
            parts.append(str(message["image"]))
        if message.get("buttons"):
            buttons = [dict(b) for b in message["buttons"] if isinstance(b, Mapping)]
    options = number_options(buttons)
    if options:
        parts.append(options)
    body = "\n\n".join(p for p in parts if p.strip())
    return (paginate(body, limit) if body else []), [b for b in buttons if _button_title(b)][:MAX_OPTIONS]


def segment_count(pages: Sequence[str]) -> int:
    return sum(segments(p).count for p in pages)

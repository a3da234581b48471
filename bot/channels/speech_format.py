"""Bot messages → words for a text-to-speech voice on the phone line.

- no Markdown, HTML, URLs or emoji (a voice reads them as noise);
- e-mail addresses and ticket references are spelled out so a caller can write
  them down ("P R I V A C Y dot U S at example dot com", "P D, 7 K 3 D, 9 Q X M");
- long digit runs (codes, numbers) are read digit by digit, and so are the
  last digits of a masked number ("the number ending 4 5 6 7");
- bullet lists become sentences;
- buttons become "To ..., say ..., or press 1." — the keypad digit maps back
  to the payload with :func:`bot.channels.sms_format.choice_for_reply`.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any, List, Mapping, Sequence

from bot.channels.markup import EMAIL_PATTERN, URL_PATTERN, strip_markup
from bot.channels.sms_format import MAX_OPTIONS

__all__ = [
    "normalise_spoken_email",
    "to_speech",
    "spell_email",
    "spell_reference",
    "speak_options",
    "speech_hints",
    "compose_speech",
]

_REFERENCE = re.compile(r"\b(PD)-([0-9A-HJKMNP-TV-Z]{4})-([0-9A-HJKMNP-TV-Z]{4})\b", re.IGNORECASE)
_MASKED_EMAIL = re.compile(r"\b([A-Za-z0-9])\*{2,}@([A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,})\b")
_DIGIT_RUN = re.compile(r"(?<![\w.])\d{5,}(?![\w.])")
_PHONE = re.compile(r"(?<!\w)\+\d[\d ()\-]{7,}\d")
_ENDING = re.compile(r"\b(ending(?: in)?) (\d{2,4})\b", re.IGNORECASE)
_SPELLED = {".": "dot", "-": "dash", "_": "underscore", "+": "plus", "@": "at"}
_SPACES = re.compile(r"[ \t]+")
_WORDISH = re.compile(r"^[a-z]{4,}$")
_SAID_AS_WORDS = {"com", "org", "net", "gov", "edu", "info"}
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([.,!?;:])")


def _drop_emoji_and_symbols(text: str) -> str:
    kept = []
    for ch in text:
        category = unicodedata.category(ch)
        if category in {"So", "Sk", "Cs", "Co", "Cn"} or ch in "\ufe0f\u200d":
            continue
        kept.append(ch)
    return "".join(kept)


def _spell(chunk: str) -> str:
    return " ".join(_SPELLED.get(ch, ch.upper() if ch.isalpha() else ch) for ch in chunk)


def _spoken_domain(domain: str) -> str:
    labels = []
    for label in domain.split("."):
        lowered = label.lower()
        labels.append(lowered if _WORDISH.match(lowered) or lowered in _SAID_AS_WORDS else _spell(label))
    return " dot ".join(labels)


def spell_email(address: str) -> str:
    """``privacy.us@example.com`` → ``P R I V A C Y dot U S at example dot com``.

    The local part is spelled letter by letter; domain labels that read as a
    word (four or more letters) are said as words, short ones are spelled.
    """
    local, _, domain = address.partition("@")
    return f"{_spell(local)} at {_spoken_domain(domain)}"


def spell_reference(reference: str) -> str:
    """``PD-7K3D-9QXM`` → ``P D, 7 K 3 D, 9 Q X M`` (groups separated by a pause)."""
    return ", ".join(" ".join(group.upper()) for group in reference.split("-"))


def _digits(match: "re.Match[str]") -> str:
    return " ".join(ch for ch in match.group(0) if ch.isdigit())


def to_speech(text: str) -> str:
    """One bot message's text as something a voice can read."""
    out = strip_markup(text or "", link_style="text")
    out = _MASKED_EMAIL.sub(
        lambda m: f"the address starting with {m.group(1).upper()} at {_spoken_domain(m.group(2))}", out
    )
    out = EMAIL_PATTERN.sub(lambda m: spell_email(m.group(0)), out)
    out = URL_PATTERN.sub("our website", out)
    out = _REFERENCE.sub(lambda m: spell_reference(m.group(0)), out)
    out = _PHONE.sub(_digits, out)
    out = _DIGIT_RUN.sub(_digits, out)
    out = _ENDING.sub(lambda m: f"{m.group(1)} {' '.join(m.group(2))}", out)
    out = _drop_emoji_and_symbols(out)
    sentences: List[str] = []
    for line in out.split("\n"):
        line = line.strip()
        if line.startswith("- "):
            line = line[2:].strip()
        if not line:
            continue
        if line[-1] not in ".!?:;,":
            line += "."
        sentences.append(line)
    spoken = " ".join(sentences)
    spoken = spoken.replace(":.", ".").replace(";.", ".").replace(",.", ".")
    return _SPACE_BEFORE_PUNCT.sub(r"\1", _SPACES.sub(" ", spoken)).strip()


def _title(button: Mapping[str, Any]) -> str:
    return to_speech(str(button.get("title") or button.get("payload") or "")).rstrip(".!?")


def speak_options(buttons: Sequence[Mapping[str, Any]]) -> str:
    """``Say "Delete my data", or press 1. Say "Check a status", or press 2.``"""
    usable = [b for b in buttons if _title(b)][:MAX_OPTIONS]
    return " ".join(f'Say "{_title(b)}", or press {i}.' for i, b in enumerate(usable, start=1))


def speech_hints(buttons: Sequence[Mapping[str, Any]], base: Sequence[str] = ()) -> str:
    """Twilio ``hints``: phrases the recogniser should expect (comma-separated, each ≤ 100 chars)."""
    phrases: List[str] = []
    for phrase in [*(_title(b) for b in buttons), *base]:
        phrase = phrase.replace(",", " ").strip()[:100]
        if phrase and phrase.lower() not in {p.lower() for p in phrases}:
            phrases.append(phrase)
    return ", ".join(phrases[:50])


def compose_speech(messages: Sequence[Mapping[str, Any]]) -> "tuple[List[str], List[Mapping[str, Any]]]":
    """A turn's bot messages → (sentences to say, in order; the buttons offered)."""
    said: List[str] = []
    buttons: List[Mapping[str, Any]] = []
    for message in messages:
        spoken = to_speech(str(message.get("text") or ""))
        if spoken:
            said.append(spoken)
        if message.get("buttons"):
            buttons = [b for b in message["buttons"] if isinstance(b, Mapping) and _title(b)][:MAX_OPTIONS]
    options = speak_options(buttons)
    if options:
        said.append(options)
    return said, buttons


_SPOKEN_EMAIL = re.compile(
    r"^(?:(?:it's|it is|my e-?mail is|e-?mail)\s+)?(?P<local>[\w.\- ]{1,64}?)\s+at\s+(?P<domain>[\w\- ]{1,63}(?:\s+dot\s+[\w\-]{1,63}){1,3})\.?$",
    re.IGNORECASE,
)
_SPOKEN_SYMBOLS = (("dot", "."), ("period", "."), ("dash", "-"), ("hyphen", "-"), ("underscore", "_"))


def _join_spoken(part: str) -> str:
    words = part.split()
    out = []
    for word in words:
        symbol = dict(_SPOKEN_SYMBOLS).get(word.lower())
        out.append(symbol if symbol else word)
    return "".join(out)


def normalise_spoken_email(text: str) -> str:
    """A transcribed e-mail address ("jane dot smith at example dot com") → ``jane.smith@example.com``.

    Only when the whole utterance is an address (at most a short lead-in);
    any other sentence is returned unchanged.
    """
    stripped = (text or "").strip()
    if "@" in stripped or len(stripped) > 160:
        return text
    match = _SPOKEN_EMAIL.match(stripped)
    if not match or len(stripped.split()) > 16:
        return text
    symbols = {word for word, _ in _SPOKEN_SYMBOLS}
    if len([w for w in match.group("local").split() if w.lower() not in symbols]) > 2:
        return text  # "I will be at home dot com" is a sentence, not an address
    local, domain = _join_spoken(match.group("local")), _join_spoken(match.group("domain"))
    candidate = f"{local}@{domain}".lower()
    return candidate if re.fullmatch(r"[a-z0-9._%+\-]+@[a-z0-9\-]+(\.[a-z0-9\-]+)*\.[a-z]{2,}", candidate) else text

"""Render a notice from its template: subject, plain-text e-mail, HTML e-mail and SMS.

Templates live in ``bot/notices/templates/``: one ``<kind>.j2`` per notice with the
blocks ``subject``, ``body`` (plain text, paragraphs separated by blank lines) and
``sms``; ``email.html`` wraps the same paragraphs (autoescaped) for the HTML part.
Text templates are not escaped (they are not HTML); every value they receive is
either ours or an agent's reason, never something the requester typed.

SMS: normalised to the GSM-7 alphabet (curly quotes, dashes and other characters
become their plain forms) and kept within :data:`SMS_MAX_SEGMENTS` segments; a long
free-text value (an agent's reason) is shortened to fit, never the fixed wording.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Mapping

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

__all__ = ["RenderedNotice", "render_notice", "sms_segments", "to_gsm7", "SMS_MAX_SEGMENTS", "TEMPLATE_DIR"]

TEMPLATE_DIR = Path(__file__).parent / "templates"
SMS_MAX_SEGMENTS = 2
#: Characters of one GSM-7 segment: 160 alone, 153 each when concatenated.
_SINGLE, _MULTI = 160, 153
_GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM7_EXTENDED = set("^{}\\[~]|€")
_PLAIN = {"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-", "…": "...", "\u00a0": " "}
#: Which context values may be shortened to fit an SMS (free text), in order.
_SHRINKABLE = ("reason", "reason_short")


@dataclass(frozen=True)
class RenderedNotice:
    subject: str
    text: str
    html: str
    sms: str


def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(str(TEMPLATE_DIR)),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=StrictUndefined,
        keep_trailing_newline=False,
    )


_ENV = _environment()


def to_gsm7(text: str) -> str:
    """``text`` in the GSM-7 alphabet: plain quotes and dashes, accents dropped where GSM-7 lacks them."""
    out: List[str] = []
    for char in text:
        char = _PLAIN.get(char, char)
        if char in _GSM7_BASIC or char in _GSM7_EXTENDED:
            out.append(char)
            continue
        base = unicodedata.normalize("NFKD", char).encode("ascii", "ignore").decode("ascii")
        out.append(base if base and all(c in _GSM7_BASIC for c in base) else "?")
    return "".join(out)


def sms_segments(text: str) -> int:
    """How many GSM-7 segments ``text`` takes (extended characters count twice)."""
    septets = sum(2 if c in _GSM7_EXTENDED else 1 for c in text)
    if septets <= _SINGLE:
        return 1
    return -(-septets // _MULTI)


def _block(kind: str, block: str, context: Mapping[str, Any]) -> str:
    template = _ENV.get_template(f"{kind}.j2")
    return "".join(template.blocks[block](template.new_context(dict(context)))).strip()


def _paragraphs(text: str) -> List[str]:
    return [re.sub(r"\s*\n\s*", " ", part).strip() for part in re.split(r"\n\s*\n", text) if part.strip()]


def _sms(kind: str, context: Dict[str, Any]) -> str:
    sms = to_gsm7(" ".join(_block(kind, "sms", context).split()))
    for name in _SHRINKABLE:
        while sms_segments(sms) > SMS_MAX_SEGMENTS and len(str(context.get(name) or "")) > 12:
            value = str(context[name])
            context[name] = value[: max(12, len(value) - max(8, sms_segments(sms) * 10))].rstrip() + "..."
            sms = to_gsm7(" ".join(_block(kind, "sms", context).split()))
    if sms_segments(sms) > SMS_MAX_SEGMENTS:
        raise ValueError(f"the {kind} SMS does not fit {SMS_MAX_SEGMENTS} segments")
    return sms


def render_notice(kind: str, context: Mapping[str, Any]) -> RenderedNotice:
    """All four forms of notice ``kind`` (a :class:`~bot.notices.kinds.NoticeKind` value) for ``context``."""
    values = dict(context)
    subject = " ".join(_block(kind, "subject", values).split())
    text = "\n\n".join(_paragraphs(_block(kind, "body", values)))
    html = _ENV.get_template("email.html").render(subject=subject, paragraphs=_paragraphs(text), **values)
    return RenderedNotice(subject=subject, text=text + "\n", html=html, sms=_sms(kind, dict(values)))

"""Bot response text (light Markdown, maybe HTML) → plain text for SMS and speech."""

from __future__ import annotations

import html
import re

__all__ = ["strip_markup", "URL_PATTERN", "EMAIL_PATTERN"]

URL_PATTERN = re.compile(r"\b(?:https?://|www\.)[^\s<>()\"']+[^\s<>()\"'.,;:!?]", re.IGNORECASE)
EMAIL_PATTERN = re.compile(r"\b[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}\b")

_TAG = re.compile(r"<\s*/?\s*([a-zA-Z][a-zA-Z0-9]*)[^<>]*>")
_BLOCK_TAGS = {"br", "p", "div", "li", "ul", "ol", "tr", "h1", "h2", "h3", "h4", "h5", "h6"}
_MD_LINK = re.compile(r"\[([^\]\n]{1,200})\]\(([^)\s]{1,500})\)")
_MD_IMAGE = re.compile(r"!\[([^\]\n]{0,200})\]\([^)\s]{1,500}\)")
_MD_BOLD = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1", re.DOTALL)
_MD_ITALIC = re.compile(r"(?<![\w*])([*_])(?=\S)([^*_\n]+?)(?<=\S)\1(?![\w*])")
_MD_CODE = re.compile(r"`{1,3}([^`]*)`{1,3}")
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+", re.MULTILINE)
_MD_BULLET = re.compile(r"^\s*[*+•·‣]\s+", re.MULTILINE)
_MD_QUOTE = re.compile(r"^\s*>\s?", re.MULTILINE)
_MD_RULE = re.compile(r"^\s*(?:-{3,}|\*{3,}|_{3,})\s*$", re.MULTILINE)
_SPACES = re.compile(r"[ \t\u00a0]+")
_BLANK_LINES = re.compile(r"\n{3,}")


def _tag(match: "re.Match[str]") -> str:
    return "\n" if match.group(1).lower() in _BLOCK_TAGS else ""


def strip_markup(text: str, link_style: str = "inline") -> str:
    """Remove Markdown and HTML, keep the words.

    ``link_style="inline"`` turns ``[text](url)`` into ``text (url)`` (SMS: the
    link is still useful); ``"text"`` keeps only the link text (speech).
    """
    if not text:
        return ""
    out = _TAG.sub(_tag, text)
    out = html.unescape(out)
    out = _MD_IMAGE.sub(lambda m: m.group(1), out)
    if link_style == "inline":
        out = _MD_LINK.sub(lambda m: m.group(1) if m.group(1) == m.group(2) else f"{m.group(1)} ({m.group(2)})", out)
    else:
        out = _MD_LINK.sub(lambda m: m.group(1), out)
    out = _MD_CODE.sub(lambda m: m.group(1), out)
    out = _MD_BOLD.sub(lambda m: m.group(2), out)
    out = _MD_ITALIC.sub(lambda m: m.group(2), out)
    out = _MD_RULE.sub("", out)
    out = _MD_HEADING.sub("", out)
    out = _MD_QUOTE.sub("", out)
    out = _MD_BULLET.sub("- ", out)
    out = "\n".join(
        _SPACES.sub(" ", line).strip() for line in out.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    )
    return _BLANK_LINES.sub("\n\n", out).strip()

"""Turn a policy in Markdown or plain text into clean blocks (headings and paragraphs).

Everything here is generic: it repairs the usual damage of web-page extraction
(broken HTML fragments, escaped characters, stray emphasis markers, empty blocks
left by removed widgets, headings given as bold or all-caps lines) without
knowing which policy it reads.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass, field
from typing import List, Optional

__all__ = ["Block", "CleanReport", "parse_blocks", "clean_inline", "sentence_case"]


@dataclass
class Block:
    """One cleaned unit of the document."""

    kind: str  # "heading" | "paragraph" | "item"
    text: str
    level: int = 0  # heading level (1 = document title)


@dataclass
class CleanReport:
    """What the cleaner changed, so a build can say it (counts only, no text)."""

    html_fragments: int = 0
    dropped_sentences: int = 0
    empty_blocks: int = 0
    escapes: int = 0
    emphasis_markers: int = 0
    typos: int = 0
    front_matter: int = 0
    notes: List[str] = field(default_factory=list)


# Common misspellings in English legal/privacy prose (generic, not this policy's).
_TYPOS = {
    "indentifiable": "identifiable",
    "identifable": "identifiable",
    "indentify": "identify",
    "personaly": "personally",
    "recieve": "receive",
    "recieved": "received",
    "seperate": "separate",
    "occured": "occurred",
    "thier": "their",
    "priviledge": "privilege",
    "privicy": "privacy",
    "adress": "address",
    "informations": "information",
    "acces": "access",
    "wich": "which",
    "concious": "conscious",
    "guardain": "guardian",
    "maintainance": "maintenance",
    "responsability": "responsibility",
    "transfered": "transferred",
    "untill": "until",
}
_TYPO_RE = re.compile(r"\b(" + "|".join(_TYPOS) + r")\b", re.IGNORECASE)

_ESCAPE_RE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!>|~])")
_LINK_RE = re.compile(r"!?\[([^\]]*)\]\(([^)\s]*)(?:\s+\"[^\"]*\")?\)")
_TAG_RE = re.compile(r"</?[A-Za-z][A-Za-z0-9]*(?:\s+[^<>]*?)?/?>")
# the tail of a tag whose "<a href=..." start was lost: path" attr="..." attr="...">
_BROKEN_TAG_RE = re.compile(r"\S*\"(?:\s+[A-Za-z_:-]+=\"[^\"]*\")+\s*/?>")
_DANGLING_ATTR_RE = re.compile(r"\b[A-Za-z_:-]+=\"[^\"]*\"")
_BOLD_ONLY_RE = re.compile(r"^\s*(\*\*|__)(?P<t>[^*_].*?)(\*\*|__)\s*:?\s*$", re.S)
_EMPH_PUNCT_RE = re.compile(r"\s*(\*\*|__|\*|_)\s*([.,;:!?])\s*(\*\*|__|\*|_)")
_EMPH_RE = re.compile(r"(\*\*|__)(.+?)\1")
_STRAY_EMPH_RE = re.compile(r"(?<!\w)(\*\*|__)|(\*\*|__)(?!\w)")
_LIST_RE = re.compile(r"^\s*(?:(?P<num>\d{1,3})[.)]|(?P<letter>[a-zA-Z])[.)]|[-*+•])\s+(?P<rest>.*)$")
_MD_HEADING_RE = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_SENTENCE_SPLIT_RE = re.compile(r"(?<=[.!?;])\s+(?=[A-Z0-9\"“(])")


def sentence_case(title: str) -> str:
    """``"TELEPHONE CALLS"`` → ``"Telephone calls"``; mixed-case titles are kept."""
    title = title.strip().rstrip(":").strip()
    letters = [c for c in title if c.isalpha()]
    if not letters or not all(c.isupper() for c in letters):
        return title
    words = title.lower().split()
    fixed = []
    for word in words:
        bare = re.sub(r"\W", "", word).upper()
        if bare in {"US", "USA", "U.S.", "EU", "UK", "EEA", "CCPA", "GDPR", "COPPA", "FAQ", "ID", "IP", "SMS"}:
            word = word.upper()
        fixed.append(word)
    text = " ".join(fixed)
    return text[:1].upper() + text[1:]


def _fix_typos(text: str, report: CleanReport) -> str:
    def repl(match: "re.Match[str]") -> str:
        report.typos += 1
        word = match.group(0)
        good = _TYPOS[word.lower()]
        return good.capitalize() if word[0].isupper() else good

    return _TYPO_RE.sub(repl, text)


def clean_inline(text: str, report: Optional[CleanReport] = None) -> str:
    """Clean one paragraph's inline markup into plain text."""
    report = report or CleanReport()
    text = unicodedata.normalize("NFKC", text)
    text = text.replace("\u00a0", " ").replace("\u200b", "")
    # a sentence that held a broken HTML fragment is unreliable: drop that sentence
    if _BROKEN_TAG_RE.search(text) or (_TAG_RE.search(text) and '="' in text):
        kept = []
        for sentence in _split_raw_sentences(text):
            if _BROKEN_TAG_RE.search(sentence) or _DANGLING_ATTR_RE.search(sentence):
                report.html_fragments += 1
                report.dropped_sentences += 1
                continue
            kept.append(sentence)
        text = " ".join(kept)
    if _TAG_RE.search(text):
        report.html_fragments += len(_TAG_RE.findall(text))
        text = _TAG_RE.sub(" ", text)
    text = html.unescape(text)
    text = _LINK_RE.sub(lambda m: m.group(1) or m.group(2).replace("mailto:", ""), text)
    n_esc = len(_ESCAPE_RE.findall(text))
    if n_esc:
        report.escapes += n_esc
        text = _ESCAPE_RE.sub(r"\1", text)
    if _EMPH_PUNCT_RE.search(text):  # "address **.**" → "address."
        report.emphasis_markers += 1
        text = _EMPH_PUNCT_RE.sub(r"\2", text)
    n_emph = len(_EMPH_RE.findall(text))
    text = _EMPH_RE.sub(r"\2", text)
    n_stray = len(_STRAY_EMPH_RE.findall(text))
    text = _STRAY_EMPH_RE.sub("", text)
    report.emphasis_markers += n_emph + n_stray
    text = _fix_typos(text, report)
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"\s+([.,;:!?)])", r"\1", text)
    text = re.sub(r"([.,;:])\1+", r"\1", text)
    text = re.sub(r"\(\s+", "(", text)
    return text


def _split_raw_sentences(text: str) -> List[str]:
    parts = re.split(r"(?<=[.!?])\s+(?=[A-Z\"“(*])", text)
    return [p for p in parts if p.strip()]


def _looks_like_heading(raw: str, cleaned: str) -> bool:
    if "\n" in raw.strip():
        return False
    if _BOLD_ONLY_RE.match(raw):
        return len(cleaned.split()) <= 14
    words = cleaned.split()
    if not words or len(words) > 10 or len(cleaned) > 80:
        return False
    if cleaned[-1] in ".;,!?" or _LIST_RE.match(raw):
        return False
    letters = [c for c in cleaned if c.isalpha()]
    if len(letters) < 3:
        return False
    if all(c.isupper() for c in letters):
        return True
    # plain-text title case: most significant words capitalised
    small = {
        "a",
        "an",
        "the",
        "and",
        "or",
        "of",
        "to",
        "in",
        "on",
        "for",
        "with",
        "by",
        "at",
        "we",
        "you",
        "your",
        "our",
        "how",
        "what",
    }
    significant = [w for w in re.findall(r"[A-Za-z][A-Za-z'’-]*", cleaned) if w.lower() not in small]
    return (
        bool(significant)
        and sum(w[0].isupper() for w in significant) >= 0.8 * len(significant)
        and cleaned[-1] not in ":"
    )


def parse_blocks(source: str, report: Optional[CleanReport] = None) -> List[Block]:
    """Split a document into cleaned heading / paragraph / list-item blocks."""
    report = report or CleanReport()
    source = source.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    # a Markdown heading directly followed by its text (no blank line) is still a heading of its own
    source = re.sub(r"^(#{1,6}[ \t][^\n]*)\n(?=[ \t]*\S)", "\\1\n\n", source, flags=re.M)
    raw_blocks = re.split(r"\n[ \t\u00a0]*\n", source)
    blocks: List[Block] = []
    seen_heading = False
    pending_gap = False  # an empty block (whitespace only) was just skipped
    for raw in raw_blocks:
        if not raw.strip(" \t\n\u00a0"):
            report.empty_blocks += 1
            pending_gap = True
            continue
        lines = raw.strip("\n").split("\n")
        # blockquote before the first heading = provenance/front matter, not policy text
        if all(line.lstrip().startswith(">") for line in lines if line.strip()):
            if not seen_heading:
                report.front_matter += 1
                continue
            lines = [re.sub(r"^\s*>\s?", "", line) for line in lines]
        md = _MD_HEADING_RE.match(lines[0]) if len(lines) == 1 else None
        if md:
            seen_heading = True
            title = clean_inline(md.group(2), report)
            if title:
                blocks.append(Block("heading", title, level=len(md.group(1))))
            pending_gap = False
            continue
        # list items may share one block, one per line
        matches = [_LIST_RE.match(line) for line in lines if line.strip()]
        list_items = [m for m in matches if m is not None]
        if len(lines) > 1 and len(list_items) == len(matches):
            for m in list_items:
                item = clean_inline(m.group(0).strip(), report)
                blocks.append(Block("item", item))
            pending_gap = False
            continue
        raw_text = " ".join(line.strip() for line in lines)
        cleaned = clean_inline(raw_text, report)
        if not cleaned or not re.search(r"\w", cleaned):
            report.empty_blocks += 1
            pending_gap = True
            continue
        if _looks_like_heading(raw_text, cleaned):
            seen_heading = True
            blocks.append(Block("heading", sentence_case(cleaned), level=2))
            pending_gap = False
            continue
        kind = "item" if _LIST_RE.match(cleaned) else "paragraph"
        if pending_gap and blocks and blocks[-1].kind == "paragraph" and blocks[-1].text.endswith(":"):
            # a lead-in whose content (a removed widget) left only an empty block:
            # "For requests ...:" <gap> "Or write to: X" → "For requests ..., write to: X"
            rest = re.sub(r"^(or|and)\s+", "", cleaned, flags=re.IGNORECASE)
            rest = rest[:1].lower() + rest[1:]
            blocks[-1].text = blocks[-1].text[:-1].rstrip() + ", " + rest
            report.notes.append("joined a lead-in to the text after an empty block")
            pending_gap = False
            continue
        blocks.append(Block(kind, cleaned))
        pending_gap = False
    return blocks


def split_sentences(text: str) -> List[str]:
    """Sentences of a cleaned paragraph (list items stay with their lead-in)."""
    out: List[str] = []
    for part in re.split(r"(?<=[.!?])\s+(?=[A-Z\"“(])", text):
        part = part.strip()
        if not part:
            continue
        # don't split after abbreviations like "Inc." / "S.A." / "U.S.A."
        if out and (
            re.search(r"\b(?:Inc|Ltd|Co|Corp|S\.A|U\.S\.A|U\.S|N\.A|No|St|Mr|Ms|Dr|e\.g|i\.e|etc)\.$", out[-1])
            or re.search(r"(?:^|[:;])\s*\(?[0-9a-zA-Z]{1,3}[.)]$", out[-1])
            # an enumerator after "; and" / "; or": "…; 3. the items; and 4." goes on with the fourth item
            or re.search(r"[:;]\s*(?:and|or)\s+\(?(?:\d{1,2}|[a-zA-Z])[.)]$", out[-1])
        ):
            out[-1] = out[-1] + " " + part
        else:
            out.append(part)
    return out

"""Build a knowledge-base directory from a policy document.

``build(source, out_dir)`` writes ``kb.json`` (sections, passages, sentences,
facts), ``vectors.npy`` (MiniLM embeddings of passages, sentences, clauses of long
sentences, then section titles, when the model is installed) and ``manifest.json`` (source sha256, counts, model).  A
rebuild is skipped when the source hash and builder version are unchanged.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, TypedDict

import numpy as np

from .clean import Block, CleanReport, parse_blocks, split_sentences
from .facts import extract_facts

__all__ = ["BUILDER_VERSION", "BuildResult", "BuildError", "build", "slugify", "sections_from_text"]

logger = logging.getLogger(__name__)

BUILDER_VERSION = "5"  # 3: section-title vectors, security-measure facts; 4: telephones, organisations;
# 5: a list's last item after "; and 4." stays in its sentence
LONG_SENTENCE = 200  # sentences longer than this also get one vector per clause
KB_FILE = "kb.json"
VECTORS_FILE = "vectors.npy"
MANIFEST_FILE = "manifest.json"


class RawSection(TypedDict):
    """A heading (None before the first one) and the blocks under it, before passages are joined."""

    title: Optional[str]
    blocks: List[Block]


class SectionRecord(TypedDict):
    """One cleaned section as ``sections_from_text`` returns it."""

    id: str
    title: str
    passages: List[str]
    sentences: List[str]


class PolicyDoc(TypedDict):
    """The cleaned policy: its level-1 title (if any) and its sections."""

    title: Optional[str]
    sections: List[SectionRecord]


class PassageRecord(TypedDict):
    section: str
    text: str


class SentenceRecord(TypedDict):
    section: str
    passage: int
    text: str


class ClauseRecord(TypedDict):
    """A clause of a long sentence; ``sentence`` indexes the KB's sentence list."""

    sentence: int
    text: str


class BuildError(ValueError):
    """The source cannot be read or holds no policy text."""


@dataclass
class BuildResult:
    out_dir: Path
    skipped: bool
    source_sha256: str
    sections: int
    passages: int
    embeddings: bool
    report: Optional[CleanReport] = None


def slugify(title: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    return slug[:60].strip("-") or "section"


def _join_items(lead: str, items: List[str]) -> str:
    text = lead.rstrip()
    joined = " ".join(item.strip() for item in items)
    if not text:
        return joined
    if not text.endswith(":"):
        text += ":"
    return f"{text} {joined}"


def sections_from_text(text: str, report: Optional[CleanReport] = None) -> PolicyDoc:
    """Cleaned sections of a policy: ``{"title", "sections": [{"id", "title", "passages", "sentences"}]}``."""
    blocks = parse_blocks(text, report)
    doc_title = next((b.text for b in blocks if b.kind == "heading" and b.level == 1), None)
    raw_sections: List[RawSection] = []
    current: RawSection = {"title": None, "blocks": []}
    for block in blocks:
        if block.kind == "heading":
            raw_sections.append(current)
            current = {"title": block.text, "blocks": []}
        else:
            current["blocks"].append(block)
    raw_sections.append(current)

    # no headings at all: every paragraph is its own section, titled by its first words
    if (
        all(not s["blocks"] or s["title"] is None for s in raw_sections)
        and len(blocks) > 1
        and not any(b.kind == "heading" and b.level > 1 for b in blocks)
    ):
        paras = [b for s in raw_sections for b in s["blocks"]]
        raw_sections = []
        for b in paras:
            words = re.findall(r"[\w'’-]+", b.text)[:6]
            raw_sections.append({"title": " ".join(words), "blocks": [b]})

    sections: List[SectionRecord] = []
    used_ids: Dict[str, int] = {}
    for raw in raw_sections:
        blocks_in = raw["blocks"]
        if not blocks_in:
            continue
        title = raw["title"] or doc_title or "Introduction"
        passages: List[str] = []
        i = 0
        while i < len(blocks_in):
            block = blocks_in[i]
            if block.kind == "paragraph" and block.text.endswith(":") and i + 1 < len(blocks_in):
                items: List[str] = []
                j = i + 1
                while j < len(blocks_in) and blocks_in[j].kind == "item":
                    items.append(blocks_in[j].text)
                    j += 1
                if not items:  # a lead-in followed by one paragraph that completes it
                    items = [blocks_in[i + 1].text]
                    j = i + 2
                passages.append(_join_items(block.text, items))
                i = j
                continue
            if block.kind == "item":
                items = []
                while i < len(blocks_in) and blocks_in[i].kind == "item":
                    items.append(blocks_in[i].text)
                    i += 1
                if passages and passages[-1].endswith(":"):
                    passages[-1] = _join_items(passages[-1], items)
                else:
                    passages.append(" ".join(items))
                continue
            passages.append(block.text)
            i += 1
        base = slugify(title)
        used_ids[base] = used_ids.get(base, 0) + 1
        sid = base if used_ids[base] == 1 else f"{base}-{used_ids[base]}"
        sentences = [s for p in passages for s in split_sentences(p)]
        sections.append({"id": sid, "title": title, "passages": passages, "sentences": sentences})
    return {"title": doc_title, "sections": sections}


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=str(path.parent), prefix=path.name + ".")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _embeddings_available() -> bool:
    try:
        from .embed import find_model_dir

        find_model_dir()
        import safetensors  # noqa: F401
        import tokenizers  # noqa: F401

        return True
    except Exception:  # noqa: BLE001 - any failure means "no embeddings"
        return False


def build(source: Path, out_dir: Path, force: bool = False, embeddings: Optional[bool] = None) -> BuildResult:
    """Build the KB for ``source`` into ``out_dir`` (skipped when already up to date)."""
    source = Path(source)
    out_dir = Path(out_dir)
    try:
        data = source.read_bytes()
    except OSError as exc:
        raise BuildError(f"cannot read policy source {source}: {exc.strerror}") from exc
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    digest = _sha256(data)
    use_embeddings = _embeddings_available() if embeddings is None else embeddings
    manifest_path = out_dir / MANIFEST_FILE
    if not force and manifest_path.is_file():
        try:
            old = json.loads(manifest_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            old = {}
        if (
            old.get("source_sha256") == digest
            and old.get("builder_version") == BUILDER_VERSION
            and bool(old.get("embedding_model")) == use_embeddings
            and (out_dir / KB_FILE).is_file()
        ):
            return BuildResult(out_dir, True, digest, old.get("sections", 0), old.get("passages", 0), use_embeddings)

    report = CleanReport()
    doc = sections_from_text(text, report)
    sections = doc["sections"]
    if not sections or not any(s["passages"] for s in sections):
        raise BuildError(f"no policy text found in {source}")
    facts = extract_facts(sections)
    passages: List[PassageRecord] = [{"section": s["id"], "text": p} for s in sections for p in s["passages"]]
    sentences: List[SentenceRecord] = []
    for s in sections:
        for pi, p in enumerate(s["passages"]):
            for sent in split_sentences(p):
                sentences.append({"section": s["id"], "passage": pi, "text": sent})
    clauses = _clauses(sentences)
    kb = {
        "title": doc["title"],
        "sections": [{"id": s["id"], "title": s["title"], "passages": s["passages"]} for s in sections],
        "passages": passages,
        "sentences": sentences,
        "clauses": clauses,
        "facts": facts,
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    model_id = None
    if use_embeddings:
        from .embed import MODEL_ID, MiniLMEncoder

        encoder = MiniLMEncoder()
        texts = (
            [f"{_title_of(sections, p['section'])}. {p['text']}" for p in passages]
            + [s["text"] for s in sentences]
            + [c["text"] for c in clauses]
            + [s["title"] for s in sections]
        )
        vectors = encoder.encode(texts).astype(np.float32)
        buf = _npy_bytes(vectors)
        _atomic_write(out_dir / VECTORS_FILE, buf)
        model_id = MODEL_ID
    elif (out_dir / VECTORS_FILE).exists():
        (out_dir / VECTORS_FILE).unlink()
    _atomic_write(out_dir / KB_FILE, json.dumps(kb, ensure_ascii=False, indent=1).encode("utf-8"))
    manifest = {
        "source": source.name,
        "source_sha256": digest,
        "builder_version": BUILDER_VERSION,
        "embedding_model": model_id,
        "sections": len(sections),
        "passages": len(passages),
        "sentences": len(sentences),
        "cleaning": {k: v for k, v in report.__dict__.items() if k != "notes"},
    }
    _atomic_write(manifest_path, json.dumps(manifest, indent=1).encode("utf-8"))
    return BuildResult(out_dir, False, digest, len(sections), len(passages), bool(model_id), report)


def _clauses(sentences: List[SentenceRecord]) -> List[ClauseRecord]:
    """Clauses of long sentences (list-like sentences dilute a single embedding)."""
    out: List[ClauseRecord] = []
    for si, sentence in enumerate(sentences):
        text = sentence["text"]
        if len(text) <= LONG_SENTENCE:
            continue
        parts = re.split(r"(?<=[,;:])\s+", text)
        merged: List[str] = []
        for part in parts:
            if merged and len(merged[-1]) < 60:
                merged[-1] = merged[-1] + " " + part
            else:
                merged.append(part)
        if len(merged) > 1:
            out += [{"sentence": si, "text": part} for part in merged]
    return out


def _title_of(sections: List[SectionRecord], sid: str) -> str:
    return next(s["title"] for s in sections if s["id"] == sid)


def _npy_bytes(array: np.ndarray) -> bytes:
    import io

    buf = io.BytesIO()
    np.save(buf, array, allow_pickle=False)
    return buf.getvalue()

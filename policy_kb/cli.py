"""Command line: build a KB, search it, ask it.

python -m policy_kb build --source FILE --out DIR [--force] [--no-embeddings]
python -m policy_kb search --kb DIR --top K --json   < questions (one a line)
python -m policy_kb ask --kb DIR "question"
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import List, Optional

from .builder import BuildError, build
from .kb import KBNotFound, KnowledgeBase

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m policy_kb", description="Privacy-policy knowledge base")
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="build a KB directory from a policy (Markdown or plain text)")
    b.add_argument("--source", required=True, type=Path)
    b.add_argument("--out", required=True, type=Path)
    b.add_argument("--force", action="store_true", help="rebuild even if the source is unchanged")
    b.add_argument("--no-embeddings", action="store_true", help="lexical index only")
    s = sub.add_parser("search", help="rank passages for questions read from stdin, one a line")
    s.add_argument("--kb", required=True, type=Path)
    s.add_argument("--top", type=int, default=3)
    s.add_argument("--json", action="store_true", help="one JSON object per line (the default output)")
    s.add_argument("--method", choices=("hybrid", "bm25"), default="hybrid")
    a = sub.add_parser("ask", help="answer one question as the bot would")
    a.add_argument("--kb", required=True, type=Path)
    a.add_argument("--max-chars", type=int, default=320)
    a.add_argument("question")
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    args = _parser().parse_args(argv)
    try:
        if args.command == "build":
            result = build(args.source, args.out, force=args.force, embeddings=False if args.no_embeddings else None)
            if result.skipped:
                print(
                    f"knowledge base in {result.out_dir} is up to date (source sha256 {result.source_sha256[:12]}); rebuild skipped"
                )
            else:
                emb = "with embeddings" if result.embeddings else "lexical only"
                print(
                    f"built {result.out_dir}: {result.sections} sections, {result.passages} passages, {emb} "
                    f"(source sha256 {result.source_sha256[:12]})"
                )
            return 0
        kb = KnowledgeBase.load(args.kb)
        if args.command == "search":
            top = max(1, args.top)
            for line in sys.stdin:
                question = line.rstrip("\n")
                hits = kb.search(question, top=top, method=args.method)
                results = [{"section": h.section, "text": h.text, "score": round(h.score, 4)} for h in hits]
                sys.stdout.write(json.dumps({"question": question, "results": results}, ensure_ascii=False) + "\n")
                sys.stdout.flush()
            return 0
        answer = kb.answer(args.question, max_chars=args.max_chars)
        if not answer.covered:
            print(f"(not covered: {answer.reason.value}; contact {answer.contact_email or 'n/a'})")
            return 0
        print(f'From the policy, section "{answer.section_title}": {answer.text}')
        for c in answer.also:
            print(f'Section "{c.section_title}": {c.text}')
        if answer.follow_up:
            print(f"(offer: {answer.follow_up} request)")
        return 0
    except (BuildError, KBNotFound) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

"""``privacy-desk kb reload --source POLICY``: build a new KB beside the serving one and switch to it at once.

The new KB is built into its own directory under ``<KB_DIR>-versions/``, checked (the input checks of
``policy_input.py``, contact details, a company profile that builds), and only then installed by
pointing ``KB_DIR`` (a symlink) at it with one rename.  Until that rename nothing the running stack
reads has changed; after it, the action server loads the new KB in the background and switches
turns over whole (``actions/kb_holder.py``).  Any refusal leaves the previous KB serving.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional, Tuple

from bot.company.load import ProfileBuild, load_profile
from bot.company.operator_file import CompanyFileError
from bot.ops.policy_input import PolicyRejected, check_contact_details, check_policy_file
from bot.settings import Settings
from policy_kb.builder import BuildError, BuildResult, build
from policy_kb.policy_facts import PolicyFacts

__all__ = ["Reloaded", "check_policy", "reload_kb", "register"]

KEEP_VERSIONS = 3


@dataclass(frozen=True)
class Reloaded:
    directory: Path
    source_sha256: str
    profile: ProfileBuild


def _versions_dir(kb_dir: Path) -> Path:
    return kb_dir.parent / f"{kb_dir.name}-versions"


def _point(kb_dir: Path, target: Path) -> None:
    """Make ``kb_dir`` a symlink to ``target`` in one rename (a real directory is moved aside first, once)."""
    if kb_dir.exists() and not kb_dir.is_symlink():
        kb_dir.rename(_versions_dir(kb_dir) / f"before-reload-{time.strftime('%Y%m%dT%H%M%S')}")
    link = kb_dir.parent / f".{kb_dir.name}.next-{uuid.uuid4().hex[:8]}"
    os.symlink(os.path.relpath(target, kb_dir.parent), link)
    os.replace(link, kb_dir)


def _prune(kb_dir: Path, keep: int) -> None:
    current = Path(os.path.realpath(kb_dir))
    versions = sorted(
        (p for p in _versions_dir(kb_dir).iterdir() if p.is_dir() and not p.name.startswith(".")),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    for old in versions[keep:]:
        if old.resolve() != current:
            shutil.rmtree(old, ignore_errors=True)


def _checked_build(
    source: Path, out_dir: Path, company_file: Path, embeddings: Optional[bool]
) -> Tuple[BuildResult, ProfileBuild]:
    """Check the file, build it into ``out_dir``, check the contact details and the company profile."""
    check_policy_file(source)
    try:
        result = build(source, out_dir, force=True, embeddings=embeddings)
    except BuildError as exc:
        raise PolicyRejected(str(exc)) from None
    data = json.loads((out_dir / "kb.json").read_text(encoding="utf-8"))
    check_contact_details(PolicyFacts.from_facts(data.get("facts") or {}), source)
    try:
        return result, load_profile(out_dir, company_file)
    except CompanyFileError as exc:
        raise PolicyRejected(f"the company profile does not build with this policy: {exc}") from None


def check_policy(source: Path, company_file: Path) -> ProfileBuild:
    """Every check ``reload_kb`` makes, on a throw-away lexical build: nothing serving is touched."""
    with tempfile.TemporaryDirectory(prefix="kb-check-") as tmp:
        return _checked_build(source, Path(tmp), company_file, embeddings=False)[1]


def reload_kb(
    source: Path, kb_dir: Path, company_file: Path, embeddings: Optional[bool] = None, keep: int = KEEP_VERSIONS
) -> Reloaded:
    """Build, check and install the KB for ``source``; :class:`PolicyRejected` leaves the serving KB as it is."""
    check_policy_file(source)  # before any directory is made for it
    versions = _versions_dir(kb_dir)
    versions.mkdir(parents=True, exist_ok=True)
    staging = versions / f".staging-{uuid.uuid4().hex[:12]}"
    try:
        result, profile = _checked_build(source, staging, company_file, embeddings)
        final = versions / f"{result.source_sha256[:12]}-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:4]}"
        staging.rename(final)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    _point(kb_dir, final)
    _prune(kb_dir, keep)
    return Reloaded(final, result.source_sha256, profile)


def _source(args: Any, settings: Settings) -> Optional[Path]:
    given = args.source or settings.kb_source
    if not given:
        print(f"kb {args.kb_command}: give the policy file: --source path/to/policy.md", file=sys.stderr)
        return None
    return Path(given)


def _check(args: Any) -> int:
    from bot.settings import load_settings

    settings = load_settings()
    source = _source(args, settings)
    if source is None:
        return 2
    try:
        check_policy(source, settings.company_file)
    except PolicyRejected as exc:
        print(f"policy refused: {exc}", file=sys.stderr)
        return 1
    print(f"policy {source} can be served")
    return 0


def _run(args: Any) -> int:
    from bot.settings import load_settings

    settings = load_settings()
    source = _source(args, settings)
    if source is None:
        return 2
    try:
        done = reload_kb(
            source, settings.kb_dir, settings.company_file, embeddings=False if args.no_embeddings else None
        )
    except PolicyRejected as exc:
        print(f"kb reload refused, the previous knowledge base keeps serving: {exc}", file=sys.stderr)
        return 1
    p = done.profile.profile
    print(
        f"knowledge base reloaded: policy {done.source_sha256[:12]} ({p.policy_revision or 'undated'}) for "
        f"{p.display_name}; running action servers switch within a second"
    )
    print(done.profile.provenance.report())
    return 0


def register(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    parser = subparsers.add_parser("kb", help="the policy knowledge base")
    sub = parser.add_subparsers(dest="kb_command", metavar="ACTION")
    reload = sub.add_parser("reload", help="build the KB for a new policy (version) and switch the running stack to it")
    reload.add_argument("--source", help="the policy file (default: $POLICY or $KB_SOURCE)")
    reload.add_argument("--no-embeddings", action="store_true", help="lexical index only (faster, weaker answers)")
    reload.set_defaults(func=_run)
    check = sub.add_parser("check", help="check a policy file can be served (empty, binary, size, language, contact)")
    check.add_argument("--source", help="the policy file (default: $POLICY or $KB_SOURCE)")
    check.set_defaults(func=_check)

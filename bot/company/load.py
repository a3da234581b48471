"""Build the :class:`CompanyProfile` from the KB (policy facts) and ``company.yml`` (operator).

The file wins over the policy (the operator reviewed it); the policy fills what the file leaves out;
a few presentation fields have defaults; a required field nobody gives is an error naming it.
:func:`current_profile` is what every text asks: it rebuilds when the KB or the file changes on disk,
so a ``privacy-desk kb reload`` reaches every reply without a restart.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from bot.company.derive import values_from_policy
from bot.company.operator_file import CompanyFileError, read_company_file
from bot.company.profile import FIELDS, REQUIRED_FIELDS, CompanyProfile, PostalAddress, Provenance, Source
from policy_kb.policy_facts import PolicyFacts

__all__ = [
    "ProfileBuild",
    "build_profile",
    "load_profile",
    "current_profile",
    "policy_in_force",
    "default_jurisdiction",
    "configure",
    "CompanyFileError",
]

#: Presentation defaults (``assistant_name`` defaults to "<display name> privacy assistant" below).
_DEFAULTS: Dict[str, Any] = {}


@dataclass(frozen=True)
class ProfileBuild:
    profile: CompanyProfile
    provenance: Provenance


def _render(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(str(v) for v in value.values() if v)
    return str(value)


def build_profile(
    policy_values: Dict[str, Any],
    file_values: Dict[str, Any],
    policy_version: Optional[str] = None,
    origin: str = "company.yml",
) -> ProfileBuild:
    """Merge the two sources; raise :class:`CompanyFileError` naming each required field missing."""
    merged: Dict[str, Any] = {}
    sources: Dict[str, Source] = {}
    overridden: Dict[str, str] = {}
    for name in FIELDS:
        if name in file_values:
            merged[name], sources[name] = file_values[name], Source.FILE
            if name in policy_values and policy_values[name] != file_values[name]:
                overridden[name] = _render(policy_values[name])
        elif name in policy_values:
            merged[name], sources[name] = policy_values[name], Source.POLICY
        elif name in _DEFAULTS:
            merged[name], sources[name] = _DEFAULTS[name], Source.DEFAULT
        else:
            sources[name] = Source.MISSING
    if "display_name" not in merged and "legal_name" in merged:
        merged["display_name"], sources["display_name"] = merged["legal_name"], Source.DEFAULT
    if "assistant_name" not in merged and "display_name" in merged:
        merged["assistant_name"] = f"{merged['display_name']} privacy assistant"
        sources["assistant_name"] = Source.DEFAULT
    missing = [name for name in REQUIRED_FIELDS if name not in merged]
    if missing:
        raise CompanyFileError(
            f"{origin}: the policy does not state {', '.join(missing)}; add "
            f"{'it' if len(missing) == 1 else 'them'} to the company file"
        )
    address = merged.get("postal_address")
    profile = CompanyProfile(
        legal_name=merged["legal_name"],
        display_name=merged["display_name"],
        assistant_name=merged["assistant_name"],
        privacy_email=merged["privacy_email"],
        postal_address=PostalAddress(address["addressee"], address["street"], address.get("care_of"))
        if address
        else None,
        phone=merged.get("phone"),
        website=merged.get("website"),
        jurisdictions=tuple(merged.get("jurisdictions", ())),
        children_age=merged.get("children_age"),
        parental_deletion_age=merged.get("parental_deletion_age"),
        parental_proof=merged.get("parental_proof"),
        policy_revision=merged.get("policy_revision"),
        policy_version=policy_version,
    )
    return ProfileBuild(profile, Provenance(sources, overridden))


def _policy_values(kb_dir: Path) -> Tuple[Dict[str, Any], Optional[str]]:
    """The policy's values and version (source sha256, 12 hex) from a built KB; ``{}`` with no KB."""
    kb_file = kb_dir / "kb.json"
    if not kb_file.is_file():
        return {}, None
    data = json.loads(kb_file.read_text(encoding="utf-8"))
    facts = PolicyFacts.from_facts(data.get("facts") or {})
    parent_sentences = [
        s["text"] for s in data.get("sentences", []) if "parent" in s["text"].lower() or "guardian" in s["text"].lower()
    ]
    version = None
    manifest = kb_dir / "manifest.json"
    if manifest.is_file():
        sha = json.loads(manifest.read_text(encoding="utf-8")).get("source_sha256")
        version = sha[:12] if isinstance(sha, str) else None
    return values_from_policy(facts, parent_sentences), version


def load_profile(kb_dir: Path, company_file: Path) -> ProfileBuild:
    """The profile for the KB in ``kb_dir`` and the operator file ``company_file``."""
    policy_values, version = _policy_values(kb_dir)
    return build_profile(policy_values, read_company_file(company_file), version, str(company_file))


class _Current:
    """The process's profile, rebuilt when the KB or the company file changes (mtime + size)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._paths: Optional[Tuple[Path, Path]] = None
        self._stamp: Optional[tuple] = None
        self._build: Optional[ProfileBuild] = None

    def configure(self, paths: Optional[Tuple[Path, Path]]) -> None:
        with self._lock:
            self._paths, self._stamp, self._build = paths, None, None

    def _stamp_of(self, kb_dir: Path, company_file: Path) -> tuple:
        out: List[Optional[Tuple[int, int]]] = []
        for path in (kb_dir / "kb.json", kb_dir / "manifest.json", company_file):
            try:
                st = path.stat()
                out.append((st.st_mtime_ns, st.st_size))
            except OSError:
                out.append(None)
        return tuple(out)

    def get(self) -> ProfileBuild:
        with self._lock:
            if self._paths is None:
                from bot.settings import load_settings

                settings = load_settings()
                self._paths = (settings.kb_dir, settings.company_file)
            kb_dir, company_file = self._paths
            stamp = self._stamp_of(kb_dir, company_file)
            if self._build is None or stamp != self._stamp:
                try:
                    self._build = load_profile(kb_dir, company_file)
                except (CompanyFileError, OSError, ValueError):
                    if self._build is None:
                        raise
                    # a half-written or invalid new file: keep serving the profile that was valid
                self._stamp = stamp
            return self._build


_CURRENT = _Current()


def configure(kb_dir: Optional[Path] = None, company_file: Optional[Path] = None) -> None:
    """Point :func:`current_profile` at a KB and company file; with no arguments, back to the settings'."""
    _CURRENT.configure((kb_dir, company_file) if kb_dir is not None and company_file is not None else None)


def current_profile() -> CompanyProfile:
    """The company the assistant speaks for now: the one function every text asks."""
    return _CURRENT.get().profile


def policy_in_force() -> Optional[str]:
    """``"March 2010 @ 0b422c45e4f1"``: the policy's revision and source sha, for a ticket being filed.

    ``None`` when no profile can be built: filing a request never fails for want of a label.
    """
    try:
        profile = current_profile()
    except (CompanyFileError, OSError, ValueError):
        return None
    if profile.policy_version is None:
        return None
    return f"{profile.policy_revision or 'undated'} @ {profile.policy_version}"


def default_jurisdiction() -> Optional[str]:
    """The deadline rule for requests that name none: the first jurisdiction the company serves, if given."""
    try:
        jurisdictions = current_profile().jurisdictions
    except (CompanyFileError, OSError, ValueError):
        return None
    return jurisdictions[0] if jurisdictions else None

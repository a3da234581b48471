"""``privacy-desk company check``: which profile fields came from the policy, which from the file, which are missing."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from bot.company.load import load_profile
from bot.company.operator_file import CompanyFileError


def check(kb_dir: Path, company_file: Path) -> int:
    """Print the provenance report; 1 (and the error naming the field) when the profile is unusable."""
    try:
        build = load_profile(kb_dir, company_file)
    except CompanyFileError as exc:
        print(f"company profile: {exc}", file=sys.stderr)
        return 1
    p = build.profile
    version = f", policy {p.policy_version}" if p.policy_version else ", no KB built yet"
    print(f"company profile: {p.display_name} <{p.privacy_email}> ({company_file}{version})")
    print(build.provenance.report())
    return 0


def _run(args: Any) -> int:
    from bot.settings import load_settings

    settings = load_settings()
    return check(Path(args.kb or settings.kb_dir), Path(args.company or settings.company_file))


def register(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    parser = subparsers.add_parser("company", help="the company profile (policy facts + company.yml)")
    sub = parser.add_subparsers(dest="company_command", metavar="ACTION")
    checker = sub.add_parser("check", help="build the profile and report where each field came from")
    checker.add_argument("--kb", help="the built KB directory (default: KB_DIR)")
    checker.add_argument("--company", help="the operator's company file (default: COMPANY_FILE)")
    checker.set_defaults(func=_run)

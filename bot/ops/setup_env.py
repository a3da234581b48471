"""First-run ``.env``: copy ``.env.example`` and fill every ``generate`` with a fresh secret.

Existing ``.env`` files are completed, never overwritten: a variable added to
``.env.example`` later appears in ``.env`` on the next run, with a fresh
secret where needed, while every value the operator set stays as it is.
"""

from __future__ import annotations

import argparse
import secrets
from pathlib import Path
from typing import Dict, List

from bot.privacy.crypto import generate_key
from bot.settings import PROJECT_ROOT

PLACEHOLDER = "generate"


def _secret_for(name: str) -> str:
    if name == "DATA_KEYS":
        return generate_key()
    if name == "TWILIO_AUTH_TOKEN":
        return secrets.token_hex(16)
    return secrets.token_urlsafe(32)


def _parse_names(lines: List[str]) -> Dict[str, str]:
    values: Dict[str, str] = {}
    for line in lines:
        stripped = line.strip()
        if stripped and not stripped.startswith("#") and "=" in stripped:
            name, value = stripped.split("=", 1)
            values[name.strip()] = value.strip()
    return values


def ensure_env(example: Path, target: Path) -> List[str]:
    """Create or complete ``target`` from ``example``; return the names added."""
    example_lines = example.read_text(encoding="utf-8").splitlines()
    existing_lines = target.read_text(encoding="utf-8").splitlines() if target.exists() else []
    existing = _parse_names(existing_lines)
    added: List[str] = []
    output = list(existing_lines) if existing_lines else []
    for line in example_lines:
        stripped = line.strip()
        if not existing_lines:
            if stripped and not stripped.startswith("#") and "=" in stripped:
                name, value = stripped.split("=", 1)
                if value.strip() == PLACEHOLDER:
                    line = f"{name}={_secret_for(name.strip())}"
                added.append(name.strip())
            output.append(line)
        elif stripped and not stripped.startswith("#") and "=" in stripped:
            name, value = stripped.split("=", 1)
            if name.strip() not in existing:
                value = _secret_for(name.strip()) if value.strip() == PLACEHOLDER else value.strip()
                output.append(f"{name.strip()}={value}")
                added.append(name.strip())
    if added or not target.exists():
        target.write_text("\n".join(output) + "\n", encoding="utf-8")
        target.chmod(0o600)
    return added


def _command(args: argparse.Namespace) -> int:
    target = Path(args.env)
    created = not target.exists()
    added = ensure_env(Path(args.example), target)
    if created:
        print(f"Created {target} with fresh secrets.")
    elif added:
        print(f"Added to {target}: {', '.join(added)}")
    return 0


def register(subparsers: "argparse._SubParsersAction") -> None:
    parser = subparsers.add_parser("init-env", help="create or complete .env with fresh secrets")
    parser.add_argument("--example", default=str(PROJECT_ROOT / ".env.example"))
    parser.add_argument("--env", default=str(PROJECT_ROOT / ".env"))
    parser.set_defaults(func=_command)

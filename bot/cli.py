"""The ``privacy-desk`` command: one entry point for operators.

Each subcommand lives in the module that owns the behaviour; this file only
wires them together, so ``privacy-desk --help`` is the table of contents.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import List, Optional

# Modules that contribute subcommands.  Each exposes
# ``register(subparsers: argparse._SubParsersAction) -> None`` and sets
# ``func`` on its parsers via ``set_defaults(func=...)``; ``func(args) -> int``.
COMMAND_MODULES: List[str] = [
    "bot.ops.setup_env",
    "bot.ops.runner",
    "bot.ops.replicas",  # run-replicas
    "bot.storage.migrate",
    "bot.jobs.key_rotation",
    "bot.console.cli",  # agents: console accounts
    "bot.notify.cli",  # outbox
    "bot.verification.cli",  # customers seed
    "bot.jobs.retention",  # purge
    "bot.fulfilment.cli",  # shop seed, fulfilment check
    "bot.jobs.notices",  # notices send|failed
    "bot.company.cli",  # company check
    "bot.ops.kb_reload",  # kb reload
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="privacy-desk", description="Privacy Desk operator commands.")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

"""``privacy-desk run|train|check|shell``: start, train and test the whole stack.

``run`` starts the three processes of the embedded default under a
:class:`~bot.ops.supervisor.Supervisor`, prints the URLs, and stops them all on
Ctrl-C or when any of them dies.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List, Optional

from bot.jobs.retention import start_daily_purge
from bot.ops.supervisor import Supervisor, child_environment, stack_specs
from bot.ops.terminal_chat import chat
from bot.settings import PROJECT_ROOT, Settings, load_settings

__all__ = ["register", "run_stack"]

VENV_BIN = Path(sys.executable).parent


def _raise_keyboard_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def run_stack(settings: Settings, log_dir: Optional[Path] = None, banner: bool = True) -> int:
    supervisor = Supervisor(stack_specs(settings), child_environment(settings), log_dir)
    problem = supervisor.check_ports()
    if problem:
        print(problem, file=sys.stderr)
        return 1
    from bot.fulfilment.service import startup_check

    refused = startup_check(settings)  # a data map naming a missing table/field: its line, at start-up
    if refused:
        print(refused, file=sys.stderr)
    signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
    started = time.monotonic()
    stop_retention = None
    try:
        supervisor.start_all()
        # The daily retention run (what `privacy-desk purge` does) in a background thread.
        stop_retention = start_daily_purge(settings)
        if banner:
            print(
                "\nPrivacy Desk is running (ready in {:.0f}s):\n"
                "  web chat       http://localhost:{web}/\n"
                "  agent console  http://localhost:{web}/console\n"
                "  REST channel   http://localhost:{rasa}/webhooks/rest/webhook\n"
                "  Rasa HTTP API  http://localhost:{rasa}/ (token: RASA_API_TOKEN in .env)\n"
                "Press Ctrl-C to stop.\n".format(
                    time.monotonic() - started, web=settings.web_port, rasa=settings.rasa_port
                ),
                flush=True,
            )
        dead = supervisor.watch()
        print(f"\n{dead} stopped unexpectedly; stopping everything.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nStopping ...", flush=True)
        return 0
    except RuntimeError as exc:
        print(f"\n{exc}", file=sys.stderr)
        return 1
    finally:
        if stop_retention is not None:
            stop_retention()
        supervisor.stop_all()


def _rasa(*args: str) -> List[str]:
    return [str(VENV_BIN / "rasa"), *args]


def _run(command: List[str], env: Optional[Dict[str, str]] = None) -> int:
    print("$ " + " ".join(command), flush=True)
    return subprocess.call(command, cwd=str(PROJECT_ROOT), env=env)  # noqa: S603


def train_model(args: argparse.Namespace) -> int:
    """Train only when the training data changed (Rasa's fingerprint decides)."""
    env = dict(os.environ, RASA_TELEMETRY_ENABLED="false", TF_CPP_MIN_LOG_LEVEL="2")
    return _run(_rasa("train", "--out", "models", "--num-threads", "2"), env)


def check(args: argparse.Namespace) -> int:
    """Every check, in the order that fails fastest; non-zero on any failure."""
    env = dict(os.environ, RASA_TELEMETRY_ENABLED="false", TF_CPP_MIN_LOG_LEVEL="2")
    steps = [
        ("ruff (lint)", [sys.executable, "-m", "ruff", "check", "bot", "actions", "policy_kb", "tests"]),
        ("ruff (format)", [sys.executable, "-m", "ruff", "format", "--check", "bot", "actions", "policy_kb", "tests"]),
        ("mypy", [sys.executable, "-m", "mypy"]),
        ("Rasa data validation", _rasa("data", "validate", "--fail-on-warnings")),
        ("pytest", [sys.executable, "-m", "pytest", *args.pytest_args]),
        (
            "Rasa test stories",
            _rasa("test", "core", "--stories", "tests/stories", "--fail-on-prediction-errors", "--out", "results"),
        ),
    ]
    failed = []
    for title, command in steps:
        print(f"\n==> {title}", flush=True)
        if _run(command, env) != 0:
            failed.append(title)
    if failed:
        print(f"\nFAILED: {', '.join(failed)}", file=sys.stderr)
        return 1
    print("\nAll checks passed.")
    return 0


def shell(args: argparse.Namespace) -> int:
    """A terminal chat against a running stack's REST channel, or a fresh stack."""
    return chat(load_settings())


def _run_command(args: argparse.Namespace) -> int:
    settings = load_settings()
    return run_stack(settings, log_dir=Path(args.log_dir) if args.log_dir else None)


def register(subparsers: "argparse._SubParsersAction") -> None:
    run = subparsers.add_parser("run", help="start the action server, Rasa and the web app")
    run.add_argument("--log-dir", default=None, help="write each process's output to a file here")
    run.set_defaults(func=_run_command)
    train = subparsers.add_parser("train", help="train the Rasa model if the training data changed")
    train.set_defaults(func=train_model)
    checks = subparsers.add_parser("check", help="lint, type-check, validate data, run pytest and Rasa test stories")
    checks.add_argument("pytest_args", nargs="*", default=[])
    checks.set_defaults(func=check)
    sh = subparsers.add_parser("shell", help="chat with the assistant in the terminal")
    sh.set_defaults(func=shell)

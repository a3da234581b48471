"""``privacy-desk run|train|check|shell``: start, train and test the whole stack.

The supervisor starts each process in its own process group, waits for its
health check, prints the URLs, and on Ctrl-C, SIGTERM, or the death of any
child stops them all (TERM, then KILL after a grace period) so nothing is left
orphaned.  A port already taken is reported before anything starts.
"""
from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence

from bot.settings import PROJECT_ROOT, Settings, load_settings

__all__ = ["ProcessSpec", "Supervisor", "register", "stack_specs"]

VENV_BIN = Path(sys.executable).parent
GRACE_SECONDS = 10.0


@dataclass
class ProcessSpec:
    """One child process and how to tell it is ready."""

    name: str
    command: List[str]
    port: int
    health_url: str
    host: str = "127.0.0.1"
    startup_timeout: float = 180.0
    env: Dict[str, str] = field(default_factory=dict)
    stop_signal: int = signal.SIGTERM  # nginx stops gracefully on SIGQUIT
    stop_timeout: float = GRACE_SECONDS  # then KILL


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def healthy(url: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - loopback URL we built
            return 200 <= response.status < 300
    except (urllib.error.URLError, OSError, ValueError):
        return False


def child_environment(settings: Settings, extra: Optional[Dict[str, str]] = None) -> Dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "RASA_TELEMETRY_ENABLED": "false",
            "TF_CPP_MIN_LOG_LEVEL": "2",
            "PYTHONUNBUFFERED": "1",
            "ACTION_PORT": str(settings.action_port),
            "SANIC_HOST": "127.0.0.1",
        }
    )
    env.update(extra or {})
    return env


def stack_specs(settings: Settings, python: str = sys.executable) -> List[ProcessSpec]:
    """The three processes of the embedded default, in start order."""
    return [
        ProcessSpec(
            name="action server",
            command=[python, "-m", "actions.server"],
            port=settings.action_port,
            health_url=f"http://127.0.0.1:{settings.action_port}/health",
        ),
        ProcessSpec(
            name="Rasa server",
            command=[python, "-m", "bot.rasa_server"],
            port=settings.rasa_port,
            health_url=f"http://127.0.0.1:{settings.rasa_port}/",
            startup_timeout=420.0,
        ),
        ProcessSpec(
            name="web app",
            command=[python, "-m", "bot.webapp"],
            port=settings.web_port,
            health_url=f"http://127.0.0.1:{settings.web_port}/healthz",
        ),
    ]


class Supervisor:
    """Start processes, watch them, stop them all together."""

    def __init__(self, specs: Sequence[ProcessSpec], env: Dict[str, str], log_dir: Optional[Path] = None) -> None:
        self.specs = list(specs)
        self.env = env
        self.log_dir = log_dir
        self.children: Dict[str, subprocess.Popen] = {}

    def check_ports(self) -> Optional[str]:
        for spec in self.specs:
            if port_in_use(spec.port):
                return (
                    f"Port {spec.port} ({spec.name}) is already in use — Privacy Desk is probably already running "
                    f"on port {spec.port}. Stop it first, or choose another port in .env."
                )
        return None

    def start_all(self) -> None:
        for spec in self.specs:
            self._start(spec)
            self._wait_ready(spec)

    def _start(self, spec: ProcessSpec) -> None:
        stdout = None
        if self.log_dir is not None:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            stdout = open(self.log_dir / f"{spec.name.replace(' ', '-')}.log", "ab")  # noqa: SIM115 - lives with the child
        env = dict(self.env)
        env.update(spec.env)
        self.children[spec.name] = subprocess.Popen(  # noqa: S603 - our own fixed command
            spec.command,
            cwd=str(PROJECT_ROOT),
            env=env,
            stdout=stdout,
            stderr=subprocess.STDOUT if stdout else None,
            start_new_session=True,
        )

    def _wait_ready(self, spec: ProcessSpec) -> None:
        print(f"  starting {spec.name} on port {spec.port} ...", flush=True)
        deadline = time.monotonic() + spec.startup_timeout
        child = self.children[spec.name]
        while time.monotonic() < deadline:
            if child.poll() is not None:
                raise RuntimeError(f"{spec.name} exited during startup (exit code {child.returncode}); see its log above")
            if healthy(spec.health_url):
                print(f"  {spec.name} is up", flush=True)
                return
            time.sleep(0.5)
        raise RuntimeError(f"{spec.name} did not answer {spec.health_url} within {spec.startup_timeout:.0f}s")

    def watch(self) -> str:
        """Block until a child dies; return its name."""
        while True:
            for name, child in self.children.items():
                if child.poll() is not None:
                    return name
            time.sleep(0.5)

    def stop_all(self) -> None:
        self.stop(list(self.children))

    def stop(self, names: Sequence[str]) -> None:
        """Stop these children together: their stop signal, then KILL after the grace period."""
        signals = {spec.name: spec.stop_signal for spec in self.specs}
        children = [self.children[name] for name in names if name in self.children]
        for name in names:
            child = self.children.get(name)
            if child is not None and child.poll() is None:
                try:
                    os.killpg(child.pid, signals.get(name, signal.SIGTERM))
                except ProcessLookupError:
                    pass
        timeouts = [spec.stop_timeout for spec in self.specs if spec.name in names] or [GRACE_SECONDS]
        deadline = time.monotonic() + max(timeouts)
        for child in children:
            remaining = max(0.1, deadline - time.monotonic())
            try:
                child.wait(timeout=remaining)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(child.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                child.wait()
        # A child may have left grandchildren in its group.
        for child in children:
            try:
                os.killpg(child.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass


def _raise_keyboard_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def run_stack(settings: Settings, log_dir: Optional[Path] = None, banner: bool = True) -> int:
    supervisor = Supervisor(stack_specs(settings), child_environment(settings), log_dir)
    problem = supervisor.check_ports()
    if problem:
        print(problem, file=sys.stderr)
        return 1
    signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
    started = time.monotonic()
    stop_retention = None
    try:
        supervisor.start_all()
        # --- assistant's own records: daily retention run (privacy-desk purge) in the background ---
        from bot.privacy.retention import start_daily_purge

        stop_retention = start_daily_purge(settings)
        if banner:
            print(
                "\nPrivacy Desk is running (ready in {:.0f}s):\n"
                "  web chat       http://localhost:{web}/\n"
                "  agent console  http://localhost:{web}/console\n"
                "  REST channel   http://localhost:{rasa}/webhooks/rest/webhook\n"
                "  Rasa HTTP API  http://localhost:{rasa}/ (token: RASA_API_TOKEN in .env)\n"
                "Press Ctrl-C to stop.\n".format(time.monotonic() - started, web=settings.web_port, rasa=settings.rasa_port),
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
    settings = load_settings()
    from bot.terminal_chat import chat

    return chat(settings)


def _run_command(args: argparse.Namespace) -> int:
    settings = load_settings()
    return run_stack(settings, log_dir=Path(args.log_dir) if args.log_dir else None)


def register(subparsers: "argparse._SubParsersAction") -> None:
    run = subparsers.add_parser("run", help="start the action server, Rasa and the web app")
    run.add_argument("--log-dir", default=None, help="write each process's output to a file here")
    run.set_defaults(func=_run_command)
    train = subparsers.add_parser("train", help="train the Rasa model if the training data changed")
    train.set_defaults(func=train_model)
    checks = subparsers.add_parser("check", help="validate data, run pytest and Rasa test stories")
    checks.add_argument("pytest_args", nargs="*", default=[])
    checks.set_defaults(func=check)
    sh = subparsers.add_parser("shell", help="chat with the assistant in the terminal")
    sh.set_defaults(func=shell)

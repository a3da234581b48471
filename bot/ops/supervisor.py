"""The process supervisor: start each child in its own process group, wait for
its health check, and stop them all together.

On Ctrl-C, SIGTERM, or the death of any child, :class:`Supervisor` stops every
child (its stop signal, then KILL after a grace period) so nothing is left
orphaned.  A port already taken is reported before anything starts.  Used by
``privacy-desk run`` (:mod:`bot.ops.runner`), the replicas
(:mod:`bot.ops.replicas`), the terminal chat and the integration tests.
"""

from __future__ import annotations

import contextlib
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

from bot.settings import PROJECT_ROOT, Settings

__all__ = ["ProcessSpec", "Supervisor", "child_environment", "healthy", "port_in_use", "stack_specs", "GRACE_SECONDS"]

GRACE_SECONDS = 10.0
WORKER_SETTLE_SECONDS = 1.0


@dataclass
class ProcessSpec:
    """One child process and how to tell it is ready.

    A worker without a port (``port=0``, ``health_url=""``) is ready when it is still
    running after ``WORKER_SETTLE_SECONDS`` (it has opened its database and not exited).
    """

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


# One compute thread per library in each child. The stack is three processes on a couple of
# cores, each turn runs small matrix products (MiniLM, the intent classifier, TED) that threads cannot split
# usefully, and idle OpenBLAS/TensorFlow pools spin on the cores the other processes need.
# Explicit values in the parent environment (or ``extra``) win.
SINGLE_THREAD_COMPUTE = {
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "TF_INTRA_OP_PARALLELISM_THREADS": "1",  # read by rasa.utils.tensorflow.environment
    "TF_INTER_OP_PARALLELISM_THREADS": "1",
}


def blas_kernel_setting() -> Dict[str, str]:
    """``OPENBLAS_CORETYPE`` for the children when numpy's OpenBLAS would run its generic kernel on this CPU.

    OpenBLAS picks its kernel from the CPU model when it loads; a model newer than the library (common in
    virtual machines) gets the generic one, and the knowledge base's retrieval products run about 3x
    slower (``policy_kb/blas_check.py``, ``bench/RESULTS_KB.md``). The children read the
    variable before they load numpy; here numpy is loaded once to see what OpenBLAS would choose.
    """
    try:
        import numpy  # noqa: F401 - loads the OpenBLAS the children will load

        from policy_kb.blas_check import better_core

        core = better_core()
    except ImportError:
        return {}
    return {"OPENBLAS_CORETYPE": core} if core else {}


def child_environment(settings: Settings, extra: Optional[Dict[str, str]] = None) -> Dict[str, str]:
    """The children's environment: one compute thread per library, the right BLAS kernel, then the
    operator's environment (which wins), then the stack's own settings."""
    env = dict(SINGLE_THREAD_COMPUTE)
    env.update(blas_kernel_setting())
    env.update(os.environ)
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
            command=[python, "-m", "bot.rasa.server"],
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
        ProcessSpec(
            name="notice sender",
            command=[python, "-m", "bot.jobs.notices", "send", "--loop", "--interval", "2"],
            port=0,
            health_url="",
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
            if spec.port and port_in_use(spec.port):
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
        child = self.children[spec.name]
        if not spec.health_url:
            print(f"  starting {spec.name} ...", flush=True)
            time.sleep(WORKER_SETTLE_SECONDS)
            if child.poll() is not None:
                raise RuntimeError(
                    f"{spec.name} exited during startup (exit code {child.returncode}); see its log above"
                )
            print(f"  {spec.name} is up", flush=True)
            return
        print(f"  starting {spec.name} on port {spec.port} ...", flush=True)
        deadline = time.monotonic() + spec.startup_timeout
        while time.monotonic() < deadline:
            if child.poll() is not None:
                raise RuntimeError(
                    f"{spec.name} exited during startup (exit code {child.returncode}); see its log above"
                )
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
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(child.pid, signals.get(name, signal.SIGTERM))
        timeouts = [spec.stop_timeout for spec in self.specs if spec.name in names] or [GRACE_SECONDS]
        deadline = time.monotonic() + max(timeouts)
        for child in children:
            remaining = max(0.1, deadline - time.monotonic())
            try:
                child.wait(timeout=remaining)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(child.pid, signal.SIGKILL)
                child.wait()
        # A child may have left grandchildren in its group.
        for child in children:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(child.pid, signal.SIGKILL)

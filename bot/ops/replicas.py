"""``privacy-desk run-replicas --replicas N``: the production profile on one machine.

Starts, on loopback::

    nginx  :RASA_PORT ──least_conn──▶ Rasa replica 1 :REPLICA_BASE_PORT+1 ──▶ action server 1 :REPLICA_BASE_PORT+51
     (load balancer)                 Rasa replica 2 :REPLICA_BASE_PORT+2 ──▶ action server 2 :REPLICA_BASE_PORT+52
                                     ...
    web app :WEB_PORT (its chat page points browsers at the load balancer)

All replicas share PostgreSQL (tickets and the encrypted conversations) and
Redis (Rasa's ``RedisLockStore``, so two replicas never process turns of one
conversation at once).  Every process is stateless otherwise; any replica can
take any turn.

Why nginx (Debian's ``nginx-light``): it is the load balancer operators already
run, it proxies websockets, and it drains gracefully on ``SIGQUIT``.  Our web
chat uses socket.io with the websocket transport only, so one connection stays
on one replica for its life and no sticky sessions are needed; Twilio webhooks
and (with ``REST_CHANNEL_ENABLED``) REST are plain request/response.

The supervisor waits for each process's *readiness* (model loaded, databases
answer), restarts a replica that dies (as an orchestrator would), and on
Ctrl-C/SIGTERM stops in dependency order so in-flight turns finish: load
balancer (graceful ``SIGQUIT``) → Rasa replicas (Sanic drains open requests) →
action servers and web app.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence

from bot.ops.supervisor import ProcessSpec, Supervisor, child_environment
from bot.settings import PROJECT_ROOT, Profile, Settings, load_settings

__all__ = [
    "ReplicaLayout",
    "ClusterSupervisor",
    "cluster_specs",
    "default_layout",
    "render_nginx_conf",
    "run_replicas",
    "register",
]

NGINX_TEMPLATE = PROJECT_ROOT / "deploy" / "nginx" / "privacy-desk.conf.template"
DRAIN_SECONDS = 10  # Sanic lets open requests finish this long after SIGTERM ...
STOP_SECONDS = 25  # ... and the supervisor sends KILL only after this (Kubernetes: terminationGracePeriodSeconds)


@dataclass(frozen=True)
class ReplicaLayout:
    """Ports of one cluster on this machine."""

    lb_port: int
    rasa_ports: Sequence[int]
    action_ports: Sequence[int]
    web_port: int
    lb_interface: str = "127.0.0.1"

    @property
    def replicas(self) -> int:
        return len(self.rasa_ports)

    def rasa_url(self, index: int) -> str:
        return f"http://127.0.0.1:{self.rasa_ports[index]}"

    @property
    def lb_url(self) -> str:
        return f"http://127.0.0.1:{self.lb_port}"


def default_layout(settings: Settings, replicas: int) -> ReplicaLayout:
    """Load balancer on ``RASA_PORT``; replica ports from ``REPLICA_BASE_PORT`` (default 5100)."""
    if replicas < 1:
        raise ValueError("at least one replica")
    base = settings.replica_base_port
    return ReplicaLayout(
        lb_port=settings.rasa_port,
        rasa_ports=[base + 1 + i for i in range(replicas)],
        action_ports=[base + 51 + i for i in range(replicas)],
        web_port=settings.web_port,
        lb_interface=settings.rasa_interface,
    )


def rasa_name(index: int) -> str:
    return f"rasa-{index + 1}"


def actions_name(index: int) -> str:
    return f"actions-{index + 1}"


def notices_name(index: int) -> str:
    return f"notices-{index + 1}"


WEB = "web app"
LB = "load balancer"


def render_nginx_conf(
    layout: ReplicaLayout, run_dir: Path, rest_public: bool = False, template: Path = NGINX_TEMPLATE
) -> str:
    """Fill ``deploy/nginx/privacy-desk.conf.template`` for this layout (``{{NAME}}`` placeholders)."""
    upstreams = "\n".join(f"        server 127.0.0.1:{port} max_fails=3 fail_timeout=5s;" for port in layout.rasa_ports)
    rest = (
        "location /webhooks/rest/ { proxy_pass http://rasa_replicas; }"
        if rest_public
        else "location /webhooks/rest/ { return 404; }"
    )
    values = {
        "RUN_DIR": str(run_dir),
        "LISTEN": f"{layout.lb_interface}:{layout.lb_port}",
        "UPSTREAM_SERVERS": upstreams.lstrip(),
        "REST_LOCATION": rest,
    }
    text = template.read_text(encoding="utf-8")
    for key, value in values.items():
        text = text.replace("{{" + key + "}}", value)
    return text


def nginx_binary() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if not found:
        raise RuntimeError("nginx is not installed: apt-get install nginx-light (Debian) — it is the load balancer")
    return found


def cluster_specs(
    settings: Settings,
    layout: ReplicaLayout,
    run_dir: Path,
    python: str = sys.executable,
    rest_public: bool = False,
    models_dir: Optional[Path] = None,
) -> List[ProcessSpec]:
    """Action servers, Rasa replicas, web app, notice senders and load balancer, in start order.

    Each replica has its own notice sender: senders claim notices one at a time (``SKIP LOCKED``
    on PostgreSQL), so several racing deliver each notice once and a dead one is not missed.
    """
    models = ["--models", str(models_dir)] if models_dir else []
    specs: List[ProcessSpec] = []
    drain = {"SANIC_GRACEFUL_SHUTDOWN_TIMEOUT": str(DRAIN_SECONDS)}
    for i in range(layout.replicas):
        specs.append(
            ProcessSpec(
                name=actions_name(i),
                command=[python, "-m", "actions.server"],
                port=layout.action_ports[i],
                health_url=f"http://127.0.0.1:{layout.action_ports[i]}/ready",
                stop_timeout=STOP_SECONDS,
                env={"ACTION_PORT": str(layout.action_ports[i]), "REPLICA": str(i + 1), **drain},
            )
        )
    for i in range(layout.replicas):
        specs.append(
            ProcessSpec(
                name=rasa_name(i),
                command=[python, "-m", "bot.rasa.server", "--port", str(layout.rasa_ports[i]), *models],
                port=layout.rasa_ports[i],
                health_url=f"http://127.0.0.1:{layout.rasa_ports[i]}/webhooks/ready/",
                startup_timeout=300.0,
                stop_timeout=STOP_SECONDS,
                env={"ACTION_PORT": str(layout.action_ports[i]), "REPLICA": str(i + 1), **drain},
            )
        )
    specs.append(
        ProcessSpec(
            name=WEB,
            command=[python, "-m", "bot.webapp"],
            port=layout.web_port,
            health_url=f"http://127.0.0.1:{layout.web_port}/readyz",
        )
    )
    for i in range(layout.replicas):
        specs.append(
            ProcessSpec(
                name=notices_name(i),
                command=[python, "-m", "bot.jobs.notices", "send", "--loop", "--interval", "2"],
                port=0,
                health_url="",
                env={"REPLICA": str(i + 1)},
            )
        )
    conf = run_dir / "nginx.conf"
    run_dir.mkdir(parents=True, exist_ok=True)
    conf.write_text(render_nginx_conf(layout, run_dir, rest_public=rest_public), encoding="utf-8")
    specs.append(
        ProcessSpec(
            name=LB,
            command=[nginx_binary(), "-e", "stderr", "-p", str(run_dir), "-c", str(conf), "-g", "daemon off;"],
            port=layout.lb_port,
            health_url=f"http://127.0.0.1:{layout.lb_port}/lb/health",
            stop_signal=signal.SIGQUIT,
            stop_timeout=STOP_SECONDS,
        )
    )
    return specs


class ClusterSupervisor(Supervisor):
    """A :class:`Supervisor` that starts replicas in parallel, restarts them, and stops in order."""

    def spec(self, name: str) -> ProcessSpec:
        return next(spec for spec in self.specs if spec.name == name)

    def start_all(self) -> None:
        # Action servers first (Rasa checks nothing about them at start, but turns need them),
        # then every Rasa replica at once (model loading dominates), then web app and balancer.
        groups = [
            [s for s in self.specs if s.name.startswith("actions-")],
            [s for s in self.specs if s.name.startswith("rasa-")],
            [s for s in self.specs if s.name in (WEB, LB) or s.name.startswith("notices-")],
        ]
        for group in groups:
            for spec in group:
                self._start(spec)
            for spec in group:
                self._wait_ready(spec)

    def restart(self, name: str) -> None:
        """Start ``name`` again (after it died or was killed) and wait until it is ready."""
        child = self.children.get(name)
        if child is not None and child.poll() is None:
            self.stop([name])
        spec = self.spec(name)
        self._start(spec)
        self._wait_ready(spec)

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        child = self.children[name]
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, sig)
        if sig == signal.SIGKILL:
            child.wait(timeout=30)

    def stop_all(self) -> None:
        names = list(self.children)
        for group in (
            [n for n in names if n == LB],
            [n for n in names if n.startswith("rasa-")],
            [n for n in names if n not in (LB,) and not n.startswith("rasa-")],
        ):
            if group:
                self.stop(group)

    def dead(self) -> List[str]:
        return [name for name, child in self.children.items() if child.poll() is not None]


def _migrate(settings: Settings) -> None:
    from bot.storage.migrate import upgrade

    upgrade(settings.database_url)


def _problem(settings: Settings) -> Optional[str]:
    if settings.profile is not Profile.PRODUCTION:
        return (
            "run-replicas needs the production profile: set PROFILE=production, DATABASE_URL "
            "(postgresql://...) and REDIS_URL (redis://...) in .env or the environment."
        )
    if settings.database_url.startswith("sqlite") or settings.tracker_database_url.startswith("sqlite"):
        return "run-replicas needs PostgreSQL: DATABASE_URL (and TRACKER_DATABASE_URL, if set) must be postgresql://..."
    return None


def run_replicas(settings: Settings, replicas: int, log_dir: Optional[Path] = None) -> int:
    problem = _problem(settings)
    if problem:
        print(problem, file=sys.stderr)
        return 2
    layout = default_layout(settings, replicas)
    run_dir = settings.var_dir / "replicas"
    try:
        specs = cluster_specs(settings, layout, run_dir, rest_public=settings.rest_channel_public)
    except RuntimeError as exc:
        print(exc, file=sys.stderr)
        return 2
    supervisor = ClusterSupervisor(specs, child_environment(settings), log_dir or settings.var_dir / "logs")
    problem = supervisor.check_ports()
    if problem:
        print(problem, file=sys.stderr)
        return 1
    signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
    started = time.monotonic()
    restarts: Dict[str, List[float]] = {}
    try:
        print("  applying database migrations ...", flush=True)
        _migrate(settings)
        supervisor.start_all()
        print(
            f"\nPrivacy Desk is running with {replicas} replica(s) (ready in {time.monotonic() - started:.0f}s):\n"
            f"  web chat        http://localhost:{layout.web_port}/\n"
            f"  load balancer   {layout.lb_url}/ (socket.io, Twilio webhooks)\n"
            + "".join(
                f"  replica {i + 1}       {layout.rasa_url(i)}/ (Rasa HTTP API, token: RASA_API_TOKEN)\n"
                for i in range(replicas)
            )
            + f"  logs            {supervisor.log_dir}\nPress Ctrl-C to stop.\n",
            flush=True,
        )
        while True:
            time.sleep(1.0)
            for name in supervisor.dead():
                recent = [t for t in restarts.get(name, []) if time.monotonic() - t < 120]
                if len(recent) >= 3:
                    print(f"\n{name} keeps dying; stopping everything.", file=sys.stderr)
                    return 1
                restarts[name] = recent + [time.monotonic()]
                print(f"\n{name} stopped unexpectedly; restarting it.", file=sys.stderr, flush=True)
                supervisor.restart(name)
    except KeyboardInterrupt:
        print("\nStopping (in-flight turns finish first) ...", flush=True)
        return 0
    except RuntimeError as exc:
        print(f"\n{exc}", file=sys.stderr)
        return 1
    finally:
        supervisor.stop_all()


def _raise_keyboard_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _command(args: argparse.Namespace) -> int:
    return run_replicas(load_settings(), args.replicas, Path(args.log_dir) if args.log_dir else None)


def register(subparsers: "argparse._SubParsersAction") -> None:
    cmd = subparsers.add_parser(
        "run-replicas", help="production profile: N Rasa replicas + action servers, web app, nginx in front"
    )
    cmd.add_argument("--replicas", type=int, default=2, help="number of Rasa replicas (default 2)")
    cmd.add_argument("--log-dir", default=None, help="each process's output goes to a file here (default var/logs)")
    cmd.set_defaults(func=_command)

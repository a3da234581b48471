"""Start the production profile (N replicas + nginx) on free ports for the scale proofs.

Each test session gets its own PostgreSQL database (``postgres_url``), its own
Redis key prefix, its own secrets and ``var`` directory.  REST is switched on
with ``REST_CHANNEL_ENABLED=true`` because it is the one channel whose HTTP
response marks the end of a turn; socket.io through the balancer is proven
separately.
"""

from __future__ import annotations

import os
import random
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional

import httpx

from bot.ops.replicas import ClusterSupervisor, ReplicaLayout, actions_name, cluster_specs, rasa_name
from bot.ops.supervisor import child_environment
from bot.settings import PROJECT_ROOT, Settings, settings_from_environ
from tests.integration.stack import free_port


@dataclass
class Cluster:
    settings: Settings
    layout: ReplicaLayout
    env: Dict[str, str]
    log_dir: Path
    supervisor: ClusterSupervisor = field(repr=False)

    @property
    def token(self) -> str:
        return self.settings.rasa_api_token

    def replica_url(self, index: int) -> str:
        return self.layout.rasa_url(index)

    def random_replica(self, rng: random.Random) -> int:
        return rng.randrange(self.layout.replicas)

    def tracker(self, sender: str, replica: int = 0, timeout: float = 30.0) -> Dict[str, Any]:
        reply = httpx.get(
            f"{self.replica_url(replica)}/conversations/{sender}/tracker",
            params={"include_events": "ALL", "token": self.token},
            timeout=timeout,
        )
        reply.raise_for_status()
        return reply.json()

    def kill_replica(self, index: int) -> None:
        self.supervisor.kill(rasa_name(index))

    def restart_replica(self, index: int) -> None:
        self.supervisor.restart(rasa_name(index))

    def kill_action_server(self, index: int) -> None:
        self.supervisor.kill(actions_name(index))

    def restart_action_server(self, index: int) -> None:
        self.supervisor.restart(actions_name(index))

    def heal(self) -> None:
        """Restart every process that is not running (a previous test may have killed it)."""
        for name in self.supervisor.dead():
            self.supervisor.restart(name)

    def logs(self) -> str:
        return "\n".join(
            f"== {p.name}\n" + p.read_text(errors="replace")[-3000:] for p in sorted(self.log_dir.glob("*.log"))
        )


def start_cluster(base_dir: Path, environ: Dict[str, str], replicas: int = 2) -> Cluster:
    from bot.storage.migrate import upgrade

    var_dir = base_dir / "var"
    log_dir = base_dir / "logs"
    var_dir.mkdir(parents=True, exist_ok=True)
    environ = dict(environ)
    environ.update(
        {
            "PROFILE": "production",
            "VAR_DIR": str(var_dir),
            "RASA_PORT": str(free_port()),
            "WEB_PORT": str(free_port()),
            "KB_DIR": environ.get("KB_DIR") or str(PROJECT_ROOT / "var" / "kb"),
            "REST_CHANNEL_ENABLED": "true",
            "REDIS_KEY_PREFIX": f"pdscale{secrets.token_hex(4)}",  # Rasa accepts alphanumeric prefixes only
        }
    )
    environ.setdefault("PUBLIC_BASE_URL", f"http://localhost:{environ['RASA_PORT']}")
    settings = settings_from_environ(environ)
    layout = ReplicaLayout(
        lb_port=settings.rasa_port,
        rasa_ports=[free_port() for _ in range(replicas)],
        action_ports=[free_port() for _ in range(replicas)],
        web_port=settings.web_port,
    )
    upgrade(settings.database_url)
    models = os.environ.get("PD_TEST_MODELS_DIR")  # default: the project's models/
    specs = cluster_specs(
        settings, layout, base_dir / "lb", rest_public=True, models_dir=Path(models) if models else None
    )
    supervisor = ClusterSupervisor(specs, child_environment(settings, environ), log_dir)
    cluster = Cluster(settings=settings, layout=layout, env=environ, log_dir=log_dir, supervisor=supervisor)
    try:
        supervisor.start_all()
    except Exception as exc:
        supervisor.stop_all()
        raise RuntimeError("the cluster did not start; logs:\n" + cluster.logs()[-6000:]) from exc
    return cluster


async def rest_turn(
    client: httpx.AsyncClient, base_url: str, sender: str, message: str, timeout: float = 120.0
) -> httpx.Response:
    return await client.post(
        f"{base_url}/webhooks/rest/webhook", json={"sender": sender, "message": message}, timeout=timeout
    )


def texts(messages: List[Dict[str, Any]]) -> str:
    return "\n".join(m.get("text", "") for m in messages if m.get("text"))


def user_texts(tracker: Dict[str, Any]) -> List[str]:
    return [e.get("text") for e in tracker["events"] if e.get("event") == "user"]


def bot_texts(tracker: Dict[str, Any]) -> List[Optional[str]]:
    return [e.get("text") for e in tracker["events"] if e.get("event") == "bot"]


def postgres_control(database_url: str, action: str) -> None:
    """``pg_ctlcluster <version> <cluster> stop|start`` for the cluster serving ``database_url``'s port."""
    import subprocess
    from urllib.parse import urlparse

    port = str(urlparse(database_url).port or 5432)
    listing = subprocess.run(["pg_lsclusters", "--no-header"], capture_output=True, text=True, check=True).stdout
    for line in listing.splitlines():
        version, name, cluster_port = line.split()[:3]
        if cluster_port == port:
            subprocess.run(
                ["pg_ctlcluster", "--skip-systemctl-redirect", version, name, action], check=True, timeout=120
            )
            return
    raise RuntimeError(f"no local PostgreSQL cluster listens on port {port}")

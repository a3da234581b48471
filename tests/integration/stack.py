"""Start the real stack (action server, Rasa, web app) for end-to-end tests.

The stack runs on free ports with its own secrets and ``var`` directory, so a
developer's running ``make run`` is never touched.  It needs a trained model in
``models/`` (``make test`` trains before running pytest).
"""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional

import httpx

from bot.ops.supervisor import Supervisor, child_environment, stack_specs
from bot.settings import PROJECT_ROOT, Settings, settings_from_environ


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Stack:
    settings: Settings
    env: Dict[str, str]
    var_dir: Path
    log_dir: Path
    supervisor: Optional[Supervisor] = field(default=None, repr=False)

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.settings.rasa_port}"

    @property
    def web_url(self) -> str:
        return f"http://127.0.0.1:{self.settings.web_port}"

    @property
    def action_url(self) -> str:
        return f"http://127.0.0.1:{self.settings.action_port}"

    def rest(self, sender: str, message: str, timeout: float = 60.0) -> List[Dict[str, Any]]:
        """One turn over the REST channel; returns the bot's messages."""
        reply = httpx.post(
            f"{self.rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": message}, timeout=timeout
        )
        reply.raise_for_status()
        return reply.json()

    def texts(self, sender: str, message: str) -> str:
        """One turn; the bot's texts joined, for assertions."""
        return "\n".join(m.get("text", "") for m in self.rest(sender, message) if m.get("text"))

    def logs(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in sorted(self.log_dir.glob("*.log")))


def start_stack(base_dir: Path, environ: Dict[str, str]) -> Stack:
    var_dir = base_dir / "var"
    log_dir = base_dir / "logs"
    var_dir.mkdir(parents=True, exist_ok=True)
    environ = dict(environ)
    environ.setdefault("VAR_DIR", str(var_dir))
    environ.setdefault("RASA_PORT", str(free_port()))
    environ.setdefault("ACTION_PORT", str(free_port()))
    environ.setdefault("WEB_PORT", str(free_port()))
    environ.setdefault("KB_DIR", str(PROJECT_ROOT / "var" / "kb"))
    environ.setdefault("PUBLIC_BASE_URL", f"http://localhost:{environ['RASA_PORT']}")
    settings = settings_from_environ(environ)
    supervisor = Supervisor(stack_specs(settings), child_environment(settings, environ), log_dir)
    stack = Stack(settings=settings, env=environ, var_dir=var_dir, log_dir=log_dir, supervisor=supervisor)
    try:
        supervisor.start_all()
    except Exception as exc:
        supervisor.stop_all()
        raise RuntimeError("the stack did not start; logs:\n" + stack.logs()[-4000:]) from exc
    return stack

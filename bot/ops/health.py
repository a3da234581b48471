"""Liveness and readiness for every process.

Each process answers two questions on loopback, without a token and without
personal data in the answer:

- *live* — the process runs and its event loop answers (Rasa ``GET /``, action
  server ``GET /health``, web app ``GET /healthz``, load balancer ``GET /lb/health``);
- *ready* — it can serve a turn right now: its model is loaded and the
  databases it writes to answer (Rasa ``GET /webhooks/ready/``, action server
  ``GET /ready``, web app ``GET /readyz``).  503 with the failing check's name
  otherwise.

A load balancer or orchestrator routes only to ready processes and restarts
processes that stop being live (see ``deploy/``).

The Rasa readiness route is a tiny input channel (``credentials.yml`` entry
``bot.ops.health.RasaReadiness``) because Rasa builds its Sanic app itself and
routes cannot be added after it starts.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from bot.storage.db import create_probe_engine

logger = logging.getLogger(__name__)

__all__ = ["check_database", "check_redis", "RasaReadiness", "CHECK_TIMEOUT_S"]

CHECK_TIMEOUT_S = 3.0

_engines: Dict[str, Any] = {}
_engines_lock = threading.Lock()


def _probe_engine(url: str) -> Any:
    """One small engine per URL for probes (NullPool: a probe never holds a connection)."""
    with _engines_lock:
        engine = _engines.get(url)
        if engine is None:
            engine = create_probe_engine(url, CHECK_TIMEOUT_S)
            _engines[url] = engine
        return engine


def _database_ok(url: str) -> bool:
    import sqlalchemy as sa

    try:
        with _probe_engine(url).connect() as connection:
            connection.execute(sa.text("SELECT 1"))
        return True
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready"; the URL may hold a password
        logger.warning("readiness: database not reachable (%s)", type(exc).__name__)
        return False


async def check_database(url: str, timeout: float = CHECK_TIMEOUT_S) -> bool:
    """``SELECT 1`` on ``url`` off the event loop, bounded by ``timeout``."""
    try:
        return await asyncio.wait_for(asyncio.to_thread(_database_ok, url), timeout)
    except asyncio.TimeoutError:
        logger.warning("readiness: database check timed out")
        return False


def _redis_ok(client: Any) -> bool:
    try:
        return bool(client.ping())
    except Exception as exc:  # noqa: BLE001
        logger.warning("readiness: redis not reachable (%s)", type(exc).__name__)
        return False


async def check_redis(client: Any, timeout: float = CHECK_TIMEOUT_S) -> bool:
    """``PING`` on a redis-py client off the event loop."""
    try:
        return await asyncio.wait_for(asyncio.to_thread(_redis_ok, client), timeout)
    except asyncio.TimeoutError:
        logger.warning("readiness: redis check timed out")
        return False


# --------------------------------------------------------------------- Rasa


def _rasa_checks_factory() -> Callable[[Any], Awaitable[Dict[str, bool]]]:
    async def checks(app: Any) -> Dict[str, bool]:
        results: Dict[str, bool] = {}
        agent = getattr(app.ctx, "agent", None)
        results["model"] = bool(agent is not None and agent.is_ready())
        if agent is None:
            return results
        tracker_store = getattr(agent, "tracker_store", None)
        tracker_store = getattr(tracker_store, "_tracker_store", tracker_store)  # inside Rasa's FailSafeTrackerStore
        engine = getattr(tracker_store, "engine", None)
        if engine is not None:
            results["conversations_db"] = await check_database(engine.url.render_as_string(hide_password=False))
        lock_store = getattr(agent, "lock_store", None)
        red = getattr(lock_store, "red", None)  # RedisLockStore's client
        if red is not None:
            results["lock_store"] = await check_redis(red)
        return results

    return checks


try:  # Rasa is only importable in processes that run it.
    from rasa.core.channels.channel import InputChannel, UserMessage
    from sanic import Blueprint, response
    from sanic.request import Request
    from sanic.response import HTTPResponse
except ImportError:  # pragma: no cover - the web app and CLI do not need Rasa
    InputChannel = object  # type: ignore[misc,assignment]


class RasaReadiness(InputChannel):  # type: ignore[misc,valid-type]
    """``GET /webhooks/ready/``: 200 when the model is loaded and the stores answer, else 503.

    Not a conversation channel: it accepts no messages.
    """

    @classmethod
    def name(cls) -> Text:
        return "ready"

    def blueprint(self, on_new_message: Callable[["UserMessage"], Awaitable[Any]]) -> "Blueprint":
        ready = Blueprint("privacy_desk_readiness", __name__)
        checks = _rasa_checks_factory()

        @ready.route("/", methods=["GET"])
        async def readiness(request: "Request") -> "HTTPResponse":
            results = await checks(request.app)
            ok = bool(results) and all(results.values())
            body = {
                "status": "ready" if ok else "not ready",
                "checks": {k: "ok" if v else "failing" for k, v in results.items()},
            }
            return response.json(body, status=200 if ok else 503)

        return ready

    def get_output_channel(self) -> Optional[Any]:
        return None

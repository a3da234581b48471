"""The action server Rasa calls: loopback only, token-guarded, no data in errors.

rasa_sdk's own server binds 0.0.0.0, accepts anyone, and its catch-all error
handler sends the posted tracker (personal data) back in the response body.
This server runs the same :class:`rasa_sdk.executor.ActionExecutor` behind a
shared-token check and answers errors with a fixed message and an opaque id
that is also logged, so an operator can correlate without the body leaking.
"""

from __future__ import annotations

import argparse
import hmac
import json
import logging
import os
import secrets
import zlib
from typing import Any, Optional

from rasa_sdk.executor import ActionExecutor
from rasa_sdk.interfaces import ActionExecutionRejection, ActionNotFoundException
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.logging_setup import configure_process_logging
from bot.settings import load_settings

logger = logging.getLogger(__name__)

ACTION_PACKAGE = "actions"
KEEP_ALIVE_SECONDS = 75


class _ActionExecutor(ActionExecutor):
    """rasa_sdk's executor, importing sub-packages by their full name.

    rasa_sdk walks sub-packages without a prefix, so ``actions/requests/`` made it
    import the PyPI ``requests`` library's modules as ``actions.requests.*``.
    """

    def _import_submodules(self, package: Any, recursive: bool = True) -> None:
        import importlib
        import pkgutil

        module = importlib.import_module(package) if isinstance(package, str) else package
        for info in pkgutil.walk_packages(getattr(module, "__path__", []) or [], prefix=module.__name__ + "."):
            self._import_module(info.name)


def _authorised(request: Request, token: str) -> bool:
    header = request.headers.get("authorization", "")
    scheme, _, presented = header.partition(" ")
    if scheme.lower() != "bearer" or not presented:
        return False
    return hmac.compare_digest(presented.encode("utf-8"), token.encode("utf-8"))


def _parse_body(request: Request) -> Optional[Any]:
    try:
        if request.headers.get("content-encoding") == "deflate":
            return json.loads(zlib.decompress(request.body))
        return json.loads(request.body or b"null")
    except (ValueError, zlib.error):
        return None


def create_action_app(token: str, package: str = ACTION_PACKAGE, database_url: Optional[str] = None) -> Sanic:
    """Build the guarded action server app (no CORS: browsers never call it).

    ``GET /health`` is liveness; ``GET /ready`` also checks ``database_url`` (the ticket store).
    """
    if not token:
        raise ValueError("ACTION_SERVER_TOKEN is required")
    app = Sanic(f"privacy_desk_actions_{secrets.token_hex(4)}", configure_logging=False)
    # Rasa keeps connections to us alive for up to 15 s (aiohttp's default) and reuses them;
    # if we closed an idle one first (Sanic's default: 5 s), a call racing the close fails
    # with "Can not write request body" and the user's turn is lost. Outlive the client.
    app.config.KEEP_ALIVE_TIMEOUT = KEEP_ALIVE_SECONDS
    executor = _ActionExecutor()
    executor.register_package(package)

    @app.get("/health")
    async def health(_: Request) -> HTTPResponse:
        return response.json({"status": "ok"})

    @app.get("/ready")
    async def ready(_: Request) -> HTTPResponse:
        from bot.ops.health import check_database

        ok = database_url is None or await check_database(database_url)
        body = {"status": "ready" if ok else "not ready", "checks": {"database": "ok" if ok else "failing"}}
        return response.json(body, status=200 if ok else 503)

    @app.post("/webhook")
    async def webhook(request: Request) -> HTTPResponse:
        if not _authorised(request, token):
            return response.json({"error": "unauthorised"}, status=401)
        action_call = _parse_body(request)
        if not isinstance(action_call, dict) or "next_action" not in action_call:
            return response.json({"error": "invalid request body"}, status=400)
        try:
            result = await executor.run(action_call)
        except ActionExecutionRejection as exc:
            return response.json({"error": "action rejected", "action_name": exc.action_name}, status=400)
        except ActionNotFoundException as exc:
            return response.json({"error": "no such action", "action_name": exc.action_name}, status=404)
        return response.json(result, status=200)

    @app.get("/actions")
    async def actions(request: Request) -> HTTPResponse:
        if not _authorised(request, token):
            return response.json({"error": "unauthorised"}, status=401)
        return response.json([{"name": name} for name in executor.actions])

    @app.exception(Exception)
    async def on_error(request: Request, exception: Exception) -> HTTPResponse:
        error_id = secrets.token_hex(6)
        # Type only: the message of an exception raised inside an action may quote slot values.
        logger.error("action server error %s: %s", error_id, type(exception).__name__)
        status = getattr(exception, "status_code", 500)
        return response.json({"error": "internal error", "error_id": error_id}, status=status)

    return app


def main(argv: Optional[list] = None) -> int:
    parser = argparse.ArgumentParser(description="Privacy Desk action server (loopback only).")
    parser.parse_args(argv)
    # One BLAS thread: the knowledge base's query encoder does small matrix products, for
    # which OpenBLAS's thread pool costs more than it saves (34 vs 50-126 ms per answer on
    # 2 busy cores; bench/RESULTS.md). Set before the actions import numpy.
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(name, "1")
    settings = load_settings()
    configure_process_logging(settings, "actions")
    app = create_action_app(settings.action_server_token, database_url=settings.database_url)
    logger.info("action server on http://127.0.0.1:%s", settings.action_port)
    app.run(host="127.0.0.1", port=settings.action_port, access_log=False, workers=1)
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())

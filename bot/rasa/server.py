"""Start the Rasa server in-process, configured from settings.

Why not ``rasa run``: the API token would sit on the command line (visible in
``ps``), Rasa would install its own unmasked log handlers, and the lock store
could not follow the profile.  Here the token comes from settings, logging is
ours (masked), and production gets Rasa's RedisLockStore.
"""

from __future__ import annotations

import argparse
import logging
import os
from pathlib import Path
from typing import List, Optional

from bot.logging_setup import configure_process_logging
from bot.settings import PROJECT_ROOT, Profile, Settings, load_settings

logger = logging.getLogger(__name__)


def export_endpoint_variables(settings: Settings) -> None:
    """``endpoints.yml`` reads ``${VAR}``s from the environment: make sure defaults are there too."""
    os.environ.setdefault("ACTION_PORT", str(settings.action_port))
    os.environ["TRACKER_DATABASE_URL"] = settings.tracker_database_url  # encrypted tracker store
    os.environ["RASA_TELEMETRY_ENABLED"] = "false"


def build_endpoints(settings: Settings, endpoints_file: Path):  # -> AvailableEndpoints
    from rasa.core.utils import AvailableEndpoints
    from rasa.utils.endpoints import EndpointConfig

    export_endpoint_variables(settings)
    endpoints = AvailableEndpoints.read_endpoints(str(endpoints_file))
    if settings.profile is Profile.PRODUCTION and settings.redis_url:
        redis_kwargs = _redis_kwargs(settings.redis_url, settings.redis_key_prefix)
        # Rasa's RedisLockStore, with atomic ticket operations (bot/rasa/lock_store.py: 3.6's own races across replicas).
        endpoints.lock_store = EndpointConfig(
            url=redis_kwargs.pop("host"), type="bot.rasa.lock_store.AtomicRedisLockStore", **redis_kwargs
        )
    return endpoints


def _redis_kwargs(url: str, key_prefix: str) -> dict:
    from urllib.parse import urlparse

    parsed = urlparse(url)
    db = (parsed.path or "/0").lstrip("/") or "0"
    kwargs = {
        "host": parsed.hostname or "127.0.0.1",
        "port": parsed.port or 6379,
        "db": int(db),
        "key_prefix": key_prefix,
    }  # Rasa: alphanumeric only
    if parsed.password:
        kwargs["password"] = parsed.password
    return kwargs


def web_origins(settings: Settings) -> List[str]:
    """Browsers may call Rasa only from the web app's own pages."""
    origins = [f"http://localhost:{settings.web_port}", f"http://127.0.0.1:{settings.web_port}"]
    extra = settings.public_web_origin
    return origins + ([extra] if extra else [])


def latest_model(models_dir: Path) -> Optional[Path]:
    models = sorted(models_dir.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    return models[-1] if models else None


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="Run the Privacy Desk Rasa server.")
    parser.add_argument("--interface", default=None, help="address to bind (default: RASA_INTERFACE)")
    parser.add_argument("--port", type=int, default=None)
    parser.add_argument("--models", default=str(PROJECT_ROOT / "models"))
    args = parser.parse_args(argv)

    settings = load_settings()
    configure_process_logging(settings, "rasa")
    model = latest_model(Path(args.models))
    if model is None:
        logger.error("no trained model in %s: run 'make train' first", args.models)
        return 2

    import rasa.core.run
    from rasa.utils.tensorflow.environment import setup_tf_environment

    setup_tf_environment()  # TF_*_OP_PARALLELISM_THREADS (bot/ops/supervisor.py), as `rasa run` does
    from bot.rasa.failsafe import fail_turns_when_store_down, tell_user_when_actions_fail

    tell_user_when_actions_fail()  # action server down: tell the user instead of going silent
    from bot.channels.server_edge import listener as edge_listener
    from bot.rasa.speedups import install as install_speedups

    install_speedups()  # Rasa re-checked a JSON schema on every action call (~30 ms of event loop)

    def _remask(app, loop) -> None:  # Rasa adds handlers while starting: mask those too.
        configure_process_logging(settings, "rasa")

    rasa.core.run.serve_application(
        model_path=str(model),
        interface=args.interface or settings.rasa_interface,
        port=args.port or settings.rasa_port,
        credentials=str(PROJECT_ROOT / "credentials.yml"),
        cors=web_origins(settings),
        auth_token=settings.rasa_api_token,
        enable_api=True,
        endpoints=build_endpoints(settings, PROJECT_ROOT / "endpoints.yml"),
        server_listeners=[
            (edge_listener, "before_server_start"),  # body caps, read timeouts, HSTS (bot/channels/server_edge.py)
            (_remask, "after_server_start"),
            (fail_turns_when_store_down, "after_server_start"),
        ],
    )
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())

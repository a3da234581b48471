"""Assemble the Starlette application from the route modules."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import List, Optional

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from bot.settings import Settings, load_settings
from bot.webapp.request_limits import RequestLimitsMiddleware
from bot.webapp.security_headers import SecurityHeadersMiddleware

STATIC_DIR = Path(__file__).parent / "static"

# Modules that contribute routes: each exposes ``routes(settings) -> list``.
ROUTE_MODULES: List[str] = [
    "bot.webapp.chat",
    "bot.webapp.console",  # agent console pages
    # search, dashboard, CCPA reports (before the API: its catch-all answers unknown /api/v1 paths)
    "bot.webapp.console_reports",
    "bot.webapp.console_fulfilment",  # preview, approve, resume, receipts per ticket
    "bot.webapp.your_data",  # the requester's access package: expiring link + one-time code
    "bot.webapp.notice_status",  # Twilio delivery reports for the requesters' notices (signed)
    "bot.webapp.api_reports",
    "bot.webapp.api",
]


async def healthz(_: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> Response:
    """Ready when the ticket database answers (see bot/ops/health.py)."""
    from bot.ops.health import check_database

    ok = await check_database(request.app.state.settings.database_url)
    body = {"status": "ready" if ok else "not ready", "checks": {"database": "ok" if ok else "failing"}}
    return JSONResponse(body, status_code=200 if ok else 503)


def create_app(settings: Optional[Settings] = None) -> Starlette:
    settings = settings or load_settings()
    routes: List[BaseRoute] = [
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        Mount("/static", app=StaticFiles(directory=str(STATIC_DIR)), name="static"),
    ]
    for module_name in ROUTE_MODULES:
        routes.extend(importlib.import_module(module_name).routes(settings))
    app = Starlette(
        routes=routes,
        middleware=[
            # Outermost: bodies bounded in size and read time, a client that leaves is not an error.
            Middleware(
                RequestLimitsMiddleware,
                max_bytes=settings.request_max_bytes,
                body_timeout_s=settings.request_body_timeout_s,
            ),
            Middleware(SecurityHeadersMiddleware, settings=settings),
        ],
    )
    app.state.settings = settings
    return app

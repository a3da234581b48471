"""The requester's side of an access package: ``/your-data/{token}`` (public, no account).

The link alone never shows data: the page offers to send a fresh one-time code
to the contact the request was verified with, and the download needs that code
(:class:`bot.fulfilment.delivery.PackageDelivery`).  An unknown, expired or
used-up link gets the same "410 Gone" page, so a link tells nothing about other
links.  Downloads are ``Cache-Control: no-store``.
"""

from __future__ import annotations

import threading
from typing import Any, Dict, List

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.fulfilment.delivery import CodeRefused, PackageDelivery, PackageGone
from bot.settings import Settings
from bot.webapp.bodies import BadBody, BodyTooLarge, read_form
from bot.webapp.templating import templates

__all__ = ["routes", "build_delivery", "delivery_for", "public_web_url"]

_BUILD_LOCK = threading.Lock()
_CODE_MESSAGES = {
    "wrong": "That code is not right. Check the latest message we sent and try again.",
    "expired": "That code has expired. Ask for a new one.",
    "locked": "Too many wrong codes. Ask for a new one.",
    "no_challenge": "That code was already used or replaced. Ask for a new one.",
}


def public_web_url(settings: Settings) -> str:
    """Where requesters reach the web app: ``PUBLIC_CONSOLE_URL`` (same app), else this machine's web port."""
    return settings.public_console_url.rstrip("/") or f"http://localhost:{settings.web_port}"


def build_delivery(settings: Settings, database: Any) -> PackageDelivery:
    from bot.notify import build_notifier
    from bot.privacy.crypto import DataCipher, Indexer
    from bot.verification.codes import CodeStore

    cipher, indexer = DataCipher(list(settings.data_keys)), Indexer(settings.index_key)
    return PackageDelivery(
        database,
        cipher,
        indexer,
        CodeStore(database, indexer, cipher),
        build_notifier(settings, database),
        public_url=public_web_url(settings),
    )


async def delivery_for(request: Request) -> PackageDelivery:
    """The app's :class:`PackageDelivery`, built on first use (tests put their own on ``app.state.package_delivery``)."""
    state = request.app.state
    if getattr(state, "package_delivery", None) is not None:
        return state.package_delivery

    def build() -> PackageDelivery:
        with _BUILD_LOCK:
            if getattr(state, "package_delivery", None) is None:
                from bot.storage.db import init_db

                state.package_delivery = build_delivery(state.settings, init_db(state.settings))
            return state.package_delivery

    return await run_in_threadpool(build)


def _page(request: Request, status_code: int = 200, **context: Any) -> Response:
    base: Dict[str, Any] = {"token": request.path_params["token"], "stage": "start", "error": None, "challenge": ""}
    base.update(context)
    response = templates.TemplateResponse(request, "your_data.html", base, status_code=status_code)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _gone(request: Request) -> Response:
    return _page(request, 410, stage="gone")


async def start(request: Request) -> Response:
    delivery = await delivery_for(request)
    try:
        await run_in_threadpool(delivery.check_link, request.path_params["token"])
    except PackageGone:
        return _gone(request)
    return _page(request)


async def send_code(request: Request) -> Response:
    delivery = await delivery_for(request)
    try:
        challenge = await run_in_threadpool(delivery.send_code, request.path_params["token"])
    except PackageGone:
        return _gone(request)
    if challenge is None:
        return _page(request, 429, error="We sent several codes already. Please wait an hour and try again.")
    return _page(request, stage="code", challenge=challenge)


async def download(request: Request) -> Response:
    delivery = await delivery_for(request)
    token = request.path_params["token"]
    try:
        form = await read_form(request)
    except (BodyTooLarge, BadBody):
        return _page(request, 400, error="The form could not be read.")
    fmt = "html" if form.get("format") == "html" else "json"
    try:
        body, media_type = await run_in_threadpool(
            delivery.download, token, form.get("challenge", ""), form.get("code", ""), fmt
        )
    except PackageGone:
        return _gone(request)
    except CodeRefused as exc:
        return _page(
            request,
            403,
            stage="code",
            challenge=form.get("challenge", ""),
            error=_CODE_MESSAGES.get(exc.result, _CODE_MESSAGES["wrong"]),
        )
    name = "your-data.html" if fmt == "html" else "your-data.json"
    return Response(
        body,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )


def routes(settings: Settings) -> List[BaseRoute]:
    base = "/your-data/{token}"
    return [
        Route(base, start, methods=["GET"]),
        Route(base + "/code", send_code, methods=["POST"]),
        Route(base + "/download", download, methods=["POST"]),
    ]

"""Twilio's delivery reports for the notices: ``POST /webhooks/twilio_status/notices``.

Twilio calls this URL (``PUBLIC_CONSOLE_URL`` + path, set as each message's
``StatusCallback``) when a message is delivered or not.  The request is checked
like every Twilio webhook (``X-Twilio-Signature`` over the public URL, with
``TWILIO_AUTH_TOKEN``); an unsigned or forged report is refused with 403 and
changes nothing.  Reports are idempotent: only a ``sent`` notice moves, once, to
``delivered`` or ``failed``; reports for other messages (one-time codes) are ignored.
"""

from __future__ import annotations

import logging
import re
from typing import List

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.channels.twilio_signature import SIGNATURE_HEADER, MalformedRequest, SignatureChecker, parse_form
from bot.notify.twilio_sms import STATUS_CALLBACK_PATH
from bot.settings import Settings
from bot.webapp.auth import get_services
from bot.webapp.bodies import BadBody, BodyTooLarge, read_body

__all__ = ["routes", "STATUS_CALLBACK_PATH"]

log = logging.getLogger(__name__)
_SID = re.compile(r"^(SM|MM)[0-9a-fA-F]{32}$")
_ERROR_CODE = re.compile(r"^[0-9]{1,6}$")


def _checker(settings: Settings) -> SignatureChecker:
    base = settings.public_console_url or f"http://localhost:{settings.web_port}"
    return SignatureChecker(settings.twilio_auth_token or "", base)


async def status_report(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    try:
        body = await read_body(request)
        params = parse_form(body, request.headers.get("content-type"))
    except BodyTooLarge:
        return Response(status_code=413)
    except (BadBody, MalformedRequest):
        return Response(status_code=400)
    if not _checker(settings).is_valid(
        request.url.path, request.url.query, params, request.headers.get(SIGNATURE_HEADER)
    ):
        log.warning("refused a notice status report with a missing or wrong signature")
        return Response(status_code=403)
    sid = params.text("MessageSid") or ""
    status = params.text("MessageStatus") or ""
    code = params.text("ErrorCode") or None
    if not _SID.match(sid) or (code is not None and not _ERROR_CODE.match(code)):
        return Response(status_code=400)
    services = await get_services(request)
    if services.notices is not None:
        await run_in_threadpool(services.notices.record_provider_status, sid, status, code)
    return Response(status_code=204)


def routes(settings: Settings) -> List[BaseRoute]:
    return [Route(STATUS_CALLBACK_PATH, status_report, methods=["POST"])]

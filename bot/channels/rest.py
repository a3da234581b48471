"""Rasa's REST channel, guarded: local profile only, strict body, no client-sent metadata.

Rasa's own REST channel lets the client choose ``input_channel`` and
``metadata`` and crashes on a non-JSON body.  This one accepts exactly
``{"sender": str, "message": str}``, answers 400 otherwise, answers 429 (with
``Retry-After`` and a message the client can show) over the channel rate limits
(:mod:`bot.channels.limits`), and refuses all
requests (404) in the production profile, where only signed channels are public
— unless ``REST_CHANNEL_ENABLED=true`` (load tests on a private network).
"""

from __future__ import annotations

import logging
from asyncio import CancelledError
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.guard import clean_user_text
from bot.channels.limits import ChannelLimits, LimitedChannel, retry_text
from bot.settings import load_settings

logger = logging.getLogger(__name__)

MAX_SENDER_CHARS = 128


class GuardedRestInput(LimitedChannel, InputChannel):
    """``POST /webhooks/rest/webhook`` with ``{"sender": ..., "message": ...}``."""

    @classmethod
    def name(cls) -> Text:
        return "rest"

    def __init__(self, enabled: Optional[bool] = None, limits: Optional[ChannelLimits] = None) -> None:
        self.enabled = enabled
        self._limits = limits

    def _is_enabled(self) -> bool:
        if self.enabled is None:
            self.enabled = load_settings().rest_channel_enabled
        return self.enabled

    @staticmethod
    def _parse(request: Request) -> Optional[Dict[str, str]]:
        try:
            body = request.json
        except Exception:  # noqa: BLE001 - Sanic raises on invalid JSON
            return None
        if not isinstance(body, dict):
            return None
        sender, message = body.get("sender"), body.get("message")
        if not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_SENDER_CHARS:
            return None
        if not isinstance(message, str):
            return None
        return {"sender": sender.strip(), "message": clean_user_text(message)}

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("guarded_rest_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            if not self._is_enabled():
                return response.json({"error": "not found"}, status=404)
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not self._is_enabled():
                return response.json({"error": "the REST channel is disabled in this profile"}, status=404)
            parsed = self._parse(request)
            if parsed is None:
                return response.json({"error": 'expected JSON {"sender": "<id>", "message": "<text>"}'}, status=400)
            client = self.limits.client_of(request.ip, request.headers.get("x-forwarded-for"))
            refusal = await self.limits.admit_message(self.name(), parsed["sender"], client)
            if refusal is not None:
                return response.json(
                    [{"recipient_id": parsed["sender"], "text": retry_text(refusal)}],
                    status=429,
                    headers={"Retry-After": str(refusal.retry_after)},
                )
            collector = CollectingOutputChannel()
            try:
                await on_new_message(
                    UserMessage(
                        parsed["message"],
                        collector,
                        parsed["sender"],
                        input_channel=self.name(),
                        metadata=self.limits.client_metadata(client) or None,
                    )
                )
            except CancelledError:
                # Sanic cancels the handler when the client hangs up (or the response timeout ends):
                # not an error of ours, and the cancellation must go on.
                logger.info("rest turn cancelled: the client disconnected or the response timed out")
                raise
            except Exception as exc:  # noqa: BLE001 - answer the client, log the type only
                logger.error("rest turn failed: %s", type(exc).__name__)
                return response.json({"error": "the assistant could not process this message"}, status=503)
            return response.json(collector.messages)

        return webhook

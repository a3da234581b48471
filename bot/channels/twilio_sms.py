"""Twilio SMS input channel: ``POST /webhooks/twilio_sms/webhook``.

What Rasa 3.6's own Twilio connector gets wrong and this one does instead:

- every request's ``X-Twilio-Signature`` is checked (``PUBLIC_BASE_URL`` + path);
  unsigned or tampered → 403 and nothing reaches Rasa;
- missing or malformed fields → 400, never a 500 (a 5xx makes Twilio retry);
- a ``MessageSid`` is taken on once, recorded in SQL (retries, restarts, replicas);
- the webhook answers at once with empty TwiML; the turn runs in a background
  task and replies go out through the notifier (Twilio REST client with retries
  and backoff, or the local outbox) on a worker thread;
- STOP / START / HELP: opt-outs are recorded and honoured, HELP says who we are;
- the sender's number never becomes the conversation id (a keyed pseudonym
  does); it reaches actions sealed in message metadata
  (:mod:`bot.channels.contact`);
- replies are SMS text: plain, numbered options, pages of ≤ 320 characters.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from twilio.twiml.messaging_response import MessagingResponse

from bot.channels.contact import seal_contact
from bot.channels.guard import clean_user_text
from bot.channels.limits import retry_text
from bot.channels.names import TWILIO_SMS
from bot.channels.sms_format import MORE_KEYWORD, choice_for_reply, compose_reply
from bot.channels.twilio_common import (
    AGENT_UTTERANCE,
    SmsTurnCollector,
    TwilioInputBase,
    bad_request,
    forbidden,
    is_agent_request,
    is_e164,
    is_sid,
    verified_params,
)
from bot.channels.twilio_signature import MAX_BODY_BYTES
from bot.company import texts as company_texts

__all__ = ["TwilioSmsInput", "MEDIA_ONLY_TEXT"]

logger = logging.getLogger(__name__)

SMS_BODY_MAX = 1600
MEDIA_ONLY_TEXT = "Sorry, I can only read text messages. Please type your question or request."
#: HELP_TEXT and FAILURE_TEXT name the company: read from its profile on each use (bot.company.texts).
_COMPANY_TEXTS = {"HELP_TEXT": company_texts.sms_help, "FAILURE_TEXT": company_texts.sms_failure}


def __getattr__(name: str) -> str:
    if name in _COMPANY_TEXTS:
        return _COMPANY_TEXTS[name]()
    raise AttributeError(name)


class TwilioSmsInput(TwilioInputBase):
    """Text messages from a Twilio number or Messaging Service."""

    @classmethod
    def name(cls) -> Text:
        return TWILIO_SMS

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        return cls()

    def conversation_id(self, phone: str) -> str:
        return self.services.indexer.pseudonym("sms", phone)

    # ------------------------------------------------------------------ webhook

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("twilio_sms_webhook", __name__)
        _ = self.services  # built at server start-up, not on the first request (never at import)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"], ctx_max_body=MAX_BODY_BYTES)  # refused before Sanic buffers more
        async def receive(request: Request) -> HTTPResponse:
            started = time.perf_counter()
            services = self.services
            params, refusal = verified_params(request, services.checker)
            if refusal is not None:
                return refusal
            if params is None:  # never: verified_params returns params or a refusal
                return forbidden()
            sid, phone, body = params.text("MessageSid"), params.text("From"), params.text("Body")
            account = params.text("AccountSid")
            if (
                account is not None
                and services.settings.twilio_account_sid
                and account != services.settings.twilio_account_sid
            ):
                return forbidden()
            if sid is None or not is_sid(sid, ("SM", "MM")):
                return bad_request("MessageSid")
            if not is_e164(phone):
                return bad_request("From must be an E.164 number")
            if body is None or len(body) > SMS_BODY_MAX:
                return bad_request("Body")
            try:
                first_time = await asyncio.to_thread(services.store.claim, sid, self.name())
            except Exception as exc:  # noqa: BLE001 - database down: an error, never a silent drop
                logger.error("SMS webhook could not record the message id: %s", type(exc).__name__)
                return response.text("temporarily unavailable", status=503)
            if not first_time:
                logger.info("SMS webhook: a message id already taken on was delivered again; ignored")
                return response.text(str(MessagingResponse()), content_type="application/xml")
            opt_out_type = (params.text("OptOutType") or "").strip().upper()
            limited = None
            if not _opts_in_or_out(opt_out_type, body):  # STOP / START are always honoured
                limited = await self.limits.admit_message(self.name(), self.conversation_id(phone), None)  # type: ignore[arg-type]
            if limited is None:
                self.track(asyncio.create_task(self._handle(phone, body, opt_out_type, on_new_message)))  # type: ignore[arg-type]
            elif limited.first:  # one text per window says so; the rest of the window costs nothing
                self.track(asyncio.create_task(self._send(phone, [retry_text(limited)])))  # type: ignore[arg-type]
            logger.debug("SMS webhook answered in %.1f ms", (time.perf_counter() - started) * 1000)
            return response.text(str(MessagingResponse()), content_type="application/xml")

        return webhook

    # ------------------------------------------------------------------ the turn (background)

    async def _handle(
        self, phone: str, body: str, opt_out_type: str, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> None:
        try:
            await self._turn(phone, body, opt_out_type, on_new_message)
        except Exception as exc:  # noqa: BLE001 - a background task: log the type, tell the user
            logger.error("SMS turn failed: %s", type(exc).__name__)
            await self._send(phone, [company_texts.sms_failure()])

    async def _turn(
        self, phone: str, body: str, opt_out_type: str, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> None:
        from bot.notify import SmsKeyword, classify_keyword

        services = self.services
        conversation_id = self.conversation_id(phone)
        state_key = f"sms:{conversation_id}"
        keyword = {"STOP": SmsKeyword.STOP, "START": SmsKeyword.START, "HELP": SmsKeyword.HELP}.get(
            opt_out_type
        ) or classify_keyword(body)
        opted_out = await asyncio.to_thread(services.optouts.is_opted_out, phone)

        if keyword is SmsKeyword.STOP:
            await asyncio.to_thread(services.optouts.opt_out, phone, "stop")
            await asyncio.to_thread(services.store.save, state_key, {})
            logger.info("SMS opt-out recorded")
            return  # Twilio confirms the opt-out itself; we send nothing more.
        if opted_out:
            if keyword is SmsKeyword.START:
                await asyncio.to_thread(services.optouts.opt_in, phone, "start")
                logger.info("SMS opt-in recorded")
            else:
                logger.info("SMS from an opted-out number ignored (reply START to opt back in)")
            return  # Twilio sends its own confirmation of START.
        if keyword is SmsKeyword.HELP:
            await self._send(phone, [company_texts.sms_help()])
            return

        text = clean_user_text(body, limit=SMS_BODY_MAX)
        if not text:
            await self._send(phone, [MEDIA_ONLY_TEXT])
            return
        if text.strip().upper().rstrip(".!") == MORE_KEYWORD:
            page = await asyncio.to_thread(services.store.pop_page, state_key)
            if page is not None:
                await self._send(phone, [page])
                return
        state = await asyncio.to_thread(services.store.load, state_key)
        choice = choice_for_reply(text, state.get("options") or [])
        if choice is not None:
            text = choice
        elif is_agent_request(text):
            text = AGENT_UTTERANCE

        collector = SmsTurnCollector()
        metadata = seal_contact(services.cipher, self.name(), conversation_id, phone)
        await on_new_message(
            UserMessage(text, collector, conversation_id, input_channel=self.name(), metadata=metadata)
        )
        pages, options = compose_reply(collector.messages)
        await asyncio.to_thread(
            services.store.save, state_key, {"pages": pages[1:], "options": options} if (pages[1:] or options) else {}
        )
        if pages:
            await self._send(phone, pages[:1])

    async def _send(self, phone: str, bodies: List[str]) -> None:
        """Send each body (off the event loop; the notifier retries with backoff)."""
        from bot.notify import DeliveryStatus

        for body in bodies:
            try:
                delivery = await asyncio.to_thread(self.services.notifier.send_sms, phone, body)
            except Exception as exc:  # noqa: BLE001 - InvalidMessage or a misconfigured notifier
                logger.error("SMS reply not sent: %s", type(exc).__name__)
                return
            if delivery.status is DeliveryStatus.OPTED_OUT:
                logger.info("SMS reply not sent: the number opted out")
                return
            if not delivery.ok:
                logger.warning("SMS reply not delivered after %d attempt(s): %s", delivery.attempts, delivery.error)
                return


def _opts_in_or_out(opt_out_type: str, body: str) -> bool:
    """The message is STOP or START (Twilio's ``OptOutType`` or the keyword itself)."""
    from bot.notify import SmsKeyword, classify_keyword

    return opt_out_type in ("STOP", "START") or classify_keyword(body) in (SmsKeyword.STOP, SmsKeyword.START)

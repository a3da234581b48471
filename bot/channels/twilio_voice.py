"""Twilio Voice input channel: ``POST /webhooks/twilio_voice/webhook``.

One URL serves the whole call; the step is in the query string, which Twilio
signs together with the form fields (so a caller cannot skip or forge one):

- no ``step`` — the call starts: the recording notice the policy implies, what
  the line can do, then a ``<Gather input="speech dtmf">``;
- ``step=gather`` — what the caller said or keyed in.  Speech and digits go to
  Rasa; a digit picks a numbered option; ``0`` or "agent" asks for a person
  (``<Dial>`` to ``TWILIO_AGENT_NUMBER`` when set, else an escalation through
  the bot and a call-back).  Silence re-prompts twice, then a polite goodbye.
  One-time codes are keyed in (see below);
- ``step=pending`` — Rasa did not answer within :data:`TURN_SECONDS`: the caller
  heard "one moment" and Twilio was redirected here to collect the answer;
- ``step=dialed`` — the ``<Dial>`` to an agent ended.

One-time codes (keypad): when the bot asks for a code, its message carries
``custom: {"keypad": {"digits": 6, "star": "send a new code"}}`` (the
``channel: twilio_voice`` variation of ``utter_ask_verification_code``), and
that turn's ``<Gather>`` takes the code on the keypad — ``numDigits=6`` submits
as soon as six digits are in, ``#`` submits early, and a longer ``timeout``
leaves time to read the text message.  The digits reach Rasa as the message
text; ``*`` becomes the ``star`` phrase ("send a new code").  Silence re-prompts
with the same keypad settings.

Every answer ends in a ``<Gather>`` or an explicit ``<Hangup>`` (no dead air).
A signed request is taken on once (:mod:`bot.channels.replay`; every URL given
to Twilio carries a nonce): a replay hears the generic prompt and changes nothing.
Turns and new calls are rate limited (:mod:`bot.channels.limits`).
TwiML comes from ``twilio.twiml.voice_response`` only.  Unsigned requests get
403: in particular a forged ``From`` with no speech never replays anything.
Each call is its own conversation, keyed by the CallSid (Twilio's id for one
call, :func:`call_conversation_id`), never by the caller id: caller ids are
spoofable, so a second call from the same number — while the first is open or
later — starts with an empty tracker (no slots, no verification state) and can
neither hear nor change what the first caller said.  The number reaches actions
sealed in metadata (the channel-confirmed phone), never as the conversation id.
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
import time
from typing import Any, Awaitable, Callable, Coroutine, Dict, List, Mapping, Optional, Sequence, Text
from urllib.parse import parse_qs, urlencode

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from twilio.twiml.voice_response import Gather, VoiceResponse

from bot.channels.contact import seal_contact
from bot.channels.guard import clean_user_text
from bot.channels.limits import ChannelLimits, retry_text
from bot.channels.names import TWILIO_VOICE
from bot.channels.sms_format import choice_for_reply
from bot.channels.speech_format import compose_speech, normalise_spoken_email, speech_hints, to_speech
from bot.channels.twilio_common import (
    AGENT_UTTERANCE,
    TurnCollector,
    TwilioInputBase,
    TwilioServices,
    VoiceTurnCollector,
    bad_request,
    is_agent_request,
    is_e164,
    is_sid,
    verified_params,
)
from bot.channels.twilio_signature import MAX_BODY_BYTES
from bot.company import texts as company_texts

__all__ = ["TwilioVoiceInput", "INTRO", "TURN_SECONDS", "call_conversation_id"]

logger = logging.getLogger(__name__)

VOICE = "Polly.Joanna"
LANGUAGE = "en-US"
#: Twilio waits 15 s for TwiML; answer well inside it.
TURN_SECONDS = 10.0
PENDING_WAIT_SECONDS = 10.0
MAX_SILENCES = 2
MAX_PENDING_REDIRECTS = 2
SPEECH_MAX = 1000
#: Seconds of silence that end an utterance ("auto" needs a particular speech model).
SPEECH_TIMEOUT = "3"
#: Seconds Twilio waits for (the next) key on a keypad turn: time to read a texted code.
KEYPAD_TIMEOUT = 12
KEYPAD_FINISH_KEY = "#"
KEYPAD_HINTS = ("new code", "send a new code", "I didn't get the code")

INTRO = (
    "I'm an automated assistant. I can answer questions about our privacy policy, take a request to see, "
    "correct or delete your personal information, help a parent or guardian delete a child's registration, "
    "and check the status of a request. Just tell me what you need. To speak with a person, say agent, or press 0."
)
GENERIC_PROMPT = "How can I help? You can ask about our privacy policy or make a request. To speak with a person, say agent, or press 0."
NO_INPUT = "Sorry, I didn't hear anything."


def __getattr__(name: str) -> str:
    """RECORDING_NOTICE and GOODBYE_SILENT name the company: read from its profile on each use."""
    if name == "RECORDING_NOTICE":
        return company_texts.voice_recording_notice()
    if name == "GOODBYE_SILENT":
        return to_speech(company_texts.voice_goodbye_silent())
    raise AttributeError(name)


GOODBYE = "Thank you for calling. Goodbye."
ONE_MOMENT = "One moment, please."
TOO_SLOW = "Sorry, that is taking longer than it should. Please say that again, or say agent to speak with a person."
FAILURE = "Sorry, something went wrong on our side. Please try again, or say agent to speak with a person."
CONNECTING = "Connecting you to a member of our team. Please hold."
AGENT_BUSY = "Sorry, nobody from our team could take your call right now."
CALLBACK_PROMISE = "A member of our team will call you back on the number you are calling from."
ANYTHING_ELSE = "Is there anything else I can help with?"
BASE_HINTS = (
    "agent",
    "operator",
    "privacy policy",
    "delete my data",
    "delete my child's account",
    "check the status of my request",
    "see my data",
    "correct my data",
    "stop using my data",
    "yes",
    "no",
)
_REFERENCE_IN_TEXT = re.compile(r"\bPD-[0-9A-Z]{4}-[0-9A-Z]{4}\b", re.IGNORECASE)
_BY_EMAIL = re.compile(r"\b(?:reply|answer|write)\w*\s+(?:to you\s+)?by\s+e-?mail", re.IGNORECASE)
_CALL_ENDED = frozenset({"completed", "busy", "failed", "no-answer", "canceled"})


class TwilioVoiceInput(TwilioInputBase):
    """Phone calls to a Twilio number."""

    @classmethod
    def name(cls) -> Text:
        return TWILIO_VOICE

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        credentials = credentials or {}
        return cls(turn_seconds=float(credentials.get("turn_seconds", TURN_SECONDS)))

    def __init__(
        self,
        services: Optional[TwilioServices] = None,
        turn_seconds: float = TURN_SECONDS,
        limits: Optional[ChannelLimits] = None,
    ) -> None:
        super().__init__(services, limits)
        self.turn_seconds = turn_seconds

    # ------------------------------------------------------------------ webhook

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("twilio_voice_webhook", __name__)
        _ = self.services  # built at server start-up, not on the first request (never at import)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"], ctx_max_body=MAX_BODY_BYTES)  # refused before Sanic buffers more
        async def receive(request: Request) -> HTTPResponse:
            started = time.perf_counter()
            params, refusal = verified_params(request, self.services.checker)
            if refusal is not None or params is None:
                return refusal or bad_request("form")
            call_sid = params.text("CallSid")
            if not is_sid(call_sid, ("CA",)):
                return bad_request("CallSid")
            query = {k: v[0] for k, v in parse_qs(request.query_string or "", keep_blank_values=True).items()}
            call = _Call(self, request, on_new_message, call_sid, params.text("From"), query)  # type: ignore[arg-type]
            signed_url = self.services.checker.public_url(request.path, request.query_string or "")
            try:
                if not await asyncio.to_thread(self.services.replays.is_new, signed_url, params):
                    return response.text(
                        str(call.listen([GENERIC_PROMPT], [], silence=0)), content_type="application/xml"
                    )
                twiml = await call.answer(params)
            except Exception as exc:  # noqa: BLE001 - never a 5xx mid-call: apologise and listen again
                logger.error("voice turn failed: %s", type(exc).__name__)
                twiml = call.listen([FAILURE], [], silence=0)
            logger.debug("voice webhook answered in %.1f ms", (time.perf_counter() - started) * 1000)
            return response.text(str(twiml), content_type="application/xml")

        return webhook


class _Call:
    """One webhook request of one call."""

    def __init__(
        self,
        channel: TwilioVoiceInput,
        request: Request,
        on_new_message: Callable[[UserMessage], Coroutine[Any, Any, Any]],
        call_sid: str,
        caller: Optional[str],
        query: Mapping[str, str],
    ) -> None:
        self.channel = channel
        self.services = channel.services
        self.request = request
        self.on_new_message = on_new_message
        self.call_sid = call_sid
        self.caller = caller if is_e164(caller) else None
        self.query = query
        self.state_key = f"call:{call_sid}"
        self.conversation_id = call_conversation_id(self.services.indexer, call_sid)

    # ---------------------------------------------------------------- URLs (absolute: Twilio signs them)

    def url(self, **query: Any) -> str:
        """An absolute URL for Twilio's next request; a fresh nonce ``n`` makes every request unique (replays are not)."""
        query["n"] = secrets.token_urlsafe(6)
        return self.services.checker.public_url(self.request.path, urlencode({k: str(v) for k, v in query.items()}))

    def _int(self, name: str) -> int:
        raw = self.query.get(name, "0")
        return int(raw) if raw.isdigit() and len(raw) < 4 else 0

    # ---------------------------------------------------------------- steps

    async def answer(self, params: Any) -> VoiceResponse:
        status = (params.text("CallStatus") or "").lower()
        step = self.query.get("step", "")
        if status in _CALL_ENDED and step != "dialed":
            await asyncio.to_thread(self.services.store.save, self.state_key, {})
            return VoiceResponse()
        if step == "":
            return await self.start()
        if step == "gather":
            return await self.gathered(params.text("SpeechResult"), params.text("Digits"))
        if step == "pending":
            return await self.pending(self.query.get("turn", ""))
        if step == "dialed":
            return await self.dialed((params.text("DialCallStatus") or "").lower())
        return self.listen([GENERIC_PROMPT], [], silence=0)

    async def start(self) -> VoiceResponse:
        refusal = await self.channel.limits.admit_conversation(TWILIO_VOICE, self.caller)
        if refusal is not None:
            return self.hang_up([company_texts.voice_recording_notice(), retry_text(refusal)])
        await self._new_session()
        await asyncio.to_thread(self.services.store.save, self.state_key, {"prompt": [INTRO], "options": []})
        return self.listen([INTRO], [], silence=0, preface=[company_texts.voice_recording_notice()])

    async def gathered(self, speech: Optional[str], digits: Optional[str]) -> VoiceResponse:
        state = await asyncio.to_thread(self.services.store.load, self.state_key)
        options: List[Mapping[str, Any]] = state.get("options") or []
        keypad = keypad_settings(state.get("keypad"))
        text = normalise_spoken_email(clean_user_text(speech or "", limit=SPEECH_MAX))
        keyed = "".join(ch for ch in (digits or "") if ch.isdigit())[:32]
        if keypad and "*" in (digits or "")[:32] and keypad.get("star"):
            return await self.turn(str(keypad["star"]))  # "press star for a new code"
        if not text and not keyed:
            silence = self._int("silence") + 1
            if silence > MAX_SILENCES:
                return self.hang_up([to_speech(company_texts.voice_goodbye_silent())])
            return self.listen(
                state.get("prompt") or [GENERIC_PROMPT], options, silence=silence, preface=[NO_INPUT], keypad=keypad
            )
        if keyed == "0" or (text and is_agent_request(text)):
            return await self.agent()
        said = keyed or text  # a key press, else the speech
        return await self.turn(choice_for_reply(said, options) or said)

    async def agent(self) -> VoiceResponse:
        number = self.services.settings.twilio_agent_number
        if number:
            reply = VoiceResponse()
            reply.say(CONNECTING, voice=VOICE, language=LANGUAGE)
            reply.dial(number, timeout=30, action=self.url(step="dialed"), method="POST")
            return reply  # Twilio posts to step=dialed when the dial ends.
        return await self.turn(AGENT_UTTERANCE, escalation=True)

    async def dialed(self, dial_status: str) -> VoiceResponse:
        if dial_status == "completed":
            return self.hang_up([GOODBYE])
        return await self.turn(AGENT_UTTERANCE, escalation=True, preface=[AGENT_BUSY])

    async def turn(self, text: str, escalation: bool = False, preface: Sequence[str] = ()) -> VoiceResponse:
        """Run one Rasa turn; answer within :attr:`turn_seconds` or redirect to ``step=pending``."""
        # Per call, and globally; the caller id (spoofable, and not a network client) limits calls, not turns.
        refusal = await self.channel.limits.admit_message(TWILIO_VOICE, self.conversation_id, None)
        if refusal is not None:
            state = await asyncio.to_thread(self.services.store.load, self.state_key)
            return self.listen(
                state.get("prompt") or [GENERIC_PROMPT],
                state.get("options") or [],
                silence=0,
                preface=list(preface) + [retry_text(refusal)],
                keypad=keypad_settings(state.get("keypad")),
            )
        collector = VoiceTurnCollector()
        metadata = (
            seal_contact(self.services.cipher, TWILIO_VOICE, self.conversation_id, self.caller) if self.caller else None
        )
        message = UserMessage(text, collector, self.conversation_id, input_channel=TWILIO_VOICE, metadata=metadata)
        task = asyncio.create_task(self.on_new_message(message))
        done, _ = await asyncio.wait({task}, timeout=self.channel.turn_seconds)
        if task in done:
            if task.exception() is not None:
                logger.error("voice turn failed: %s", type(task.exception()).__name__)
                return self.listen(list(preface) + [FAILURE], [], silence=0)
            return await self.reply(collector.messages, escalation=escalation, preface=preface)
        turn_id = secrets.token_hex(8)
        state = await asyncio.to_thread(self.services.store.load, self.state_key)
        state.update({"pending": turn_id, "escalation": escalation})
        await asyncio.to_thread(self.services.store.save, self.state_key, state)
        self.channel.track(task)
        self.channel.track(asyncio.create_task(self._park_answer(task, collector, turn_id)))
        reply = VoiceResponse()
        for line in list(preface) + [ONE_MOMENT]:
            reply.say(line, voice=VOICE, language=LANGUAGE)
        reply.redirect(self.url(step="pending", turn=turn_id, wait=0), method="POST")
        return reply

    async def _park_answer(self, task: "asyncio.Task[Any]", collector: TurnCollector, turn_id: str) -> None:
        """When a slow turn finishes, keep its answer for the ``step=pending`` request (any replica)."""
        try:
            await task
            answer: Dict[str, Any] = {"turn": turn_id, "messages": collector.messages, "ok": True}
        except Exception as exc:  # noqa: BLE001 - the caller hears FAILURE instead
            logger.error("voice turn failed: %s", type(exc).__name__)
            answer = {"turn": turn_id, "messages": [], "ok": False}
        state = await asyncio.to_thread(self.services.store.load, self.state_key)
        if state.get("pending") == turn_id:
            state["answer"] = answer
            await asyncio.to_thread(self.services.store.save, self.state_key, state)

    async def pending(self, turn_id: str) -> VoiceResponse:
        deadline = time.monotonic() + PENDING_WAIT_SECONDS
        while True:
            state = await asyncio.to_thread(self.services.store.load, self.state_key)
            answer = state.get("answer") or {}
            if state.get("pending") != turn_id:
                return self.listen(
                    state.get("prompt") or [GENERIC_PROMPT],
                    state.get("options") or [],
                    silence=0,
                    keypad=keypad_settings(state.get("keypad")),
                )
            if answer.get("turn") == turn_id:
                if not answer.get("ok"):
                    return self.listen([FAILURE], [], silence=0)
                return await self.reply(answer.get("messages") or [], escalation=bool(state.get("escalation")))
            if time.monotonic() >= deadline:
                break
            await asyncio.sleep(0.2)
        waited = self._int("wait") + 1
        if waited > MAX_PENDING_REDIRECTS:
            state.pop("pending", None)
            await asyncio.to_thread(self.services.store.save, self.state_key, state)
            return self.listen(
                [TOO_SLOW], state.get("options") or [], silence=0, keypad=keypad_settings(state.get("keypad"))
            )
        reply = VoiceResponse()
        reply.say(ONE_MOMENT, voice=VOICE, language=LANGUAGE)
        reply.redirect(self.url(step="pending", turn=turn_id, wait=waited), method="POST")
        return reply

    async def reply(
        self, messages: Sequence[Mapping[str, Any]], escalation: bool = False, preface: Sequence[str] = ()
    ) -> VoiceResponse:
        said, buttons = compose_speech(messages)
        hang_up = any(
            m.get("utter_action") == "utter_goodbye" or (m.get("custom") or {}).get("hangup") is True
            for m in messages
            if isinstance(m, Mapping)
        )
        if escalation and self.caller and _confirms_escalation(messages):
            said.append(CALLBACK_PROMISE)
        if hang_up:
            return self.hang_up(list(preface) + said)
        if not said:
            said = [ANYTHING_ELSE]
        keypad = keypad_request(messages)
        await asyncio.to_thread(
            self.services.store.save,
            self.state_key,
            {"prompt": said, "options": [dict(b) for b in buttons], "keypad": keypad},
        )
        return self.listen(said, buttons, silence=0, preface=list(preface), keypad=keypad)

    # ---------------------------------------------------------------- TwiML

    def listen(
        self,
        lines: Sequence[str],
        buttons: Sequence[Mapping[str, Any]],
        silence: int,
        preface: Sequence[str] = (),
        keypad: Optional[Mapping[str, Any]] = None,
    ) -> VoiceResponse:
        """Say ``preface``, then ``lines`` inside a Gather (the caller may interrupt them).

        With ``keypad`` (a code is asked for) the Gather takes ``digits`` keys:
        it submits at the last one, or on ``#``, and waits longer for the first.
        """
        reply = VoiceResponse()
        for line in preface:
            reply.say(line, voice=VOICE, language=LANGUAGE)
        keys: Dict[str, Any] = {}
        hints = speech_hints(buttons, BASE_HINTS)
        if keypad:
            keys = {"num_digits": keypad["digits"], "finish_on_key": KEYPAD_FINISH_KEY}
            hints = speech_hints(buttons, KEYPAD_HINTS + BASE_HINTS)
        gather = Gather(
            input="speech dtmf",
            action=self.url(step="gather", silence=silence),
            method="POST",
            action_on_empty_result=True,
            timeout=KEYPAD_TIMEOUT if keypad else 6,
            speech_timeout=SPEECH_TIMEOUT,
            language=LANGUAGE,
            hints=hints,
            **keys,
        )
        for line in lines:
            gather.say(line, voice=VOICE, language=LANGUAGE)
        reply.append(gather)
        # Unreachable while Twilio honours actionOnEmptyResult; if it ever does not, still no dead air.
        reply.redirect(self.url(step="gather", silence=silence), method="POST")
        return reply

    def hang_up(self, lines: Sequence[str]) -> VoiceResponse:
        reply = VoiceResponse()
        for line in lines:
            reply.say(line, voice=VOICE, language=LANGUAGE)
        reply.hangup()
        return reply

    async def _new_session(self) -> None:
        """Start a fresh Rasa session for this call (slots of an earlier call are not carried over)."""
        agent = getattr(getattr(self.request.app, "ctx", None), "agent", None)
        if agent is None or not hasattr(agent, "execute_action"):
            return
        try:
            async with agent.lock_store.lock(self.conversation_id):
                await agent.execute_action(self.conversation_id, "action_session_start", TurnCollector(), None, None)
        except Exception as exc:  # noqa: BLE001 - the call goes on in the current session
            logger.warning("voice call could not start a new session: %s", type(exc).__name__)


def call_conversation_id(indexer: Any, call_sid: str) -> str:
    """The conversation id of one call: a keyed digest of its CallSid (one call, one tracker)."""
    return f"voice-call-{indexer.digest('voice-call', call_sid)[:32]}"


def keypad_settings(value: Any) -> Optional[Dict[str, Any]]:
    """``{"digits": n, "star": phrase}`` when ``value`` is a sane keypad request, else ``None``."""
    if not isinstance(value, Mapping):
        return None
    digits = value.get("digits")
    if not isinstance(digits, int) or isinstance(digits, bool) or not 1 <= digits <= 12:
        return None
    star = value.get("star")
    return {"digits": digits, "star": star[:60] if isinstance(star, str) and star.strip() else None}


def keypad_request(messages: Sequence[Mapping[str, Any]]) -> Optional[Dict[str, Any]]:
    """The keypad settings the turn's last asking message requests (``custom.keypad``), if any."""
    found: Optional[Dict[str, Any]] = None
    for message in messages:
        custom = message.get("custom") if isinstance(message, Mapping) else None
        if isinstance(custom, Mapping) and "keypad" in custom:
            found = keypad_settings(custom.get("keypad"))
    return found


def _confirms_escalation(messages: Sequence[Mapping[str, Any]]) -> bool:
    """The bot's own answer confirmed a case the team answers by phone.

    Only the action's result may confirm anything: its text quotes the new
    reference (or a custom payload ``{"escalation": {...}}`` says so), and it
    does not say the reply comes by e-mail.
    """
    confirmed = False
    for message in messages:
        if not isinstance(message, Mapping):
            continue
        custom = message.get("custom")
        if isinstance(custom, Mapping) and custom.get("escalation"):
            confirmed = True
        text = str(message.get("text") or "")
        if _REFERENCE_IN_TEXT.search(text):
            confirmed = True
        if _BY_EMAIL.search(text):
            return False
    return confirmed

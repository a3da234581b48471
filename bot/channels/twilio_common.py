"""What the Twilio SMS and Voice channels share: services, the signed-request gate, field checks."""

from __future__ import annotations

import asyncio
import logging
import re
import threading
from dataclasses import dataclass, field
from typing import Any, Dict, Optional, Set, Text, Tuple

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel
from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.limits import ChannelLimits, LimitedChannel
from bot.channels.names import TWILIO_SMS, TWILIO_VOICE
from bot.channels.replay import RedisSeen, ReplayGuard, StoreSeen
from bot.channels.twilio_signature import SIGNATURE_HEADER, FormParams, MalformedRequest, SignatureChecker, parse_form
from bot.channels.twilio_store import TwilioChannelStore
from bot.notify import OptOutRegistry, build_notifier
from bot.privacy.crypto import DataCipher, Indexer
from bot.services import Services
from bot.settings import Settings, load_settings

__all__ = [
    "AGENT_UTTERANCE",
    "E164",
    "SID",
    "SmsTurnCollector",
    "TurnCollector",
    "VoiceTurnCollector",
    "TwilioServices",
    "bad_request",
    "forbidden",
    "is_agent_request",
    "is_e164",
    "is_sid",
    "verified_params",
]

logger = logging.getLogger(__name__)

E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
SID = re.compile(r"^[A-Z]{2}[0-9a-fA-F]{32}$")


def is_e164(value: Optional[str]) -> bool:
    return isinstance(value, str) and bool(E164.match(value))


def is_sid(value: Optional[str], prefixes: Tuple[str, ...]) -> bool:
    return isinstance(value, str) and bool(SID.match(value)) and value[:2] in prefixes


@dataclass
class TwilioServices:
    """Everything the channels need, built once per process at startup (never at import)."""

    settings: Settings
    checker: SignatureChecker
    store: TwilioChannelStore
    cipher: DataCipher
    indexer: Indexer
    database: Any
    #: The process's services when built by :meth:`from_settings` (tests may build the fields themselves).
    core: Optional[Services] = field(default=None, repr=False)
    _notifier: Any = field(default=None, repr=False)
    _optouts: Any = field(default=None, repr=False)
    _replays: Any = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def from_settings(cls, settings: Optional[Settings] = None) -> "TwilioServices":
        """The channels' view of :class:`bot.services.Services` (one database, cipher and notifier)."""
        core = Services.from_settings(settings or load_settings())
        return cls(
            settings=core.settings,
            checker=SignatureChecker(core.settings.twilio_auth_token, core.settings.public_base_url),
            store=TwilioChannelStore(core.database, core.cipher),
            cipher=core.cipher,
            indexer=core.indexer,
            database=core.database,
            core=core,
        )

    @classmethod
    def shared(cls) -> "TwilioServices":
        """One instance per process for both channels (one engine, one notifier)."""
        global _SHARED
        with _SHARED_LOCK:
            if _SHARED is None:
                _SHARED = cls.from_settings()
            return _SHARED

    @property
    def notifier(self) -> Any:
        """The process's :class:`bot.notify.Notifier` (outbox locally, Twilio in production)."""
        with self._lock:
            if self._notifier is None:
                self._notifier = (
                    self.core.notifier if self.core is not None else build_notifier(self.settings, self.database)
                )
            return self._notifier

    @property
    def replays(self) -> ReplayGuard:
        """Signed requests already taken on (Redis when configured, else the channel store)."""
        with self._lock:
            if self._replays is None:
                seen = (
                    RedisSeen.from_url(self.settings.redis_url)
                    if self.settings.redis_url
                    else StoreSeen(self.store, TWILIO_VOICE)
                )
                self._replays = ReplayGuard(seen)
            return self._replays

    @property
    def optouts(self) -> Any:
        with self._lock:
            if self._optouts is None:
                self._optouts = (
                    self.core.optouts if self.core is not None else OptOutRegistry(self.database, self.indexer)
                )
            return self._optouts


_SHARED: Optional[TwilioServices] = None
_SHARED_LOCK = threading.Lock()


def forbidden() -> HTTPResponse:
    return response.text("forbidden", status=403)


def bad_request(what: str) -> HTTPResponse:
    return response.text(f"bad request: {what}", status=400)


def verified_params(request: Request, checker: SignatureChecker) -> Tuple[Optional[FormParams], Optional[HTTPResponse]]:
    """The request's form fields if Twilio signed it; otherwise the 4xx answer to give.

    Missing or wrong signature → 403; a body that is not a form → 400 (checked
    before the signature only because the signature covers the parsed fields).
    """
    signature = request.headers.get(SIGNATURE_HEADER)
    if not signature:
        return None, forbidden()
    try:
        params = parse_form(request.body, request.headers.get("content-type"))
    except MalformedRequest:
        return None, bad_request("expected a Twilio form post")
    if not checker.is_valid(request.path, request.query_string or "", params, signature):
        logger.warning("Twilio webhook with an invalid signature refused (%s)", request.path)
        return None, forbidden()
    return params, None


#: What "agent" / "0" / "AGENT" becomes: a phrase the NLU maps to the human-handoff intent.
AGENT_UTTERANCE = "I want to talk to a person"
AGENT_WORDS = frozenset(
    {
        "agent",
        "an agent",
        "operator",
        "representative",
        "person",
        "a person",
        "human",
        "a human",
        "real person",
        "a real person",
        "talk to a person",
        "speak to a person",
        "speak to an agent",
        "talk to an agent",
    }
)


def is_agent_request(text: str) -> bool:
    """True for a bare "agent" / "operator" / "a person" (the whole message, any case, punctuation ignored)."""
    words = re.sub(r"[^\w\s]", " ", text or "").lower().split()
    return " ".join(words) in AGENT_WORDS


class TurnCollector(CollectingOutputChannel):
    """Collects a turn's bot messages whole (text, buttons, custom, ``utter_action``), unsplit.

    The subclasses carry their channel's name, which Rasa passes to the response
    generator: a ``domain.yml`` response variation with ``channel: twilio_voice``
    is what a caller hears (e.g. "enter the code on your keypad").
    """

    @classmethod
    def name(cls) -> Text:
        return "twilio_collector"


class SmsTurnCollector(TurnCollector):
    @classmethod
    def name(cls) -> Text:
        return TWILIO_SMS


class VoiceTurnCollector(TurnCollector):
    @classmethod
    def name(cls) -> Text:
        return TWILIO_VOICE

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        kept = {k: v for k, v in message.items() if k in _KEPT_KEYS and v is not None}
        if kept.get("text") or kept.get("buttons") or kept.get("custom") or kept.get("image"):
            self.messages.append(kept)


_KEPT_KEYS = ("text", "buttons", "image", "custom", "utter_action")


class TwilioInputBase(LimitedChannel, InputChannel):
    """What both Twilio channels share: lazily built services and background turns.

    Services are built at server start-up (``blueprint``), never at import, and
    a test can inject its own.  Turns run as tasks so the webhook answers Twilio
    at once; ``drain`` waits for them (tests, graceful shutdown).
    """

    def __init__(self, services: Optional[TwilioServices] = None, limits: Optional[ChannelLimits] = None) -> None:
        self._services = services
        self._limits = limits
        self._tasks: Set["asyncio.Task[Any]"] = set()

    @property
    def services(self) -> TwilioServices:
        if self._services is None:
            self._services = TwilioServices.shared()
        return self._services

    def track(self, task: "asyncio.Task[Any]") -> "asyncio.Task[Any]":
        """Keep a reference to a background task until it is done (and let ``drain`` wait for it)."""
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def drain(self, timeout: float = 60.0) -> None:
        """Wait for the background turns started so far."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=timeout)

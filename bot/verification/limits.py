"""Who may make the system send a one-time code, where to, and how often; status-check lockouts.

Sending a code costs money (SMS) and reaches a real person, so anyone who can
start a check could pump premium-rate traffic or flood a stranger's phone.  Every
send passes, in this order (cheapest and narrowest first):

* the **destination policy** (SMS only, via ``phonenumbers``): a valid number in a
  country we serve (``SMS_CODE_COUNTRIES``, default ``US``) of a type that takes a
  text for an ordinary price — mobile, fixed line or mobile, fixed line, VoIP.
  Premium-rate, shared-cost, toll-free, UAN, personal, pager, voicemail and unknown
  types are refused;
* **per conversation** (``CODE_SEND_LIMIT_CONVERSATION``, 5 an hour);
* **per client address** (``CODE_SEND_LIMIT_CLIENT``, 10 an hour), when the
  channel told us the client (a keyed digest in message metadata, ``client_key``);
* **globally** (``CODE_SEND_LIMIT_GLOBAL``, 300 an hour, SMS and e-mail counted apart);
* **per destination** in the code store itself (3 an hour, and
  ``CODE_SEND_LIMIT_DESTINATION_DAILY``, 10 a day).

Status checks (:mod:`bot.requests.status`) add **escalating lockouts** per
reference: each challenge locked by wrong codes blocks new checks of that
reference for ``STATUS_LOCKOUT_BASE`` (15 minutes) × 4ⁿ⁻¹, and after
``STATUS_LOCKOUTS_PER_DAY`` (3) locks in a day none until the day's window ends —
at most 15 wrong codes a day per reference (NIST SP 800-63B 5.2.2 throttling).
Unknown references are locked out exactly like real ones, so the lockout says
nothing about whether a reference exists.

Counts are :mod:`bot.webapp.ratelimit` counters: Redis when ``REDIS_URL`` is set
(every action-server replica shares them), else in the process (the local
profile's one action server).  Keys are keyed digests, never a number, address
or reference.  If Redis is unreachable the limits fail closed for SMS (no text
is sent: the cost is real) and open for e-mail.

Blocking (Redis round trips): call from a worker thread.
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, FrozenSet, Optional, Tuple

import phonenumbers
from phonenumbers import PhoneNumberType

from bot.privacy.crypto import Indexer
from bot.storage.counters import Counter, Limit, MemoryCounter, RedisCounter

__all__ = [
    "CLIENT_METADATA_KEY",
    "SENDABLE_TYPES",
    "DestinationPolicy",
    "SendLimits",
    "SendRefusal",
    "Lockouts",
    "counter_for",
    "limits_from_settings",
]

log = logging.getLogger(__name__)

#: Message metadata key under which a channel may pass a keyed digest of the client address.
CLIENT_METADATA_KEY = "client_key"

#: Number types a code may be texted to (everything else costs more, or reaches no one).
SENDABLE_TYPES: FrozenSet[int] = frozenset(
    {
        PhoneNumberType.MOBILE,
        PhoneNumberType.FIXED_LINE_OR_MOBILE,
        PhoneNumberType.FIXED_LINE,
        PhoneNumberType.VOIP,
    }
)

_REDIS_PREFIX = "pd:codes:"


class SendRefusal(str, enum.Enum):
    """Why a code was not sent (no personal data)."""

    DESTINATION = "destination"
    CONVERSATION = "conversation"
    CLIENT = "client"
    GLOBAL = "global"
    UNAVAILABLE = "unavailable"


@dataclass(frozen=True)
class DestinationPolicy:
    """Which phone numbers a code may be texted to."""

    countries: FrozenSet[str] = frozenset({"US"})

    def allows(self, e164: str) -> bool:
        """Is ``e164`` a valid number, in a country we serve, of an ordinary-priced type?"""
        try:
            number = phonenumbers.parse(e164, None)
        except phonenumbers.NumberParseException:
            return False
        if not phonenumbers.is_valid_number(number):
            return False
        if phonenumbers.region_code_for_number(number) not in self.countries:
            return False
        return phonenumbers.number_type(number) in SENDABLE_TYPES


class SendLimits:
    """Per-conversation, per-client and global limits on code sends, plus the destination policy."""

    def __init__(
        self,
        counter: Counter,
        indexer: Indexer,
        *,
        policy: DestinationPolicy = DestinationPolicy(),
        per_conversation: Limit = Limit(5, 3600),
        per_client: Limit = Limit(10, 3600),
        global_: Limit = Limit(300, 3600),
    ) -> None:
        self.counter = counter
        self.policy = policy
        self._indexer = indexer
        self.per_conversation = per_conversation
        self.per_client = per_client
        self.global_ = global_

    def _key(self, scope: str, value: str) -> str:
        return f"{scope}:{self._indexer.digest('code-send-' + scope, value)[:32]}"

    def admit(
        self, channel: str, target: str, *, conversation: Optional[str] = None, client: Optional[str] = None
    ) -> Tuple[Optional[SendRefusal], Optional[timedelta]]:
        """``(None, None)`` when a code may go to ``target``; else why not and when to try again."""
        if channel == "sms" and not self.policy.allows(target):
            return SendRefusal.DESTINATION, None
        checks = [
            ("conv", conversation, self.per_conversation, SendRefusal.CONVERSATION),
            ("client", client, self.per_client, SendRefusal.CLIENT),
            ("global", channel, self.global_, SendRefusal.GLOBAL),
        ]
        try:
            for scope, value, limit, refusal in checks:
                if not value:
                    continue
                decision = self.counter.hit(self._key(scope, value), limit)
                if not decision.allowed:
                    return refusal, timedelta(seconds=decision.retry_after)
        except Exception as exc:  # noqa: BLE001 - Redis down: texts cost money, so no SMS; e-mail goes on
            log.warning("code send limits unavailable: %s", type(exc).__name__)
            if channel == "sms":
                return SendRefusal.UNAVAILABLE, timedelta(minutes=5)
        return None, None


class Lockouts:
    """Escalating lockouts per subject (a status-check reference), with a daily cap."""

    DAY = 86_400

    def __init__(
        self, counter: Counter, indexer: Indexer, *, base: timedelta = timedelta(minutes=15), per_day: int = 3
    ) -> None:
        self.counter = counter
        self._indexer = indexer
        self.base = base
        self.per_day = per_day

    def _key(self, subject: str) -> str:
        return "lock:" + self._indexer.digest("status-lockout", subject)[:32]

    def _backoff(self, n: int) -> int:
        return int(min(self.base.total_seconds() * 4 ** max(0, n - 1), self.DAY))

    def record(self, subject: str) -> None:
        """A challenge for ``subject`` was locked by wrong codes: block it for longer each time."""
        try:
            n = self.counter.hit(self._key(subject), Limit(self.per_day, self.DAY)).hits
            self.counter.hit(f"{self._key(subject)}:{n}", Limit(1, self._backoff(n)))
        except Exception as exc:  # noqa: BLE001
            log.warning("status lockout not recorded: %s", type(exc).__name__)

    def retry_after(self, subject: str) -> Optional[timedelta]:
        """How long ``subject`` stays locked out, or ``None`` when a check may start."""
        try:
            day = self.counter.peek(self._key(subject), Limit(self.per_day, self.DAY))
            if day.hits >= self.per_day:
                return timedelta(seconds=day.retry_after)
            if day.hits:
                last = self.counter.peek(f"{self._key(subject)}:{day.hits}", Limit(1, self._backoff(day.hits)))
                if last.hits:
                    return timedelta(seconds=last.retry_after)
        except Exception as exc:  # noqa: BLE001 - the per-challenge attempt limit still holds
            log.warning("status lockouts unavailable: %s", type(exc).__name__)
        return None


def counter_for(settings: Any) -> Counter:
    """Redis when ``REDIS_URL`` is set (shared by every replica), else this process."""
    return RedisCounter.from_url(settings.redis_url, prefix=_REDIS_PREFIX) if settings.redis_url else MemoryCounter()


def limits_from_settings(
    settings: Any, indexer: Indexer, counter: Optional[Counter] = None
) -> Tuple[SendLimits, Lockouts]:
    """The send limits and status lockouts configured in :class:`bot.settings.Settings` (one shared counter)."""
    counter = counter or counter_for(settings)
    sends = SendLimits(
        counter,
        indexer,
        policy=DestinationPolicy(frozenset(settings.sms_code_countries)),
        per_conversation=Limit(*settings.code_send_limit_conversation),
        per_client=Limit(*settings.code_send_limit_client),
        global_=Limit(*settings.code_send_limit_global),
    )
    lockouts = Lockouts(
        counter,
        indexer,
        base=timedelta(seconds=settings.status_lockout_base_s),
        per_day=settings.status_lockouts_per_day,
    )
    return sends, lockouts

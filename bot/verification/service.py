"""``VerificationService``: the one entry point for proving who a requester is.

::

    service = VerificationService.from_settings(settings, database=db)    # at startup
    started = service.start_contact_check("email", "ada.demo@example.com")
    started.status            # StartStatus.SENT | RATE_LIMITED | INVALID_CONTACT | DELIVERY_FAILED
    service.check_code(started.challenge_id, "123 456")   # CheckResult.OK | WRONG | EXPIRED | LOCKED | NO_CHALLENGE
    match = service.match(email=..., full_name=..., date_of_birth=...)
    verdict = service.assess("deletion", match, contact_confirmed=True, confirmed_via="email")
    verdict.allowed, verdict.level, verdict.reason, verdict.ticket_level

No Rasa here: actions pass plain values in and turn results into replies.
Every method blocks (database, SMTP, Twilio): from async code use ``asyncio.to_thread``.

Status checks without enumeration: for an unknown reference call
:meth:`start_decoy_check` and answer exactly as after a real send; its
challenge accepts no code, so a wrong reference and a wrong code look the same.
"""

from __future__ import annotations

import enum
import logging
import secrets
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Callable, Dict, Iterable, Optional, Sequence, Tuple, Union

from bot.notify.factory import build_notifier
from bot.notify.types import Delivery, DeliveryStatus, InvalidMessage, MessageChannel, Notifier, check_email
from bot.privacy.crypto import DataCipher, Indexer
from bot.storage.counters import MemoryCounter
from bot.storage.db import Database, init_db
from bot.verification.codes import (
    ChallengeInfo,
    CheckResult,
    CodeStore,
    IssuedCode,
    SendLimitReached,
)
from bot.verification.directory import CustomerDirectory, MatchResult, SqlCustomerDirectory, normalise_phone_e164
from bot.verification.errors import InvalidContact
from bot.verification.levels import (
    DATA_POINTS,
    REQUIRED_LEVEL,
    TICKET_LEVEL,
    RequestKind,
    VerificationLevel,
    parse_kind,
)
from bot.verification.limits import Lockouts, SendLimits, SendRefusal, limits_from_settings

__all__ = [
    "StartStatus",
    "StartResult",
    "AssessmentReason",
    "Assessment",
    "VerificationService",
    "code_sms_text",
    "code_email_text",
]

log = logging.getLogger(__name__)


class StartStatus(str, enum.Enum):
    SENT = "sent"
    RATE_LIMITED = "rate_limited"
    INVALID_CONTACT = "invalid_contact"
    #: Never returned any more: an opted-out number answers like SENT (no opt-out oracle).
    OPTED_OUT = "opted_out"
    DELIVERY_FAILED = "delivery_failed"


@dataclass(frozen=True)
class StartResult:
    """What :meth:`VerificationService.start_contact_check` did.

    ``challenge_id`` is set only when ``status`` is ``SENT``; ``retry_after`` only
    when ``RATE_LIMITED``.  Keep the challenge id in the conversation (it is not a secret
    that proves anything alone: the code is).
    """

    status: StartStatus
    challenge_id: Optional[str] = None
    expires_at: Optional[datetime] = None
    retry_after: Optional[timedelta] = None
    delivery: Optional[Delivery] = None

    @property
    def sent(self) -> bool:
        return self.status is StartStatus.SENT


class AssessmentReason(str, enum.Enum):
    #: The level the request needs is reached.
    VERIFIED = "verified"
    #: Nothing is needed (escalation to a person).
    NOT_REQUIRED = "not_required"
    #: Allowed to file; an agent checks the parental documents before acting.
    DOCUMENTS_REQUIRED = "documents_required"
    #: No one-time code was entered correctly.
    CONTACT_NOT_CONFIRMED = "contact_not_confirmed"
    #: The directory knows no customer with these details.
    NOT_MATCHED = "not_matched"
    #: A customer matched, but the confirmed e-mail/phone is not the one on file.
    CONTACT_NOT_ON_FILE = "contact_not_on_file"
    #: A customer matched on fewer data points than the request needs.
    TOO_FEW_POINTS = "too_few_points"
    #: Enough points for specific pieces of data, but no signed declaration.
    DECLARATION_MISSING = "declaration_missing"


_EXPLANATION = {
    AssessmentReason.VERIFIED: "Your identity is verified for this request.",
    AssessmentReason.NOT_REQUIRED: "No identity verification is needed for this.",
    AssessmentReason.DOCUMENTS_REQUIRED: (
        "Your contact is confirmed. An agent will check the official documents establishing "
        "parental or guardian status before acting."
    ),
    AssessmentReason.CONTACT_NOT_CONFIRMED: "We could not confirm the e-mail address or phone number with a code.",
    AssessmentReason.NOT_MATCHED: "We could not match the details you gave with a customer record.",
    AssessmentReason.CONTACT_NOT_ON_FILE: "The confirmed contact is not the one we have on file for that customer.",
    AssessmentReason.TOO_FEW_POINTS: "Too few of the details you gave match our records for this request.",
    AssessmentReason.DECLARATION_MISSING: (
        "A copy of specific pieces of data needs a signed declaration, under penalty of perjury, "
        "that you are the person the data is about."
    ),
}


@dataclass(frozen=True)
class Assessment:
    """The verdict for one request.  ``reason``/``explanation`` never hold personal data."""

    kind: RequestKind
    level: VerificationLevel
    required: VerificationLevel
    allowed: bool
    reason: AssessmentReason
    matched_points: Tuple[str, ...]
    customer_id: Optional[str]

    @property
    def ticket_level(self) -> str:
        """The ticket store's level value (``bot.tickets.VerificationLevel``): none / reasonable / high."""
        return TICKET_LEVEL[self.level]

    @property
    def explanation(self) -> str:
        return _EXPLANATION[self.reason]


def code_sms_text(code: str, minutes: int) -> str:
    return (
        f"Privacy Desk: your verification code is {code}. It expires in {minutes} minutes. Never share it with anyone."
    )


def code_email_text(code: str, minutes: int) -> Tuple[str, str]:
    subject = "Your Privacy Desk verification code"
    body = (
        f"Your verification code is {code}\n\n"
        f"Enter it in the conversation within {minutes} minutes. It works once.\n"
        "If you did not ask for it, ignore this message; nothing happens without the code.\n"
        "We never ask you for this code by phone.\n"
    )
    return subject, body


_DELIVERY_POOL: Optional[ThreadPoolExecutor] = None
_DELIVERY_POOL_LOCK = threading.Lock()


def _deliveries() -> ThreadPoolExecutor:
    """The process's pool for detached code deliveries (built on first use)."""
    global _DELIVERY_POOL
    with _DELIVERY_POOL_LOCK:
        if _DELIVERY_POOL is None:
            _DELIVERY_POOL = ThreadPoolExecutor(max_workers=4, thread_name_prefix="code-delivery")
        return _DELIVERY_POOL


class VerificationService:
    """One-time codes, the customer directory and the verification-level rules.

    Args:
        codes: the SQL challenge store (also the per-destination limits).
        notifier: sends the codes (:func:`bot.notify.build_notifier`).
        directory: matches data points; optional for callers that only send codes.
        limits: destination policy and per-conversation / per-client / global send limits
            (:mod:`bot.verification.limits`; default: the built-in limits counted in this process).
        lockouts: escalating status-check lockouts (same default).
    """

    def __init__(
        self,
        codes: CodeStore,
        notifier: Notifier,
        directory: Optional[CustomerDirectory] = None,
        *,
        limits: Optional[SendLimits] = None,
        lockouts: Optional[Lockouts] = None,
    ) -> None:
        self.codes = codes
        self.notifier = notifier
        self.directory = directory
        if limits is None or lockouts is None:
            # Counted in this process under a key of its own (counter keys need no other secret).
            counter, keys = MemoryCounter(), Indexer(secrets.token_urlsafe(32))
            limits = limits or SendLimits(counter, keys)
            lockouts = lockouts or Lockouts(counter, keys)
        self.limits = limits
        self.lockouts = lockouts

    @classmethod
    def from_settings(
        cls,
        settings: Any,
        *,
        database: Optional[Database] = None,
        notifier: Optional[Notifier] = None,
        clock: Optional[Callable[[], datetime]] = None,
    ) -> "VerificationService":
        """Build from :class:`bot.settings.Settings`; pass the process's ``database`` to share its engine."""
        database = database or init_db(settings)
        cipher = DataCipher(list(settings.data_keys))
        indexer = Indexer(settings.index_key)
        kwargs: Dict[str, Any] = {"clock": clock} if clock else {}
        most, short_window = settings.code_send_limit_destination
        daily, window = settings.code_send_limit_destination_daily
        codes = CodeStore(
            database,
            indexer,
            cipher,
            max_sends=most,
            send_window=timedelta(seconds=short_window),
            max_daily_sends=daily,
            daily_window=timedelta(seconds=window),
            **kwargs,
        )
        directory = SqlCustomerDirectory(database, cipher, indexer, **kwargs)
        limits, lockouts = limits_from_settings(settings, indexer)
        return cls(codes, notifier or build_notifier(settings, database), directory, limits=limits, lockouts=lockouts)

    # ------------------------------------------------------------------ codes

    def start_contact_check(
        self,
        channel: Union[MessageChannel, str],
        contact: Optional[str],
        *,
        conversation: Optional[str] = None,
        client: Optional[str] = None,
        detached: bool = False,
    ) -> StartResult:
        """Send a new code to ``contact`` by SMS (E.164 or a US-style number) or e-mail.

        Args:
            conversation: the conversation asking (counted by the per-conversation limit).
            client: a keyed digest of the client address, when the channel gave one.
            detached: deliver in the background and answer ``SENT`` at once (a failed
                delivery locks the challenge).  For callers whose reply must not depend on
                whether a code really went out, in content or in time (status checks).

        A number outside the destination policy is ``INVALID_CONTACT``; any send
        limit is ``RATE_LIMITED``.  A number that opted out of our texts answers
        exactly like a sent code (a challenge no code passes), so nobody learns
        from this whether a number replied STOP.
        """
        try:
            channel_ = MessageChannel(channel)
        except ValueError:
            return StartResult(StartStatus.INVALID_CONTACT)
        try:
            target = self._normalise_contact(channel_, contact)
        except InvalidContact:
            return StartResult(StartStatus.INVALID_CONTACT)
        refused, retry_after = self.limits.admit(channel_.value, target, conversation=conversation, client=client)
        if refused is SendRefusal.DESTINATION:
            log.info("verification code not sent: destination outside the policy")
            return StartResult(StartStatus.INVALID_CONTACT)
        if refused is not None:
            log.warning("verification code not sent: %s limit", refused.value)
            return StartResult(StartStatus.RATE_LIMITED, retry_after=retry_after)
        issued = self.codes.issue(channel_.value, target)
        if isinstance(issued, SendLimitReached):
            return StartResult(StartStatus.RATE_LIMITED, retry_after=issued.retry_after)
        if detached:
            _deliveries().submit(self._deliver_or_lock, channel_, target, issued)
            return StartResult(StartStatus.SENT, challenge_id=issued.challenge_id, expires_at=issued.expires_at)
        delivery = self._deliver(channel_, target, issued)
        if delivery.status is DeliveryStatus.OPTED_OUT:
            self.codes.invalidate(issued.challenge_id)
            log.info("verification code not sent: destination opted out")
            return self.start_decoy_check()
        if not delivery.ok:
            self.codes.invalidate(issued.challenge_id)
            log.warning("verification code not delivered (%s, %s)", channel_.value, delivery.error)
            return StartResult(StartStatus.DELIVERY_FAILED, delivery=delivery)
        return StartResult(
            StartStatus.SENT, challenge_id=issued.challenge_id, expires_at=issued.expires_at, delivery=delivery
        )

    def start_decoy_check(self) -> StartResult:
        """Pretend to send a code (unknown reference in a status check): same result shape, nothing sent."""
        challenge_id = self.codes.issue_decoy()
        info = self.codes.get(challenge_id)
        return StartResult(StartStatus.SENT, challenge_id=challenge_id, expires_at=info.expires_at if info else None)

    def check_code(self, challenge_id: object, code: object) -> CheckResult:
        """Check what the user typed.  ``LOCKED`` → offer a person; ``EXPIRED`` → offer a new code."""
        return self.codes.check(challenge_id, code)

    def is_confirmed(self, challenge_id: object, channel: Union[MessageChannel, str], contact: str) -> bool:
        """Was ``challenge_id`` passed, for exactly this contact?  (Use before trusting a contact.)"""
        try:
            channel_ = MessageChannel(channel)
            target = self._normalise_contact(channel_, contact)
        except (ValueError, InvalidContact):
            return False
        return self.codes.is_confirmed(challenge_id, channel_.value, target)

    def challenge(self, challenge_id: object) -> Optional[ChallengeInfo]:
        return self.codes.get(challenge_id)

    # ------------------------------------------------------------------ directory and levels

    def match(self, **points: Any) -> MatchResult:
        """Delegate to the directory (see :meth:`SqlCustomerDirectory.match`)."""
        if self.directory is None:
            return MatchResult(None, [])
        return self.directory.match(**points)

    def assess(
        self,
        kind: Union[RequestKind, str],
        matched: Union[MatchResult, Sequence[str], Iterable[str], None],
        *,
        declaration: bool = False,
        contact_confirmed: bool = False,
        confirmed_via: Optional[Union[MessageChannel, str]] = None,
    ) -> Assessment:
        """The level reached and whether ``kind`` may be filed as an actionable ticket.

        Args:
            kind: a :class:`RequestKind` (or its value).
            matched: the directory's :class:`MatchResult` (or just the matched point names).
            declaration: the requester signed the declaration under penalty of perjury.
            contact_confirmed: a one-time code was entered correctly for the requester's contact.
            confirmed_via: ``"email"`` or ``"sms"``: which contact was confirmed.  For the
                data-point levels the confirmed contact must be one the customer has on file
                (the matched ``email`` or ``phone``); without it, either one must have matched.
        """
        kind_ = parse_kind(kind)
        required = REQUIRED_LEVEL[kind_]
        customer_id: Optional[str] = None
        if isinstance(matched, MatchResult):
            customer_id = matched.customer_id
            names: Iterable[str] = matched.matched_points if matched.customer_id else ()
        else:
            names = matched or ()
        points = tuple(name for name in DATA_POINTS if name in set(names))
        via = MessageChannel(confirmed_via) if confirmed_via else None
        contact_on_file = (
            ("email" in points)
            if via is MessageChannel.EMAIL
            else (("phone" in points) if via is MessageChannel.SMS else ("email" in points or "phone" in points))
        )

        if not contact_confirmed:
            level = VerificationLevel.NONE
        elif len(points) >= 3 and declaration and contact_on_file:
            level = VerificationLevel.THREE_POINTS_DECLARATION
        elif len(points) >= 2 and contact_on_file:
            level = VerificationLevel.TWO_POINTS
        else:
            level = VerificationLevel.CONTACT_CONFIRMED
        allowed = level.satisfies(required)

        if allowed:
            if required is VerificationLevel.NONE:
                reason = AssessmentReason.NOT_REQUIRED
            elif kind_ is RequestKind.PARENTAL_DELETION:
                reason = AssessmentReason.DOCUMENTS_REQUIRED
            else:
                reason = AssessmentReason.VERIFIED
        elif not contact_confirmed:
            reason = AssessmentReason.CONTACT_NOT_CONFIRMED
        elif not points:
            reason = AssessmentReason.NOT_MATCHED
        elif not contact_on_file:
            reason = AssessmentReason.CONTACT_NOT_ON_FILE
        elif required is VerificationLevel.THREE_POINTS_DECLARATION and len(points) >= 3:
            reason = AssessmentReason.DECLARATION_MISSING
        else:
            reason = AssessmentReason.TOO_FEW_POINTS
        return Assessment(
            kind=kind_,
            level=level,
            required=required,
            allowed=allowed,
            reason=reason,
            matched_points=points,
            customer_id=customer_id if points else None,
        )

    # ------------------------------------------------------------------ helpers

    @staticmethod
    def _normalise_contact(channel: MessageChannel, contact: object) -> str:
        if not isinstance(contact, str) or not contact.strip() or len(contact) > 254:
            raise InvalidContact("contact", "is empty or too long")
        if channel is MessageChannel.SMS:
            e164 = normalise_phone_e164(contact.strip())
            if e164 is None:
                raise InvalidContact("phone", "is not a phone number")
            return e164
        address = contact.strip()
        try:
            check_email(address, "x", "x")
        except InvalidMessage:
            raise InvalidContact("email", "is not an e-mail address") from None
        return address

    def _deliver_or_lock(self, channel: MessageChannel, target: str, issued: IssuedCode) -> None:
        """Background delivery: a code that did not go out can never be passed."""
        try:
            delivery = self._deliver(channel, target, issued)
            ok = delivery.ok
        except Exception as exc:  # noqa: BLE001 - a worker thread: log the kind, lock the challenge
            log.warning("verification code not delivered (%s, %s)", channel.value, type(exc).__name__)
            ok = False
        if not ok:
            self.codes.invalidate(issued.challenge_id)

    def _deliver(self, channel: MessageChannel, target: str, issued: IssuedCode) -> Delivery:
        minutes = max(1, int(self.codes.ttl.total_seconds() // 60))
        if channel is MessageChannel.SMS:
            return self.notifier.send_sms(target, code_sms_text(issued.code, minutes))
        subject, body = code_email_text(issued.code, minutes)
        return self.notifier.send_email(target, subject, body)

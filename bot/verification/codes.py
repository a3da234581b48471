"""One-time codes: issue, deliver-ready, check — persisted in SQL so every replica agrees.

Rules (CCPA 11 CCR 7060-7062 practice, see ``../shared/design.md``):

* 6 digits from :mod:`secrets`; only a keyed HMAC of the code is stored
  (``INDEX_KEY`` through :class:`bot.privacy.crypto.Indexer`, salted with the
  challenge id, so equal codes in two challenges have unrelated digests);
* expires 10 minutes after it was issued; single use (a used challenge answers
  :attr:`CheckResult.NO_CHALLENGE`, as an unknown id does);
* 5 wrong attempts lock the challenge (:attr:`CheckResult.LOCKED` from the 5th
  wrong attempt on, even for the right code) — the caller then offers a person;
* at most 3 codes per contact per rolling hour, and 10 per rolling day
  (``CODE_SEND_LIMIT_DESTINATION_DAILY``) (:class:`SendLimitReached`);
* input like ``"123 456"``, ``"123-456"`` or full-width digits is accepted; the
  digest comparison is constant-time.

The contact is stored only as a blind index (for the rate limit) and Fernet
ciphertext.  Concurrency: checks and issues run in one write transaction with
the row (PostgreSQL ``FOR UPDATE``) or the contact (PostgreSQL advisory lock)
locked; SQLite serialises writers with ``BEGIN IMMEDIATE``.

All methods block: from async code call them via ``asyncio.to_thread``.
"""

from __future__ import annotations

import enum
import hmac
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Optional, Union, cast

from sqlalchemy import delete, func, select
from sqlalchemy.exc import OperationalError, ProgrammingError

from bot.clock import Clock, utcnow
from bot.privacy.crypto import DataCipher, Indexer
from bot.storage.db import Database
from bot.verification.errors import InvalidContact, VerificationStoreNotReady
from bot.verification.models import VerificationChallenge

__all__ = [
    "CHALLENGE_KEEP",
    "CODE_LENGTH",
    "CODE_TTL",
    "MAX_ATTEMPTS",
    "MAX_SENDS_PER_WINDOW",
    "SEND_WINDOW",
    "CheckResult",
    "ChallengeInfo",
    "ChallengeState",
    "CodeStore",
    "IssuedCode",
    "SendLimitReached",
    "generate_code",
    "normalise_code",
]

CODE_LENGTH = 6
CODE_TTL = timedelta(minutes=10)
MAX_ATTEMPTS = 5
#: How long the retention run keeps challenges (their send windows, which the store keeps anyway, are shorter).
CHALLENGE_KEEP = timedelta(days=1)
MAX_SENDS_PER_WINDOW = 3
SEND_WINDOW = timedelta(hours=1)
MAX_DAILY_SENDS = 10
DAILY_WINDOW = timedelta(days=1)
_CHALLENGE_ID_MAX = 40
_SEPARATORS = re.compile(r"[\s\-‐-―−.·_/]+")


class CheckResult(str, enum.Enum):
    """What :meth:`CodeStore.check` found.  ``WRONG`` also covers malformed input."""

    OK = "ok"
    WRONG = "wrong"
    EXPIRED = "expired"
    LOCKED = "locked"
    NO_CHALLENGE = "no_challenge"


class ChallengeState(str, enum.Enum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    EXPIRED = "expired"
    LOCKED = "locked"


@dataclass(frozen=True)
class IssuedCode:
    """A new challenge.  ``code`` is the only plaintext copy: hand it to the notifier, never log it."""

    challenge_id: str
    code: str
    expires_at: datetime

    def __repr__(self) -> str:  # keep the code out of logs and tracebacks
        return f"IssuedCode(challenge_id={self.challenge_id!r}, code='******', expires_at={self.expires_at!r})"


@dataclass(frozen=True)
class SendLimitReached:
    """The contact already got :data:`MAX_SENDS_PER_WINDOW` codes in the window."""

    retry_after: timedelta


@dataclass(frozen=True)
class ChallengeInfo:
    """A challenge without its secret: what callers may look at."""

    challenge_id: str
    channel: str
    state: ChallengeState
    attempts: int
    attempts_left: int
    created_at: datetime
    expires_at: datetime
    confirmed_at: Optional[datetime]


def generate_code() -> str:
    """A uniformly random 6-digit code (leading zeros kept)."""
    return f"{secrets.randbelow(10 ** CODE_LENGTH):0{CODE_LENGTH}d}"


def normalise_code(text: object) -> Optional[str]:
    """The 6 ASCII digits in ``text`` ("123 456", "123-456", "１２３４５６"), else ``None``."""
    if not isinstance(text, str) or len(text) > 64:
        return None
    stripped = _SEPARATORS.sub("", text.strip())
    digits = []
    for ch in stripped:
        value = unicodedata.decimal(ch, None)
        if value is None:
            return None
        digits.append(str(value))
    code = "".join(digits)
    return code if len(code) == CODE_LENGTH else None


class CodeStore:
    """SQL-backed one-time-code challenges.

    Args:
        database: the ticket store's :class:`~bot.storage.db.Database` (same database).
        indexer: keyed HMAC (``INDEX_KEY``) for code digests and contact indexes.
        cipher: encrypts the contact (``DATA_KEYS``).
        clock: returns aware UTC ``datetime``; tests inject one.
    """

    def __init__(
        self,
        database: Database,
        indexer: Indexer,
        cipher: DataCipher,
        *,
        clock: Clock = utcnow,
        ttl: timedelta = CODE_TTL,
        max_attempts: int = MAX_ATTEMPTS,
        max_sends: int = MAX_SENDS_PER_WINDOW,
        send_window: timedelta = SEND_WINDOW,
        max_daily_sends: int = MAX_DAILY_SENDS,
        daily_window: timedelta = DAILY_WINDOW,
    ) -> None:
        self._db = database
        self._indexer = indexer
        self._cipher = cipher
        self._clock = clock
        self.ttl = ttl
        self.max_attempts = max_attempts
        self.max_sends = max_sends
        self.send_window = send_window
        self.max_daily_sends = max_daily_sends
        self.daily_window = daily_window

    # ------------------------------------------------------------------ helpers

    def contact_index(self, channel: str, contact: str) -> str:
        """Blind index of a contact as the rate limit counts it (``email``/``sms`` keep separate counts)."""
        if channel == "email":
            return self._indexer.email_index(contact)
        if channel == "sms":
            return self._indexer.phone_index(contact)
        raise InvalidContact("channel", "must be 'sms' or 'email'")

    def _digest(self, challenge_id: str, code: str) -> str:
        return self._indexer.digest("otp:" + challenge_id, code)

    def _lock_contact(self, session, index: str) -> None:  # type: ignore[no-untyped-def]
        if session.bind is not None and session.bind.dialect.name == "postgresql":
            session.execute(select(func.pg_advisory_xact_lock(int(index[:15], 16))))

    # ------------------------------------------------------------------ issue

    def issue(self, channel: str, contact: str) -> Union[IssuedCode, SendLimitReached]:
        """Create a challenge for ``contact`` unless it reached the send limit."""
        index = self.contact_index(channel, contact)
        now = self._clock()
        code = generate_code()
        challenge_id = secrets.token_urlsafe(24)
        try:
            with self._db.write.begin() as session:
                self._lock_contact(session, index)
                for most, window in ((self.max_sends, self.send_window), (self.max_daily_sends, self.daily_window)):
                    recent = session.execute(
                        select(func.count(), func.min(VerificationChallenge.created_at)).where(
                            VerificationChallenge.contact_index == index,
                            VerificationChallenge.created_at > now - window,
                        )
                    ).one()
                    if recent[0] >= most:
                        oldest = _aware(recent[1]) or now
                        return SendLimitReached(retry_after=max(timedelta(0), oldest + window - now))
                session.add(
                    VerificationChallenge(
                        id=challenge_id,
                        channel=channel,
                        contact_index=index,
                        contact_ct=self._cipher.encrypt(contact.strip()),
                        code_digest=self._digest(challenge_id, code),
                        created_at=now,
                        expires_at=now + self.ttl,
                        attempts=0,
                    )
                )
        except (OperationalError, ProgrammingError) as exc:
            _raise_if_not_ready(exc)
            raise
        return IssuedCode(challenge_id=challenge_id, code=code, expires_at=now + self.ttl)

    def issue_decoy(self) -> str:
        """A challenge no code can pass (nothing is sent).

        For a status check with an unknown reference: the caller goes on exactly as
        if a code had been sent, so a wrong reference and a wrong code look the
        same (``WRONG`` … then ``LOCKED``).
        """
        now = self._clock()
        challenge_id = secrets.token_urlsafe(24)
        try:
            with self._db.write.begin() as session:
                session.add(
                    VerificationChallenge(
                        id=challenge_id,
                        channel="none",
                        contact_index=None,
                        contact_ct=None,
                        # A digest of 32 random bytes under another purpose: no 6-digit code matches it.
                        code_digest=self._indexer.digest("otp-decoy", secrets.token_hex(32)),
                        created_at=now,
                        expires_at=now + self.ttl,
                        attempts=0,
                    )
                )
        except (OperationalError, ProgrammingError) as exc:
            _raise_if_not_ready(exc)
            raise
        return challenge_id

    def invalidate(self, challenge_id: str) -> None:
        """Lock a challenge at once (e.g. its code could not be delivered)."""
        if not _valid_id(challenge_id):
            return
        with self._db.write.begin() as session:
            row = session.get(VerificationChallenge, challenge_id, with_for_update=True)
            if row is not None and row.locked_at is None and row.consumed_at is None:
                row.locked_at = self._clock()

    # ------------------------------------------------------------------ check

    def check(self, challenge_id: object, code_text: object) -> CheckResult:
        """Check a code typed by the user.  Every call that is not ``OK`` and reaches a
        live challenge counts as one attempt (malformed input too)."""
        if not _valid_id(challenge_id):
            return CheckResult.NO_CHALLENGE
        challenge_id = cast(str, challenge_id)
        code = normalise_code(code_text)
        now = self._clock()
        try:
            with self._db.write.begin() as session:
                row = session.get(VerificationChallenge, challenge_id, with_for_update=True)
                if row is None or row.consumed_at is not None:
                    return CheckResult.NO_CHALLENGE
                if row.locked_at is not None:
                    return CheckResult.LOCKED
                if now >= _aware(row.expires_at):
                    return CheckResult.EXPIRED
                # Always compute and compare a digest, malformed input included.
                given = self._digest(challenge_id, code if code is not None else "-" * CODE_LENGTH)
                if hmac.compare_digest(given.encode("ascii"), row.code_digest.encode("ascii")) and code is not None:
                    row.consumed_at = now
                    return CheckResult.OK
                row.attempts = (row.attempts or 0) + 1
                if row.attempts >= self.max_attempts:
                    row.locked_at = now
                    return CheckResult.LOCKED
                return CheckResult.WRONG
        except (OperationalError, ProgrammingError) as exc:
            _raise_if_not_ready(exc)
            raise

    # ------------------------------------------------------------------ read

    def get(self, challenge_id: object) -> Optional[ChallengeInfo]:
        """The challenge's state (no secret, no contact), or ``None`` for an unknown id."""
        if not _valid_id(challenge_id):
            return None
        with self._db.read() as session:
            row = session.get(VerificationChallenge, challenge_id)
            if row is None:
                return None
            return self._info(row)

    def is_confirmed(self, challenge_id: object, channel: str, contact: str) -> bool:
        """Did the user enter the right code for this challenge, sent to exactly this contact?"""
        if not _valid_id(challenge_id):
            return False
        try:
            index = self.contact_index(channel, contact)
        except InvalidContact:
            return False
        with self._db.read() as session:
            row = session.get(VerificationChallenge, challenge_id)
            if row is None or row.consumed_at is None or row.contact_index is None:
                return False
            return row.channel == channel and hmac.compare_digest(row.contact_index, index)

    def purge(self, cutoff: datetime) -> int:
        """Delete challenges created before ``cutoff``, keeping at least the send windows (:class:`~bot.storage.sweep.Purgeable`)."""
        cutoff = min(cutoff, self._clock() - max(self.send_window, self.daily_window))
        with self._db.write.begin() as session:
            result = session.execute(
                delete(VerificationChallenge)
                .where(VerificationChallenge.created_at < cutoff)
                .execution_options(synchronize_session=False)
            )
            return int(result.rowcount or 0)

    def _info(self, row: VerificationChallenge) -> ChallengeInfo:
        now = self._clock()
        expires_at = _aware(row.expires_at)
        if row.consumed_at is not None:
            state = ChallengeState.CONFIRMED
        elif row.locked_at is not None:
            state = ChallengeState.LOCKED
        elif now >= expires_at:
            state = ChallengeState.EXPIRED
        else:
            state = ChallengeState.PENDING
        return ChallengeInfo(
            challenge_id=row.id,
            channel=row.channel,
            state=state,
            attempts=row.attempts or 0,
            attempts_left=max(0, self.max_attempts - (row.attempts or 0)),
            created_at=_aware(row.created_at),
            expires_at=expires_at,
            confirmed_at=_aware(row.consumed_at) if row.consumed_at else None,
        )


def _valid_id(value: object) -> bool:
    return isinstance(value, str) and 0 < len(value) <= _CHALLENGE_ID_MAX and value.isascii()


def _aware(value: Optional[datetime]) -> datetime:
    if value is None:
        return None  # type: ignore[return-value]
    return value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)


def _raise_if_not_ready(exc: Exception) -> None:
    """Raise ``VerificationStoreNotReady`` for a missing table; other database errors pass through."""
    if is_missing_table(exc):
        raise VerificationStoreNotReady("verification tables are missing; run `privacy-desk migrate`") from exc


def is_missing_table(exc: Exception) -> bool:
    text = str(getattr(exc, "orig", exc)).lower()
    return "no such table" in text or ("relation" in text and "does not exist" in text)

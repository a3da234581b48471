"""The notifier port: what verification, confirmations and agent replies send through.

Every implementation returns a :class:`Delivery` for every outcome that is not
a programming error (opted out, provider failure, network down); only a
malformed recipient or message raises (:class:`InvalidMessage`).  Delivery
records carry no personal data (no recipient, no body), so they may be logged
and audited.

All senders block: from async code call them via ``asyncio.to_thread``.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from typing import Optional, Protocol, runtime_checkable

__all__ = [
    "MessageChannel",
    "DeliveryStatus",
    "Delivery",
    "Notifier",
    "SmsSender",
    "EmailSender",
    "NotifyError",
    "InvalidMessage",
    "SMS_BODY_LIMIT",
    "EMAIL_BODY_LIMIT",
    "SUBJECT_LIMIT",
    "check_sms",
    "check_email",
]

#: Twilio accepts at most 1,600 characters per message.
SMS_BODY_LIMIT = 1600
EMAIL_BODY_LIMIT = 100_000
SUBJECT_LIMIT = 200
_E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
_EMAIL = re.compile(r"^[^@\s<>,;\"]{1,64}@[^@\s<>,;\"]{1,253}\.[^@\s<>,;\"]{2,63}$")


class NotifyError(Exception):
    """Base class for notification errors."""


class InvalidMessage(NotifyError):
    """Recipient, subject or body is malformed; ``field`` names which (never the value)."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


class MessageChannel(str, enum.Enum):
    SMS = "sms"
    EMAIL = "email"


class DeliveryStatus(str, enum.Enum):
    #: Local profile: kept in the outbox instead of being sent.
    OUTBOX = "outbox"
    #: Handed to the provider (Twilio accepted it / the SMTP server accepted it).
    SENT = "sent"
    #: Not sent: the number replied STOP (or Twilio answered 21610).
    OPTED_OUT = "opted_out"
    #: Not sent: the provider refused or could not be reached after retries.
    FAILED = "failed"


@dataclass(frozen=True)
class Delivery:
    """The record of one send.  ``error`` is a short code (``"21610"``, ``"smtp_550"``, ``"network"``)."""

    channel: MessageChannel
    status: DeliveryStatus
    #: Our id (outbox message id) or the provider's (Twilio ``SM...`` sid, e-mail Message-ID).
    message_id: Optional[str] = None
    error: Optional[str] = None
    attempts: int = 1

    @property
    def ok(self) -> bool:
        """True when the message left (or, locally, reached the outbox)."""
        return self.status in (DeliveryStatus.SENT, DeliveryStatus.OUTBOX)

    def to_json(self) -> dict:
        return {
            "channel": self.channel.value,
            "status": self.status.value,
            "message_id": self.message_id,
            "error": self.error,
            "attempts": self.attempts,
        }


@runtime_checkable
class SmsSender(Protocol):
    def send_sms(self, to_e164: str, body: str) -> Delivery: ...


@runtime_checkable
class EmailSender(Protocol):
    def send_email(self, to: str, subject: str, body: str) -> Delivery: ...


@runtime_checkable
class Notifier(SmsSender, EmailSender, Protocol):
    """SMS and e-mail in one object (see :func:`bot.notify.build_notifier`)."""


def check_sms(to_e164: object, body: object) -> None:
    """Raise :class:`InvalidMessage` unless ``to_e164`` is E.164 and ``body`` fits one Twilio message."""
    if not isinstance(to_e164, str) or not _E164.match(to_e164):
        raise InvalidMessage("to", "must be an E.164 phone number (+ and country code, digits only)")
    _check_text("body", body, SMS_BODY_LIMIT)


def check_email(to: object, subject: object, body: object) -> None:
    """Raise :class:`InvalidMessage` for a malformed address, a multi-line subject or an oversize body."""
    if not isinstance(to, str) or len(to) > 254 or not _EMAIL.match(to):
        raise InvalidMessage("to", "must be one e-mail address")
    _check_text("subject", subject, SUBJECT_LIMIT)
    if "\r" in subject or "\n" in subject:  # type: ignore[operator]
        raise InvalidMessage("subject", "must be one line")
    _check_text("body", body, EMAIL_BODY_LIMIT)


def _check_text(field: str, value: object, limit: int) -> None:
    if not isinstance(value, str) or not value.strip():
        raise InvalidMessage(field, "must be non-empty text")
    if len(value) > limit:
        raise InvalidMessage(field, f"longer than {limit} characters")
    if "\x00" in value:
        raise InvalidMessage(field, "contains a NUL character")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidMessage(field, "is not valid UTF-8 text") from None

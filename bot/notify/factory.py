"""Pick the notifier for the profile: the outbox locally, Twilio + SMTP in production."""

from __future__ import annotations

import logging
from typing import Any, Optional

from bot.notify.optouts import OptOutRegistry
from bot.notify.outbox import Outbox, OutboxNotifier
from bot.notify.smtp import SmtpEmailSender
from bot.notify.twilio_sms import TwilioSmsSender
from bot.notify.types import Delivery, DeliveryStatus, EmailSender, MessageChannel, Notifier, SmsSender, check_sms
from bot.privacy.crypto import DataCipher, Indexer
from bot.storage.db import Database, init_db

__all__ = ["ChannelNotifier", "UnconfiguredSmsSender", "build_notifier"]

log = logging.getLogger(__name__)


class UnconfiguredSmsSender:
    """Production without Twilio credentials: every SMS fails cleanly (``error="not_configured"``).

    E-mail, the console and web chat keep working; the startup log says why SMS does not.
    """

    def send_sms(self, to_e164: str, body: str) -> Delivery:
        check_sms(to_e164, body)
        return Delivery(MessageChannel.SMS, DeliveryStatus.FAILED, error="not_configured", attempts=0)


class ChannelNotifier:
    """A :class:`~bot.notify.types.Notifier` from one SMS sender and one e-mail sender."""

    def __init__(self, sms: SmsSender, email: EmailSender) -> None:
        self.sms = sms
        self.email = email

    def send_sms(self, to_e164: str, body: str) -> Delivery:
        return self.sms.send_sms(to_e164, body)

    def send_email(self, to: str, subject: str, body: str) -> Delivery:
        return self.email.send_email(to, subject, body)


def build_notifier(settings: Any, database: Optional[Database] = None) -> Notifier:
    """The notifier for ``settings``: :class:`OutboxNotifier` when ``settings.outbox_enabled``
    (the local profile), else Twilio SMS + SMTP e-mail.  Both honour SMS opt-outs.

    Pass the process's ticket-store ``database`` to share its engine.
    """
    database = database or init_db(settings)
    indexer = Indexer(settings.index_key)
    optouts = OptOutRegistry(database, indexer)
    if settings.outbox_enabled:
        outbox = Outbox(database, DataCipher(list(settings.data_keys)), indexer)
        return OutboxNotifier(outbox, optouts)
    sms: SmsSender
    if (
        settings.twilio_account_sid
        and settings.twilio_auth_token
        and (settings.twilio_number or settings.twilio_messaging_service_sid)
    ):
        sms = TwilioSmsSender.from_settings(settings, optouts)
    else:
        log.warning("SMS disabled: set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_NUMBER to send text messages")
        sms = UnconfiguredSmsSender()
    return ChannelNotifier(sms, SmtpEmailSender.from_settings(settings))

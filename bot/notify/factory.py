"""Pick the notifier for the profile: the outbox locally, Twilio + SMTP in production."""
from __future__ import annotations

from typing import Any, Optional

from bot.notify.optouts import OptOutRegistry
from bot.notify.outbox import Outbox, OutboxNotifier
from bot.notify.smtp import SmtpEmailSender
from bot.notify.twilio_sms import TwilioSmsSender
from bot.notify.types import Delivery, EmailSender, Notifier, SmsSender
from bot.privacy.crypto import DataCipher, Indexer
from bot.tickets.db import Database, init_db

__all__ = ["ChannelNotifier", "build_notifier"]


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
    return ChannelNotifier(TwilioSmsSender.from_settings(settings, optouts), SmtpEmailSender.from_settings(settings))

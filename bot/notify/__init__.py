"""Outbound messages: one notifier for SMS (Twilio) and e-mail (SMTP), with a local outbox.

Use it through :func:`build_notifier`::

    from bot.notify import build_notifier

    notifier = build_notifier(settings, database)          # at startup
    delivery = notifier.send_sms("+12025550100", "Your code is 123456")
    delivery.ok, delivery.status, delivery.message_id      # never raises for provider failures

* local profile (``settings.outbox_enabled``): messages go to the encrypted ``outbox``
  table; ``privacy-desk outbox --json`` prints them (newest first).
* production: :class:`TwilioSmsSender` (retries, timeout, 21610 → opt-out) and
  :class:`SmtpEmailSender` (timeout, optional STARTTLS).
* SMS opt-outs (:class:`OptOutRegistry`, STOP/START) are honoured by both.

Domain code: no Rasa imports.  Blocking: call from async code via ``asyncio.to_thread``.
"""

from bot.notify.factory import ChannelNotifier, build_notifier
from bot.notify.optouts import OptOutRegistry, SmsKeyword, classify_keyword
from bot.notify.outbox import Outbox, OutboxMessage, OutboxNotifier
from bot.notify.smtp import SmtpEmailSender
from bot.notify.twilio_sms import ERROR_UNSUBSCRIBED, TwilioSmsSender, twilio_client
from bot.notify.types import (
    Delivery,
    DeliveryStatus,
    EmailSender,
    InvalidMessage,
    MessageChannel,
    Notifier,
    NotifyError,
    SmsSender,
)

__all__ = [
    "build_notifier",
    "ChannelNotifier",
    "Notifier",
    "SmsSender",
    "EmailSender",
    "Delivery",
    "DeliveryStatus",
    "MessageChannel",
    "NotifyError",
    "InvalidMessage",
    "Outbox",
    "OutboxMessage",
    "OutboxNotifier",
    "OptOutRegistry",
    "SmsKeyword",
    "classify_keyword",
    "SmtpEmailSender",
    "TwilioSmsSender",
    "twilio_client",
    "ERROR_UNSUBSCRIBED",
]

"""E-mail over SMTP (``smtplib``): a timeout on every connection, optional STARTTLS / login.

Settings: ``SMTP_HOST``, ``SMTP_PORT``, ``SMTP_SENDER`` (in :class:`bot.settings.Settings`)
and, from ``.env`` when needed, ``SMTP_STARTTLS`` (true/false), ``SMTP_USERNAME``,
``SMTP_PASSWORD``, ``SMTP_TIMEOUT`` (seconds, default 10).

Temporary failures (connection errors, 4xx replies) are retried with backoff;
permanent ones (5xx) are not.  Blocking: call via ``asyncio.to_thread``.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import time
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any, Callable, Optional

from bot.notify.types import Delivery, DeliveryStatus, MessageChannel, check_email

__all__ = ["SmtpEmailSender"]

log = logging.getLogger(__name__)


class SmtpEmailSender:
    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        *,
        timeout: float = 10.0,
        starttls: bool = False,
        username: Optional[str] = None,
        password: Optional[str] = None,
        max_attempts: int = 3,
        backoff: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
        ssl_context: Optional[ssl.SSLContext] = None,
    ) -> None:
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        self.host = host
        self.port = port
        self.sender = sender
        self.timeout = timeout
        self.starttls = starttls
        self.username = username or None
        self.password = password or None
        self.max_attempts = max(1, max_attempts)
        self.backoff = backoff
        self._sleep = sleep
        self._ssl_context = ssl_context

    @classmethod
    def from_settings(cls, settings: Any) -> "SmtpEmailSender":
        return cls(
            settings.smtp_host,
            settings.smtp_port,
            settings.smtp_sender,
            timeout=settings.smtp_timeout_s,
            starttls=settings.smtp_starttls,
            username=settings.smtp_username or None,
            password=settings.smtp_password or None,
        )

    def build_message(self, to: str, subject: str, body: str) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = to
        message["Subject"] = subject
        message["Date"] = formatdate(localtime=False)
        domain = self.sender.rpartition("@")[2] or "localhost"
        message["Message-ID"] = make_msgid(domain=domain)
        message["Auto-Submitted"] = "auto-generated"
        message.set_content(body)
        return message

    def send_email(self, to: str, subject: str, body: str) -> Delivery:
        check_email(to, subject, body)
        return self._send(self.build_message(to, subject, body))

    def send_email_with_html(self, to: str, subject: str, body: str, html: str) -> Delivery:
        """A ``multipart/alternative`` message: the plain text first, the HTML part second."""
        check_email(to, subject, body)
        check_email(to, subject, html)
        message = self.build_message(to, subject, body)
        message.add_alternative(html, subtype="html")
        return self._send(message)

    def _send(self, message: EmailMessage) -> Delivery:
        message_id = str(message["Message-ID"])
        error = "network"
        for attempt in range(1, self.max_attempts + 1):
            try:
                self._deliver(message)
                return Delivery(MessageChannel.EMAIL, DeliveryStatus.SENT, message_id=message_id, attempts=attempt)
            except smtplib.SMTPRecipientsRefused as exc:
                codes = [code for code, _ in exc.recipients.values()]
                error = f"smtp_{codes[0] if codes else 'refused'}"
                if not codes or codes[0] >= 500:
                    break
            except smtplib.SMTPResponseException as exc:
                error = f"smtp_{exc.smtp_code}"
                if exc.smtp_code >= 500:
                    break
            except (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, OSError):
                error = "network"
            except smtplib.SMTPException:
                error = "smtp"
            log.warning("e-mail delivery attempt %d/%d failed (%s)", attempt, self.max_attempts, error)
            if attempt < self.max_attempts:
                self._sleep(self.backoff * (2 ** (attempt - 1)))
        return Delivery(
            MessageChannel.EMAIL, DeliveryStatus.FAILED, message_id=message_id, error=error, attempts=attempt
        )

    def _deliver(self, message: EmailMessage) -> None:
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            smtp.ehlo()
            if self.starttls:
                smtp.starttls(context=self._ssl_context or ssl.create_default_context())
                smtp.ehlo()
            if self.username and self.password:
                smtp.login(self.username, self.password)
            smtp.send_message(message)

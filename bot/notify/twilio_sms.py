"""SMS through Twilio's REST API with the official ``twilio`` client (8.x).

* Every call has a timeout (``TwilioHttpClient(timeout=...)``).
* 5xx, 429 and network errors are retried with exponential backoff (``max_attempts``).
* Error 21610 (the recipient replied STOP) records an opt-out and is not retried;
  numbers in the opt-out registry are never sent to.
* ``api_base`` (``TWILIO_API_BASE``) points the client at another host, e.g. the
  fake Twilio API in ``tests/fakes/twilio_api.py``: twilio 8 builds every URL
  from the domain's ``base_url``, so ``client.api.base_url`` is replaced.
* ``TWILIO_MESSAGING_SERVICE_SID`` (optional) sends through a Messaging Service
  instead of ``TWILIO_NUMBER``.

Blocking: call via ``asyncio.to_thread``.  A timed-out request may still have
been delivered by Twilio; the retry can then duplicate one SMS (Twilio has no
idempotency key for message creation) — acceptable for codes and replies.
"""

from __future__ import annotations

import logging
import random
import time
from typing import Any, Callable, Optional

import requests
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from bot.notify.optouts import OptOutRegistry
from bot.notify.types import Delivery, DeliveryStatus, MessageChannel, NotifyError, check_sms

__all__ = ["TwilioSmsSender", "ERROR_UNSUBSCRIBED", "twilio_client", "STATUS_CALLBACK_PATH", "status_callback_url"]

log = logging.getLogger(__name__)
# twilio's client logs every request at INFO (URL, parameters); keep it quiet.
_http_log = logging.getLogger("bot.notify.twilio_http")
_http_log.setLevel(logging.WARNING)

#: "Attempt to send to unsubscribed recipient".
ERROR_UNSUBSCRIBED = 21610
#: Where Twilio reports each message's delivery (the web app; signed like the other webhooks).
STATUS_CALLBACK_PATH = "/webhooks/twilio_status/notices"


def status_callback_url(settings: Any) -> Optional[str]:
    """``PUBLIC_CONSOLE_URL`` + :data:`STATUS_CALLBACK_PATH`, or None when the web app has no public URL."""
    base = (getattr(settings, "public_console_url", "") or "").rstrip("/")
    return f"{base}{STATUS_CALLBACK_PATH}" if base else None


def twilio_client(
    account_sid: str, auth_token: str, *, api_base: Optional[str] = None, timeout: float = 10.0
) -> Client:
    """A ``twilio.rest.Client`` with a request timeout, optionally pointed at ``api_base``.

    Also used by the Twilio channels for their REST calls, so tests point one setting
    (``TWILIO_API_BASE``) at the fake API.
    """
    if timeout <= 0:
        raise ValueError("timeout must be positive")
    client = Client(account_sid, auth_token, http_client=TwilioHttpClient(timeout=timeout, logger=_http_log))
    if api_base:
        client.api.base_url = api_base.rstrip("/")
    return client


class TwilioSmsSender:
    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        from_number: Optional[str] = None,
        *,
        messaging_service_sid: Optional[str] = None,
        api_base: Optional[str] = None,
        timeout: float = 10.0,
        max_attempts: int = 3,
        backoff: float = 0.5,
        optouts: Optional[OptOutRegistry] = None,
        sleep: Callable[[float], None] = time.sleep,
        client: Optional[Client] = None,
        status_callback: Optional[str] = None,
    ) -> None:
        if not account_sid or not auth_token:
            raise NotifyError("TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN are required to send SMS")
        if not from_number and not messaging_service_sid:
            raise NotifyError("TWILIO_NUMBER or TWILIO_MESSAGING_SERVICE_SID is required to send SMS")
        self.from_number = from_number or None
        self.messaging_service_sid = messaging_service_sid or None
        self.max_attempts = max(1, max_attempts)
        self.backoff = backoff
        self.status_callback = status_callback or None
        self._optouts = optouts
        self._sleep = sleep
        self.client = client or twilio_client(account_sid, auth_token, api_base=api_base, timeout=timeout)

    @classmethod
    def from_settings(cls, settings: Any, optouts: Optional[OptOutRegistry] = None) -> "TwilioSmsSender":
        return cls(
            settings.twilio_account_sid,
            settings.twilio_auth_token,
            settings.twilio_number or None,
            messaging_service_sid=settings.twilio_messaging_service_sid or None,
            api_base=settings.twilio_api_base or None,
            timeout=settings.twilio_timeout_s,
            optouts=optouts,
            status_callback=status_callback_url(settings),
        )

    def send_sms(self, to_e164: str, body: str) -> Delivery:
        check_sms(to_e164, body)
        if self._optouts is not None and self._optouts.is_opted_out(to_e164):
            return Delivery(MessageChannel.SMS, DeliveryStatus.OPTED_OUT, error="opted_out", attempts=0)
        params = {"to": to_e164, "body": body}
        if self.status_callback:
            params["status_callback"] = self.status_callback
        if self.messaging_service_sid:
            params["messaging_service_sid"] = self.messaging_service_sid
        else:
            params["from_"] = self.from_number  # type: ignore[assignment]
        error = "network"
        attempt = 0
        for attempt in range(1, self.max_attempts + 1):
            try:
                message = self.client.messages.create(**params)
                return Delivery(MessageChannel.SMS, DeliveryStatus.SENT, message_id=message.sid, attempts=attempt)
            except TwilioRestException as exc:
                if exc.code == ERROR_UNSUBSCRIBED:
                    if self._optouts is not None:
                        self._optouts.opt_out(to_e164, source="twilio_21610")
                    return Delivery(
                        MessageChannel.SMS, DeliveryStatus.OPTED_OUT, error=str(ERROR_UNSUBSCRIBED), attempts=attempt
                    )
                error = str(exc.code) if exc.code else f"http_{exc.status}"
                if not (exc.status >= 500 or exc.status == 429):
                    break
            except (requests.RequestException, TwilioException, OSError) as exc:
                error = "timeout" if isinstance(exc, requests.Timeout) else "network"
            log.warning("SMS delivery attempt %d/%d failed (%s)", attempt, self.max_attempts, error)
            if attempt < self.max_attempts:
                self._sleep(self.backoff * (2 ** (attempt - 1)) * (1 + random.random() * 0.2))  # noqa: S311 - retry jitter, not a secret
        return Delivery(MessageChannel.SMS, DeliveryStatus.FAILED, error=error, attempts=attempt)

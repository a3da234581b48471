"""A :class:`bot.notify.Notifier` that records what it was asked to send (for domain unit tests).

``RecordingNotifier(status=DeliveryStatus.FAILED)`` simulates a provider failure;
``OPTED_OUT`` an opted-out number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import List, Optional

from bot.notify.types import Delivery, DeliveryStatus, MessageChannel, check_email, check_sms

__all__ = ["RecordingNotifier", "Sent"]


@dataclass(frozen=True)
class Sent:
    channel: MessageChannel
    to: str
    subject: Optional[str]
    body: str

    @property
    def code(self) -> Optional[str]:
        found = re.search(r"\b(\d{6})\b", self.body)
        return found.group(1) if found else None


class RecordingNotifier:
    def __init__(self, status: DeliveryStatus = DeliveryStatus.SENT) -> None:
        self.status = status
        self.sent: List[Sent] = []

    def send_sms(self, to_e164: str, body: str) -> Delivery:
        check_sms(to_e164, body)
        return self._record(Sent(MessageChannel.SMS, to_e164, None, body))

    def send_email(self, to: str, subject: str, body: str) -> Delivery:
        check_email(to, subject, body)
        return self._record(Sent(MessageChannel.EMAIL, to, subject, body))

    def _record(self, sent: Sent) -> Delivery:
        if self.status in (DeliveryStatus.SENT, DeliveryStatus.OUTBOX):
            self.sent.append(sent)
            return Delivery(sent.channel, self.status, message_id=f"rec-{len(self.sent)}")
        return Delivery(sent.channel, self.status, error=self.status.value)

    @property
    def last(self) -> Sent:
        return self.sent[-1]

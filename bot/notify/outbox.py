"""The local outbox: every SMS and e-mail the local profile would have sent.

Messages are stored encrypted (``DATA_KEYS``) in the ``outbox`` table, with the
recipient's blind index so they can be filtered by recipient without
decrypting the table.  ``privacy-desk outbox --json`` prints them decrypted,
newest first; the console (admin, local profile) reads them through
:meth:`Outbox.list`.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Dict, List, Optional

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.clock import utcnow
from bot.notify.models import OutboxMessageRow
from bot.notify.optouts import OptOutRegistry
from bot.notify.types import Delivery, DeliveryStatus, MessageChannel, check_email, check_sms
from bot.privacy.crypto import DataCipher, Indexer
from bot.storage.db import Database

__all__ = ["Outbox", "OutboxMessage", "OutboxNotifier", "MAX_LIST"]

MAX_LIST = 1000


@dataclass(frozen=True)
class OutboxMessage:
    """One decrypted outbox message (personal data: show only to admins / tests)."""

    id: str
    created_at: datetime
    channel: MessageChannel
    to: str
    subject: Optional[str]
    body: str

    def to_json(self) -> Dict[str, Any]:
        return {
            "id": self.id,
            "created_at": self.created_at.isoformat(),
            "channel": self.channel.value,
            "to": self.to,
            "subject": self.subject,
            "body": self.body,
        }


class Outbox:
    """Write and read the ``outbox`` table."""

    def __init__(
        self,
        database: Database,
        cipher: DataCipher,
        indexer: Indexer,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._db = database
        self._cipher = cipher
        self._indexer = indexer
        self._clock = clock

    def _recipient_index(self, channel: MessageChannel, to: str) -> str:
        return self._indexer.phone_index(to) if channel is MessageChannel.SMS else self._indexer.email_index(to)

    def add(self, channel: MessageChannel, to: str, subject: Optional[str], body: str) -> str:
        """Store one message; returns its id (``ob_...``)."""
        with self._db.write.begin() as session:
            return self.add_in(session, channel, to, subject, body)

    def add_in(self, session: Session, channel: MessageChannel, to: str, subject: Optional[str], body: str) -> str:
        """Store one message in the caller's transaction (the notice sender marks it sent in the same one)."""
        message_id = "ob_" + secrets.token_hex(12)
        session.add(
            OutboxMessageRow(
                message_id=message_id,
                created_at=self._clock(),
                channel=channel.value,
                recipient_index=self._recipient_index(channel, to),
                recipient_ct=self._cipher.encrypt(to),
                subject_ct=self._cipher.encrypt_optional(subject),
                body_ct=self._cipher.encrypt(body),
            )
        )
        return message_id

    def list(
        self,
        *,
        limit: int = 50,
        channel: Optional[MessageChannel] = None,
        to: Optional[str] = None,
    ) -> List[OutboxMessage]:
        """Messages, newest first; optionally only one channel and/or one recipient."""
        limit = max(1, min(int(limit), MAX_LIST))
        query = select(OutboxMessageRow).order_by(OutboxMessageRow.id.desc()).limit(limit)
        if channel is not None:
            query = query.where(OutboxMessageRow.channel == MessageChannel(channel).value)
        if to is not None:
            if channel is not None:
                indexes = [self._recipient_index(MessageChannel(channel), to)]
            else:
                indexes = [self._indexer.phone_index(to), self._indexer.email_index(to)]
            query = query.where(OutboxMessageRow.recipient_index.in_(indexes))
        with self._db.read() as session:
            rows = session.scalars(query).all()
            return [self._view(row) for row in rows]

    def latest(self, *, channel: Optional[MessageChannel] = None, to: Optional[str] = None) -> Optional[OutboxMessage]:
        found = self.list(limit=1, channel=channel, to=to)
        return found[0] if found else None

    def purge(self, older_than: timedelta) -> int:
        """Delete messages created before ``now - older_than``; returns how many."""
        cutoff = self._clock() - older_than
        with self._db.write.begin() as session:
            result = session.execute(
                delete(OutboxMessageRow)
                .where(OutboxMessageRow.created_at < cutoff)
                .execution_options(synchronize_session=False)
            )
            return int(result.rowcount or 0)

    def _view(self, row: OutboxMessageRow) -> OutboxMessage:
        created = row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=timezone.utc)
        return OutboxMessage(
            id=row.message_id,
            created_at=created,
            channel=MessageChannel(row.channel),
            to=self._cipher.decrypt(row.recipient_ct),
            subject=self._cipher.decrypt_optional(row.subject_ct),
            body=self._cipher.decrypt(row.body_ct),
        )


class OutboxNotifier:
    """The local profile's :class:`~bot.notify.types.Notifier`: keeps messages in the outbox.

    Honours SMS opt-outs exactly like the real sender, so STOP/START behave the same locally.
    """

    def __init__(self, outbox: Outbox, optouts: Optional[OptOutRegistry] = None) -> None:
        self.outbox = outbox
        self._optouts = optouts

    def send_sms(self, to_e164: str, body: str) -> Delivery:
        check_sms(to_e164, body)
        if self._optouts is not None and self._optouts.is_opted_out(to_e164):
            return Delivery(MessageChannel.SMS, DeliveryStatus.OPTED_OUT, error="opted_out", attempts=0)
        message_id = self.outbox.add(MessageChannel.SMS, to_e164, None, body)
        return Delivery(MessageChannel.SMS, DeliveryStatus.OUTBOX, message_id=message_id)

    def send_email(self, to: str, subject: str, body: str) -> Delivery:
        check_email(to, subject, body)
        message_id = self.outbox.add(MessageChannel.EMAIL, to, subject, body)
        return Delivery(MessageChannel.EMAIL, DeliveryStatus.OUTBOX, message_id=message_id)

"""The notice sender: claims queued notices and delivers each exactly once.

Two ways to deliver, picked from the notifier:

* **Local outbox** (``OutboxNotifier``): claiming the notice, writing the outbox
  message and marking it ``sent`` are ONE transaction.  A sender killed mid-batch
  rolls back the notice it was on; the next run sends it; nothing twice.
* **Providers** (SMTP, Twilio): the claim (``queued`` → ``sending`` with a lease)
  commits before the provider call, then the outcome is recorded.  A temporary
  failure goes back to ``queued`` with exponential back-off; after
  ``max_attempts`` it is ``failed``.  A notice found ``sending`` after its lease ran
  out (its sender died during the call) may or may not have left, so it is marked
  ``failed`` (``interrupted``) for an agent to check — never sent a second time.

Claims are conditional UPDATEs (``WHERE state = 'queued'``, one winner), picked
with ``SELECT ... FOR UPDATE SKIP LOCKED`` on PostgreSQL so replicas do not wait on
each other; SQLite serialises writers (``BEGIN IMMEDIATE``).
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Callable, Optional

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.clock import Clock, utcnow
from bot.notices.kinds import NoticeState
from bot.notices.models import NoticeRow
from bot.notify.outbox import OutboxNotifier
from bot.notify.types import Delivery, DeliveryStatus, InvalidMessage, MessageChannel
from bot.privacy.crypto import DataCipher
from bot.storage.db import Database

__all__ = ["NoticeSender", "SendReport"]

log = logging.getLogger(__name__)

#: Error codes worth another attempt later (network, timeouts, SMTP 4xx, Twilio 5xx / 429).
_PERMANENT_PREFIXES = ("smtp_5", "not_configured", "invalid", "21")


@dataclass
class SendReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    interrupted: int = 0

    @property
    def handled(self) -> int:
        return self.sent + self.retried + self.failed


def _transient(error: Optional[str]) -> bool:
    return not any((error or "").startswith(prefix) for prefix in _PERMANENT_PREFIXES)


class NoticeSender:
    """Deliver queued notices through ``notifier``.

    Args:
        lease: how long a provider send may take before its claim counts as interrupted.
        backoff: first retry delay; doubles each attempt.
    """

    def __init__(
        self,
        database: Database,
        cipher: DataCipher,
        notifier: Any,
        *,
        clock: Clock = utcnow,
        worker_id: Optional[str] = None,
        lease: timedelta = timedelta(minutes=5),
        backoff: timedelta = timedelta(seconds=30),
        max_attempts: int = 5,
        on_sent: Optional[Callable[[str, str], None]] = None,
    ) -> None:
        self._db = database
        self._cipher = cipher
        self._notifier = notifier
        self._clock = clock
        self.worker_id = (worker_id or f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}")[:64]
        self._lease = lease
        self._backoff = backoff
        self._max_attempts = max(1, max_attempts)
        #: Called with (reference, kind) once a notice left (e.g. record the CCPA acknowledgement).
        self._on_sent = on_sent

    # ------------------------------------------------------------------ one pass

    def run_once(self, limit: int = 50) -> SendReport:
        """Send up to ``limit`` due notices; returns what happened (counts only)."""
        report = SendReport()
        report.interrupted = self._expire_interrupted()
        for _ in range(max(1, limit)):
            local = isinstance(self._notifier, OutboxNotifier)
            outcome = self._send_to_outbox() if local else self._send_to_provider()
            if outcome is None:
                break
            setattr(report, outcome, getattr(report, outcome) + 1)
        return report

    def _pick(self, session: Session) -> Optional[NoticeRow]:
        query = (
            select(NoticeRow)
            .where(NoticeRow.state == NoticeState.QUEUED.value, NoticeRow.next_attempt_at <= self._clock())
            .order_by(NoticeRow.id)
            .limit(1)
        )
        if not self._db.is_sqlite:
            query = query.with_for_update(skip_locked=True)
        return session.scalars(query).first()

    def _claim(self, session: Session, row: NoticeRow, state: NoticeState, **values: Any) -> bool:
        """Move ``row`` out of ``queued`` only if it is still queued (one winner)."""
        result = session.execute(
            update(NoticeRow)
            .where(NoticeRow.id == row.id, NoticeRow.state == NoticeState.QUEUED.value)
            .values(state=state.value, attempts=NoticeRow.attempts + 1, updated_at=self._clock(), **values)
            .execution_options(synchronize_session=False)
        )
        return result.rowcount == 1

    # ------------------------------------------------------------------ local outbox: one transaction

    def _send_to_outbox(self) -> Optional[str]:
        notifier: OutboxNotifier = self._notifier
        with self._db.write.begin() as session:
            row = self._pick(session)
            if row is None:
                return None
            to = self._cipher.decrypt(row.recipient_ct)
            channel = MessageChannel(row.channel)
            body = self._cipher.decrypt(row.body_ct)
            subject = self._cipher.decrypt_optional(row.subject_ct)
            optouts = getattr(notifier, "_optouts", None)
            if channel is MessageChannel.SMS and optouts is not None and optouts.is_opted_out(to):
                self._claim(session, row, NoticeState.OPTED_OUT, error="opted_out")
                return "failed"
            message_id = notifier.outbox.add_in(session, channel, to, subject, body)
            now = self._clock()
            if not self._claim(session, row, NoticeState.SENT, provider_id=message_id, sent_at=now, error=None):
                session.rollback()
                return "retried"
            reference, kind = row.ticket_reference, row.kind
        self._after_sent(reference, kind)
        return "sent"

    def _after_sent(self, reference: Optional[str], kind: str) -> None:
        if self._on_sent is None or not reference:
            return
        try:
            self._on_sent(reference, kind)
        except Exception as exc:  # noqa: BLE001 - the notice left; only the follow-up record is missing
            log.error("after-send step failed for a %s notice: %s", kind, type(exc).__name__)

    # ------------------------------------------------------------------ providers: claim, send, record

    def _send_to_provider(self) -> Optional[str]:
        now = self._clock()
        with self._db.write.begin() as session:
            row = self._pick(session)
            if row is None:
                return None
            if not self._claim(
                session, row, NoticeState.SENDING, claimed_by=self.worker_id, lease_until=now + self._lease
            ):
                return "retried"
            notice_pk, attempts = row.id, row.attempts + 1
            reference, kind = row.ticket_reference, row.kind
            channel = MessageChannel(row.channel)
            to = self._cipher.decrypt(row.recipient_ct)
            body = self._cipher.decrypt(row.body_ct)
            subject = self._cipher.decrypt_optional(row.subject_ct)
            html = self._cipher.decrypt_optional(row.html_ct)
        delivery = self._deliver(channel, to, subject, body, html)
        outcome = self._record(notice_pk, attempts, delivery)
        if outcome == "sent":
            self._after_sent(reference, kind)
        return outcome

    def _deliver(
        self, channel: MessageChannel, to: str, subject: Optional[str], body: str, html: Optional[str]
    ) -> Delivery:
        try:
            if channel is MessageChannel.SMS:
                return self._notifier.send_sms(to, body)
            email = getattr(self._notifier, "email", self._notifier)
            if html and hasattr(email, "send_email_with_html"):
                return email.send_email_with_html(to, subject or "", body, html)
            return self._notifier.send_email(to, subject or "", body)
        except InvalidMessage as exc:
            return Delivery(channel, DeliveryStatus.FAILED, error=f"invalid_{exc.field}"[:32], attempts=0)

    def _record(self, notice_pk: int, attempts: int, delivery: Delivery) -> str:
        now = self._clock()
        values: dict = {"updated_at": now, "lease_until": None, "provider_id": delivery.message_id}
        if delivery.ok:
            values.update(state=NoticeState.SENT.value, sent_at=now, error=None)
            outcome = "sent"
        elif delivery.status is DeliveryStatus.OPTED_OUT:
            values.update(state=NoticeState.OPTED_OUT.value, error=(delivery.error or "opted_out")[:32])
            outcome = "failed"
        elif _transient(delivery.error) and attempts < self._max_attempts:
            values.update(
                state=NoticeState.QUEUED.value,
                error=(delivery.error or "failed")[:32],
                next_attempt_at=now + self._backoff * (2 ** (attempts - 1)),
            )
            outcome = "retried"
        else:
            values.update(state=NoticeState.FAILED.value, error=(delivery.error or "failed")[:32])
            outcome = "failed"
        with self._db.write.begin() as session:
            session.execute(
                update(NoticeRow)
                .where(
                    NoticeRow.id == notice_pk,
                    NoticeRow.state == NoticeState.SENDING.value,
                    NoticeRow.claimed_by == self.worker_id,
                )
                .values(**values)
                .execution_options(synchronize_session=False)
            )
        if outcome != "sent":
            log.warning("notice delivery %s (%s), attempt %d", outcome, values.get("error"), attempts)
        return outcome

    def _expire_interrupted(self) -> int:
        """Claims whose sender died during the provider call: failed (``interrupted``), never resent."""
        with self._db.write.begin() as session:
            result = session.execute(
                update(NoticeRow)
                .where(NoticeRow.state == NoticeState.SENDING.value, NoticeRow.lease_until < self._clock())
                .values(state=NoticeState.FAILED.value, error="interrupted", updated_at=self._clock())
                .execution_options(synchronize_session=False)
            )
            return int(result.rowcount or 0)

"""Queue notices for a ticket's steps, and read their delivery state (no sending here).

:meth:`NoticeService.queue` renders the notice at once (so what is sent is fixed at
the step it reports) and stores it ``queued`` for :class:`~bot.notices.sender.NoticeSender`.
Queueing is idempotent: each step has one ``dedupe_key``, so a retried action or
a double click queues nothing twice.  Reading the requester's contact is an audited
reveal by ``system:notices``.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Callable, Dict, List, Mapping, Optional

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from bot.clock import Clock, utcnow
from bot.notices.company import CompanyDetails, company_details
from bot.notices.content import notice_context
from bot.notices.kinds import NoticeKind, NoticeState
from bot.notices.models import NoticeRow
from bot.notices.recipients import Recipient, choose_recipient
from bot.notices.render import render_notice
from bot.notify.types import MessageChannel
from bot.privacy.crypto import DataCipher
from bot.storage.db import Database
from bot.tickets import Kind, RevealReason, TicketService, TicketView

__all__ = ["NoticeService", "NoticeView", "QueuedNotice", "SYSTEM_ACTOR", "rotate_notice_keys", "purge_notices"]

log = logging.getLogger(__name__)

SYSTEM_ACTOR = "system:notices"


@dataclass(frozen=True)
class NoticeView:
    """A notice as agents see it: kind, channel, state and the masked recipient (no body, no address)."""

    notice_id: str
    reference: Optional[str]
    kind: NoticeKind
    channel: str
    state: NoticeState
    recipient: str
    attempts: int
    error: Optional[str]
    created_at: datetime
    sent_at: Optional[datetime]
    delivered_at: Optional[datetime]

    def to_json(self) -> Dict[str, Any]:
        return {
            "notice_id": self.notice_id,
            "reference": self.reference,
            "kind": self.kind.value,
            "channel": self.channel,
            "state": self.state.value,
            "recipient": self.recipient,
            "attempts": self.attempts,
            "error": self.error,
            "created_at": self.created_at.isoformat(),
            "sent_at": self.sent_at.isoformat() if self.sent_at else None,
            "delivered_at": self.delivered_at.isoformat() if self.delivered_at else None,
        }


@dataclass(frozen=True)
class QueuedNotice:
    """What the caller may tell the user: the channel and the masked recipient."""

    notice_id: str
    channel: str
    recipient: str
    #: False when this step's notice was already queued (nothing new was queued).
    created: bool = True


class NoticeService:
    """Queue and read notices.

    Args:
        database: the shared database.  cipher: encrypts recipient and bodies.
        tickets: reads the ticket and (audited) its contact.
        company: the company details (see :func:`bot.notices.company.company_details`).
    """

    def __init__(
        self,
        database: Database,
        cipher: DataCipher,
        tickets: TicketService,
        *,
        company: Callable[[], CompanyDetails] = company_details,
        clock: Clock = utcnow,
    ) -> None:
        self._db = database
        self._cipher = cipher
        self._tickets = tickets
        self._company = company
        self._clock = clock

    # ------------------------------------------------------------------ queueing

    def queue(
        self, reference: str, kind: NoticeKind, *, step: str = "", details: Optional[Mapping[str, Any]] = None
    ) -> Optional[QueuedNotice]:
        """Queue ``kind`` for the ticket's verified contact; None when it has none.

        ``step`` distinguishes repeats of one kind (the extension count, the ticket version).
        """
        ticket = self._tickets.get_by_reference(reference)
        if ticket.kind is Kind.ESCALATION:
            return None  # a conversation handed to a person: the agent's reply is the answer
        personal = self._tickets.reveal_personal_data(
            ticket.reference, actor=SYSTEM_ACTOR, reason=RevealReason.CONTACT_REQUESTER
        )
        recipient = choose_recipient(ticket, personal)
        if recipient is None:
            log.info("no verified contact: %s notice not queued", kind.value)
            return None
        dedupe = f"{ticket.reference}:{kind.value}:{step}:{recipient.channel.value}"
        return self._store(ticket, kind, recipient, dedupe, details)

    def queue_agent_reminder(
        self, ticket: TicketView, desk_email: str, *, days_left: int, console_url: str
    ) -> QueuedNotice:
        """Queue the at-risk reminder of ``ticket`` to the agents' ``desk_email``: once per due date
        (an extension moves the date, so the new date is reminded again)."""
        recipient = Recipient(MessageChannel.EMAIL, desk_email)
        dedupe = f"{ticket.reference}:{NoticeKind.AT_RISK.value}:{ticket.respond_by.isoformat()}:email"
        return self._store(
            ticket, NoticeKind.AT_RISK, recipient, dedupe, {"days_left": days_left, "console_url": console_url}
        )

    def _store(
        self,
        ticket: TicketView,
        kind: NoticeKind,
        recipient: Recipient,
        dedupe: str,
        details: Optional[Mapping[str, Any]],
    ) -> QueuedNotice:
        existing = self._by_dedupe(dedupe)
        if existing is not None:
            return existing
        rendered = render_notice(kind.value, notice_context(kind, ticket, self._company(), recipient.masked, details))
        is_sms = recipient.channel.value == "sms"
        now = self._clock()
        notice_id = "nt_" + secrets.token_hex(12)
        try:
            with self._db.write.begin() as session:
                session.add(
                    NoticeRow(
                        notice_id=notice_id,
                        dedupe_key=dedupe,
                        ticket_reference=ticket.reference,
                        kind=kind.value,
                        channel=recipient.channel.value,
                        state=NoticeState.QUEUED.value,
                        recipient_ct=self._cipher.encrypt(recipient.address),
                        recipient_mask=recipient.masked,
                        subject_ct=None if is_sms else self._cipher.encrypt(rendered.subject),
                        body_ct=self._cipher.encrypt(rendered.sms if is_sms else rendered.text),
                        html_ct=None if is_sms else self._cipher.encrypt(rendered.html),
                        attempts=0,
                        next_attempt_at=now,
                        created_at=now,
                        updated_at=now,
                    )
                )
        except IntegrityError:
            found = self._by_dedupe(dedupe)
            if found is None:
                raise
            return found
        return QueuedNotice(notice_id, recipient.channel.value, recipient.masked)

    def _by_dedupe(self, dedupe: str) -> Optional[QueuedNotice]:
        with self._db.read() as session:
            row = session.scalars(select(NoticeRow).where(NoticeRow.dedupe_key == dedupe)).first()
            return (
                QueuedNotice(row.notice_id, row.channel, row.recipient_mask, created=False) if row is not None else None
            )

    # ------------------------------------------------------------------ reading

    def for_ticket(self, reference: str) -> List[NoticeView]:
        """The ticket's notices, oldest first."""
        query = select(NoticeRow).where(NoticeRow.ticket_reference == reference).order_by(NoticeRow.id)
        with self._db.read() as session:
            return [_view(row) for row in session.scalars(query)]

    def failed(self, limit: int = 50) -> List[NoticeView]:
        """Notices that did not reach the requester, newest first (for the queue page)."""
        query = (
            select(NoticeRow)
            .where(NoticeRow.state.in_([NoticeState.FAILED.value, NoticeState.OPTED_OUT.value]))
            .order_by(NoticeRow.id.desc())
            .limit(max(1, min(limit, 500)))
        )
        with self._db.read() as session:
            return [_view(row) for row in session.scalars(query)]

    # ------------------------------------------------------------------ retention and keys

    def purge(self, cutoff: datetime) -> int:
        """Delete finished notices queued before ``cutoff`` (:class:`~bot.storage.sweep.Purgeable`)."""
        return _purge_before(self._db, cutoff)

    def rotate(self, cipher: DataCipher, batch_size: int = 500) -> int:
        """Re-encrypt recipients and bodies under ``cipher``'s first key (:class:`~bot.storage.sweep.Rotatable`)."""
        return rotate_notice_keys(self._db, cipher, batch_size)

    # ------------------------------------------------------------------ provider status callbacks

    def record_provider_status(self, provider_id: str, status: str, error_code: Optional[str] = None) -> bool:
        """Apply a provider's final status (Twilio ``delivered`` / ``undelivered`` / ``failed``); True if a notice changed."""
        state = TWILIO_FINAL_STATES.get((status or "").strip().lower())
        if state is None or not provider_id:
            return False
        now = self._clock()
        values: dict = {"state": state.value, "updated_at": now}
        if state is NoticeState.DELIVERED:
            values["delivered_at"] = now
        else:
            values["error"] = (f"twilio_{error_code}" if error_code else "undelivered")[:32]
        with self._db.write.begin() as session:
            result = session.execute(
                update(NoticeRow)
                .where(NoticeRow.provider_id == provider_id[:128], NoticeRow.state == NoticeState.SENT.value)
                .values(**values)
                .execution_options(synchronize_session=False)
            )
            return bool(result.rowcount)

    def counts(self) -> Dict[str, int]:
        """How many notices are in each state."""
        with self._db.read() as session:
            rows = session.execute(select(NoticeRow.state, func.count()).group_by(NoticeRow.state)).all()
        return {state: int(count) for state, count in rows}


#: Twilio status-callback ``MessageStatus`` → our state (the others are on the way: no change).
TWILIO_FINAL_STATES = {
    "delivered": NoticeState.DELIVERED,
    "undelivered": NoticeState.FAILED,
    "failed": NoticeState.FAILED,
}


def _view(row: NoticeRow) -> NoticeView:
    return NoticeView(
        notice_id=row.notice_id,
        reference=row.ticket_reference,
        kind=NoticeKind(row.kind),
        channel=row.channel,
        state=NoticeState(row.state),
        recipient=row.recipient_mask,
        attempts=row.attempts,
        error=row.error,
        created_at=row.created_at,
        sent_at=row.sent_at,
        delivered_at=row.delivered_at,
    )


def rotate_notice_keys(database: Database, cipher: DataCipher, batch_size: int = 500) -> int:
    """Re-encrypt every notice's recipient and bodies under the first ``DATA_KEYS`` key; returns rows rewritten."""
    from bot.storage.reencrypt import reencrypt_columns

    columns = [NoticeRow.recipient_ct, NoticeRow.subject_ct, NoticeRow.body_ct, NoticeRow.html_ct]
    return reencrypt_columns(database.write.begin, NoticeRow, NoticeRow.id, columns, cipher.rotate, batch_size)


def purge_notices(database: Database, older_than: timedelta, clock: Clock = utcnow) -> int:
    """Delete finished notices (sent, delivered, failed, opted out) queued before ``now - older_than``."""
    return _purge_before(database, clock() - older_than)


def _purge_before(database: Database, cutoff: datetime) -> int:
    from sqlalchemy import delete

    finished = [
        NoticeState.SENT.value,
        NoticeState.DELIVERED.value,
        NoticeState.FAILED.value,
        NoticeState.OPTED_OUT.value,
    ]
    with database.write.begin() as session:
        result = session.execute(
            delete(NoticeRow)
            .where(NoticeRow.created_at < cutoff, NoticeRow.state.in_(finished))
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount or 0)

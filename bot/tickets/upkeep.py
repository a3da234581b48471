"""Upkeep of the whole store: retention (anonymise closed tickets), key rotation,
the retention-run audit record and the admin audit log.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, List, Mapping, Optional, Sequence

from sqlalchemy import select, update

from bot.privacy.crypto import DataCipher
from bot.storage.reencrypt import reencrypt_columns
from bot.tickets._store import TicketStore
from bot.tickets._validation import actor as _actor
from bot.tickets._validation import code as _code
from bot.tickets.errors import (
    InvalidField,
)
from bot.tickets.models import AuditEvent, Ticket, TicketNote
from bot.tickets.states import (
    TERMINAL_STATUSES,
    AuditAction,
)
from bot.tickets.types import (
    AuditEventView,
    RotationReport,
)

__all__ = ["TicketUpkeep"]


class TicketUpkeep(TicketStore):
    """Retention, key rotation and the audit log."""

    # ------------------------------------------------------------------ retention and keys

    def purge(self, cutoff: datetime) -> int:
        """The retention run's step (:class:`bot.storage.sweep.Purgeable`): tickets closed before ``cutoff`` anonymised."""
        return self.anonymise_closed_before(cutoff)

    def rotate(self, cipher: DataCipher, batch_size: int = 500) -> int:
        """``privacy-desk rotate-keys``'s step (:class:`bot.storage.sweep.Rotatable`): ticket and note rows rewritten."""
        report = self.rotate_keys(batch_size=batch_size, cipher=cipher)
        return report.tickets + report.notes

    def anonymise_closed(
        self, older_than: Optional[timedelta] = None, *, actor: str = "system:retention", batch_size: int = 500
    ) -> int:
        """Anonymise tickets closed more than ``older_than`` ago (default: retention); see :meth:`anonymise_closed_before`."""
        cutoff = self._clock() - (older_than if older_than is not None else self.retention)
        return self.anonymise_closed_before(cutoff, actor=actor, batch_size=batch_size)

    def anonymise_closed_before(
        self, cutoff: datetime, *, actor: str = "system:retention", batch_size: int = 500
    ) -> int:
        """Erase personal data of tickets closed before ``cutoff``.

        Keeps the ticket skeleton (reference, kind, dates, status) and the audit trail
        for statistics and accountability; drops personal data, blind indexes,
        transcript, extension reason and note bodies.  Returns the number of tickets.
        """
        actor_ = _actor(actor)
        done = 0
        while True:
            now = self._clock()
            with self._db.write.begin() as session:
                tickets = session.scalars(
                    select(Ticket)
                    .where(
                        Ticket.status.in_([s.value for s in TERMINAL_STATUSES]),
                        Ticket.closed_at < cutoff,
                        Ticket.anonymised_at.is_(None),
                    )
                    .order_by(Ticket.id)
                    .limit(batch_size)
                ).all()
                if not tickets:
                    return done
                ids = [t.id for t in tickets]
                session.execute(
                    update(TicketNote)
                    .where(TicketNote.ticket_id.in_(ids))
                    .values(body_ct=None)
                    .execution_options(synchronize_session=False)
                )
                for ticket in tickets:
                    ticket.personal_ct = None
                    ticket.email_index = None
                    ticket.phone_index = None
                    ticket.transcript_ct = None
                    ticket.extension_reason_ct = None
                    ticket.anonymised_at = now
                    self._touch(ticket, now)
                    self._audit(session, ticket.id, actor_, AuditAction.ANONYMISED, None, None, "retention", now)
                done += len(tickets)

    def rotate_keys(
        self, *, actor: str = "system:rotate-keys", batch_size: int = 500, cipher: Optional[DataCipher] = None
    ) -> RotationReport:
        """Re-encrypt every ciphertext under the primary (first) key of ``DATA_KEYS`` (or of ``cipher``).

        Runs in batches (one transaction each); safe to re-run after an interruption.
        Does not change ``version`` (the content is the same).
        """
        actor_ = _actor(actor)
        keys = cipher or self._cipher
        tickets = self._rotate_table(
            Ticket, (Ticket.personal_ct, Ticket.transcript_ct, Ticket.extension_reason_ct), batch_size, keys
        )
        notes = self._rotate_table(TicketNote, (TicketNote.body_ct,), batch_size, keys)
        with self._db.write.begin() as session:
            self._audit(session, None, actor_, AuditAction.KEYS_ROTATED, None, None, None, self._clock())
        return RotationReport(tickets=tickets, notes=notes)

    def record_retention_run(self, counts: Mapping[str, int], *, actor: str = "system:retention") -> None:
        """One audit event for a retention run, counts only: reason code ``purge.c3.e41.t2``.

        ``counts`` maps short lower-case names to non-negative whole numbers.
        """
        actor_ = _actor(actor)
        parts = []
        for name, value in counts.items():
            if not (isinstance(name, str) and name.isascii() and name.isalpha() and name.islower() and len(name) <= 8):
                raise InvalidField("counts", "names must be short lower-case words")
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise InvalidField("counts", "values must be whole numbers of zero or more")
            parts.append(f"{name}{value}")
        code = _code("reason_code", ".".join(["purge", *parts]))
        with self._db.write.begin() as session:
            self._audit(session, None, actor_, AuditAction.RETENTION_RUN, None, None, code, self._clock())

    def audit_log(self, *, limit: int = 100, before_id: Optional[int] = None) -> List[AuditEventView]:
        """The whole audit trail, newest first (admin view); page with ``before_id`` = last id seen."""
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 1000:
            raise InvalidField("limit", "must be between 1 and 1000")
        if before_id is not None and (isinstance(before_id, bool) or not isinstance(before_id, int)):
            raise InvalidField("before_id", "must be a whole number")
        query = select(AuditEvent, Ticket.reference).outerjoin(Ticket, Ticket.id == AuditEvent.ticket_id)
        if before_id is not None:
            query = query.where(AuditEvent.id < before_id)
        with self._db.read() as session:
            rows = session.execute(query.order_by(AuditEvent.id.desc()).limit(limit)).all()
            return [self._event_view(event, reference) for event, reference in rows]

    def _rotate_table(self, model: Any, columns: Sequence[Any], batch_size: int, cipher: DataCipher) -> int:
        return reencrypt_columns(self._db.write.begin, model, model.id, columns, cipher.rotate, batch_size)

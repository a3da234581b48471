"""Table models (SQLAlchemy 1.4 declarative, written 2.0-style).

Only :mod:`bot.tickets.service` touches these.  Columns ending in ``_ct`` hold
Fernet ciphertext (:class:`bot.privacy.crypto.DataCipher`); ``email_index`` /
``phone_index`` hold keyed HMAC digests for lookups.  No column holds personal
data in plaintext.  The idempotency key is stored as an HMAC digest too, since
callers may build it from identifiers.

The schema itself is owned by the Alembic migrations in
``bot/storage/migrations``; ``tests/.../test_migrations.py`` checks that the
migrations and these models agree.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Optional

from sqlalchemy import CheckConstraint, Column, Date, ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped

from bot.storage.base import Base
from bot.storage.types import UTCDateTime
from bot.tickets.states import AuditAction, Channel, Kind, NoteKind, Status

__all__ = ["Ticket", "TicketNote", "AuditEvent", "TicketCount", "COUNT_KEY"]


def _in(column: str, enum_type: Any) -> str:
    return f"{column} IN ({', '.join(repr(m.value) for m in enum_type)})"


class Ticket(Base):
    __tablename__ = "tickets"

    id: Mapped[int] = Column(Integer, primary_key=True)
    reference: Mapped[str] = Column(String(12), nullable=False, unique=True)
    idempotency_digest: Mapped[str] = Column(String(64), nullable=False, unique=True)
    kind: Mapped[str] = Column(String(24), nullable=False)
    status: Mapped[str] = Column(String(32), nullable=False)
    channel: Mapped[str] = Column(String(8), nullable=False)
    priority: Mapped[int] = Column(Integer, nullable=False, default=0)
    jurisdiction: Mapped[str] = Column(String(8), nullable=False)
    received_at: Mapped[datetime] = Column(UTCDateTime, nullable=False)
    acknowledge_by: Mapped[Optional[date]] = Column(Date, nullable=True)
    acknowledged_at: Mapped[Optional[datetime]] = Column(UTCDateTime, nullable=True)
    due_date: Mapped[date] = Column(Date, nullable=False)
    extended_due_date: Mapped[Optional[date]] = Column(Date, nullable=True)
    respond_by: Mapped[date] = Column(Date, nullable=False)
    extension_count: Mapped[int] = Column(Integer, nullable=False, default=0)
    extension_reason_ct: Mapped[Optional[bytes]] = Column(LargeBinary, nullable=True)
    closed_at: Mapped[Optional[datetime]] = Column(UTCDateTime, nullable=True)
    verification_method: Mapped[str] = Column(String(24), nullable=False)
    verification_level: Mapped[str] = Column(String(16), nullable=False)
    verification_data_points: Mapped[str] = Column(String(400), nullable=False, default="")
    verified_at: Mapped[Optional[datetime]] = Column(UTCDateTime, nullable=True)
    assignee: Mapped[Optional[str]] = Column(String(64), nullable=True)  # filtered via ix_tickets_queue
    claimed_at: Mapped[Optional[datetime]] = Column(UTCDateTime, nullable=True)
    personal_ct: Mapped[Optional[bytes]] = Column(LargeBinary, nullable=True)
    email_index: Mapped[Optional[str]] = Column(String(64), nullable=True, index=True)
    phone_index: Mapped[Optional[str]] = Column(String(64), nullable=True, index=True)
    transcript_ct: Mapped[Optional[bytes]] = Column(LargeBinary, nullable=True)
    anonymised_at: Mapped[Optional[datetime]] = Column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = Column(UTCDateTime, nullable=False)
    updated_at: Mapped[datetime] = Column(UTCDateTime, nullable=False)
    version: Mapped[int] = Column(Integer, nullable=False, default=1)
    #: The privacy policy in force when the ticket was filed ("March 2010 @ 0b422c45e4f1": revision @ source sha).
    policy_version: Mapped[Optional[str]] = Column(String(80), nullable=True)

    __table_args__ = (
        CheckConstraint(_in("kind", Kind), name="kind"),
        CheckConstraint(_in("status", Status), name="status"),
        CheckConstraint(_in("channel", Channel), name="channel"),
        CheckConstraint("extension_count >= 0", name="extension_count"),
        Index("ix_tickets_closed_at", "closed_at"),  # retention: closed tickets past the cutoff
    )


# The queue order (high priority first, then earliest deadline, then oldest) as an
# index, so a page is an index walk that stops after ``limit`` matches instead of a
# sort.  It also carries every filter column, so filters are checked in the index
# and the page's total and per-status counts are index-only scans.
Index(
    "ix_tickets_queue",
    Ticket.priority.desc(),
    Ticket.respond_by,
    Ticket.id,
    Ticket.status,
    Ticket.kind,
    Ticket.channel,
    Ticket.assignee,
    Ticket.jurisdiction,
)
# Search by received date, the dashboard's weekly intake and the CCPA reports' period
# (migration 0006): a range scan that reads the filter columns from the index.
Index("ix_tickets_received", Ticket.received_at, Ticket.status, Ticket.kind, Ticket.channel, Ticket.jurisdiction)
# Overdue / due-soon counts of open tickets (``ix_tickets_queue`` leads with priority).
Index("ix_tickets_respond_by_status", Ticket.respond_by, Ticket.status)


class TicketCount(Base):
    """How many tickets share one (status, kind, channel, jurisdiction, assignee); ``''`` = unassigned.

    Written only by database triggers on ``tickets`` (migration ``0005_queue_counts``),
    in the writer's own transaction, so the counts are exact: the queue's per-status
    counts are a sum over these few rows instead of a scan of every ticket.
    """

    __tablename__ = "ticket_counts"

    status: Mapped[str] = Column(String(32), primary_key=True)
    kind: Mapped[str] = Column(String(24), primary_key=True)
    channel: Mapped[str] = Column(String(8), primary_key=True)
    jurisdiction: Mapped[str] = Column(String(8), primary_key=True)
    assignee: Mapped[str] = Column(String(64), primary_key=True)
    n: Mapped[int] = Column(Integer, nullable=False)


#: The columns ``ticket_counts`` is keyed by (the queue filters the counts honour).
COUNT_KEY = ("status", "kind", "channel", "jurisdiction", "assignee")


class TicketNote(Base):
    __tablename__ = "ticket_notes"

    id: Mapped[int] = Column(Integer, primary_key=True)
    ticket_id: Mapped[int] = Column(Integer, ForeignKey("tickets.id"), nullable=False, index=True)
    kind: Mapped[str] = Column(String(16), nullable=False)
    author: Mapped[str] = Column(String(64), nullable=False)
    created_at: Mapped[datetime] = Column(UTCDateTime, nullable=False)
    body_ct: Mapped[Optional[bytes]] = Column(LargeBinary, nullable=True)

    __table_args__ = (CheckConstraint(_in("kind", NoteKind), name="kind"),)


class AuditEvent(Base):
    """Append-only (database triggers reject UPDATE and DELETE).  Never personal data."""

    __tablename__ = "audit_events"

    id: Mapped[int] = Column(Integer, primary_key=True)
    ticket_id: Mapped[Optional[int]] = Column(Integer, ForeignKey("tickets.id"), nullable=True)
    at: Mapped[datetime] = Column(UTCDateTime, nullable=False)
    actor: Mapped[str] = Column(String(64), nullable=False)
    action: Mapped[str] = Column(String(32), nullable=False)
    from_status: Mapped[Optional[str]] = Column(String(32), nullable=True)
    to_status: Mapped[Optional[str]] = Column(String(32), nullable=True)
    reason_code: Mapped[Optional[str]] = Column(String(64), nullable=True)

    __table_args__ = (
        CheckConstraint(_in("action", AuditAction), name="action"),
        Index("ix_audit_events_ticket_id_id", "ticket_id", "id"),
    )

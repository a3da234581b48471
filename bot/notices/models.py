"""The ``notices`` table: one row per notice and recipient, with its delivery state.

The recipient is encrypted (``recipient_ct``) and shown only masked
(``recipient_mask``); the rendered subject and bodies are encrypted too, although
they carry no personal data beyond the reference and the masked contact.
``dedupe_key`` makes queueing idempotent (``<reference>:<kind>:<step>:<channel>``).
Created by the Alembic revision ``0009_notices``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import CheckConstraint, Column, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped

from bot.storage.base import Base
from bot.storage.types import UTCDateTime

__all__ = ["NoticeRow"]


class NoticeRow(Base):
    __tablename__ = "notices"

    id: Mapped[int] = Column(Integer, primary_key=True)
    notice_id: Mapped[str] = Column(String(40), nullable=False, unique=True)
    dedupe_key: Mapped[str] = Column(String(96), nullable=False, unique=True)
    ticket_reference: Mapped[Optional[str]] = Column(String(12), nullable=True)
    kind: Mapped[str] = Column(String(24), nullable=False)
    channel: Mapped[str] = Column(String(8), nullable=False)
    state: Mapped[str] = Column(String(12), nullable=False)
    recipient_ct: Mapped[bytes] = Column(LargeBinary, nullable=False)
    recipient_mask: Mapped[str] = Column(String(64), nullable=False)
    subject_ct: Mapped[Optional[bytes]] = Column(LargeBinary, nullable=True)
    body_ct: Mapped[bytes] = Column(LargeBinary, nullable=False)
    html_ct: Mapped[Optional[bytes]] = Column(LargeBinary, nullable=True)
    attempts: Mapped[int] = Column(Integer, nullable=False, default=0)
    next_attempt_at: Mapped[datetime] = Column(UTCDateTime, nullable=False)
    lease_until: Mapped[Optional[datetime]] = Column(UTCDateTime, nullable=True)
    claimed_by: Mapped[Optional[str]] = Column(String(64), nullable=True)
    provider_id: Mapped[Optional[str]] = Column(String(128), nullable=True)
    error: Mapped[Optional[str]] = Column(String(32), nullable=True)
    created_at: Mapped[datetime] = Column(UTCDateTime, nullable=False)
    updated_at: Mapped[datetime] = Column(UTCDateTime, nullable=False)
    sent_at: Mapped[Optional[datetime]] = Column(UTCDateTime, nullable=True)
    delivered_at: Mapped[Optional[datetime]] = Column(UTCDateTime, nullable=True)

    __table_args__ = (
        CheckConstraint("channel IN ('sms', 'email')", name="channel"),
        CheckConstraint("state IN ('queued', 'sending', 'sent', 'delivered', 'failed', 'opted_out')", name="state"),
        Index("ix_notices_state_next_attempt", "state", "next_attempt_at"),
        Index("ix_notices_ticket_reference", "ticket_reference"),
        Index("ix_notices_provider_id", "provider_id"),
    )

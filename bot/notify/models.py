"""Tables of the notification domain (on the ticket store's declarative ``Base``).

``outbox`` keeps every message the local profile would have sent (encrypted);
``sms_optouts`` is the SMS opt-out registry keyed by the phone's blind index.
Created by the Alembic revision ``verification_and_notify`` in
``bot/storage/migrations/versions``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import Boolean, CheckConstraint, Column, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped

from bot.storage.base import Base
from bot.storage.types import UTCDateTime

__all__ = ["OutboxMessageRow", "SmsOptOut"]


class OutboxMessageRow(Base):
    __tablename__ = "outbox"

    id: Mapped[int] = Column(Integer, primary_key=True)
    message_id: Mapped[str] = Column(String(40), nullable=False, unique=True)
    created_at: Mapped[datetime] = Column(UTCDateTime, nullable=False)
    channel: Mapped[str] = Column(String(8), nullable=False)
    recipient_index: Mapped[str] = Column(String(64), nullable=False)
    recipient_ct: Mapped[bytes] = Column(LargeBinary, nullable=False)
    subject_ct: Mapped[Optional[bytes]] = Column(LargeBinary, nullable=True)
    body_ct: Mapped[bytes] = Column(LargeBinary, nullable=False)

    __table_args__ = (
        CheckConstraint("channel IN ('sms', 'email')", name="channel"),
        Index("ix_outbox_recipient_index_id", "recipient_index", "id"),
    )


class SmsOptOut(Base):
    __tablename__ = "sms_optouts"

    phone_index: Mapped[str] = Column(String(64), primary_key=True)
    opted_out: Mapped[bool] = Column(Boolean(create_constraint=False), nullable=False)
    source: Mapped[str] = Column(String(16), nullable=False)
    updated_at: Mapped[datetime] = Column(UTCDateTime, nullable=False)

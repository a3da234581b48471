"""Fulfilment runs and their per-system steps (the state that makes execution resumable).

A run is one approved access, erasure or stop-using request; it holds the
person's resolved identities encrypted (``DATA_KEYS``) so execution uses exactly
what the agent previewed, even after the first system has erased the rows that
led to the others.  Each step records one system's status and receipt (names and
counts only).  An access package waiting for its requester is a
:class:`FulfilmentPackage` (encrypted; found by a keyed digest of its link token).
The schema is owned by migrations ``0007_fulfilment`` and ``0008_fulfilment_packages``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import CheckConstraint, Column, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped

from bot.storage.base import Base
from bot.storage.types import UTCDateTime

__all__ = ["FulfilmentRun", "FulfilmentStep", "FulfilmentPackage", "RUN_STATUSES", "STEP_STATUSES", "PURPOSES"]

PURPOSES = ("access", "erasure", "stop_using")
RUN_STATUSES = ("planned", "approved", "running", "done", "partial")
STEP_STATUSES = ("pending", "running", "done", "failed", "waiting")


def _in(column: str, values: tuple) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class FulfilmentRun(Base):
    __tablename__ = "fulfilment_runs"

    id: Mapped[str] = Column(String(32), primary_key=True)
    ticket_reference: Mapped[Optional[str]] = Column(String(12), nullable=True, index=True)
    purpose: Mapped[str] = Column(String(16), nullable=False)
    status: Mapped[str] = Column(String(16), nullable=False)
    identities_ct: Mapped[bytes] = Column(LargeBinary, nullable=False)
    datamap_digest: Mapped[str] = Column(String(64), nullable=False)
    plan_json: Mapped[str] = Column(Text, nullable=False)
    created_at: Mapped[datetime] = Column(UTCDateTime, nullable=False)
    approved_by: Mapped[Optional[str]] = Column(String(64), nullable=True)
    approved_at: Mapped[Optional[datetime]] = Column(UTCDateTime, nullable=True)
    lease_until: Mapped[Optional[datetime]] = Column(UTCDateTime, nullable=True)
    finished_at: Mapped[Optional[datetime]] = Column(UTCDateTime, nullable=True)

    __table_args__ = (
        CheckConstraint(_in("purpose", PURPOSES), name="purpose"),
        CheckConstraint(_in("status", RUN_STATUSES), name="status"),
    )


class FulfilmentStep(Base):
    __tablename__ = "fulfilment_steps"

    id: Mapped[int] = Column(Integer, primary_key=True)
    run_id: Mapped[str] = Column(
        String(32), ForeignKey("fulfilment_runs.id", ondelete="CASCADE"), nullable=False, index=True
    )
    position: Mapped[int] = Column(Integer, nullable=False)
    system: Mapped[str] = Column(String(64), nullable=False)
    status: Mapped[str] = Column(String(16), nullable=False)
    attempts: Mapped[int] = Column(Integer, nullable=False, default=0)
    receipt_json: Mapped[Optional[str]] = Column(Text, nullable=True)
    error_code: Mapped[Optional[str]] = Column(String(32), nullable=True)
    started_at: Mapped[Optional[datetime]] = Column(UTCDateTime, nullable=True)
    finished_at: Mapped[Optional[datetime]] = Column(UTCDateTime, nullable=True)

    __table_args__ = (
        UniqueConstraint("run_id", "system"),
        CheckConstraint(_in("status", STEP_STATUSES), name="status"),
    )


class FulfilmentPackage(Base):
    """An access package behind an expiring link: downloadable a few times, with a fresh one-time code."""

    __tablename__ = "fulfilment_packages"

    id: Mapped[str] = Column(String(32), primary_key=True)
    token_digest: Mapped[str] = Column(String(64), nullable=False, unique=True)
    run_id: Mapped[str] = Column(
        String(32), ForeignKey("fulfilment_runs.id", ondelete="CASCADE"), nullable=False, index=True
    )
    ticket_reference: Mapped[Optional[str]] = Column(String(12), nullable=True)
    channel: Mapped[str] = Column(String(8), nullable=False)
    contact_ct: Mapped[bytes] = Column(LargeBinary, nullable=False)
    package_ct: Mapped[bytes] = Column(LargeBinary, nullable=False)
    challenge_id: Mapped[Optional[str]] = Column(String(64), nullable=True)
    downloads_left: Mapped[int] = Column(Integer, nullable=False)
    created_at: Mapped[datetime] = Column(UTCDateTime, nullable=False)
    expires_at: Mapped[datetime] = Column(UTCDateTime, nullable=False, index=True)

    __table_args__ = (CheckConstraint("channel IN ('email', 'sms')", name="channel"),)

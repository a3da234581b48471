"""Console tables: agent accounts, server-side sessions, API tokens, login throttle, account events.

Only :mod:`bot.console.accounts` touches these.  Secrets are never stored in
the clear: passwords as argon2id hashes, session ids and API tokens as SHA-256
digests (they are 256-bit random values, so a fast hash is enough), throttle
keys as SHA-256 digests of the username / client address.

The schema is created by the Alembic revision ``0002_console_accounts`` in
``bot/storage/migrations`` (one linear history for the shared database).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, Integer, MetaData, String
from sqlalchemy.orm import Mapped, registry

from bot.storage.base import NAMING_CONVENTION
from bot.storage.types import UTCDateTime

__all__ = ["metadata", "Agent", "ConsoleSession", "ApiToken", "LoginThrottle", "AccountEvent", "ROLES"]

metadata = MetaData(naming_convention=NAMING_CONVENTION)
_registry = registry(metadata=metadata)
Base: Any = _registry.generate_base()

ROLES = ("agent", "admin")


class Agent(Base):
    __tablename__ = "console_agents"

    id: Mapped[int] = Column(Integer, primary_key=True)
    username: Mapped[str] = Column(String(32), nullable=False, unique=True)
    role: Mapped[str] = Column(String(8), nullable=False)
    password_hash: Mapped[str] = Column(String(255), nullable=False)
    created_at: Mapped[datetime] = Column(UTCDateTime, nullable=False)
    updated_at: Mapped[datetime] = Column(UTCDateTime, nullable=False)
    password_changed_at: Mapped[datetime] = Column(UTCDateTime, nullable=False)
    disabled_at: Mapped[Optional[datetime]] = Column(UTCDateTime, nullable=True)
    last_login_at: Mapped[Optional[datetime]] = Column(UTCDateTime, nullable=True)

    __table_args__ = (CheckConstraint("role IN ('agent', 'admin')", name="role"),)


class ConsoleSession(Base):
    __tablename__ = "console_sessions"

    id_hash: Mapped[str] = Column(String(64), primary_key=True)
    agent_id: Mapped[int] = Column(
        Integer, ForeignKey("console_agents.id", ondelete="CASCADE"), nullable=False, index=True
    )
    csrf_token: Mapped[str] = Column(String(64), nullable=False)
    created_at: Mapped[datetime] = Column(UTCDateTime, nullable=False)
    last_seen_at: Mapped[datetime] = Column(UTCDateTime, nullable=False)


class ApiToken(Base):
    __tablename__ = "console_api_tokens"

    id: Mapped[int] = Column(Integer, primary_key=True)
    agent_id: Mapped[int] = Column(
        Integer, ForeignKey("console_agents.id", ondelete="CASCADE"), nullable=False, index=True
    )
    token_hash: Mapped[str] = Column(String(64), nullable=False, unique=True)
    label: Mapped[str] = Column(String(64), nullable=False)
    created_at: Mapped[datetime] = Column(UTCDateTime, nullable=False)
    last_used_at: Mapped[Optional[datetime]] = Column(UTCDateTime, nullable=True)
    revoked_at: Mapped[Optional[datetime]] = Column(UTCDateTime, nullable=True)


class LoginThrottle(Base):
    __tablename__ = "console_login_throttle"

    key_hash: Mapped[str] = Column(String(64), primary_key=True)
    failures: Mapped[int] = Column(Integer, nullable=False, default=0)
    window_started_at: Mapped[datetime] = Column(UTCDateTime, nullable=False)
    locked_until: Mapped[Optional[datetime]] = Column(UTCDateTime, nullable=True)


class AccountEvent(Base):
    """Account audit trail (logins, lockouts, agents created/disabled, tokens).  Never secrets."""

    __tablename__ = "console_account_events"

    id: Mapped[int] = Column(Integer, primary_key=True)
    at: Mapped[datetime] = Column(UTCDateTime, nullable=False)
    actor: Mapped[str] = Column(String(64), nullable=False)
    action: Mapped[str] = Column(String(32), nullable=False)
    subject: Mapped[Optional[str]] = Column(String(64), nullable=True)

    __table_args__ = (Index("ix_console_account_events_at", "at"),)

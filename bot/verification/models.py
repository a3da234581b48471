"""Tables of the verification domain (on the ticket store's declarative ``Base``).

Columns ending in ``_ct`` hold Fernet ciphertext; ``*_index`` / ``*_digest``
columns hold keyed HMAC digests (``INDEX_KEY``).  No column holds a code, an
e-mail address, a phone number or any other personal value in plaintext.

The schema is created by the Alembic revision in ``bot/storage/migrations/versions``
(``verification_and_notify``); tests may ``create_all`` just these tables.
"""

from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import CheckConstraint, Column, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped

from bot.storage.base import Base
from bot.storage.types import UTCDateTime

__all__ = ["VerificationChallenge", "Customer", "CHALLENGE_CHANNELS"]

#: ``none`` is a decoy challenge (unknown reference in a status check): nothing is sent.
CHALLENGE_CHANNELS = ("sms", "email", "none")


class VerificationChallenge(Base):
    """One one-time code sent to one contact.  Keyed by a random, unguessable id."""

    __tablename__ = "verification_challenges"

    id: Mapped[str] = Column(String(40), primary_key=True)
    channel: Mapped[str] = Column(String(8), nullable=False)
    contact_index: Mapped[Optional[str]] = Column(String(64), nullable=True)
    contact_ct: Mapped[Optional[bytes]] = Column(LargeBinary, nullable=True)
    code_digest: Mapped[str] = Column(String(64), nullable=False)
    created_at: Mapped[datetime] = Column(UTCDateTime, nullable=False)
    expires_at: Mapped[datetime] = Column(UTCDateTime, nullable=False)
    attempts: Mapped[int] = Column(Integer, nullable=False, default=0)
    locked_at: Mapped[Optional[datetime]] = Column(UTCDateTime, nullable=True)
    consumed_at: Mapped[Optional[datetime]] = Column(UTCDateTime, nullable=True)

    __table_args__ = (
        CheckConstraint("channel IN ('sms', 'email', 'none')", name="channel"),
        CheckConstraint("attempts >= 0", name="attempts"),
        Index("ix_verification_challenges_contact_created", "contact_index", "created_at"),
        Index("ix_verification_challenges_created_at", "created_at"),
    )


class Customer(Base):
    """A customer of the directory: every value encrypted in ``data_ct``, looked up by blind indexes."""

    __tablename__ = "customers"

    id: Mapped[str] = Column(String(40), primary_key=True)
    email_index: Mapped[Optional[str]] = Column(String(64), nullable=True, index=True)
    phone_index: Mapped[Optional[str]] = Column(String(64), nullable=True, index=True)
    name_index: Mapped[Optional[str]] = Column(String(64), nullable=True, index=True)
    dob_index: Mapped[Optional[str]] = Column(String(64), nullable=True)
    postal_index: Mapped[Optional[str]] = Column(String(64), nullable=True)
    order_index: Mapped[Optional[str]] = Column(String(64), nullable=True, index=True)
    data_ct: Mapped[bytes] = Column(LargeBinary, nullable=False)
    created_at: Mapped[datetime] = Column(UTCDateTime, nullable=False)
    updated_at: Mapped[datetime] = Column(UTCDateTime, nullable=False)

"""What the Twilio channels persist: processed message ids and per-conversation state.

- ``twilio_inbound``: every ``MessageSid`` / ``CallSid`` + turn the channel has
  taken on.  Twilio retries a webhook it thinks failed; the primary key makes
  the second delivery a no-op, across restarts and replicas.  Sids are
  Twilio's ids, not personal data.
- ``twilio_state``: small per-conversation state, encrypted (a bot answer may
  quote personal data): for SMS the pages of a long answer the user has not
  asked for yet ("reply MORE") and the numbered options last offered; for a
  call the last prompt, the options and an answer that was still being
  computed when Twilio's 15 s ran out.  Keyed by the conversation pseudonym or
  the CallSid, so any replica can serve the next request.

Both live in the ticket store's database (tables created by the Alembic
revision ``0003_twilio_channels``).  Blocking: call from async code via
``asyncio.to_thread``.  No Rasa import.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Callable, Dict, Mapping, Optional

from sqlalchemy import Column, Index, LargeBinary, String, delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped

from bot.clock import utcnow
from bot.privacy.crypto import DataCipher, DecryptionError
from bot.storage.base import Base
from bot.storage.db import Database
from bot.storage.types import UTCDateTime

__all__ = ["TwilioChannelStore", "TwilioInbound", "TwilioState", "MAX_SID_CHARS", "STATE_TTL"]

MAX_SID_CHARS = 64
STATE_TTL = timedelta(hours=24)


class TwilioInbound(Base):
    __tablename__ = "twilio_inbound"

    sid: Mapped[str] = Column(String(MAX_SID_CHARS), primary_key=True)
    channel: Mapped[str] = Column(String(16), nullable=False)
    received_at: Mapped[datetime] = Column(UTCDateTime, nullable=False)

    __table_args__ = (Index("ix_twilio_inbound_received_at", "received_at"),)


class TwilioState(Base):
    __tablename__ = "twilio_state"

    key: Mapped[str] = Column(String(96), primary_key=True)
    state_ct: Mapped[bytes] = Column(LargeBinary, nullable=False)
    updated_at: Mapped[datetime] = Column(UTCDateTime, nullable=False)


class TwilioChannelStore:
    """Blocking repository for the two tables above; each method is one transaction."""

    def __init__(self, database: Database, cipher: DataCipher, clock: Callable[[], datetime] = utcnow) -> None:
        self._db = database
        self._cipher = cipher
        self._clock = clock

    def claim(self, sid: str, channel: str) -> bool:
        """Record ``sid``; ``True`` the first time, ``False`` when it was already taken on."""
        try:
            with self._db.write.begin() as session:
                if session.get(TwilioInbound, sid) is not None:
                    return False
                session.add(TwilioInbound(sid=sid, channel=channel, received_at=self._clock()))
        except IntegrityError:  # a concurrent delivery of the same sid won the insert
            return False
        return True

    def load(self, key: str) -> Dict[str, Any]:
        """The state saved under ``key``; ``{}`` when absent, expired or unreadable."""
        with self._db.read() as session:
            row = session.get(TwilioState, key)
            if row is None or self._clock() - row.updated_at > STATE_TTL:
                return {}
            try:
                state = self._cipher.decrypt_json(row.state_ct)
            except DecryptionError:
                return {}
        return state if isinstance(state, dict) else {}

    def save(self, key: str, state: Mapping[str, Any]) -> None:
        """Replace the state under ``key``; an empty mapping deletes it."""
        with self._db.write.begin() as session:
            row = session.get(TwilioState, key)
            if not state:
                if row is not None:
                    session.delete(row)
                return
            token = self._cipher.encrypt_json(dict(state))
            if row is None:
                session.add(TwilioState(key=key, state_ct=token, updated_at=self._clock()))
            else:
                row.state_ct = token
                row.updated_at = self._clock()

    def pop_page(self, key: str) -> Optional[str]:
        """Take the next waiting SMS page ("reply MORE") from the state under ``key``."""
        with self._db.write.begin() as session:
            row = session.get(TwilioState, key)
            if row is None or self._clock() - row.updated_at > STATE_TTL:
                return None
            try:
                state = self._cipher.decrypt_json(row.state_ct)
            except DecryptionError:
                return None
            pages = state.get("pages") if isinstance(state, dict) else None
            if not isinstance(pages, list) or not pages:
                return None
            state["pages"] = pages[1:]
            row.state_ct = self._cipher.encrypt_json(state)
            row.updated_at = self._clock()
            return str(pages[0])

    def purge(self, cutoff: datetime) -> int:
        """Delete sids and continuations from before ``cutoff``; returns rows deleted (:class:`~bot.storage.sweep.Purgeable`)."""
        with self._db.write.begin() as session:
            inbound = session.execute(delete(TwilioInbound).where(TwilioInbound.received_at < cutoff)).rowcount
            states = session.execute(delete(TwilioState).where(TwilioState.updated_at < cutoff)).rowcount
        return int(inbound or 0) + int(states or 0)

"""Rasa's SQL tracker store with every conversation encrypted at rest.

Configured in ``endpoints.yml``::

    tracker_store:
      type: bot.rasa.tracker_store.EncryptedSQLTrackerStore
      url: "${TRACKER_DATABASE_URL}"

Open-source Rasa stores every event as plaintext JSON (user text, slot values,
bot replies).  This subclass of :class:`rasa.core.tracker_store.SQLTrackerStore`
keeps Rasa's table and session logic but writes each row through
:class:`bot.privacy.conversations.ConversationRecords`: the event JSON is a
Fernet token under ``DATA_KEYS`` (the ticket store's keys, rotated by
``privacy-desk rotate-keys``), the conversation id is a keyed pseudonym, and
the name columns keep only names from the domain.  Works on SQLite (a file
under ``var/``) and PostgreSQL.

A conversation whose rows cannot be read (tampered, truncated, or written
under a key no longer in ``DATA_KEYS``) is quarantined and restarts as a new
conversation with one masked error in the log; other conversations are not
touched and nothing is raised to Rasa.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import threading
from typing import Any, Dict, FrozenSet, Iterable, List, Optional, Text

import sqlalchemy as sa
from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore, TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from sqlalchemy.orm import Session, sessionmaker

from bot.privacy.conversations import (
    EVENTS,
    ConversationRecords,
    UnreadableConversation,
    create_tracker_engine,
    discard_user_words,
)

__all__ = ["EncryptedSQLTrackerStore"]

logger = logging.getLogger(__name__)

_CONNECT_ATTEMPTS = 12
_CONNECT_PAUSE_S = 5.0


class EncryptedSQLTrackerStore(SQLTrackerStore):
    """An SQL tracker store whose rows are unreadable without ``DATA_KEYS`` and ``INDEX_KEY``.

    Args:
        domain: set by Rasa's agent after loading the model.
        host: SQLAlchemy URL (``url`` in ``endpoints.yml``); empty → ``TRACKER_DATABASE_URL``.
        event_broker: Rasa's optional broker (events are published as Rasa does).
        records: an already built :class:`ConversationRecords` (tests); default from settings.
    """

    def __init__(
        self,
        domain: Optional[Domain] = None,
        host: Optional[Text] = None,
        event_broker: Optional[EventBroker] = None,
        records: Optional[ConversationRecords] = None,
        **kwargs: Any,
    ) -> None:
        if records is None:
            from bot.settings import load_settings

            settings = load_settings()
            url = host if host and "://" in host else settings.tracker_database_url
            records = ConversationRecords.from_settings(settings, engine=create_tracker_engine(url))
        self.records = records
        self.engine = records.engine
        self._create_schema()
        self.sessionmaker = sessionmaker(bind=self.engine, future=True)
        # Saves read (how many events are stored) then write. On SQLite a read transaction
        # that upgrades to a write fails at once with "database is locked" if another
        # connection wrote meanwhile (WAL snapshot), whatever the busy timeout: start saves
        # with BEGIN IMMEDIATE, so they queue on the busy timeout instead.
        from bot.storage.db import write_engine

        self._write_sessions = sessionmaker(bind=write_engine(self.engine), future=True)
        # SQLite has one writer: queue this process's saves on a lock (instant hand-over)
        # rather than in SQLite's busy handler (sleeps of up to 100 ms between tries).
        self._write_lock = threading.Lock() if self.engine.dialect.name == "sqlite" else contextlib.nullcontext()
        # SQLTrackerStore.__init__ would build a second, untuned engine: skip it.
        self._known_intents: FrozenSet[str] = frozenset()
        self._known_names: FrozenSet[str] = frozenset()
        TrackerStore.__init__(self, domain, event_broker, **kwargs)
        self.domain = domain  # the setter also learns the names allowed in plain columns
        self.records.check_keys()
        logger.info("conversations are stored encrypted (%s)", self.engine.dialect.name)

    def _create_schema(self) -> None:
        for attempt in range(1, _CONNECT_ATTEMPTS + 1):
            try:
                self.records.create_schema()
                return
            except sa.exc.OperationalError as exc:  # the database may still be starting
                if attempt == _CONNECT_ATTEMPTS:
                    raise
                logger.warning("tracker database not reachable (%s); retrying", type(exc).__name__)
                import time

                time.sleep(_CONNECT_PAUSE_S)
            except (sa.exc.ProgrammingError, sa.exc.IntegrityError):
                # Replicas starting together may race to create the table; one wins.
                return

    # ------------------------------------------------------------------ domain

    @property
    def domain(self) -> Domain:
        return self._domain

    @domain.setter
    def domain(self, domain: Optional[Domain]) -> None:
        self._domain = domain or Domain.empty()
        self._known_intents = frozenset(self._domain.intents)
        self._known_names = frozenset(
            set(self._domain.action_names_or_texts) - set(self._domain.action_texts)
            | {slot.name for slot in self._domain.slots}
            | set(self._domain.form_names)
        )

    # ------------------------------------------------------------------ Rasa's interface

    async def keys(self) -> Iterable[Text]:
        """The stored conversation pseudonyms (conversation ids are not stored)."""
        return await asyncio.to_thread(self._keys_sync)

    def _keys_sync(self) -> List[str]:
        with self.engine.connect() as connection:
            return list(connection.execute(sa.select(EVENTS.c.sender_id).distinct()).scalars())

    async def _retrieve(self, sender_id: Text, fetch_events_from_all_sessions: bool) -> Optional[DialogueStateTracker]:
        return await asyncio.to_thread(self._retrieve_sync, sender_id, fetch_events_from_all_sessions)

    def _retrieve_sync(self, sender_id: Text, fetch_events_from_all_sessions: bool) -> Optional[DialogueStateTracker]:
        key = self.records.key(sender_id)
        # Core statements, not ORM queries: a turn reads and writes a few dozen rows, and the
        # ORM's per-row identity map and unit of work cost more CPU than the SQL itself.
        with self.engine.connect() as connection:
            query = sa.select(EVENTS.c.data).where(self._session_events(key, fetch_events_from_all_sessions))
            data = list(connection.execute(query.order_by(EVENTS.c.id)).scalars())
        if not data:
            return None
        try:
            events = [self.records.open(value) for value in data]
            if not self.domain or not events:
                return None
            return DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        except UnreadableConversation as exc:
            problem = str(exc)
        except Exception as exc:  # noqa: BLE001 - a bad event must not take the conversation down with Rasa
            problem = f"events do not rebuild a tracker ({type(exc).__name__})"
        moved = self.records.quarantine(key)
        logger.error(
            "conversation %s cannot be read (%s); %d stored event(s) quarantined, the conversation restarts",
            self.records.reference(key),
            problem,
            moved,
        )
        return None

    @staticmethod
    def _session_events(key: str, fetch_events_from_all_sessions: bool, table: sa.Table = EVENTS) -> Any:
        """Rasa's filter: the events of conversation ``key`` in ``table`` (its latest session only, unless all)."""
        condition = table.c.sender_id == key
        if fetch_events_from_all_sessions:
            return condition
        session_start = (
            sa.select(sa.func.max(table.c.timestamp))
            .where(table.c.sender_id == key, table.c.type_name == SessionStarted.type_name)
            .scalar_subquery()
        )
        return sa.and_(condition, sa.or_(table.c.timestamp >= session_start, session_start.is_(None)))

    def _event_query(self, session: Session, sender_id: Text, fetch_events_from_all_sessions: bool) -> Any:
        """Rasa's ORM query of a conversation's events, on the pseudonymous key (for Rasa's own callers)."""
        event = self.SQLEvent
        key = self.records.key(sender_id)
        query = session.query(event).filter(self._session_events(key, fetch_events_from_all_sessions, event.__table__))
        return query.order_by(event.id)

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Append the tracker's new events, each encrypted."""
        await self.stream_events(tracker)
        await asyncio.to_thread(self._save_sync, tracker)

    def _save_sync(self, tracker: DialogueStateTracker) -> None:
        key = self.records.key(tracker.sender_id)
        with self._write_lock, self._write_sessions() as session:
            stored = session.execute(
                sa.select(sa.func.count()).select_from(EVENTS).where(self._session_events(key, False))
            ).scalar_one()
            added = list(itertools.islice(tracker.events, stored, len(tracker.events)))  # Rasa's _additional_events
            datas: List[Dict[str, Any]] = [event.as_dict() for event in added]
            if discard_user_words(datas):  # the assistant said it removed what the user said: stored ones too
                self.records.forget_user_words(session, key)
            rows = [
                {
                    "sender_id": key,
                    "type_name": event.type_name,
                    "timestamp": data.get("timestamp"),
                    "intent_name": self._intent_column(data),
                    "action_name": self._name_column(data),
                    "data": self.records.seal(data),
                }
                for event, data in zip(added, datas)
            ]
            if rows:
                session.execute(EVENTS.insert(), rows)
            session.commit()
        logger.debug("conversation %s stored", self.records.reference(key))

    def _intent_column(self, data: Dict[str, Any]) -> Optional[str]:
        parse_data = data.get("parse_data")
        intent = (parse_data.get("intent") or {}).get(INTENT_NAME_KEY) if isinstance(parse_data, dict) else None
        return intent if intent in self._known_intents else None

    def _name_column(self, data: Dict[str, Any]) -> Optional[str]:
        name = data.get("name")
        return name if name in self._known_names else None

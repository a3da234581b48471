"""The assistant's own conversation records at rest: encrypted, pseudonymous, purgeable.

Rasa's SQL tracker store keeps one row per event in a table ``events``
(``sender_id``, ``type_name``, ``timestamp``, ``intent_name``, ``action_name``,
``data``).  Here every row is written so that nothing in it is readable
without the keys:

* ``data`` (the event JSON: user text, slot values, bot replies) is a Fernet
  token from :class:`~bot.privacy.crypto.DataCipher` — the same ``DATA_KEYS``
  as the ticket store, so ``privacy-desk rotate-keys`` rotates both;
* ``sender_id`` is a keyed HMAC of the conversation id (``INDEX_KEY``): a REST
  client may choose its sender id freely (even an e-mail address), and SMS/voice
  ids are already pseudonyms of phone numbers; the table holds neither;
* ``intent_name`` / ``action_name`` keep only names from the domain (intents,
  actions, slots, forms); anything else is dropped;
* ``timestamp`` stays plain: Rasa needs it to find the current session, and
  retention needs it to find old conversations.

This module is plain SQLAlchemy (no Rasa import), so the CLI (purge, key
rotation) and the ticket store's deletion hook can use it in any process.
:mod:`bot.rasa.tracker_store` builds the Rasa tracker store on top of it.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Dict, Iterable, List, Optional, Protocol, runtime_checkable

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.privacy.crypto import DataCipher, DecryptionError, Indexer
from bot.privacy.masking import DISCARD_USER_WORDS, discards_user_words
from bot.storage.db import create_db_engine
from bot.storage.reencrypt import reencrypt_columns
from bot.storage.sweep import RotationIncomplete

__all__ = [
    "ConversationEraser",
    "ConversationRecords",
    "PurgeCounts",
    "RotationCounts",
    "UnreadableConversation",
    "EVENTS",
    "DISCARD_USER_WORDS",
    "REMOVED_TEXT",
    "discards_user_words",
    "discard_user_words",
    "without_user_words",
    "LINKS",
    "SESSION_STARTED",
]

log = logging.getLogger(__name__)

SESSION_STARTED = "session_started"
_KEY_PREFIX = "c-"
_QUARANTINE_PREFIX = "q-"
_BATCH = 500

metadata = sa.MetaData()

#: Rasa 3.6's ``SQLTrackerStore.SQLEvent`` table, column for column.
EVENTS = sa.Table(
    "events",
    metadata,
    sa.Column("id", sa.Integer, sa.Sequence("events_seq", optional=True), primary_key=True),
    sa.Column("sender_id", sa.String(255), nullable=False, index=True),
    sa.Column("type_name", sa.String(255), nullable=False),
    sa.Column("timestamp", sa.Float),
    sa.Column("intent_name", sa.String(255)),
    sa.Column("action_name", sa.String(255)),
    sa.Column("data", sa.Text),
)


#: Which conversations a ticket came from (our own table, next to the events):
#: written when the request flow files a ticket, read when a deletion completes.
LINKS = sa.Table(
    "conversation_links",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("ticket_reference", sa.String(32), nullable=False, index=True),
    sa.Column("conversation_key", sa.String(80), nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.UniqueConstraint("ticket_reference", "conversation_key", name="uq_conversation_links"),
)


#: What a discarded user message's text becomes.
REMOVED_TEXT = "[removed]"


#: Event types whose content can hold what the user said (their text, the assistant echoing it, slot values).
_WORDS_EVENTS = ("user", "bot", "slot")


def without_user_words(event: Dict[str, Any]) -> Dict[str, Any]:
    """``event`` with whatever the user said taken out; the dialogue's shape (intent, action, slot name) stays.

    A user message loses its text, entities and metadata; an assistant message its
    text (it may echo the user, as a summary does); a slot its text value (from-text
    slots hold the message verbatim).  ``requested_slot`` and non-text values stay.
    """
    kind = event.get("event")
    if kind == "user":
        raw_parse = event.get("parse_data")
        parse: Dict[str, Any] = raw_parse if isinstance(raw_parse, dict) else {}
        kept_parse: Dict[str, Any] = {"intent": parse.get("intent") or {}, "entities": [], "text": REMOVED_TEXT}
        return {**event, "text": REMOVED_TEXT, "parse_data": kept_parse, "metadata": {}}
    if kind == "bot":
        return {**event, "text": REMOVED_TEXT, "data": {}}
    if kind == "slot" and event.get("name") != "requested_slot" and isinstance(event.get("value"), str):
        return {**event, "value": None}
    return event


def discard_user_words(events: List[Dict[str, Any]]) -> bool:
    """Take the user's words out of every event before the last :func:`discards_user_words` notice, in place.

    Returns whether there was such a notice (the caller then forgets the stored ones too).
    """
    marks = [i for i, event in enumerate(events) if discards_user_words(event)]
    if not marks:
        return False
    for i in range(marks[-1]):
        events[i] = without_user_words(events[i])
    return True


class UnreadableConversation(Exception):
    """A stored event failed authentication or is not an event (tampered, truncated, wrong key)."""


@runtime_checkable
class ConversationEraser(Protocol):
    """The port the ticket store calls for the assistant's own records of a request.

    ``link`` remembers that a ticket was filed from a conversation (the
    conversation id as Rasa knows it, ``tracker.sender_id``; only its keyed
    pseudonym is stored).  ``erase_for_ticket`` deletes every stored event of the
    ticket's conversations (on completion of a verified deletion) and returns how
    many events were deleted.  Neither raises for unknown references.
    """

    def link(self, ticket_reference: str, conversation_id: str) -> None:  # pragma: no cover - protocol
        ...

    def erase_for_ticket(self, ticket_reference: str) -> int:  # pragma: no cover - protocol
        ...


@dataclass(frozen=True)
class PurgeCounts:
    """What a retention run deleted (counts only; no ids)."""

    conversations: int = 0
    events: int = 0


@dataclass(frozen=True)
class RotationCounts:
    """What a key rotation did to the conversation table."""

    rotated: int = 0
    encrypted_legacy: int = 0
    unreadable: int = 0


class ConversationRecords:
    """Read, write, rotate and delete encrypted conversation events.

    Args:
        engine: SQLAlchemy engine (``future=True``) of the tracker database.
        cipher: ``DATA_KEYS``.
        indexer: ``INDEX_KEY`` (conversation id pseudonyms).
    """

    def __init__(self, engine: Engine, cipher: DataCipher, indexer: Indexer) -> None:
        self.engine = engine
        self._cipher = cipher
        self._indexer = indexer
        self._schema_ready = False

    @classmethod
    def from_settings(cls, settings: Any, engine: Optional[Engine] = None) -> "ConversationRecords":
        """Build from :class:`bot.settings.Settings` (``TRACKER_DATABASE_URL``, ``DATA_KEYS``, ``INDEX_KEY``)."""
        return cls(
            engine or create_tracker_engine(settings.tracker_database_url),
            DataCipher(list(settings.data_keys)),
            Indexer(settings.index_key),
        )

    def create_schema(self) -> None:
        """Create the ``events`` and ``conversation_links`` tables if missing; idempotent."""
        metadata.create_all(self.engine, checkfirst=True)
        self._schema_ready = True

    def _ensure_schema(self) -> None:
        if not self._schema_ready:
            self.create_schema()

    def dispose(self) -> None:
        self.engine.dispose()

    # ------------------------------------------------------------------ ids and payloads

    def key(self, conversation_id: str) -> str:
        """The stored (pseudonymous) ``sender_id`` of a conversation id."""
        return _KEY_PREFIX + self._indexer.digest("conversation", conversation_id)

    @staticmethod
    def quarantine_key(key: str) -> str:
        return _QUARANTINE_PREFIX + key[len(_KEY_PREFIX) :] if key.startswith(_KEY_PREFIX) else _QUARANTINE_PREFIX + key

    @staticmethod
    def reference(key: str) -> str:
        """A short, non-reversible label for logs (never the conversation id itself)."""
        return key[:14]

    def seal(self, event: Dict[str, Any]) -> str:
        """Encrypt one event dict for the ``data`` column (ASCII Fernet token)."""
        return self._cipher.encrypt_json(event).decode("ascii")

    def open(self, data: Optional[str]) -> Dict[str, Any]:
        """Decrypt one ``data`` value back to the event dict.

        Raises:
            UnreadableConversation: tampered, truncated, plaintext, or written under an unknown key.
        """
        if not data:
            raise UnreadableConversation("empty event")
        try:
            event = self._cipher.decrypt_json(data.encode("ascii"))
        except (DecryptionError, UnicodeEncodeError, ValueError) as exc:
            raise UnreadableConversation("stored event failed authentication") from exc
        if not isinstance(event, dict) or not isinstance(event.get("event"), str):
            raise UnreadableConversation("stored value is not an event")
        return event

    # ------------------------------------------------------------------ unreadable conversations

    def quarantine(self, key: str) -> int:
        """Move a conversation's rows aside so it restarts; rows stay for recovery until retention.

        Returns the number of rows moved.  With the right key restored, an operator
        can rename them back (``sender_id`` ``q-…`` → ``c-…``).
        """
        with self.engine.begin() as connection:
            moved = connection.execute(
                sa.update(EVENTS).where(EVENTS.c.sender_id == key).values(sender_id=self.quarantine_key(key))
            ).rowcount
        return int(moved or 0)

    def check_keys(self) -> bool:
        """True if the newest stored event decrypts (or there is none); logs a clear error otherwise."""
        with self.engine.connect() as connection:
            data = connection.execute(
                sa.select(EVENTS.c.data)
                .where(EVENTS.c.sender_id.like(_KEY_PREFIX + "%"))
                .order_by(EVENTS.c.id.desc())
                .limit(1)
            ).scalar()
        if data is None:
            return True
        try:
            self.open(data)
        except UnreadableConversation:
            log.error(
                "DATA_KEYS cannot decrypt the newest stored conversation event: conversations written "
                "under a missing key will restart (their rows are quarantined, not deleted). Restore the "
                "old key after the new one in DATA_KEYS and run `privacy-desk rotate-keys`."
            )
            return False
        return True

    # ------------------------------------------------------------------ erasure on request

    def erase(self, conversation_ids: Iterable[str]) -> int:
        """Delete every stored event of these conversations (also quarantined ones)."""
        keys: List[str] = []
        for conversation_id in conversation_ids:
            if isinstance(conversation_id, str) and conversation_id:
                key = self.key(conversation_id)
                keys.extend((key, self.quarantine_key(key)))
        if not keys:
            return 0
        with self.engine.begin() as connection:
            deleted = connection.execute(sa.delete(EVENTS).where(EVENTS.c.sender_id.in_(keys))).rowcount
        log.info("erased %d stored conversation event(s) on request", deleted or 0)
        return int(deleted or 0)

    def link(self, ticket_reference: str, conversation_id: str) -> None:
        """Remember that ``ticket_reference`` was filed from ``conversation_id`` (idempotent)."""
        if not ticket_reference or not conversation_id:
            return
        self._ensure_schema()
        key = self.key(conversation_id)
        with self.engine.begin() as connection:
            exists = connection.execute(
                sa.select(LINKS.c.id).where(
                    LINKS.c.ticket_reference == ticket_reference, LINKS.c.conversation_key == key
                )
            ).first()
            if exists is None:
                connection.execute(
                    sa.insert(LINKS).values(
                        ticket_reference=ticket_reference,
                        conversation_key=key,
                        created_at=datetime.now(timezone.utc).timestamp(),
                    )
                )

    def erase_for_ticket(self, ticket_reference: str) -> int:
        """Delete the events of every conversation the ticket was filed from; drop the links."""
        self._ensure_schema()
        with self.engine.begin() as connection:
            keys = list(
                connection.execute(
                    sa.select(LINKS.c.conversation_key).where(LINKS.c.ticket_reference == ticket_reference)
                ).scalars()
            )
            if not keys:
                return 0
            every = keys + [self.quarantine_key(key) for key in keys]
            deleted = int(connection.execute(sa.delete(EVENTS).where(EVENTS.c.sender_id.in_(every))).rowcount or 0)
            connection.execute(sa.delete(LINKS).where(LINKS.c.conversation_key.in_(keys)))
        log.info("erased %d stored conversation event(s) of a completed deletion request", deleted)
        return deleted

    def forget_user_words(self, connection: Any, key: str) -> int:
        """Rewrite every stored event of conversation ``key`` without the user's words (same row, same id).

        Called by the tracker store, in its write transaction, when the assistant says it
        removed what the user said.  Returns how many events were rewritten.
        """
        rows = connection.execute(
            sa.select(EVENTS.c.id, EVENTS.c.data).where(
                EVENTS.c.sender_id == key, EVENTS.c.type_name.in_(_WORDS_EVENTS)
            )
        ).all()
        changed = 0
        for row in rows:
            event = self.open(row.data)
            kept = without_user_words(event)
            if kept is not event:
                connection.execute(sa.update(EVENTS).where(EVENTS.c.id == row.id).values(data=self.seal(kept)))
                changed += 1
        return changed

    def count_events(self, conversation_id: str) -> int:
        key = self.key(conversation_id)
        with self.engine.connect() as connection:
            return int(
                connection.execute(
                    sa.select(sa.func.count())
                    .select_from(EVENTS)
                    .where(EVENTS.c.sender_id.in_([key, self.quarantine_key(key)]))
                ).scalar()
                or 0
            )

    # ------------------------------------------------------------------ retention

    def purge(self, cutoff: datetime) -> int:
        """The retention run's step (:class:`bot.storage.sweep.Purgeable`): events deleted before ``cutoff``."""
        self._ensure_schema()
        counts = self.delete_before(cutoff)
        log.info("retention: %d conversation(s) deleted whole", counts.conversations)
        return counts.events

    def delete_before(self, cutoff: datetime, batch_size: int = _BATCH) -> PurgeCounts:
        """Delete what is older than ``cutoff`` (an aware datetime).

        * A conversation whose newest event is older than the cut-off is deleted whole.
        * A conversation still in use loses the events of its earlier sessions that are
          older than the cut-off; its current session (since the last ``session_started``)
          is kept, because deleting part of it would corrupt the live conversation.
        """
        if cutoff.tzinfo is None:
            raise ValueError("cutoff must be timezone-aware")
        limit = cutoff.astimezone(timezone.utc).timestamp()
        conversations = 0
        events = 0
        last = sa.func.max(EVENTS.c.timestamp)
        while True:
            with self.engine.begin() as connection:
                stale = (
                    connection.execute(
                        sa.select(EVENTS.c.sender_id)
                        .group_by(EVENTS.c.sender_id)
                        .having(last < limit)
                        .limit(batch_size)
                    )
                    .scalars()
                    .all()
                )
                if not stale:
                    break
                events += int(connection.execute(sa.delete(EVENTS).where(EVENTS.c.sender_id.in_(stale))).rowcount or 0)
                conversations += len(stale)
        starts = EVENTS.alias("session_starts")
        current_session_start = (
            sa.select(sa.func.max(starts.c.timestamp))
            .where(starts.c.sender_id == EVENTS.c.sender_id, starts.c.type_name == SESSION_STARTED)
            .scalar_subquery()
        )
        with self.engine.begin() as connection:
            events += int(
                connection.execute(
                    sa.delete(EVENTS).where(EVENTS.c.timestamp < limit, EVENTS.c.timestamp < current_session_start)
                ).rowcount
                or 0
            )
            # Links to conversations that no longer exist point at nothing.
            connection.execute(
                sa.delete(LINKS).where(
                    LINKS.c.created_at < limit,
                    ~sa.exists().where(EVENTS.c.sender_id == LINKS.c.conversation_key),
                )
            )
        return PurgeCounts(conversations=conversations, events=events)

    # ------------------------------------------------------------------ key rotation

    def rotate(self, cipher: DataCipher, batch_size: int = _BATCH) -> int:
        """``privacy-desk rotate-keys``'s step (:class:`bot.storage.sweep.Rotatable`): events rewritten.

        Raises :class:`~bot.storage.sweep.RotationIncomplete` when some events stay unreadable.
        """
        self._ensure_schema()
        counts = self.rotate_keys(batch_size, cipher=cipher)
        done = counts.rotated + counts.encrypted_legacy
        if counts.unreadable:
            raise RotationIncomplete(done, counts.unreadable)
        return done

    def rotate_keys(self, batch_size: int = _BATCH, *, cipher: Optional[DataCipher] = None) -> RotationCounts:
        """Re-encrypt every event under the first key of ``DATA_KEYS`` (or of ``cipher``).

        Rows written by plain Rasa (plaintext JSON, e.g. before this store was
        configured) are encrypted too.  Rows no key can read are left as they are
        and counted.  Batched (one transaction each); safe to re-run.
        """
        counts = {"rotated": 0, "legacy": 0, "unreadable": 0}
        keys = cipher or self._cipher

        def reencrypt(data: str) -> Optional[str]:
            try:
                new_data: str = keys.rotate(data.encode("ascii")).decode("ascii")
                counts["rotated"] += 1
                return new_data
            except (DecryptionError, UnicodeEncodeError, ValueError):
                plain = _legacy_event(data)
                if plain is None:
                    counts["unreadable"] += 1
                    return None
                counts["legacy"] += 1
                return keys.encrypt_json(plain).decode("ascii")

        reencrypt_columns(self.engine.begin, EVENTS, EVENTS.c.id, (EVENTS.c.data,), reencrypt, batch_size)
        rotated, legacy, unreadable = counts["rotated"], counts["legacy"], counts["unreadable"]
        if legacy:
            log.warning("encrypted %d plaintext conversation event(s) left by an unencrypted tracker store", legacy)
        if unreadable:
            log.error(
                "%d conversation event(s) cannot be decrypted with any key in DATA_KEYS; left as they are", unreadable
            )
        return RotationCounts(rotated=rotated, encrypted_legacy=legacy, unreadable=unreadable)


def _legacy_event(data: Optional[str]) -> Optional[Dict[str, Any]]:
    """A plaintext Rasa event row, or None."""
    if not data or not data.lstrip().startswith("{"):
        return None
    try:
        value = json.loads(data)
    except ValueError:
        return None
    return value if isinstance(value, dict) and isinstance(value.get("event"), str) else None


def create_tracker_engine(url: str) -> Engine:
    """An engine for the tracker database (SQLite: WAL + busy timeout, like the ticket store)."""
    return create_db_engine(url)

"""The shared core of the ticket service: construction, start-up checks and the
helpers every part uses (load a ticket, check its version, audit, build views).

Every public method of the parts (:mod:`~bot.tickets.lifecycle`,
:mod:`~bot.tickets.queue`, :mod:`~bot.tickets.disclosure`,
:mod:`~bot.tickets.upkeep`) is one unit of work: one session, one transaction,
the audit event inside it.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any, Callable, List, Optional, Tuple, Type, TypeVar

from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.orm import Session

from bot.clock import Clock, utcnow
from bot.privacy.conversations import ConversationRecords
from bot.privacy.crypto import DataCipher, DecryptionError, Indexer
from bot.storage.db import Database, init_db
from bot.tickets import deadlines as dl
from bot.tickets.errors import (
    InvalidField,
    TicketError,
    TicketNotFound,
    VersionConflict,
)
from bot.tickets.models import AuditEvent, Ticket, TicketNote
from bot.tickets.references import normalise_reference
from bot.tickets.states import (
    TERMINAL_STATUSES,
    AuditAction,
    Channel,
    Kind,
    NoteKind,
    Priority,
    Status,
    VerificationLevel,
    VerificationMethod,
)
from bot.tickets.types import (
    AuditEventView,
    NoteView,
    PersonalData,
    TicketView,
    Verification,
)

__all__ = ["TicketStore", "DatabaseNotReady", "Clock"]

log = logging.getLogger(__name__)

_S = TypeVar("_S", bound="TicketStore")


class DatabaseNotReady(TicketError):
    """The ticket tables do not exist (run ``privacy-desk migrate``)."""


class TicketStore:
    """What every part of :class:`~bot.tickets.service.TicketService` shares: the
    database, the cipher and indexer, the deadline rules and the clock, and the
    helpers that load, audit and view a ticket.

    Args:
        database: from :func:`bot.storage.db.init_db`.
        cipher: encrypts personal data (``DATA_KEYS``).
        indexer: blind indexes for e-mail / phone lookups (``INDEX_KEY``).
        rules: jurisdictions and due-date rules (default: CCPA ``US-CA``, GDPR ``EU``/``UK``).
        clock: returns the current time (aware UTC); tests inject a fixed clock.
        retention: how long closed tickets keep personal data (default 730 days).
        conversation_eraser: the assistant's own conversation records
            (:class:`bot.privacy.conversations.ConversationEraser`): ``create(conversation_id=...)``
            links the ticket to its conversation, and completing a deletion erases it.
    """

    def __init__(
        self,
        database: Database,
        cipher: DataCipher,
        indexer: Indexer,
        rules: Optional[dl.DeadlineRules] = None,
        clock: Clock = utcnow,
        retention: timedelta = timedelta(days=730),
        conversation_eraser: Any = None,
        policy_version: Callable[[], Optional[str]] = lambda: None,
    ) -> None:
        self._db = database
        #: Asked when a ticket is filed: which policy version is in force (``bot.company.policy_in_force``).
        self._policy_version = policy_version
        self._conversation_eraser = conversation_eraser
        self._cipher = cipher
        self._indexer = indexer
        self.rules = rules or dl.DeadlineRules()
        self._clock = clock
        self.retention = retention

    @classmethod
    def from_settings(cls: Type[_S], settings: Any, *, database: Optional[Database] = None, verify: bool = True) -> _S:
        """Build from :class:`bot.settings.Settings`.

        Raises :class:`~bot.privacy.crypto.KeyConfigurationError` for a malformed
        key and, with ``verify`` (the default), :class:`~bot.privacy.crypto.DecryptionError`
        when ``DATA_KEYS`` cannot decrypt the stored tickets (wrong or missing key)
        and :class:`DatabaseNotReady` when migrations have not been applied.
        """
        cipher = DataCipher(list(settings.data_keys))
        indexer = Indexer(settings.index_key)
        rules = dl.DeadlineRules.from_settings(settings)
        service = cls(
            database or init_db(settings),
            cipher,
            indexer,
            rules,
            retention=timedelta(days=settings.ticket_retention_days),
            conversation_eraser=ConversationRecords.from_settings(settings),
        )
        if verify:
            service.verify_keys()
        return service

    @property
    def database(self) -> Database:
        return self._db

    # ------------------------------------------------------------------ startup checks

    def verify_keys(self) -> None:
        """Decrypt the newest stored ciphertext; raise a clear error if the keys cannot.

        Raises:
            DecryptionError: ``DATA_KEYS`` does not hold the key the data was written with.
            DatabaseNotReady: the tables do not exist yet.
        """
        try:
            with self._db.read() as session:
                token = session.scalars(
                    select(Ticket.personal_ct)
                    .where(Ticket.personal_ct.is_not(None))
                    .order_by(Ticket.id.desc())
                    .limit(1)
                ).first()
        except (OperationalError, ProgrammingError) as exc:
            raise DatabaseNotReady("ticket tables are missing; run `privacy-desk migrate`") from exc
        if token is not None:
            try:
                self._cipher.decrypt(token)
            except DecryptionError as exc:
                raise DecryptionError(
                    "DATA_KEYS cannot decrypt stored tickets: the key they were written with is missing "
                    "(restore it in .env; keep old keys after the new one when rotating)"
                ) from exc

    # ------------------------------------------------------------------ the assistant's conversation records

    def _link_conversation(self, reference: str, conversation_id: Optional[str]) -> None:
        if not conversation_id or self._conversation_eraser is None:
            return
        try:
            self._conversation_eraser.link(reference, conversation_id)
        except Exception as exc:  # noqa: BLE001 - the ticket is filed; the link is best effort, logged
            log.error("ticket %s: could not link its conversation (%s)", reference, type(exc).__name__)

    def _erase_conversations(self, reference: str, *, ticket_id: int) -> None:
        """A completed deletion also deletes the requester's conversations with the assistant."""
        if self._conversation_eraser is None:
            return
        try:
            erased = self._conversation_eraser.erase_for_ticket(reference)
        except Exception as exc:  # noqa: BLE001 - the transition stands; the failure is logged and audited
            log.error("ticket %s: conversations not erased (%s)", reference, type(exc).__name__)
            code = "conversations_not_erased"
        else:
            code = f"conversations_erased.e{erased}"
        with self._db.write.begin() as session:
            self._audit(session, ticket_id, "system:records", AuditAction.ANONYMISED, None, None, code, self._clock())

    # ------------------------------------------------------------------ helpers

    def _ref(self, reference: Any) -> str:
        ref = normalise_reference(reference) if isinstance(reference, str) else None
        if ref is None:
            raise TicketNotFound("<invalid>")
        return ref

    def _load(self, session: Session, reference: str, lock: bool = False) -> Ticket:
        query = select(Ticket).where(Ticket.reference == reference)
        if lock:
            query = query.with_for_update()
        ticket = session.scalars(query).first()
        if ticket is None:
            raise TicketNotFound(reference)
        return ticket

    @staticmethod
    def _check_version(ticket: Ticket, expected: Optional[int]) -> None:
        if expected is not None and ticket.version != expected:
            raise VersionConflict(expected, ticket.version)

    @staticmethod
    def _touch(ticket: Ticket, now: datetime) -> None:
        ticket.updated_at = now
        ticket.version = ticket.version + 1

    @staticmethod
    def _audit(
        session: Session,
        ticket_id: Optional[int],
        actor: str,
        action: AuditAction,
        from_status: Optional[str],
        to_status: Optional[str],
        reason_code: Optional[str],
        now: datetime,
    ) -> AuditEvent:
        event = AuditEvent(
            ticket_id=ticket_id,
            at=now,
            actor=actor,
            action=action.value,
            from_status=from_status,
            to_status=to_status,
            reason_code=reason_code,
        )
        session.add(event)
        return event

    def _set_holder(
        self,
        session: Session,
        ref: str,
        conditions: List[Any],
        expected: Optional[int],
        *,
        holder: Optional[str],
        actor: str,
        now: datetime,
        action: AuditAction,
    ) -> Tuple[bool, Ticket]:
        """Compare-and-set the holder: one ``UPDATE ... WHERE`` decides between concurrent callers.

        Returns whether this call changed the row (then audited as ``action`` by ``actor``)
        and the ticket as it now stands, for the caller to explain a loss.
        """
        where = [Ticket.reference == ref, *conditions]
        if expected is not None:
            where.append(Ticket.version == expected)
        result = session.execute(
            update(Ticket)
            .where(*where)
            .values(
                assignee=holder,
                claimed_at=now if holder is not None else None,
                updated_at=now,
                version=Ticket.version + 1,
            )
            .execution_options(synchronize_session=False)
        )
        ticket = self._load(session, ref)
        session.refresh(ticket)
        won = bool(result.rowcount == 1)
        if won:
            self._audit(session, ticket.id, actor, action, None, None, None, now)
            session.flush()
        return won, ticket

    def _retire_key(self, digest: str) -> None:
        """Free an idempotency digest held by a closed ticket (it gets a digest no key produces)."""
        with self._db.write.begin() as session:
            for ticket in session.scalars(
                select(Ticket)
                .where(Ticket.idempotency_digest == digest, Ticket.status.in_([s.value for s in TERMINAL_STATUSES]))
                .with_for_update()
            ).all():
                ticket.idempotency_digest = self._indexer.digest("ticket-idempotency-retired", f"{ticket.id}:{digest}")

    def _find_by_digest(self, digest: str) -> Optional[TicketView]:
        with self._db.read() as session:
            ticket = session.scalars(select(Ticket).where(Ticket.idempotency_digest == digest)).first()
            return self._view(ticket) if ticket is not None else None

    def _find_by_index(self, column: Any, digest: str) -> List[TicketView]:
        with self._db.read() as session:
            rows = session.scalars(select(Ticket).where(column == digest).order_by(Ticket.id.desc()).limit(100)).all()
            return [self._view(t) for t in rows]

    def _decrypt_personal(self, token: Optional[bytes]) -> PersonalData:
        if token is None:
            return PersonalData()
        return PersonalData.from_json(self._cipher.decrypt_json(token))

    def _note_view(self, note: TicketNote) -> NoteView:
        return NoteView(
            id=note.id,
            kind=NoteKind(note.kind),
            author=note.author,
            created_at=note.created_at,
            body=self._cipher.decrypt_optional(note.body_ct),
        )

    @staticmethod
    def _event_view(event: AuditEvent, reference: Optional[str]) -> AuditEventView:
        return AuditEventView(
            id=event.id,
            at=event.at,
            actor=event.actor,
            action=AuditAction(event.action),
            reference=reference,
            from_status=Status(event.from_status) if event.from_status else None,
            to_status=Status(event.to_status) if event.to_status else None,
            reason_code=event.reason_code,
        )

    def _view(self, ticket: Ticket) -> TicketView:
        try:
            regime = self.rules.rule_for(ticket.jurisdiction).regime
        except InvalidField:
            regime = ticket.jurisdiction
        return TicketView(
            reference=ticket.reference,
            kind=Kind(ticket.kind),
            status=Status(ticket.status),
            channel=Channel(ticket.channel),
            priority=Priority.from_rank(ticket.priority),
            jurisdiction=ticket.jurisdiction,
            regime=regime,
            received_at=ticket.received_at,
            acknowledge_by=ticket.acknowledge_by,
            acknowledged_at=ticket.acknowledged_at,
            due_date=ticket.due_date,
            extended_due_date=ticket.extended_due_date,
            respond_by=ticket.respond_by,
            extension_count=ticket.extension_count,
            closed_at=ticket.closed_at,
            verification=Verification(
                method=VerificationMethod(ticket.verification_method),
                level=VerificationLevel(ticket.verification_level),
                data_points=tuple(p for p in (ticket.verification_data_points or "").split(",") if p),
            ),
            verified_at=ticket.verified_at,
            assignee=ticket.assignee,
            claimed_at=ticket.claimed_at,
            created_at=ticket.created_at,
            updated_at=ticket.updated_at,
            anonymised_at=ticket.anonymised_at,
            has_personal_data=ticket.personal_ct is not None,
            has_transcript=ticket.transcript_ct is not None,
            version=ticket.version,
            policy_version=ticket.policy_version,
        )

"""``TicketService``: the only way into the ticket store.

Every public method is one unit of work: it opens a session, does its reads
and writes in one transaction, writes the audit event in that same
transaction, and commits (or rolls back on any error, leaving the database
unchanged).  Inputs are validated before anything is written; errors are
:mod:`bot.tickets.errors` and never contain personal data.

Callers pass plain values (strings, enums, dates) and get views without
personal data (:class:`~bot.tickets.types.TicketView`).  Personal data comes back
only from :meth:`TicketService.reveal_personal_data` and
:meth:`TicketService.export_package`, both audited.

Concurrency:

* ``create`` is idempotent by ``idempotency_key`` (unique column): concurrent
  creates with one key produce one ticket; the losers get the winner's ticket.
* ``claim`` is an atomic compare-and-set (``UPDATE ... WHERE assignee IS NULL``):
  two agents can never both hold a ticket; the loser learns who holds it.
* Mutating calls take ``expected_version`` (``TicketView.version``); if the
  ticket changed since the caller read it, :class:`VersionConflict` is raised.

All methods are blocking: from async code call them via ``asyncio.to_thread``.
"""
from __future__ import annotations

import base64
import binascii
import logging
from datetime import date, datetime, timedelta, timezone
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Union

from sqlalchemy import delete, func, insert, select, text, tuple_, update
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError
from sqlalchemy.orm import Session

from bot.privacy.crypto import DataCipher, DecryptionError, Indexer
from bot.tickets import deadlines as dl
from bot.storage.db import Database, init_db
from bot.storage.reencrypt import reencrypt_columns
from bot.tickets.errors import (
    AlreadyClaimed,
    ExtensionNotAllowed,
    InvalidField,
    InvalidTransition,
    NotClaimed,
    TicketError,
    TicketNotFound,
    VersionConflict,
)
from bot.tickets.models import AuditEvent, Ticket, TicketCount, TicketNote
from bot.tickets._validation import actor as _actor
from bot.tickets._validation import code as _code
from bot.tickets._validation import expected_version as _expected
from bot.tickets._validation import personal as _personal
from bot.tickets._validation import text as _text
from bot.tickets._validation import verification as _verification
from bot.tickets.references import new_reference, normalise_reference
from bot.tickets.states import (
    INITIAL_STATUSES,
    OPEN_STATUSES,
    TERMINAL_STATUSES,
    AuditAction,
    Channel,
    Kind,
    NoteKind,
    Priority,
    RevealReason,
    Status,
    VerificationLevel,
    VerificationMethod,
    check_transition,
    default_priority,
    parse_enum,
)
from bot.tickets.types import (
    AuditEventView,
    CreateResult,
    NoteView,
    PersonalData,
    QueuePage,
    RotationReport,
    TicketView,
    Verification,
)

__all__ = ["TicketService", "DatabaseNotReady", "EXPORT_FORMAT", "MAX_PAGE_SIZE"]

log = logging.getLogger(__name__)

EXPORT_FORMAT = "privacy-desk.access-export.v1"
MAX_PAGE_SIZE = 200
_CREATE_ATTEMPTS = 5

Clock = Callable[[], datetime]


class DatabaseNotReady(TicketError):
    """The ticket tables do not exist (run ``privacy-desk migrate``)."""


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _conversation_records(settings: Any) -> Any:
    """The tracker store's records (``TRACKER_DATABASE_URL``) as the conversation eraser."""
    from bot.privacy.conversations import ConversationRecords

    return ConversationRecords.from_settings(settings)


def _encode_cursor(ticket: Ticket) -> str:
    """A queue position (priority, respond_by, id) as an opaque, URL-safe token (no personal data)."""
    raw = f"q1.{ticket.priority}.{ticket.respond_by.isoformat()}.{ticket.id}"
    return base64.urlsafe_b64encode(raw.encode("ascii")).decode("ascii").rstrip("=")


def _decode_cursor(token: Any) -> "tuple[int, date, int]":
    try:
        if not isinstance(token, str) or len(token) > 100:
            raise ValueError("not a cursor")
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode("ascii")
        version, priority, respond_by, ticket_id = raw.split(".")
        if version != "q1":
            raise ValueError("unknown cursor version")
        return int(priority), date.fromisoformat(respond_by), int(ticket_id)
    except (ValueError, UnicodeDecodeError, binascii.Error) as exc:
        raise InvalidField("cursor", "is not a cursor this queue gave out (use next_cursor as it is)") from exc


# --------------------------------------------------------------------------- service


class TicketService:
    """Business operations on tickets.  Build one per process at startup.

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
        clock: Clock = _utcnow,
        retention: timedelta = timedelta(days=730),
        conversation_eraser: Any = None,
    ) -> None:
        self._db = database
        self._conversation_eraser = conversation_eraser
        self._cipher = cipher
        self._indexer = indexer
        self.rules = rules or dl.DeadlineRules()
        self._clock = clock
        self.retention = retention

    @classmethod
    def from_settings(cls, settings: Any, *, database: Optional[Database] = None, verify: bool = True) -> "TicketService":
        """Build from :class:`bot.settings.Settings`.

        Raises :class:`~bot.privacy.crypto.KeyConfigurationError` for a malformed
        key and, with ``verify`` (the default), :class:`~bot.privacy.crypto.DecryptionError`
        when ``DATA_KEYS`` cannot decrypt the stored tickets (wrong or missing key)
        and :class:`DatabaseNotReady` when migrations have not been applied.
        """
        cipher = DataCipher(list(settings.data_keys))
        indexer = Indexer(settings.index_key)
        rules = dl.DeadlineRules.from_environ(getattr(settings, "extra", {}) or {})
        service = cls(
            database or init_db(settings),
            cipher,
            indexer,
            rules,
            retention=timedelta(days=settings.ticket_retention_days),
            conversation_eraser=_conversation_records(settings),
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
                    select(Ticket.personal_ct).where(Ticket.personal_ct.is_not(None)).order_by(Ticket.id.desc()).limit(1)
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

    # ------------------------------------------------------------------ create / read

    def create(
        self,
        *,
        kind: Union[Kind, str],
        channel: Union[Channel, str],
        idempotency_key: str,
        personal: Optional[PersonalData] = None,
        jurisdiction: Optional[str] = None,
        status: Union[Status, str] = Status.AWAITING_VERIFICATION,
        verification: Optional[Verification] = None,
        priority: Union[Priority, str, None] = None,
        transcript: Optional[str] = None,
        received_at: Optional[datetime] = None,
        actor: str = "system",
        conversation_id: Optional[str] = None,
    ) -> CreateResult:
        """Create a ticket, or return the existing one for a repeated ``idempotency_key``.

        Args:
            kind: access, correction, deletion, stop_using, parental_deletion, escalation.
            channel: web, sms, voice, api.
            idempotency_key: unique per logical request (e.g. conversation id + form run);
                a retry with the same key returns the first ticket (``created=False``).
                Stored only as a keyed digest.
            personal: requester/child data; encrypted at rest; e-mail and phone indexed.
            jurisdiction: e.g. ``"US-CA"`` or ``"EU"``; ``None`` = the configured default.
            status: awaiting_verification (default), verified or awaiting_documents.
            verification: method, level and matched data-point names.
            priority: default high for parental_deletion, normal otherwise.
            transcript: masked conversation text (escalations); encrypted at rest.
            received_at: when the request arrived (aware datetime); default now.
            actor: who creates it, e.g. ``"bot"`` or ``"agent:alice"`` (no personal data).

        Returns:
            ``CreateResult(ticket, created)``.

        Raises:
            InvalidField / FieldTooLong: bad input (nothing is written).
        """
        kind_ = parse_enum(Kind, kind, "kind")
        channel_ = parse_enum(Channel, channel, "channel")
        status_ = parse_enum(Status, status, "status")
        if status_ not in INITIAL_STATUSES:
            raise InvalidField("status", f"a new ticket starts in one of {', '.join(sorted(s.value for s in INITIAL_STATUSES))}")
        priority_ = default_priority(kind_) if priority is None else parse_enum(Priority, priority, "priority")
        rule = self.rules.rule_for(jurisdiction)
        key = _text("idempotency_key", idempotency_key, required=True)
        personal_ = _personal(personal)
        verification_ = _verification(verification)
        transcript_ = _text("transcript", transcript)
        actor_ = _actor(actor)
        now = self._clock()
        if received_at is None:
            received_at = now
        elif not isinstance(received_at, datetime) or received_at.tzinfo is None:
            raise InvalidField("received_at", "must be a timezone-aware datetime")
        digest = self._indexer.digest("ticket-idempotency", key or "")

        existing = self._find_by_digest(digest)
        if existing is not None:
            if existing.is_open:
                return CreateResult(existing, False)
            self._retire_key(digest)  # a closed ticket never answers for a new request: file anew

        deadlines = dl.compute_deadlines(received_at, rule)
        for _attempt in range(_CREATE_ATTEMPTS):
            ticket = Ticket(
                reference=new_reference(),
                idempotency_digest=digest,
                kind=kind_.value,
                status=status_.value,
                channel=channel_.value,
                priority=priority_.rank,
                jurisdiction=rule.code,
                received_at=received_at,
                acknowledge_by=deadlines.acknowledge_by,
                due_date=deadlines.due,
                respond_by=deadlines.due,
                extension_count=0,
                verification_method=verification_.method.value,
                verification_level=verification_.level.value,
                verification_data_points=",".join(verification_.data_points),
                verified_at=now if status_ is Status.VERIFIED else None,
                personal_ct=self._cipher.encrypt_json(personal_.to_json()) if personal_ else None,
                email_index=self._indexer.email_index(personal_.email) if personal_ and personal_.email else None,
                phone_index=self._indexer.phone_index(personal_.phone) if personal_ and personal_.phone else None,
                transcript_ct=self._cipher.encrypt_optional(transcript_),
                created_at=now,
                updated_at=now,
                version=1,
            )
            try:
                with self._db.write.begin() as session:
                    session.add(ticket)
                    session.flush()
                    self._audit(session, ticket.id, actor_, AuditAction.CREATED, None, status_.value, None, now)
                view = self._view(ticket)
                log.info("ticket %s created (kind=%s channel=%s)", view.reference, kind_.value, channel_.value)
                self._link_conversation(view.reference, conversation_id)
                return CreateResult(view, True)
            except IntegrityError:
                existing = self._find_by_digest(digest)
                if existing is not None and existing.is_open:
                    return CreateResult(existing, False)
                if existing is not None:
                    self._retire_key(digest)
                    continue
                # Otherwise the random reference collided: draw another.
        raise TicketError("could not allocate a unique reference")  # pragma: no cover - 1e-12 odds

    def get_by_reference(self, reference: str) -> TicketView:
        """The ticket for a reference as typed or read aloud (``"pd 7k3d 9qxm"`` works).

        Raises:
            TicketNotFound: malformed or unknown reference.
        """
        ref = self._ref(reference)
        with self._db.read() as session:
            return self._view(self._load(session, ref))

    def find_by_email(self, email: str) -> List[TicketView]:
        """Tickets whose requester e-mail matches (normalised), newest first, via the blind index."""
        value = _text("email", email, required=True)
        return self._find_by_index(Ticket.email_index, self._indexer.email_index(value or ""))

    def find_by_phone(self, phone: str) -> List[TicketView]:
        """Tickets whose requester phone matches (normalised), newest first, via the blind index."""
        value = _text("phone", phone, required=True)
        return self._find_by_index(Ticket.phone_index, self._indexer.phone_index(value or ""))

    def history(self, reference: str) -> List[AuditEventView]:
        """The ticket's audit events, oldest first."""
        ref = self._ref(reference)
        with self._db.read() as session:
            ticket = self._load(session, ref)
            events = session.scalars(
                select(AuditEvent).where(AuditEvent.ticket_id == ticket.id).order_by(AuditEvent.id)
            ).all()
            return [self._event_view(e, ticket.reference) for e in events]

    def notes(self, reference: str) -> List[NoteView]:
        """The ticket's notes and replies, oldest first (decrypted; agents' working text)."""
        ref = self._ref(reference)
        with self._db.read() as session:
            ticket = self._load(session, ref)
            rows = session.scalars(select(TicketNote).where(TicketNote.ticket_id == ticket.id).order_by(TicketNote.id)).all()
            return [self._note_view(n) for n in rows]

    def transcript(self, reference: str) -> Optional[str]:
        """The masked conversation transcript stored with the ticket, if any."""
        ref = self._ref(reference)
        with self._db.read() as session:
            return self._cipher.decrypt_optional(self._load(session, ref).transcript_ct)

    # ------------------------------------------------------------------ state changes

    def transition(
        self,
        reference: str,
        to: Union[Status, str],
        *,
        actor: str,
        reason_code: Optional[str] = None,
        verification: Optional[Verification] = None,
        expected_version: Optional[int] = None,
    ) -> TicketView:
        """Move the ticket to status ``to`` (see :data:`bot.tickets.states.TRANSITIONS`).

        Args:
            to: the new status.
            actor: who does it (``"agent:alice"``, ``"bot"``, ``"requester"``).
            reason_code: short lower-case code for the audit trail (e.g. ``"identity_not_verified"``);
                never free text.
            verification: with ``to=verified``, how the requester was verified.
            expected_version: the ``version`` the caller saw; mismatch → :class:`VersionConflict`.

        Raises:
            TicketNotFound, InvalidTransition, VersionConflict, InvalidField.
        """
        target = parse_enum(Status, to, "status")
        actor_ = _actor(actor)
        code = _code("reason_code", reason_code)
        verification_ = _verification(verification) if verification is not None else None
        if verification_ is not None and target is not Status.VERIFIED:
            raise InvalidField("verification", "can only be recorded with a transition to verified")
        expected = _expected(expected_version)
        ref = self._ref(reference)
        now = self._clock()
        with self._db.write.begin() as session:
            ticket = self._load(session, ref, lock=True)
            self._check_version(ticket, expected)
            current = Status(ticket.status)
            check_transition(current, target)
            ticket.status = target.value
            if target is Status.VERIFIED:
                ticket.verified_at = now
                if verification_ is not None:
                    ticket.verification_method = verification_.method.value
                    ticket.verification_level = verification_.level.value
                    ticket.verification_data_points = ",".join(verification_.data_points)
            if target in TERMINAL_STATUSES:
                ticket.closed_at = now
            self._touch(ticket, now)
            self._audit(session, ticket.id, actor_, AuditAction.TRANSITIONED, current.value, target.value, code, now)
            session.flush()
            view = self._view(ticket)
        if target is Status.COMPLETED and Kind(view.kind) in (Kind.DELETION, Kind.PARENTAL_DELETION):
            self._erase_conversations(view.reference, ticket_id=ticket.id)
        return view

    def acknowledge(self, reference: str, *, actor: str, expected_version: Optional[int] = None) -> TicketView:
        """Record that the requester was told we received the request (CCPA: within 10 business days).

        Idempotent: a second call keeps the first timestamp.
        """
        actor_ = _actor(actor)
        expected = _expected(expected_version)
        ref = self._ref(reference)
        now = self._clock()
        with self._db.write.begin() as session:
            ticket = self._load(session, ref, lock=True)
            self._check_version(ticket, expected)
            if ticket.acknowledged_at is None:
                ticket.acknowledged_at = now
                self._touch(ticket, now)
                self._audit(session, ticket.id, actor_, AuditAction.ACKNOWLEDGED, None, None, None, now)
                session.flush()
            return self._view(ticket)

    def claim(self, reference: str, *, agent: str, expected_version: Optional[int] = None) -> TicketView:
        """Make ``agent`` the ticket's holder, atomically.

        A compare-and-set ``UPDATE ... WHERE assignee IS NULL``: of any number of
        concurrent claims exactly one wins.  Claiming a ticket you already hold
        returns it unchanged.

        Raises:
            AlreadyClaimed: another agent holds it (``.holder`` says who).
            InvalidTransition: the ticket is closed.
            TicketNotFound, VersionConflict.
        """
        agent_ = _actor(agent, "agent")
        expected = _expected(expected_version)
        ref = self._ref(reference)
        now = self._clock()
        # Fast path for the loser: a plain read, no write lock.  The UPDATE below decides.
        with self._db.engine.connect() as connection:
            holder = connection.execute(select(Ticket.assignee).where(Ticket.reference == ref)).scalar()
        if holder is not None and holder != agent_:
            raise AlreadyClaimed(holder)
        with self._db.write.begin() as session:
            conditions = [Ticket.reference == ref, Ticket.assignee.is_(None), Ticket.status.in_([s.value for s in OPEN_STATUSES])]
            if expected is not None:
                conditions.append(Ticket.version == expected)
            result = session.execute(
                update(Ticket)
                .where(*conditions)
                .values(assignee=agent_, claimed_at=now, updated_at=now, version=Ticket.version + 1)
                .execution_options(synchronize_session=False)
            )
            ticket = self._load(session, ref)
            session.refresh(ticket)
            if result.rowcount == 1:
                self._audit(session, ticket.id, agent_, AuditAction.CLAIMED, None, None, None, now)
                session.flush()
                return self._view(ticket)
            if Status(ticket.status) in TERMINAL_STATUSES:
                raise InvalidTransition(ticket.status, "claimed")
            if ticket.assignee == agent_:
                return self._view(ticket)
            if ticket.assignee is not None:
                raise AlreadyClaimed(ticket.assignee)
            if expected is not None and ticket.version != expected:
                raise VersionConflict(expected, ticket.version)
            raise TicketError("claim failed")  # pragma: no cover - every branch above covers the WHERE

    def release(self, reference: str, *, agent: str, expected_version: Optional[int] = None) -> TicketView:
        """Give the ticket back to the queue; only its holder can.

        Raises:
            NotClaimed: ``agent`` does not hold it (``.holder`` is who does, or ``None``).
            TicketNotFound, VersionConflict.
        """
        agent_ = _actor(agent, "agent")
        expected = _expected(expected_version)
        ref = self._ref(reference)
        now = self._clock()
        with self._db.write.begin() as session:
            conditions = [Ticket.reference == ref, Ticket.assignee == agent_]
            if expected is not None:
                conditions.append(Ticket.version == expected)
            result = session.execute(
                update(Ticket)
                .where(*conditions)
                .values(assignee=None, claimed_at=None, updated_at=now, version=Ticket.version + 1)
                .execution_options(synchronize_session=False)
            )
            ticket = self._load(session, ref)
            session.refresh(ticket)
            if result.rowcount == 1:
                self._audit(session, ticket.id, agent_, AuditAction.RELEASED, None, None, None, now)
                session.flush()
                return self._view(ticket)
            if ticket.assignee != agent_:
                raise NotClaimed(ticket.assignee)
            raise VersionConflict(expected or 0, ticket.version)

    def reassign(
        self, reference: str, *, to_agent: Optional[str], actor: str, expected_version: Optional[int] = None
    ) -> TicketView:
        """Supervisor operation: hand an open ticket to ``to_agent`` (``None`` = back to the queue).

        Unlike :meth:`claim` it overrides the current holder, so the console must allow
        it to admins only.  Audited as ``released`` and/or ``claimed`` with reason
        code ``reassigned`` and ``actor`` as the one who did it.

        Raises:
            InvalidTransition: the ticket is closed.  TicketNotFound, VersionConflict.
        """
        to_agent_ = _actor(to_agent, "to_agent") if to_agent is not None else None
        actor_ = _actor(actor)
        expected = _expected(expected_version)
        ref = self._ref(reference)
        now = self._clock()
        with self._db.write.begin() as session:
            ticket = self._load(session, ref, lock=True)
            self._check_version(ticket, expected)
            if Status(ticket.status) in TERMINAL_STATUSES:
                raise InvalidTransition(ticket.status, "reassigned")
            if ticket.assignee == to_agent_:
                return self._view(ticket)
            if ticket.assignee is not None:
                self._audit(session, ticket.id, actor_, AuditAction.RELEASED, None, None, "reassigned", now)
            if to_agent_ is not None:
                self._audit(session, ticket.id, actor_, AuditAction.CLAIMED, None, None, "reassigned", now)
            ticket.assignee = to_agent_
            ticket.claimed_at = now if to_agent_ is not None else None
            self._touch(ticket, now)
            session.flush()
            return self._view(ticket)

    def add_note(
        self,
        reference: str,
        body: str,
        *,
        author: str,
        kind: Union[NoteKind, str] = NoteKind.INTERNAL,
    ) -> NoteView:
        """Append a note (``internal``) or the text of a reply sent to the requester (``reply``).

        The body is encrypted (it may hold personal data).  Notes do not change the
        ticket's ``version``: they do not invalidate what another agent sees.
        """
        kind_ = parse_enum(NoteKind, kind, "kind")
        body_ = _text("note", body, required=True)
        author_ = _actor(author, "author")
        ref = self._ref(reference)
        now = self._clock()
        with self._db.write.begin() as session:
            ticket = self._load(session, ref)
            note = TicketNote(
                ticket_id=ticket.id, kind=kind_.value, author=author_, created_at=now, body_ct=self._cipher.encrypt(body_ or "")
            )
            session.add(note)
            self._audit(session, ticket.id, author_, AuditAction.NOTE_ADDED, None, None, kind_.value, now)
            session.flush()
            return self._note_view(note)

    def extend(self, reference: str, reason: str, *, actor: str, expected_version: Optional[int] = None) -> TicketView:
        """Extend the response deadline once, as the jurisdiction allows, with a reason.

        The reason (told to the requester; may be free text) is stored encrypted;
        the audit trail records ``extended``.  CCPA: +45 days; GDPR: +2 months.

        Raises:
            ExtensionNotAllowed: no extension left, or the ticket is closed.
            InvalidField: empty reason.  TicketNotFound, VersionConflict.
        """
        reason_ = _text("extension_reason", reason, required=True)
        actor_ = _actor(actor)
        expected = _expected(expected_version)
        ref = self._ref(reference)
        now = self._clock()
        with self._db.write.begin() as session:
            ticket = self._load(session, ref, lock=True)
            self._check_version(ticket, expected)
            if Status(ticket.status) in TERMINAL_STATUSES:
                raise ExtensionNotAllowed("the ticket is closed")
            rule = self.rules.rule_for(ticket.jurisdiction)
            new_due = dl.extended_due(ticket.received_at, rule, ticket.extension_count)
            ticket.extension_count += 1
            ticket.extended_due_date = new_due
            ticket.respond_by = new_due
            ticket.extension_reason_ct = self._cipher.encrypt(reason_ or "")
            self._touch(ticket, now)
            self._audit(session, ticket.id, actor_, AuditAction.EXTENDED, None, None, "extension", now)
            session.flush()
            return self._view(ticket)

    def extension_reason(self, reference: str) -> Optional[str]:
        """The stated reason for the extension (decrypted), if the ticket was extended."""
        ref = self._ref(reference)
        with self._db.read() as session:
            return self._cipher.decrypt_optional(self._load(session, ref).extension_reason_ct)

    # ------------------------------------------------------------------ queue

    def list_queue(
        self,
        *,
        kinds: Optional[Iterable[Union[Kind, str]]] = None,
        statuses: Optional[Iterable[Union[Status, str]]] = None,
        channels: Optional[Iterable[Union[Channel, str]]] = None,
        jurisdictions: Optional[Iterable[str]] = None,
        assignee: Optional[str] = None,
        unassigned: bool = False,
        overdue_on: Optional[date] = None,
        limit: int = 50,
        offset: int = 0,
        after: Optional[str] = None,
    ) -> QueuePage:
        """The work queue: high priority first, then earliest ``respond_by``, then oldest.

        Args:
            kinds / statuses / channels / jurisdictions: keep only these (``statuses``
                defaults to every open status).
            assignee: only tickets held by this agent.
            unassigned: only tickets nobody holds.
            overdue_on: only tickets whose ``respond_by`` is before this date.
            limit: page size, 1..200.  offset: tickets to skip.
            after: a page's ``next_cursor``: the tickets that follow it in queue order
                (instead of ``offset``; as fast at any depth).

        Returns:
            :class:`QueuePage` with ``total`` and ``counts_by_status`` (all filters but status).
        """
        kinds_ = [parse_enum(Kind, k, "kind").value for k in kinds] if kinds is not None else None
        statuses_ = (
            [parse_enum(Status, s, "status").value for s in statuses]
            if statuses is not None
            else [s.value for s in Status if s in OPEN_STATUSES]
        )
        channels_ = [parse_enum(Channel, c, "channel").value for c in channels] if channels is not None else None
        jurisdictions_ = [self.rules.rule_for(j).code for j in jurisdictions] if jurisdictions is not None else None
        assignee_ = _actor(assignee, "assignee") if assignee is not None else None
        if assignee_ is not None and unassigned:
            raise InvalidField("assignee", "cannot filter by an assignee and for unassigned tickets at once")
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_PAGE_SIZE:
            raise InvalidField("limit", f"must be between 1 and {MAX_PAGE_SIZE}")
        if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
            raise InvalidField("offset", "must be zero or more")
        position = _decode_cursor(after) if after is not None else None
        if position is not None and offset:
            raise InvalidField("cursor", "cannot be combined with an offset")

        common = []
        if kinds_ is not None:
            common.append(Ticket.kind.in_(kinds_))
        if channels_ is not None:
            common.append(Ticket.channel.in_(channels_))
        if jurisdictions_ is not None:
            common.append(Ticket.jurisdiction.in_(jurisdictions_))
        if assignee_ is not None:
            common.append(Ticket.assignee == assignee_)
        if unassigned:
            common.append(Ticket.assignee.is_(None))
        if overdue_on is not None:
            common.append(Ticket.respond_by < overdue_on)
        filters = [*common, Ticket.status.in_(statuses_)]
        order = (Ticket.priority.desc(), Ticket.respond_by.asc(), Ticket.id.asc())

        with self._db.read() as session:
            # The page: first the ids (an index-only walk of ix_tickets_queue, cheap even
            # at a deep offset), then only those rows.  ``OFFSET`` on full rows would
            # fetch every skipped ticket from the table.
            if position is None:
                ids = list(session.scalars(select(Ticket.id).where(*filters).order_by(*order).limit(limit).offset(offset)))
            else:
                # Keyset: the rest of the cursor's priority group, then the lower priorities;
                # each an index range scan of ix_tickets_queue that stops after ``limit``.
                priority, respond_by, last_id = position
                ids = list(session.scalars(
                    select(Ticket.id)
                    .where(*filters, Ticket.priority == priority, tuple_(Ticket.respond_by, Ticket.id) > tuple_(respond_by, last_id))
                    .order_by(*order).limit(limit)
                ))
                if len(ids) < limit:
                    ids += session.scalars(
                        select(Ticket.id).where(*filters, Ticket.priority < priority).order_by(*order).limit(limit - len(ids))
                    ).all()
            by_id = {t.id: t for t in session.scalars(select(Ticket).where(Ticket.id.in_(ids))).all()} if ids else {}
            rows = [by_id[i] for i in ids if i in by_id]
            counts = self._status_counts(
                session, kinds_, channels_, jurisdictions_, assignee_, unassigned, overdue_on, common
            )
        # The status filter is the only one the counts leave out, so the total is their sum.
        total = sum(int(counts.get(status, 0)) for status in set(statuses_))
        return QueuePage(
            items=tuple(self._view(t) for t in rows),
            total=total,
            limit=limit,
            offset=offset,
            counts_by_status={s.value: int(counts.get(s.value, 0)) for s in Status},
            next_cursor=_encode_cursor(rows[-1]) if rows and len(ids) == limit else None,
            by_cursor=position is not None,
        )

    @staticmethod
    def _status_counts(
        session: Session,
        kinds: Optional[List[str]],
        channels: Optional[List[str]],
        jurisdictions: Optional[List[str]],
        assignee: Optional[str],
        unassigned: bool,
        overdue_on: Optional[date],
        common: List[Any],
    ) -> Dict[str, int]:
        """Tickets per status under the queue's filters (all but the status filter).

        From ``ticket_counts`` (kept exact by database triggers; a sum over a few
        rows, whatever the number of tickets).  Only a due-date filter, which those
        counts cannot know, falls back to counting the tickets themselves.
        """
        if overdue_on is not None:
            query = select(Ticket.status, func.count()).where(*common).group_by(Ticket.status)
        else:
            where = []
            if kinds is not None:
                where.append(TicketCount.kind.in_(kinds))
            if channels is not None:
                where.append(TicketCount.channel.in_(channels))
            if jurisdictions is not None:
                where.append(TicketCount.jurisdiction.in_(jurisdictions))
            if assignee is not None:
                where.append(TicketCount.assignee == assignee)
            if unassigned:
                where.append(TicketCount.assignee == "")
            query = select(TicketCount.status, func.sum(TicketCount.n)).where(*where).group_by(TicketCount.status)
        return {status: int(count or 0) for status, count in session.execute(query).all()}

    def rebuild_queue_counts(self) -> int:
        """Recount ``ticket_counts`` from the tickets (repair after loading rows with triggers off).

        Blocks writers to ``tickets`` for the duration (PostgreSQL: a SHARE ROW
        EXCLUSIVE table lock; SQLite: the write lock), so the result is exact.
        Returns the number of tickets counted.
        """
        with self._db.write.begin() as session:
            if not self._db.is_sqlite:
                session.execute(text("LOCK TABLE tickets IN SHARE ROW EXCLUSIVE MODE"))
            session.execute(delete(TicketCount))
            session.execute(
                insert(TicketCount).from_select(
                    ["status", "kind", "channel", "jurisdiction", "assignee", "n"],
                    select(
                        Ticket.status, Ticket.kind, Ticket.channel, Ticket.jurisdiction,
                        func.coalesce(Ticket.assignee, ""), func.count(),
                    ).group_by(Ticket.status, Ticket.kind, Ticket.channel, Ticket.jurisdiction, func.coalesce(Ticket.assignee, "")),
                )
            )
            return int(session.execute(select(func.coalesce(func.sum(TicketCount.n), 0))).scalar_one())

    # ------------------------------------------------------------------ personal data

    def reveal_personal_data(self, reference: str, *, actor: str, reason: Union[RevealReason, str]) -> PersonalData:
        """Decrypt the ticket's personal data for ``actor``; the reveal is audited first.

        Returns an empty :class:`PersonalData` for a ticket without (or anonymised) data.

        Raises:
            InvalidField: unknown reason.  TicketNotFound.
            DecryptionError: the ciphertext was tampered with or the key is missing.
        """
        reason_ = parse_enum(RevealReason, reason, "reason")
        actor_ = _actor(actor)
        ref = self._ref(reference)
        now = self._clock()
        with self._db.write.begin() as session:
            ticket = self._load(session, ref)
            data = self._decrypt_personal(ticket.personal_ct)
            self._audit(session, ticket.id, actor_, AuditAction.PERSONAL_DATA_REVEALED, None, None, reason_.value, now)
        return data

    def export_package(self, reference: str, *, actor: str, account_data: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
        """The JSON-ready package an access request is answered with (audited as ``exported``).

        Contains the request (reference, kind, dates, status history) and the personal
        data we hold in the ticket; ``account_data`` (e.g. from the customer directory)
        is included under ``"account_data"`` as given.  Only for verified tickets.

        Raises:
            InvalidTransition: the requester is not verified yet (``awaiting_verification``).
            TicketNotFound, DecryptionError.
        """
        actor_ = _actor(actor)
        ref = self._ref(reference)
        now = self._clock()
        with self._db.write.begin() as session:
            ticket = self._load(session, ref)
            if ticket.status == Status.AWAITING_VERIFICATION.value or ticket.verified_at is None:
                raise InvalidTransition(ticket.status, "exported")
            events = session.scalars(
                select(AuditEvent).where(AuditEvent.ticket_id == ticket.id).order_by(AuditEvent.id)
            ).all()
            replies = session.scalars(
                select(TicketNote)
                .where(TicketNote.ticket_id == ticket.id, TicketNote.kind == NoteKind.REPLY.value)
                .order_by(TicketNote.id)
            ).all()
            view = self._view(ticket)
            personal = self._decrypt_personal(ticket.personal_ct)
            package: Dict[str, Any] = {
                "format": EXPORT_FORMAT,
                "generated_at": now.isoformat(),
                "request": {
                    "reference": view.reference,
                    "kind": view.kind.value,
                    "channel": view.channel.value,
                    "jurisdiction": view.jurisdiction,
                    "regime": view.regime,
                    "received_at": view.received_at.isoformat(),
                    "status": view.status.value,
                    "respond_by": view.respond_by.isoformat(),
                    "verification": {
                        "method": view.verification.method.value,
                        "level": view.verification.level.value,
                        "data_points": list(view.verification.data_points),
                    },
                },
                "personal_data": personal.to_json(),
                "status_history": [
                    {"at": e.at.isoformat(), "from": e.from_status, "to": e.to_status}
                    for e in events
                    if e.action in (AuditAction.CREATED.value, AuditAction.TRANSITIONED.value)
                ],
                "messages_to_requester": [
                    {"at": n.created_at.isoformat(), "text": self._cipher.decrypt_optional(n.body_ct)} for n in replies
                ],
                "account_data": account_data or {},
            }
            self._audit(session, ticket.id, actor_, AuditAction.EXPORTED, None, None, "access_request", now)
        return package

    # ------------------------------------------------------------------ retention and keys

    def anonymise_closed(self, older_than: Optional[timedelta] = None, *, actor: str = "system:retention", batch_size: int = 500) -> int:
        """Erase personal data of tickets closed more than ``older_than`` ago (default: retention).

        Keeps the ticket skeleton (reference, kind, dates, status) and the audit trail
        for statistics and accountability; drops personal data, blind indexes,
        transcript, extension reason and note bodies.  Returns the number of tickets.
        """
        actor_ = _actor(actor)
        cutoff = self._clock() - (older_than if older_than is not None else self.retention)
        done = 0
        while True:
            now = self._clock()
            with self._db.write.begin() as session:
                tickets = session.scalars(
                    select(Ticket)
                    .where(
                        Ticket.status.in_([s.value for s in TERMINAL_STATUSES]),
                        Ticket.closed_at < cutoff,
                        Ticket.anonymised_at.is_(None),
                    )
                    .order_by(Ticket.id)
                    .limit(batch_size)
                ).all()
                if not tickets:
                    return done
                ids = [t.id for t in tickets]
                session.execute(
                    update(TicketNote).where(TicketNote.ticket_id.in_(ids)).values(body_ct=None).execution_options(synchronize_session=False)
                )
                for ticket in tickets:
                    ticket.personal_ct = None
                    ticket.email_index = None
                    ticket.phone_index = None
                    ticket.transcript_ct = None
                    ticket.extension_reason_ct = None
                    ticket.anonymised_at = now
                    self._touch(ticket, now)
                    self._audit(session, ticket.id, actor_, AuditAction.ANONYMISED, None, None, "retention", now)
                done += len(tickets)

    # --- assistant's own records: conversations of a request ---
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

    # --- assistant's own records: retention audit (privacy-desk purge): record_retention_run below ---
    def rotate_keys(self, *, actor: str = "system:rotate-keys", batch_size: int = 500) -> RotationReport:
        """Re-encrypt every ciphertext under the primary (first) key of ``DATA_KEYS``.

        Runs in batches (one transaction each); safe to re-run after an interruption.
        Does not change ``version`` (the content is the same).
        """
        actor_ = _actor(actor)
        tickets = self._rotate_table(
            Ticket, (Ticket.personal_ct, Ticket.transcript_ct, Ticket.extension_reason_ct), batch_size
        )
        notes = self._rotate_table(TicketNote, (TicketNote.body_ct,), batch_size)
        with self._db.write.begin() as session:
            self._audit(session, None, actor_, AuditAction.KEYS_ROTATED, None, None, None, self._clock())
        return RotationReport(tickets=tickets, notes=notes)

    def record_retention_run(self, counts: Mapping[str, int], *, actor: str = "system:retention") -> None:
        """One audit event for a retention run, counts only: reason code ``purge.c3.e41.t2``.

        ``counts`` maps short lower-case names to non-negative whole numbers.
        """
        actor_ = _actor(actor)
        parts = []
        for name, value in counts.items():
            if not (isinstance(name, str) and name.isascii() and name.isalpha() and name.islower() and len(name) <= 8):
                raise InvalidField("counts", "names must be short lower-case words")
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise InvalidField("counts", "values must be whole numbers of zero or more")
            parts.append(f"{name}{value}")
        code = _code("reason_code", ".".join(["purge", *parts]))
        with self._db.write.begin() as session:
            self._audit(session, None, actor_, AuditAction.RETENTION_RUN, None, None, code, self._clock())

    def audit_log(self, *, limit: int = 100, before_id: Optional[int] = None) -> List[AuditEventView]:
        """The whole audit trail, newest first (admin view); page with ``before_id`` = last id seen."""
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 1000:
            raise InvalidField("limit", "must be between 1 and 1000")
        if before_id is not None and (isinstance(before_id, bool) or not isinstance(before_id, int)):
            raise InvalidField("before_id", "must be a whole number")
        query = select(AuditEvent, Ticket.reference).outerjoin(Ticket, Ticket.id == AuditEvent.ticket_id)
        if before_id is not None:
            query = query.where(AuditEvent.id < before_id)
        with self._db.read() as session:
            rows = session.execute(query.order_by(AuditEvent.id.desc()).limit(limit)).all()
            return [self._event_view(event, reference) for event, reference in rows]

    def _rotate_table(self, model: Any, columns: Sequence[Any], batch_size: int) -> int:
        return reencrypt_columns(self._db.write.begin, model, model.id, columns, self._cipher.rotate, batch_size)

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
    ) -> None:
        session.add(
            AuditEvent(
                ticket_id=ticket_id,
                at=now,
                actor=actor,
                action=action.value,
                from_status=from_status,
                to_status=to_status,
                reason_code=reason_code,
            )
        )

    def _retire_key(self, digest: str) -> None:
        """Free an idempotency digest held by a closed ticket (it gets a digest no key produces)."""
        with self._db.write.begin() as session:
            for ticket in session.scalars(select(Ticket).where(
                    Ticket.idempotency_digest == digest,
                    Ticket.status.in_([s.value for s in TERMINAL_STATUSES])).with_for_update()).all():
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
        )

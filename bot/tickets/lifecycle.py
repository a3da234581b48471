"""A ticket's life: filing (idempotent), reading, and every state change (acknowledge,
claim, release, reassign, note, extend, transition) with its audit event.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import List, Optional, Union

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bot.tickets import deadlines as dl
from bot.tickets._store import TicketStore
from bot.tickets._validation import actor as _actor
from bot.tickets._validation import code as _code
from bot.tickets._validation import expected_version as _expected
from bot.tickets._validation import personal as _personal
from bot.tickets._validation import text as _text
from bot.tickets._validation import verification as _verification
from bot.tickets.errors import (
    AlreadyClaimed,
    ExtensionNotAllowed,
    InvalidField,
    InvalidTransition,
    NotClaimed,
    TicketError,
    VersionConflict,
)
from bot.tickets.models import AuditEvent, Ticket, TicketNote
from bot.tickets.references import new_reference
from bot.tickets.states import (
    INITIAL_STATUSES,
    OPEN_STATUSES,
    TERMINAL_STATUSES,
    AuditAction,
    Channel,
    Kind,
    NoteKind,
    Priority,
    Status,
    check_transition,
    default_priority,
    parse_enum,
)
from bot.tickets.types import (
    AuditEventView,
    CreateResult,
    NoteView,
    PersonalData,
    TicketView,
    Verification,
)

__all__ = ["TicketLifecycle"]

log = logging.getLogger(__name__)

_CREATE_ATTEMPTS = 5


class TicketLifecycle(TicketStore):
    """File, read and move tickets through their states."""

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
            raise InvalidField(
                "status", f"a new ticket starts in one of {', '.join(sorted(s.value for s in INITIAL_STATUSES))}"
            )
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

        if kind_ is Kind.ESCALATION:
            deadlines = dl.escalation_deadlines(received_at, rule, self.rules.escalation_reply_business_days)
        else:
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
                policy_version=self._policy_version(),
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
            rows = session.scalars(
                select(TicketNote).where(TicketNote.ticket_id == ticket.id).order_by(TicketNote.id)
            ).all()
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
            won, ticket = self._set_holder(
                session,
                ref,
                [Ticket.assignee.is_(None), Ticket.status.in_([s.value for s in OPEN_STATUSES])],
                expected,
                holder=agent_,
                actor=agent_,
                now=now,
                action=AuditAction.CLAIMED,
            )
            if won:
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
            won, ticket = self._set_holder(
                session,
                ref,
                [Ticket.assignee == agent_],
                expected,
                holder=None,
                actor=agent_,
                now=now,
                action=AuditAction.RELEASED,
            )
            if won:
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
                ticket_id=ticket.id,
                kind=kind_.value,
                author=author_,
                created_at=now,
                body_ct=self._cipher.encrypt(body_ or ""),
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

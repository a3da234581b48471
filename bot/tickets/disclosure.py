"""Personal data out of the store: reveal (audited, with a reason) and the access-request export package."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Dict, Optional, Tuple, Union

from sqlalchemy import select

from bot.tickets._store import TicketStore
from bot.tickets._validation import actor as _actor
from bot.tickets.errors import (
    InvalidTransition,
)
from bot.tickets.models import AuditEvent, TicketNote
from bot.tickets.states import (
    AuditAction,
    NoteKind,
    RevealReason,
    Status,
    parse_enum,
)
from bot.tickets.types import (
    PersonalData,
)

__all__ = ["TicketDisclosure", "EXPORT_FORMAT", "REVEAL_DISPLAY_WINDOW"]


EXPORT_FORMAT = "privacy-desk.access-export.v1"
#: How long after an audited reveal the same agent's page may show the data again (reloads).
REVEAL_DISPLAY_WINDOW = timedelta(minutes=10)


class TicketDisclosure(TicketStore):
    """Hand out a ticket's personal data, always audited."""

    # ------------------------------------------------------------------ personal data

    def reveal_personal_data(self, reference: str, *, actor: str, reason: Union[RevealReason, str]) -> PersonalData:
        """Decrypt the ticket's personal data for ``actor``; the reveal is audited first.

        Returns an empty :class:`PersonalData` for a ticket without (or anonymised) data.

        Raises:
            InvalidField: unknown reason.  TicketNotFound.
            DecryptionError: the ciphertext was tampered with or the key is missing.
        """
        return self.reveal_with_receipt(reference, actor=actor, reason=reason)[0]

    def reveal_with_receipt(
        self, reference: str, *, actor: str, reason: Union[RevealReason, str]
    ) -> Tuple[PersonalData, int]:
        """:meth:`reveal_personal_data`, plus the id of its audit event (the "receipt").

        A page that shows the data after a redirect passes the receipt to
        :meth:`show_revealed`, so reloading that page records no second reveal.
        """
        reason_ = parse_enum(RevealReason, reason, "reason")
        actor_ = _actor(actor)
        ref = self._ref(reference)
        now = self._clock()
        with self._db.write.begin() as session:
            ticket = self._load(session, ref)
            data = self._decrypt_personal(ticket.personal_ct)
            event = self._audit(
                session, ticket.id, actor_, AuditAction.PERSONAL_DATA_REVEALED, None, None, reason_.value, now
            )
            session.flush()
            receipt = int(event.id)
        return data, receipt

    def show_revealed(
        self, reference: str, *, actor: str, receipt: int, within: timedelta = REVEAL_DISPLAY_WINDOW
    ) -> Optional[PersonalData]:
        """The data of an earlier reveal, shown again without a new audit event; ``None`` if the receipt is not valid.

        Valid: the receipt is a ``personal_data_revealed`` event of this ticket, by
        this ``actor``, at most ``within`` ago (the audit trail already says who saw
        it, when and why).  Anything else needs a new, audited reveal.
        """
        actor_ = _actor(actor)
        ref = self._ref(reference)
        if isinstance(receipt, bool) or not isinstance(receipt, int) or receipt < 1:
            return None
        with self._db.read() as session:
            ticket = self._load(session, ref)
            event = session.get(AuditEvent, receipt)
            if (
                event is None
                or event.ticket_id != ticket.id
                or event.actor != actor_
                or event.action != AuditAction.PERSONAL_DATA_REVEALED.value
                or event.at < self._clock() - within
            ):
                return None
            return self._decrypt_personal(ticket.personal_ct)

    def export_package(
        self, reference: str, *, actor: str, account_data: Optional[Dict[str, Any]] = None
    ) -> Dict[str, Any]:
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

"""Finding tickets: by reference, by the requester's e-mail or phone, by status, kind, channel and dates.

An agent types whatever the requester gave them into one box:

* a reference in any format (``pd 7k3d 9qxm``, ``7K3D-9QXM``; Crockford-forgiving),
* an e-mail address, or
* a phone number (``(202) 555-0143``, ``+1 202 555 0143``).

E-mail and phone are looked up through the blind indexes (keyed HMAC digests,
:class:`bot.privacy.crypto.Indexer`): the table is never decrypted, and what the
agent typed is neither stored nor logged.  Text that could be two things (eight
digits: a reference or a short phone number) matches either.

Filters (status, kind, channel, received date range) combine with the text.
Results come in queue order (high priority first, then earliest ``respond_by``,
then oldest) and page like the queue: ``limit`` + ``offset`` or the keyset
``after`` cursor (as fast at any depth).  Unlike the queue, closed tickets are
included unless a status filter says otherwise.

Date ranges are calendar days in the default jurisdiction's time zone (the
business's reporting calendar), inclusive at both ends.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, List, Optional, Sequence, Tuple
from zoneinfo import ZoneInfo

import phonenumbers
from sqlalchemy import func, or_, select

from bot.privacy.crypto import Indexer, normalise_phone
from bot.tickets.errors import InvalidField
from bot.tickets.models import Ticket, TicketCount
from bot.tickets.queue import encode_cursor, page_position, read_page
from bot.tickets.references import normalise_reference
from bot.tickets.service import TicketService
from bot.tickets.states import OPEN_STATUSES, Channel, Kind, Status, parse_enum
from bot.tickets.types import QueuePage

__all__ = ["SearchQuery", "TicketSearch", "classify", "QUERY_LIMIT", "DEFAULT_PHONE_REGION", "SOON_DAYS"]

#: Longest search text accepted (an e-mail address is at most 254 characters).
QUERY_LIMIT = 254
#: Region for phone numbers typed without a country code (the business is in the US).
DEFAULT_PHONE_REGION = "US"
#: "Due soon": due today or within this many days (the queue's amber marker).
SOON_DAYS = 3
_PHONE_CHARS = re.compile(r"^\+?[0-9 ().\-]{7,32}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class Terms:
    """What a search text can be: each field is a candidate (``None`` = it cannot be that)."""

    reference: Optional[str] = None
    email: Optional[str] = None
    phones: Tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return self.reference is None and self.email is None and not self.phones


def classify(text: str, region: str = DEFAULT_PHONE_REGION) -> Terms:
    """Read a search text as a reference, an e-mail address and/or a phone number.

    Raises:
        InvalidField: the text is none of them (the message never repeats it).
    """
    if not isinstance(text, str) or len(text) > QUERY_LIMIT:
        raise InvalidField(
            "q", f"must be a reference, an e-mail address or a phone number (at most {QUERY_LIMIT} characters)"
        )
    stripped = text.strip()
    reference = normalise_reference(stripped)
    email = stripped if _EMAIL.match(stripped) else None
    phones: List[str] = []
    if _PHONE_CHARS.match(stripped) and sum(ch.isdigit() for ch in stripped) >= 7:
        phones.append(normalise_phone(stripped))
        try:
            parsed = phonenumbers.parse(stripped, region)
        except phonenumbers.NumberParseException:
            parsed = None
        if parsed is not None and phonenumbers.is_possible_number(parsed):
            e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
            if e164 not in phones:
                phones.append(e164)
    terms = Terms(reference=reference, email=email, phones=tuple(phones))
    if terms.empty:
        raise InvalidField("q", "enter a reference (PD-XXXX-XXXX), an e-mail address or a phone number")
    return terms


@dataclass(frozen=True)
class SearchQuery:
    """One search: free text plus filters (every part optional; all parts must match)."""

    text: Optional[str] = None
    statuses: Optional[Sequence[str]] = None
    kinds: Optional[Sequence[str]] = None
    channels: Optional[Sequence[str]] = None
    #: First and last calendar day of receipt (inclusive), in the reporting time zone.
    received_from: Optional[date] = None
    received_to: Optional[date] = None
    #: ``"overdue"`` (open, due before ``today``) or ``"soon"`` (open, due within 3 days): the queue's markers.
    due: Optional[str] = None
    #: The day "overdue" and "soon" are measured from (the console's clock); required with ``due``.
    today: Optional[date] = None
    limit: int = 50
    offset: int = 0
    after: Optional[str] = None

    @property
    def is_empty(self) -> bool:
        """No text and no filter: the caller probably wants the plain queue."""
        return not (self.text and self.text.strip()) and not any(
            (self.statuses, self.kinds, self.channels, self.received_from, self.received_to, self.due)
        )


class TicketSearch:
    """Search over the ticket store (read-only; no audit event: nothing personal is shown).

    Args:
        tickets: the ticket service (its database, deadline rules and views).
        indexer: the same blind-index key the store writes with (``INDEX_KEY``).
    """

    def __init__(self, tickets: TicketService, indexer: Indexer) -> None:
        self._tickets = tickets
        self._indexer = indexer

    @classmethod
    def from_settings(cls, settings: Any, tickets: TicketService) -> "TicketSearch":
        return cls(tickets, Indexer(settings.index_key))

    def day_bounds(self, first: Optional[date], last: Optional[date]) -> Tuple[Optional[datetime], Optional[datetime]]:
        """``[first 00:00, day after last 00:00)`` in the reporting time zone, as aware datetimes."""
        zone = ZoneInfo(self._tickets.rules.rule_for(None).timezone)
        start = datetime.combine(first, time(0), tzinfo=zone) if first is not None else None
        end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=zone) if last is not None else None
        return start, end

    def search(self, query: SearchQuery) -> QueuePage:
        """Tickets matching ``query``, in queue order, with the total and per-status counts.

        Raises:
            InvalidField: unreadable text, unknown status/kind/channel, a reversed date
                range, a bad page size, offset or cursor.
        """
        statuses = [parse_enum(Status, s, "status").value for s in query.statuses] if query.statuses else None
        kinds = [parse_enum(Kind, k, "kind").value for k in query.kinds] if query.kinds else None
        channels = [parse_enum(Channel, c, "channel").value for c in query.channels] if query.channels else None
        if query.received_from and query.received_to and query.received_from > query.received_to:
            raise InvalidField("received_to", "must not be before received_from")
        limit, offset = query.limit, query.offset
        position = page_position(limit, offset, query.after)

        common: List[Any] = []
        text = (query.text or "").strip()
        if text:
            common.append(or_(*self._text_conditions(classify(text))))
        if kinds is not None:
            common.append(Ticket.kind.in_(kinds))
        if channels is not None:
            common.append(Ticket.channel.in_(channels))
        common.extend(_due_conditions(query.due, query.today))
        start, end = self.day_bounds(query.received_from, query.received_to)
        if start is not None:
            common.append(Ticket.received_at >= start)
        if end is not None:
            common.append(Ticket.received_at < end)
        filters = [*common, Ticket.status.in_(statuses)] if statuses is not None else list(common)

        with self._tickets.database.read() as session:
            rows = read_page(session, filters, limit=limit, offset=offset, position=position)
            if text or start is not None or end is not None or query.due:
                counts = dict(
                    session.execute(select(Ticket.status, func.count()).where(*common).group_by(Ticket.status)).all()
                )
            else:
                # Only kind / channel filters: the trigger-kept per-bucket counts (a few rows).
                where = []
                if kinds is not None:
                    where.append(TicketCount.kind.in_(kinds))
                if channels is not None:
                    where.append(TicketCount.channel.in_(channels))
                counts = dict(
                    session.execute(
                        select(TicketCount.status, func.sum(TicketCount.n)).where(*where).group_by(TicketCount.status)
                    ).all()
                )
        wanted = set(statuses) if statuses is not None else {s.value for s in Status}
        total = sum(int(n or 0) for status, n in counts.items() if status in wanted)
        return QueuePage(
            items=tuple(self._tickets._view(t) for t in rows),
            total=total,
            limit=limit,
            offset=offset,
            counts_by_status={s.value: int(counts.get(s.value) or 0) for s in Status},
            next_cursor=encode_cursor(rows[-1]) if rows and len(rows) == limit else None,
            by_cursor=position is not None,
        )

    def _text_conditions(self, terms: Terms) -> List[Any]:
        conditions: List[Any] = []
        if terms.reference is not None:
            conditions.append(Ticket.reference == terms.reference)
        if terms.email is not None:
            conditions.append(Ticket.email_index == self._indexer.email_index(terms.email))
        if terms.phones:
            conditions.append(Ticket.phone_index.in_([self._indexer.phone_index(p) for p in terms.phones]))
        return conditions


def _due_conditions(due: Optional[str], today: Optional[date]) -> List[Any]:
    """Open tickets overdue / due within :data:`SOON_DAYS` of ``today`` (the queue's and dashboard's rule)."""
    if due is None:
        return []
    if due not in ("overdue", "soon") or today is None:
        raise InvalidField("due", "must be overdue or soon (with today's date)")
    open_ = Ticket.status.in_([s.value for s in Status if s in OPEN_STATUSES])
    if due == "overdue":
        return [open_, Ticket.respond_by < today]
    return [open_, Ticket.respond_by >= today, Ticket.respond_by <= today + timedelta(days=SOON_DAYS)]

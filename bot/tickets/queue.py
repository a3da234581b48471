"""The agents' queue: filtered pages in queue order with opaque cursors, and the
per-status counts kept by database triggers.
"""

from __future__ import annotations

import base64
import binascii
from datetime import date
from typing import Any, Dict, Iterable, List, Optional, Tuple, Type, Union

from sqlalchemy import delete, func, insert, select, text, tuple_
from sqlalchemy.orm import Session

from bot.tickets._store import TicketStore
from bot.tickets._validation import actor as _actor
from bot.tickets.errors import (
    InvalidField,
)
from bot.tickets.models import Ticket, TicketCount
from bot.tickets.states import (
    OPEN_STATUSES,
    Channel,
    Kind,
    Status,
    parse_enum,
)
from bot.tickets.types import (
    QueuePage,
)

__all__ = ["TicketQueue", "MAX_PAGE_SIZE", "QUEUE_ORDER", "page_position", "read_page", "encode_cursor"]


MAX_PAGE_SIZE = 200


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


#: The cursor of the page that follows ``ticket`` (for other readers in queue order, e.g. search).
encode_cursor = _encode_cursor


Position = Tuple[int, date, int]
#: Queue order: high priority first, then earliest deadline, then oldest.
QUEUE_ORDER = (Ticket.priority.desc(), Ticket.respond_by.asc(), Ticket.id.asc())


def page_position(limit: Any, offset: Any, after: Optional[str]) -> Optional[Position]:
    """Check a page request (``limit`` 1..200, ``offset`` >= 0, or a cursor but not both); the cursor's position."""
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_PAGE_SIZE:
        raise InvalidField("limit", f"must be between 1 and {MAX_PAGE_SIZE}")
    if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
        raise InvalidField("offset", "must be zero or more")
    position = _decode_cursor(after) if after is not None else None
    if position is not None and offset:
        raise InvalidField("cursor", "cannot be combined with an offset")
    return position


def read_page(
    session: Session, filters: List[Any], *, limit: int, offset: int, position: Optional[Position]
) -> List[Ticket]:
    """One page of tickets matching ``filters`` in queue order, by offset or after a cursor position.

    First the ids (an index walk of ``ix_tickets_queue``, cheap even at a deep
    offset), then only those rows: ``OFFSET`` on full rows would fetch every
    skipped ticket from the table.  After a cursor: the rest of the cursor's
    priority group, then the lower priorities, each an index range scan that
    stops after ``limit``.
    """
    if position is None:
        ids = list(
            session.scalars(select(Ticket.id).where(*filters).order_by(*QUEUE_ORDER).limit(limit).offset(offset))
        )
    else:
        priority, respond_by, last_id = position
        ids = list(
            session.scalars(
                select(Ticket.id)
                .where(
                    *filters,
                    Ticket.priority == priority,
                    tuple_(Ticket.respond_by, Ticket.id) > tuple_(respond_by, last_id),
                )
                .order_by(*QUEUE_ORDER)
                .limit(limit)
            )
        )
        if len(ids) < limit:
            ids += session.scalars(
                select(Ticket.id)
                .where(*filters, Ticket.priority < priority)
                .order_by(*QUEUE_ORDER)
                .limit(limit - len(ids))
            ).all()
    by_id = {t.id: t for t in session.scalars(select(Ticket).where(Ticket.id.in_(ids))).all()} if ids else {}
    return [by_id[i] for i in ids if i in by_id]


class TicketQueue(TicketStore):
    """The queue of open and closed tickets, page by page."""

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
        position = page_position(limit, offset, after)

        common = _filters(Ticket, kinds_, channels_, jurisdictions_, assignee_, unassigned)
        if overdue_on is not None:
            common.append(Ticket.respond_by < overdue_on)
        filters = [*common, Ticket.status.in_(statuses_)]

        with self._db.read() as session:
            rows = read_page(session, filters, limit=limit, offset=offset, position=position)
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
            next_cursor=_encode_cursor(rows[-1]) if rows and len(rows) == limit else None,
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
            where = _filters(TicketCount, kinds, channels, jurisdictions, assignee, unassigned)
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
                        Ticket.status,
                        Ticket.kind,
                        Ticket.channel,
                        Ticket.jurisdiction,
                        func.coalesce(Ticket.assignee, ""),
                        func.count(),
                    ).group_by(
                        Ticket.status,
                        Ticket.kind,
                        Ticket.channel,
                        Ticket.jurisdiction,
                        func.coalesce(Ticket.assignee, ""),
                    ),
                )
            )
            return int(session.execute(select(func.coalesce(func.sum(TicketCount.n), 0))).scalar_one())


def _filters(
    model: Union[Type[Ticket], Type[TicketCount]],
    kinds: Optional[List[str]],
    channels: Optional[List[str]],
    jurisdictions: Optional[List[str]],
    assignee: Optional[str],
    unassigned: bool,
) -> List[Any]:
    """The queue's filters on ``tickets`` or on ``ticket_counts`` (same columns; no holder is ``""`` in the counts)."""
    where: List[Any] = []
    if kinds is not None:
        where.append(model.kind.in_(kinds))
    if channels is not None:
        where.append(model.channel.in_(channels))
    if jurisdictions is not None:
        where.append(model.jurisdiction.in_(jurisdictions))
    if assignee is not None:
        where.append(model.assignee == assignee)
    if unassigned:
        where.append(Ticket.assignee.is_(None) if model is Ticket else TicketCount.assignee == "")
    return where

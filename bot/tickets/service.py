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

from bot.tickets._store import Clock, DatabaseNotReady
from bot.tickets.disclosure import EXPORT_FORMAT, TicketDisclosure
from bot.tickets.lifecycle import TicketLifecycle
from bot.tickets.queue import MAX_PAGE_SIZE, TicketQueue, _decode_cursor, _encode_cursor
from bot.tickets.upkeep import TicketUpkeep

__all__ = ["TicketService", "DatabaseNotReady", "EXPORT_FORMAT", "MAX_PAGE_SIZE", "Clock"]
# The cursor codec is shared with bot.tickets.search (same queue order).
__all__ += ["_encode_cursor", "_decode_cursor"]


class TicketService(TicketLifecycle, TicketQueue, TicketDisclosure, TicketUpkeep):
    """Business operations on tickets.  Build one per process at startup.

    The parts live in their own modules over one shared core
    (:class:`~bot.tickets._store.TicketStore`, which documents the arguments):
    lifecycle (file, read, state changes), queue (pages and counts),
    disclosure (reveal, export) and upkeep (retention, key rotation, audit log).
    """

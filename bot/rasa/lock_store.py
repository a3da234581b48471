"""Rasa's ``RedisLockStore`` with atomic ticket operations.

Rasa 3.6 issues a conversation's lock tickets with a plain GET, modify, SET.
Two replicas that receive messages for the same conversation at the same
moment both read "no lock", both write a lock holding ticket 0, and both
process the conversation at once; the SQL tracker store then keeps only one
of the two turns (proved by ``tests/integration/scale``).  Its ``cleanup``,
``finish_serving`` and ``update_lock`` have the same read-modify-write race.

This subclass runs every read-modify-write in a Redis optimistic transaction
(``WATCH``/``MULTI``/``EXEC``, retried on conflict), so tickets are unique and
a lock is deleted only when no ticket is left in it.  The data layout is
Rasa's own (``TicketLock`` JSON under ``<prefix>:lock:<conversation id>``).

A waiting turn keeps its own ticket alive.  Rasa 3.6 lets every ticket expire
``lock_lifetime`` seconds after it was issued, waiting or not.  When a replica
dies holding a conversation's ticket, the turn retried on another replica
waits for that ticket to expire; its own ticket, issued a moment later,
expires a moment later too, and if the waiting replica does not poll inside
that moment its ticket is gone: it then waits for a ticket that no longer
exists until the client gives up.  Here the waiter renews its ticket at every
poll (a dead replica's tickets are never renewed, so they still expire), gets
a new one if its own was lost, and the lifetime of the served ticket starts
when the turn starts being processed.

Configured by :mod:`bot.rasa.server` in the production profile.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from contextlib import asynccontextmanager
from typing import Any, AsyncGenerator, Callable, List, Optional, Text, Tuple

from rasa.core.lock import Ticket, TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore

__all__ = ["AtomicRedisLockStore"]

logger = logging.getLogger(__name__)

_KEEP = object()  # "leave the stored lock as it is"


class AtomicRedisLockStore(RedisLockStore):
    """A ``RedisLockStore`` whose ticket operations cannot interleave across replicas."""

    def __init__(self, endpoint_config: Any = None, **kwargs: Any) -> None:
        if endpoint_config is not None:  # built by Rasa from endpoints (type: bot.rasa.lock_store.AtomicRedisLockStore)
            kwargs = {"host": endpoint_config.url or "localhost", **endpoint_config.kwargs, **kwargs}
        super().__init__(**kwargs)

    def _transact(self, conversation_id: Text, change: Callable[[Optional[TicketLock]], Tuple[Any, Any]]) -> Any:
        """Apply ``change(lock) -> (new lock | None to delete | _KEEP, result)`` atomically."""
        import redis

        key = self.key_prefix + conversation_id
        with self.red.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(key)
                    raw = pipe.get(key)
                    lock = TicketLock.from_dict(json.loads(raw)) if raw else None
                    new_lock, result = change(lock)
                    pipe.multi()
                    if new_lock is None:
                        pipe.delete(key)
                    elif new_lock is not _KEEP:
                        pipe.set(key, new_lock.dumps())
                    pipe.execute()
                    return result
                except redis.WatchError:
                    continue  # another replica changed this lock meanwhile: read again

    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME) -> int:
        def change(lock: Optional[TicketLock]) -> Tuple[Any, Any]:
            lock = lock or TicketLock(conversation_id)
            return lock, lock.issue_ticket(lock_lifetime)

        try:
            return self._transact(conversation_id, change)
        except Exception as exc:  # noqa: BLE001 - Rasa's contract: LockError
            raise LockError(f"Error while acquiring lock ({type(exc).__name__})") from exc

    @asynccontextmanager
    async def lock(
        self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME, wait_time_in_seconds: float = 1
    ) -> AsyncGenerator[TicketLock, None]:
        """Hold the conversation's lock for one turn, renewing the ticket while waiting for it."""
        ticket = [self.issue_ticket(conversation_id, lock_lifetime)]  # the waiter's current ticket number
        try:
            yield await self._wait_until_served(conversation_id, ticket, lock_lifetime, wait_time_in_seconds)
        finally:
            self.cleanup(conversation_id, ticket[0])

    async def _wait_until_served(
        self, conversation_id: Text, ticket: List[int], lifetime: float, wait_time_in_seconds: float
    ) -> TicketLock:
        while True:
            lock = self._transact(
                conversation_id, lambda stored: self._renew(conversation_id, stored, ticket, lifetime)
            )
            if not lock.is_locked(ticket[0]):
                return lock
            await asyncio.sleep(wait_time_in_seconds)

    @staticmethod
    def _renew(
        conversation_id: Text, stored: Optional[TicketLock], ticket: List[int], lifetime: float
    ) -> Tuple[TicketLock, TicketLock]:
        """Drop others' expired tickets and extend ours (re-issued at the back if it was lost)."""
        lock = stored or TicketLock(conversation_id)
        expires = time.time() + lifetime
        mine = next((t for t in lock.tickets if t.number == ticket[0]), None)
        for other in list(lock.tickets):
            if other is not mine and other.has_expired():
                lock.tickets.remove(other)
        if mine is None:
            ticket[0] = lock.last_issued + 1
            lock.tickets.append(Ticket(ticket[0], expires))
        else:
            mine.expires = expires
        return lock, lock

    def update_lock(self, conversation_id: Text) -> None:
        def change(lock: Optional[TicketLock]) -> Tuple[Any, Any]:
            if lock is None:
                return _KEEP, None
            lock.remove_expired_tickets()
            return lock, None

        self._transact(conversation_id, change)

    def finish_serving(self, conversation_id: Text, ticket_number: int) -> None:
        def change(lock: Optional[TicketLock]) -> Tuple[Any, Any]:
            if lock is None:
                return _KEEP, None
            lock.remove_ticket_for(ticket_number)
            return lock, None

        self._transact(conversation_id, change)

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        """Remove this ticket; delete the lock only if nobody else holds or waits for it."""

        def change(lock: Optional[TicketLock]) -> Tuple[Any, Any]:
            if lock is None:
                return _KEEP, None
            lock.remove_ticket_for(ticket_number)
            return (lock if lock.is_someone_waiting() else None), None

        self._transact(conversation_id, change)

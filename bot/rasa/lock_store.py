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

Configured by :mod:`bot.rasa.server` in the production profile.
"""

from __future__ import annotations

import json
import logging
from typing import Any, Callable, Optional, Text, Tuple

from rasa.core.lock import TicketLock
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

"""The lock store hands out each ticket once, even when replicas race (real Redis)."""

from __future__ import annotations

import secrets
import threading
from urllib.parse import urlparse

import pytest

pytestmark = pytest.mark.redis


def _store(redis_url: str, prefix: str):
    from bot.rasa.lock_store import AtomicRedisLockStore

    url = urlparse(redis_url)
    return AtomicRedisLockStore(
        host=url.hostname, port=url.port or 6379, db=int(url.path.strip("/") or 0), key_prefix=prefix
    )


def _race(store_factory, conversation: str, workers: int = 8, each: int = 25):
    tickets, barrier = [], threading.Barrier(workers)

    def work() -> None:
        store = store_factory()  # one client per "replica"
        barrier.wait()
        for _ in range(each):
            tickets.append(store.issue_ticket(conversation, 60))

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return tickets


def test_replicas_issuing_tickets_at_once_never_get_the_same_ticket(redis_url: str) -> None:
    prefix = f"pdtest{secrets.token_hex(4)}"
    conversation = "race"
    tickets = _race(lambda: _store(redis_url, prefix), conversation)
    assert len(tickets) == len(set(tickets)) == 200
    store = _store(redis_url, prefix)
    assert len(store.get_lock(conversation).tickets) == 200
    store.delete_lock(conversation)


def test_rasas_own_redis_lock_store_hands_out_duplicate_tickets_under_the_same_race(redis_url: str) -> None:
    """Why bot.rasa.lock_store exists (Rasa 3.6: GET, modify, SET)."""
    from rasa.core.lock_store import RedisLockStore

    prefix = f"pdtest{secrets.token_hex(4)}"
    url = urlparse(redis_url)

    def factory():
        return RedisLockStore(
            host=url.hostname, port=url.port or 6379, db=int(url.path.strip("/") or 0), key_prefix=prefix
        )

    duplicates = 0
    for attempt in range(5):  # a race: usually at the first attempt
        tickets = _race(factory, f"race{attempt}")
        duplicates += len(tickets) - len(set(tickets))
        factory().delete_lock(f"race{attempt}")
        if duplicates:
            break
    assert duplicates > 0


def test_cleanup_keeps_the_lock_while_someone_else_holds_a_ticket(redis_url: str) -> None:
    store = _store(redis_url, f"pdtest{secrets.token_hex(4)}")
    first = store.issue_ticket("c", 60)
    second = store.issue_ticket("c", 60)
    store.cleanup("c", first)
    lock = store.get_lock("c")
    assert lock is not None and not lock.is_locked(second), "the second ticket is now served"
    store.cleanup("c", second)
    assert store.get_lock("c") is None

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


def _wait_for_turn(store, conversation: str, lifetime: float, give_up_after: float) -> bool:
    """Take the conversation's lock as a turn does; True if it was served before ``give_up_after``."""
    import asyncio

    async def turn() -> bool:
        async with store.lock(conversation, lock_lifetime=lifetime, wait_time_in_seconds=0.1):
            return True

    async def bounded() -> bool:
        try:
            return await asyncio.wait_for(turn(), give_up_after)
        except asyncio.TimeoutError:
            return False

    return asyncio.run(bounded())


def test_a_turn_waiting_for_a_dead_replicas_ticket_is_served_once_that_ticket_expires(redis_url: str) -> None:
    store = _store(redis_url, f"pdtest{secrets.token_hex(4)}")
    store.issue_ticket("c", 1.5)  # held by a replica that was killed: never finished, never renewed
    # The waiting turn's own lifetime (1 s) ends before the dead ticket's (1.5 s): it must not be lost.
    assert _wait_for_turn(store, "c", lifetime=1.0, give_up_after=5.0)
    assert store.get_lock("c") is None, "the lock is gone once the turn is done"


def test_rasas_own_lock_store_leaves_a_waiting_turn_waiting_forever_once_its_ticket_expired(redis_url: str) -> None:
    """Why the waiter renews its ticket (Rasa 3.6: every ticket expires at issue time + lifetime)."""
    from rasa.core.lock_store import RedisLockStore

    url = urlparse(redis_url)
    store = RedisLockStore(
        host=url.hostname,
        port=url.port or 6379,
        db=int(url.path.strip("/") or 0),
        key_prefix=f"pdtest{secrets.token_hex(4)}",
    )
    store.issue_ticket("c", 1.5)
    assert not _wait_for_turn(store, "c", lifetime=1.0, give_up_after=4.0)
    store.delete_lock("c")


def test_a_waiting_turn_whose_ticket_was_lost_queues_again_and_is_served(redis_url: str) -> None:
    import asyncio

    store = _store(redis_url, f"pdtest{secrets.token_hex(4)}")
    holder = store.issue_ticket("c", 60)

    async def scenario() -> bool:
        async def turn() -> bool:
            async with store.lock("c", lock_lifetime=60, wait_time_in_seconds=0.05):
                return True

        waiting = asyncio.create_task(turn())
        await asyncio.sleep(0.2)
        lock = store.get_lock("c")
        lock.tickets = type(lock.tickets)(t for t in lock.tickets if t.number == holder)  # the waiter's ticket vanishes
        store.save_lock(lock)
        await asyncio.sleep(0.2)
        assert not waiting.done(), "the holder still holds the lock"
        store.finish_serving("c", holder)
        return await asyncio.wait_for(waiting, 5)

    assert asyncio.run(scenario())
    assert store.get_lock("c") is None


def test_the_served_ticket_lives_a_full_lifetime_from_the_moment_the_turn_starts(redis_url: str) -> None:
    import asyncio
    import time

    store = _store(redis_url, f"pdtest{secrets.token_hex(4)}")
    holder = store.issue_ticket("c", 60)

    async def scenario() -> float:
        async def turn() -> float:
            async with store.lock("c", lock_lifetime=2.0, wait_time_in_seconds=0.05) as lock:
                return lock.tickets[0].expires - time.time()

        waiting = asyncio.create_task(turn())
        await asyncio.sleep(1.0)  # half the waiter's lifetime passes in the queue
        store.finish_serving("c", holder)
        return await asyncio.wait_for(waiting, 5)

    assert asyncio.run(scenario()) > 1.8

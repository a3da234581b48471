"""Process bodies for the concurrency tests (forked; each builds its own engine)."""

from __future__ import annotations

import random
from typing import Any, List, Sequence

from bot.privacy.crypto import DataCipher, Indexer
from bot.tickets import AlreadyClaimed, TicketService

from .conftest import open_db


def _service(url: str, data_keys: Sequence[str], index_key: str) -> TicketService:
    return TicketService(open_db(url), DataCipher(list(data_keys)), Indexer(index_key))


def claim_all(
    url: str,
    data_keys: Sequence[str],
    index_key: str,
    references: Sequence[str],
    agent: str,
    seed: int,
    barrier: Any,
    results: Any,
) -> None:
    service = _service(url, data_keys, index_key)
    won: List[str] = []
    order = list(references)
    random.Random(seed).shuffle(order)  # every agent walks the queue in its own order
    try:
        barrier.wait(timeout=60)
        for reference in order:
            try:
                service.claim(reference, agent=agent)
                won.append(reference)
            except AlreadyClaimed:
                pass
        results.put((agent, won, None))
    except Exception as exc:  # noqa: BLE001 - reported to the parent, which fails the test
        results.put((agent, won, f"{type(exc).__name__}: {exc}"))
    finally:
        service.database.dispose()


def create_once(url: str, data_keys: Sequence[str], index_key: str, key: str, barrier: Any, results: Any) -> None:
    service = _service(url, data_keys, index_key)
    try:
        barrier.wait(timeout=60)
        result = service.create(kind="deletion", channel="sms", idempotency_key=key)
        results.put((result.ticket.reference, result.created, None))
    except Exception as exc:  # noqa: BLE001
        results.put((None, False, f"{type(exc).__name__}: {exc}"))
    finally:
        service.database.dispose()
